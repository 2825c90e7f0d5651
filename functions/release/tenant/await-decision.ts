/**
 * A human decides: the verdict was inconclusive, or restoring the database would lose what users
 * wrote after the cut-over. The task token is stored on the tenant's release item; the decision
 * API (`POST /v1/releases/{id}/tenants/{tenantId}/decision`) answers it with `{choice}`. The
 * operation shows WAITING_APPROVAL meanwhile and the lease is held as long as the wait may last.
 * A decision already recorded for this wait (the task re-run after it was made) is answered at once.
 */
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { cloud } from '#shared/cloud/clients.ts';
import { conflict, validationError } from '#shared/lib/errors.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';
import { moveOutcome, requireItem, type UpgradeState } from './lib/upgrade-state.ts';

/** The execution's own timeout bounds the wait; the lease must outlast it. */
export const DECISION_LEASE_SECONDS = 8 * 86_400;

type State = UpgradeState & { taskToken: string };

const step = workflowStep<State, Record<string, unknown>>(async (ctx) => {
  const { state, repo } = ctx;
  let item = await requireItem(ctx);
  if (item.outcome === 'BAKING') {
    item = await moveOutcome(ctx, 'VerdictInconclusive', { reason: `verdict inconclusive: ${(item.verdict?.reasons ?? []).join('; ') || 'no reason recorded'}` });
  } else if (item.outcome !== 'AWAITING_DECISION') {
    throw conflict(`a decision is awaited in BAKING or AWAITING_DECISION, not ${item.outcome}`);
  }
  const waitingSince = [...item.history].reverse().find((h) => h.outcome === 'AWAITING_DECISION')?.at ?? '';
  if (item.decision && item.decision.at >= waitingSince) {
    const region = ctx.executionArn.split(':')[3] ?? ctx.config.primaryRegion;
    await cloud().sfn(region).send(new SendTaskSuccessCommand({ taskToken: state.taskToken, output: JSON.stringify({ choice: item.decision.choice }) }));
    return { waiting: false, choice: item.decision.choice };
  }
  await repo.setDecisionToken(state.releaseId, state.tenantId, state.taskToken);
  await repo.renewLease(state.tenantId, state.operationId, DECISION_LEASE_SECONDS);
  await repo.updateOperation(state.operationId, { status: 'WAITING_APPROVAL' });
  return { waiting: true, reason: item.reason ?? null };
});

/** The task token travels beside the state (`{state, step, executionArn, taskToken}`); the step reads it from its state. */
export const handler = async (event: unknown, context: unknown) => {
  const e = event as { state?: Record<string, unknown>; taskToken?: unknown };
  if (typeof e?.taskToken !== 'string' || !e.taskToken) throw validationError('the decision wait needs its task token', [{ path: 'taskToken', message: 'is required' }]);
  return step({ ...e, state: { ...e.state, taskToken: e.taskToken } }, context as never);
};
