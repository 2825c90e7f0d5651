/**
 * Reserving a drill, the same for an on-demand request and a scheduled run: the tenant must have a
 * database with backups to prove (a drillable status), its drill lock is taken for this drill (two
 * drills of a tenant never overlap; the operation lease is not touched, so releases and failovers
 * go on), and the drill's operation and record are written before its workflow starts, so the API
 * answers with them and a retried request finds them. A refusal after the lock was taken gives it back.
 */
import { DRILLABLE_STATUSES } from '#shared/domain/drill-schedule.ts';
import { drillTargets } from '#shared/domain/drill-measure.ts';
import type { DrillRecord, DrillTrigger } from '#shared/domain/drill-types.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { pendingOperation } from '#shared/domain/operations.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { conflict } from './errors.ts';

export interface DrillReservation {
  repo: FleetRepository;
  config: FleetConfig;
  tenantId: string;
  drillId: string;
  actor: string;
  trigger: DrillTrigger;
  restoreTime?: string;
  now: Date;
}

/** Why the tenant cannot be drilled now, or null. */
export function drillRefusal(tenant: Tenant): string | null {
  if (!DRILLABLE_STATUSES.includes(tenant.status)) return `tenant ${tenant.tenantId} is ${tenant.status}; drills run on ${DRILLABLE_STATUSES.join(', ')} tenants`;
  if (!tenant.resources.database) return `tenant ${tenant.tenantId} has no database yet`;
  return null;
}

export async function reserveDrill(r: DrillReservation): Promise<{ drill: DrillRecord; operation: Operation; tenant: Tenant }> {
  const { repo, tenantId, drillId } = r;
  const existing = await repo.getDrill(tenantId, drillId);
  const tenant = await repo.requireTenant(tenantId);
  if (existing) {
    // A retry of the same request: what the first attempt reserved.
    return { drill: existing, operation: await repo.requireOperation(drillId), tenant };
  }
  const refusal = drillRefusal(tenant);
  if (refusal) throw conflict(`Tenant ${tenantId} cannot be drilled now: ${refusal}`, [{ path: 'status', message: tenant.status }]);

  await repo.acquireDrillLock(tenantId, drillId, r.config.drills.ttlHours * 3600);
  try {
    const at = r.now.toISOString();
    const operation = pendingOperation({ operationId: drillId, type: 'DRILL', tenantId, requestedBy: r.actor, at });
    await repo.createOperation(operation);
    const drill = await repo.createDrill({
      tenantId,
      drillId,
      operationId: drillId,
      trigger: r.trigger,
      requestedBy: r.actor,
      status: 'REQUESTED',
      criticality: tenant.profile.criticality,
      model: tenant.placement.model,
      startedAt: at,
      ...(r.restoreTime ? { restorePoint: r.restoreTime, restorePointKind: 'chosen' as const } : {}),
      ...drillTargets(tenant.placement),
      checks: [],
      cleanedUp: false,
    });
    return { drill, operation, tenant };
  } catch (err) {
    await repo.releaseDrillLock(tenantId, drillId).catch(() => undefined);
    throw err;
  }
}
