/**
 * First state of provisioning: the tenant and operation must exist, agree with each other, and the
 * tenant must be PROVISIONING. Returns the plan the later steps read (model, region, cluster...).
 */
import { names } from '#shared/domain/names.ts';
import { validationError } from '#shared/lib/errors.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep(async ({ state, repo, now }) => {
  const [tenant, operation] = await Promise.all([repo.requireTenant(state.tenantId), repo.requireOperation(state.operationId)]);
  if (operation.type !== 'PROVISION' || operation.tenantId !== tenant.tenantId) {
    throw validationError(`operation ${operation.operationId} is not a provisioning of ${tenant.tenantId}`);
  }
  if (tenant.status !== 'PROVISIONING') throw validationError(`tenant ${tenant.tenantId} is ${tenant.status}, not PROVISIONING`);
  if (operation.status === 'PENDING') await repo.updateOperation(operation.operationId, { status: 'RUNNING' });
  return {
    model: tenant.placement.model,
    region: tenant.activeRegion,
    cluster: tenant.placement.cluster,
    cell: tenant.placement.cell,
    hostname: tenant.hostname,
    namespace: names.namespace(tenant.tenantId),
    startedAt: now().toISOString(),
  };
});
