/**
 * A failover's changes to its tenants, under the failover's lease (its id is the lease owner and
 * the operation id of every change event): the lifecycle moves (`FailoverStarted`,
 * `FailoverSucceeded`, `FailoverFailed`) through the tenant lifecycle table, and the tenants of a unit.
 */
import { transition, type TenantEvent } from '#shared/domain/tenant-lifecycle.ts';
import type { Tenant, TenantStatus } from '#shared/domain/types.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { AppError, conflict } from './errors.ts';

export interface FailoverActor {
  failoverId: string;
  actor: string;
  executionArn?: string;
}

/** The unit's tenants as stored now, in the unit's order. */
export async function loadTenants(repo: FleetRepository, tenantIds: readonly string[]): Promise<Tenant[]> {
  return Promise.all(tenantIds.map((id) => repo.requireTenant(id)));
}

/**
 * A cell unit's `activeSince`: since when its database has been active where it is (snapshots
 * from before are of the cluster an earlier failover left). Undefined for a dedicated unit, or a
 * cell that never moved.
 */
export async function unitCellSince(repo: Pick<FleetRepository, 'cellActiveSince'>, unit: { kind: string }, tenants: readonly Tenant[]): Promise<string | undefined> {
  const cell = unit.kind === 'cell' ? tenants[0]?.placement.cell : undefined;
  return cell ? repo.cellActiveSince(cell) : undefined;
}

/**
 * Applies `patch` and, when the tenant is not there yet, moves it by `event` to `target`. A tenant
 * that is not in a status the event leaves (a suspended one) keeps its status and takes the patch.
 */
export async function changeTenant(
  repo: FleetRepository,
  who: FailoverActor,
  tenantId: string,
  change: { event?: TenantEvent; target?: TenantStatus; patch: (t: Tenant) => Partial<Tenant>; type: string },
  now: () => Date,
): Promise<Tenant> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await repo.updateCurrentTenant(
        tenantId,
        (t) => {
          if (!change.event || !change.target || t.status === change.target) return { ...t, ...change.patch(t) };
          const next = transition(t.status, change.event, { now: now(), operationId: who.failoverId, leaseOwner: t.lease?.owner, leaseExpiresAt: t.lease?.expiresAt });
          if (!next.ok) {
            if (next.guard) throw conflict(next.reason);
            return { ...t, ...change.patch(t) };
          }
          return { ...t, ...change.patch(t), status: next.to };
        },
        { actor: who.actor, type: change.type, operationId: who.failoverId, ...(who.executionArn ? { executionArn: who.executionArn } : {}) },
      );
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'Conflict') || attempt >= 4) throw err;
    }
  }
}
