/**
 * First state of offboarding: the tenant is OFFBOARDING under this operation. Returns the plan,
 * including the grace period the workflow waits before deleting anything.
 */
import { names } from '#shared/domain/names.ts';
import { validationError } from '#shared/lib/errors.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep(async ({ state, repo, config, now }) => {
  const [tenant, operation] = await Promise.all([repo.requireTenant(state.tenantId), repo.requireOperation(state.operationId)]);
  if (operation.type !== 'OFFBOARD' || operation.tenantId !== tenant.tenantId) {
    throw validationError(`operation ${operation.operationId} is not an offboarding of ${tenant.tenantId}`);
  }
  if (tenant.status !== 'OFFBOARDING') throw validationError(`tenant ${tenant.tenantId} is ${tenant.status}, not OFFBOARDING`);
  if (operation.status === 'PENDING') await repo.updateOperation(operation.operationId, { status: 'RUNNING' });
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
