/**
 * Another operation holds the tenant: this operation ends FAILED and the tenant is not touched
 * (its resources belong to the holder).
 */
import { caughtError, failRunningSteps, workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep(async ({ state, step, repo, now }) => {
  const error = caughtError(state);
  await failRunningSteps(repo, state.operationId, error, now().toISOString(), step);
  await repo.updateOperation(state.operationId, { status: 'FAILED', error, endedAt: now().toISOString() });
  return { recorded: true };
});
