/**
 * Provisioning failed and its resources are gone: the tenant is FAILED with the reason, its cell
 * slot and lease are released, and the operation ends FAILED with the error.
 */
import { transition } from '#shared/domain/tenant-lifecycle.ts';
import { caughtError, failRunningSteps, workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep(async ({ state, step, repo, now, tenant: loadTenant, updateTenant }) => {
  const error = caughtError(state);
  const compensation = (state as { compensationError?: unknown }).compensationError ? caughtError(state, 'compensationError') : undefined;
  const reason = compensation
    ? `${error.code}: ${error.message}; compensation failed too (${compensation.code}: ${compensation.message}): the resources still on the tenant record may remain`
    : `${error.code}: ${error.message}`;
  await failRunningSteps(repo, state.operationId, error, now().toISOString(), step);
  const current = await loadTenant();
  if (current.status !== 'PROVISIONING' || current.lease?.owner !== state.operationId) {
    // The tenant moved on (it was activated before a late failure): leave it and its slot alone.
    const op = await repo.requireOperation(state.operationId);
    if (op.status !== 'SUCCEEDED') await repo.updateOperation(state.operationId, { status: 'FAILED', error, endedAt: now().toISOString() });
    return { status: current.status, skipped: 'tenant is not being provisioned by this operation' };
  }
  const tenant = await updateTenant((t) => {
    const next = transition(t.status, 'ProvisionFailed', { now: now(), operationId: state.operationId, leaseOwner: t.lease?.owner, leaseExpiresAt: t.lease?.expiresAt });
    return next.ok ? { ...t, status: next.to, statusReason: reason } : { ...t, statusReason: reason };
  }, 'ProvisioningFailed');
  // A cell slot is given back only when compensation removed everything from the cell.
  if (tenant.placement.cell && !compensation) await repo.releaseCellSlot(tenant.placement.cell, tenant.tenantId);
  await repo.releaseLease(state.tenantId, state.operationId);
  await repo.updateOperation(state.operationId, { status: 'FAILED', error, endedAt: now().toISOString() });
  return { status: tenant.status, reason };
});
