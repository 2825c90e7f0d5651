/**
 * Offboarding failed part-way: the tenant is FAILED with the reason and still lists what exists;
 * the lease is released so offboarding can be requested again (every step resumes as an ensure).
 */
import { transition } from '#shared/domain/tenant-lifecycle.ts';
import { caughtError, failRunningSteps, workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep(async ({ state, step, repo, now, updateTenant }) => {
  const error = caughtError(state);
  await failRunningSteps(repo, state.operationId, error, now().toISOString(), step);
  const reason = `offboarding failed: ${error.code}: ${error.message}`;
  const tenant = await updateTenant((t) => {
    const next = transition(t.status, 'OffboardFailed', { now: now(), operationId: state.operationId, leaseOwner: t.lease?.owner, leaseExpiresAt: t.lease?.expiresAt });
    return next.ok ? { ...t, status: next.to, statusReason: reason } : { ...t, statusReason: reason };
  }, 'OffboardingFailed');
  await repo.releaseLease(state.tenantId, state.operationId);
  await repo.updateOperation(state.operationId, { status: 'FAILED', error, endedAt: now().toISOString() });
  return { status: tenant.status, reason };
});
