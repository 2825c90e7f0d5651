/** The tenant is provisioned and healthy: ACTIVE, lease released, operation SUCCEEDED. */
import { transition } from '#shared/domain/tenant-lifecycle.ts';
import { conflict } from '#shared/lib/errors.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep(async ({ state, repo, now, updateTenant }) => {
  await updateTenant((t) => {
    if (t.status === 'ACTIVE') return t;
    const next = transition(t.status, 'ProvisionSucceeded', { now: now(), operationId: state.operationId, leaseOwner: t.lease?.owner, leaseExpiresAt: t.lease?.expiresAt });
    if (!next.ok) throw conflict(next.reason);
    return { ...t, status: next.to, statusReason: undefined };
  }, 'TenantActivated');
  await repo.releaseLease(state.tenantId, state.operationId);
  await repo.updateOperation(state.operationId, { status: 'SUCCEEDED', endedAt: now().toISOString() });
  return { status: 'ACTIVE' };
});
