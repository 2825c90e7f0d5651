/**
 * The failover workflow's first state. Started by the API, the state is `{failoverId, actor}` and
 * the failover is already recorded: this finds it. Started from the Step Functions console, the
 * state is the API's body: it is validated here (a bad one fails the execution with every problem
 * named, having changed nothing) and the failover begun as the API would, under an id derived from
 * the execution, so a retry of this state finds the failover it recorded.
 */
import { beginFailover } from '#shared/lib/failover-begin.ts';
import { failoverStep } from '#shared/lib/failover-step.ts';
import { failoverIdFor } from '#shared/lib/ids.ts';
import { FAILOVER_ID_PATTERN } from '#shared/domain/failover-types.ts';
import { validationError } from '#shared/lib/errors.ts';

/** Who started a console execution: the console passes no caller, so the execution names it. */
const consoleActor = (executionArn: string) => `console:${executionArn.split(':').pop() ?? 'execution'}`;

export const handler = failoverStep<Record<string, unknown>, { failoverId: string; actor: string }>(async ({ state, repo, config, now, executionArn }) => {
  if (typeof state.failoverId === 'string') {
    if (!FAILOVER_ID_PATTERN.test(state.failoverId)) throw validationError(`failoverId ${state.failoverId} is not a failover id`, [{ path: 'failoverId', message: 'must look like fo-<26 characters>' }]);
    const failover = await repo.requireFailover(state.failoverId);
    if (!failover.executionArn) await repo.updateFailover(failover.failoverId, (f) => ({ ...f, executionArn }));
    return { failoverId: failover.failoverId, actor: failover.requestedBy };
  }
  const { actor: given, ...body } = state;
  const actor = typeof given === 'string' && given ? given : consoleActor(executionArn);
  const failoverId = failoverIdFor(executionArn);
  const existing = await repo.getFailover(failoverId);
  if (existing) return { failoverId, actor: existing.requestedBy };
  const { failover } = await beginFailover({ repo, config, now: now(), body, actor, failoverId, executionArn });
  return { failoverId: failover.failoverId, actor };
});
