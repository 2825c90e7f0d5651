/**
 * The first state of a tenant workflow: the tenant and the operation must exist and agree, the
 * tenant must be in the status the workflow works on, and the operation becomes RUNNING.
 */
import type { OperationType, Tenant, TenantStatus } from '#shared/domain/types.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { validationError } from './errors.ts';
import type { WorkflowState } from './workflow-step.ts';

export async function beginTenantOperation(repo: FleetRepository, state: WorkflowState, type: OperationType, status: TenantStatus): Promise<Tenant> {
  const [tenant, operation] = await Promise.all([repo.requireTenant(state.tenantId), repo.requireOperation(state.operationId)]);
  if (operation.type !== type || operation.tenantId !== tenant.tenantId) {
    throw validationError(`operation ${operation.operationId} is not a ${type} of ${tenant.tenantId}`);
  }
  if (tenant.status !== status) throw validationError(`tenant ${tenant.tenantId} is ${tenant.status}, not ${status}`);
  if (operation.status === 'PENDING') await repo.updateOperation(operation.operationId, { status: 'RUNNING' });
  return tenant;
}
