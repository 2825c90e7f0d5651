/**
 * The approval wait: a `waitForTaskToken` task. The token is stored on the failover, where the
 * approve and reject calls find it to end the wait; a failover rejected before the token was
 * stored would never be woken, so that is checked after storing it too.
 */
import { validationError } from '#shared/lib/errors.ts';
import { failoverStep, type FailoverState } from '#shared/lib/failover-step.ts';

class FailoverRejected extends Error {
  override name = 'FailoverRejected';
}

export const handler = failoverStep<FailoverState, { waiting: boolean; status: string }>(async ({ state, repo, taskToken }) => {
  if (!taskToken) throw validationError('the approval wait needs a task token', [{ path: 'taskToken', message: 'is required' }]);
  const stopIfRejected = async () => {
    const f = await repo.requireFailover(state.failoverId);
    if (f.status === 'REJECTED') throw new FailoverRejected(f.statusReason ?? `failover ${f.failoverId} was rejected`);
    return f;
  };
  await stopIfRejected();
  await repo.setFailoverApprovalToken(state.failoverId, taskToken);
  const failover = await stopIfRejected();
  return { waiting: true, status: failover.status };
});
