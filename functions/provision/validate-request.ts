/**
 * First state of provisioning: the tenant and operation must exist, agree with each other, and the
 * tenant must be PROVISIONING. Returns the plan the later steps read (model, region, cluster...).
 */
import { eksClusterIn } from '#shared/domain/fleet-lookup.ts';
import { names } from '#shared/domain/names.ts';
import { beginTenantOperation } from '#shared/lib/workflow-start.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep(async ({ state, repo, config, now }) => {
  const tenant = await beginTenantOperation(repo, state, 'PROVISION', 'PROVISIONING');
  return {
    model: tenant.placement.model,
    region: tenant.activeRegion,
    // Where the tenant starts: a failed-over cell's tenants start on its DR-region node pool.
    cluster: eksClusterIn(config, tenant, tenant.activeRegion),
    cell: tenant.placement.cell,
    hostname: tenant.hostname,
    namespace: names.namespace(tenant.tenantId),
    startedAt: now().toISOString(),
  };
});
