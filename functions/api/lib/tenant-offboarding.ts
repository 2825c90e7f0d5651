/**
 * `DELETE /v1/tenants/{tenantId}`: takes the tenant's lease for a new offboarding operation, moves
 * the tenant to OFFBOARDING (with a change event), records the operation and starts the
 * offboarding workflow. The lifecycle table decides whether offboarding may start; while another
 * operation holds the tenant, it may not (409). A refusal after the lease was taken gives it back.
 */
import type { Tenant } from '#shared/domain/types.ts';
import { transition } from '#shared/domain/tenant-lifecycle.ts';
import { AppError, conflict } from '#shared/lib/errors.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import type { Attempt } from './idempotency.ts';
import type { StartedOperation } from './tenant-creation.ts';
import { recordExecution, startWorkflow, stateMachineArn } from './workflow-start.ts';
import { pendingOperation } from '#shared/domain/operations.ts';

/** The lease the offboarding operation starts with; its workflow renews it as it goes. */
export const OFFBOARD_LEASE_SECONDS = 2 * 3600;
/** Writes racing ours for the tenant's version (a workflow recording a drill, say) are retried this often. */
const VERSION_RACES = 3;

export interface TenantOffboarding {
  repo: FleetRepository;
  tenantId: string;
  actor: string;
  attempt: Attempt;
  now?: () => Date;
}

export async function startTenantOffboarding(c: TenantOffboarding): Promise<StartedOperation> {
  const machineArn = stateMachineArn('offboard');
  const now = c.now ?? (() => new Date());
  const { operationId } = c.attempt;

  const tenant = (await earlierAttempt(c)) ?? (await markOffboarding(c, now));
  const at = now().toISOString();
  const operation = pendingOperation({ operationId, type: 'OFFBOARD', tenantId: c.tenantId, requestedBy: c.actor, at });
  await c.repo.createOperation(operation);
  const executionArn = await startWorkflow({ kind: 'offboard', machineArn, operation, actor: c.actor });
  return { tenant, operation: await recordExecution(c.repo, operationId, executionArn) };
}

/** The tenant, if an earlier attempt of this same request already moved it on under this operation. */
async function earlierAttempt(c: TenantOffboarding): Promise<Tenant | undefined> {
  const tenant = await c.repo.requireTenant(c.tenantId);
  if (!c.attempt.resumed) return undefined;
  if (tenant.lease?.owner === c.attempt.operationId && tenant.status === 'OFFBOARDING') return tenant;
  // The operation is recorded only once the tenant is OFFBOARDING; the workflow may have moved it on since.
  const operation = await c.repo.getOperation(c.attempt.operationId);
  return operation?.tenantId === c.tenantId && operation.type === 'OFFBOARD' ? tenant : undefined;
}

function refuseUnlessAllowed(tenant: Tenant, operationId: string, at: Date): void {
  const allowed = transition(tenant.status, 'OffboardRequested', {
    now: at,
    operationId,
    leaseOwner: tenant.lease?.owner,
    leaseExpiresAt: tenant.lease?.expiresAt,
  });
  if (!allowed.ok) throw conflict(`Tenant ${tenant.tenantId} cannot be offboarded now: ${allowed.reason}`, [{ path: 'status', message: tenant.status }]);
}

async function markOffboarding(c: TenantOffboarding, now: () => Date): Promise<Tenant> {
  const { repo, tenantId, attempt } = c;
  refuseUnlessAllowed(await repo.requireTenant(tenantId), attempt.operationId, now());
  let leased = await repo.acquireLease(tenantId, attempt.operationId, OFFBOARD_LEASE_SECONDS);
  try {
    for (let race = 1; ; race++) {
      try {
        return await repo.updateTenant(
          tenantId,
          leased.version,
          (t) => {
            refuseUnlessAllowed(t, attempt.operationId, now());
            return { ...t, status: 'OFFBOARDING', statusReason: undefined };
          },
          { actor: c.actor, type: 'OffboardingRequested', operationId: attempt.operationId },
        );
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'Conflict' && err.details.some((d) => d.path === 'version')) || race >= VERSION_RACES) throw err;
        leased = await repo.requireTenant(tenantId);
      }
    }
  } catch (err) {
    await repo.releaseLease(tenantId, attempt.operationId);
    throw err;
  }
}
