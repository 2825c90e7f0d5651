/**
 * The tenant is left as it was: another operation holds it, or pre-flight refused it. Its outcome
 * becomes SKIPPED with the reason (not counted against the wave's budget), our lease is given back
 * if we took it, and its RELEASE operation ends CANCELLED with the reason.
 */
import { caughtError, workflowStep } from '#shared/lib/workflow-step.ts';
import { moveOutcome, requireItem, type UpgradeState } from './lib/upgrade-state.ts';

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { repo, state, now } = ctx;
  const reason = state.error ? skipReason(caughtError(state)) : (state.preflight?.reason ?? 'pre-flight did not pass');
  const item = await requireItem(ctx);
  const at = now().toISOString();
  let outcome = item.outcome;
  if (item.outcome === 'PREFLIGHT') outcome = (await moveOutcome(ctx, 'PreflightFailed', { reason, endedAt: at })).outcome;
  else if (item.outcome === 'PENDING' || item.outcome === 'WAITING_WINDOW') outcome = (await moveOutcome(ctx, 'Skipped', { reason, endedAt: at })).outcome;
  // Conditional on the owner: a lease held by another operation stays theirs.
  await repo.releaseLease(state.tenantId, state.operationId);
  const operation = await repo.requireOperation(state.operationId);
  if (!['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(operation.status)) {
    await repo.updateOperation(state.operationId, { status: 'CANCELLED', error: { code: 'TenantSkipped', message: reason }, endedAt: at });
  }
  return { skipped: true, outcome, reason };
});

function skipReason(error: { code: string; message: string }): string {
  if (error.code === 'LeaseHeld') return `another operation holds the tenant: ${error.message}`;
  return `pre-flight could not complete: ${error.code}: ${error.message}`;
}
