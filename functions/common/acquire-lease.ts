/** Takes (or renews, when it already holds it) the tenant's operation lease for this operation. */
import { workflowStep } from '#shared/lib/workflow-step.ts';

/** Long enough for a dedicated tenant's slowest path; every later step renews it. */
export const LEASE_SECONDS = 4 * 3600;

export const handler = workflowStep(async ({ state, repo }) => {
  const tenant = await repo.acquireLease(state.tenantId, state.operationId, LEASE_SECONDS);
  return { owner: tenant.lease?.owner ?? state.operationId, expiresAt: tenant.lease?.expiresAt ?? null };
});
