/**
 * Every resource is confirmed gone: the tenant is DELETED (the record stays, with its final backup
 * locations, for audit), its cell slot and lease are released, the operation SUCCEEDED.
 */
import { transition } from '#shared/domain/tenant-lifecycle.ts';
import { conflict } from '#shared/lib/errors.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep(async ({ state, repo, now, updateTenant }) => {
  const tenant = await updateTenant((t) => {
    if (t.status === 'DELETED') return t;
    const next = transition(t.status, 'OffboardSucceeded', { now: now(), operationId: state.operationId, leaseOwner: t.lease?.owner, leaseExpiresAt: t.lease?.expiresAt });
    if (!next.ok) throw conflict(next.reason);
    return { ...t, status: next.to, statusReason: undefined };
  }, 'TenantDeleted');
  if (tenant.placement.cell) await repo.releaseCellSlot(tenant.placement.cell, tenant.tenantId);
  await repo.releaseLease(state.tenantId, state.operationId);
  await repo.updateOperation(state.operationId, { status: 'SUCCEEDED', endedAt: now().toISOString() });
  return { status: 'DELETED' };
});
