/**
 * First state of offboarding: the tenant is OFFBOARDING under this operation. Returns the plan,
 * including the grace period the workflow waits before deleting anything.
 */
import { names } from '#shared/domain/names.ts';
import { beginTenantOperation } from '#shared/lib/workflow-start.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep(async ({ state, repo, config, now }) => {
  const tenant = await beginTenantOperation(repo, state, 'OFFBOARD', 'OFFBOARDING');
  return {
    model: tenant.placement.model,
    region: tenant.activeRegion,
    cluster: tenant.placement.cluster,
    cell: tenant.placement.cell,
    hostname: tenant.hostname,
    namespace: names.namespace(tenant.tenantId),
    graceSeconds: config.offboardGraceSeconds,
    startedAt: now().toISOString(),
  };
});
