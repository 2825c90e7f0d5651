/**
 * DR copies taken apart and not made again: a release rollback replaces a dedicated tenant's
 * cluster with one restored from its pre-change snapshot, and RDS lets no writer of a global
 * database go, so the copy is removed first (`DrCopyRemoved`). The scheduled readiness run makes
 * it again, one look-and-act pass per tenant per run, from the cluster serving now: a global
 * database from it, and a secondary of its identifier in the other region. Tenants under a lease
 * (a release, a failover, an offboarding at work) are left alone; what cannot be done is said.
 */
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { allPages } from '#shared/store/query.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { describeAwsError } from './adapters/aws-errors.ts';
import { tagList } from './adapters/tag-list.ts';
import type { CloudProvider } from './clients.ts';
import { ensureDedicatedDrDatabase } from './dedicated-dr-copy.ts';

export interface DrCopyRepairResult {
  /** Secondaries available again in this run. */
  repaired: string[];
  /** Asked for, not available yet. */
  inProgress: string[];
  failed: { tenantId: string; error: string }[];
}

/** A dedicated tenant whose posture has a DR copy of its own and whose record holds none. */
export function needsDrCopy(t: Tenant, now: Date): boolean {
  const leased = t.lease !== undefined && Date.parse(t.lease.expiresAt) > now.getTime();
  return (
    !leased &&
    t.placement.model === 'dedicated' &&
    t.placement.drPosture !== 'backup-restore' &&
    t.resources.database?.kind === 'dedicated' &&
    !t.resources.dr?.globalClusterIdentifier
  );
}

export async function repairDrCopies(repo: FleetRepository, config: FleetConfig, clients: CloudProvider, now: Date): Promise<DrCopyRepairResult> {
  const result: DrCopyRepairResult = { repaired: [], inProgress: [], failed: [] };
  const active = await allPages((cursor) => repo.listTenants({ status: 'ACTIVE', model: 'dedicated', limit: 100, ...(cursor ? { cursor } : {}) }));
  for (const tenant of active.filter((t) => needsDrCopy(t, now))) {
    try {
      const step = await ensureDedicatedDrDatabase(config, clients, tenant, tenant.activeRegion, tagList({ 'odoo:tenant': tenant.tenantId, 'odoo:purpose': 'dr-copy-repair' }));
      if (step.status === 'pending') {
        result.inProgress.push(tenant.tenantId);
        continue;
      }
      // Recorded once the secondary is available: until then the tenant still shows no copy, and the next run looks again.
      if (step.status !== 'available') {
        result.inProgress.push(tenant.tenantId);
        continue;
      }
      await repo.updateCurrentTenant(tenant.tenantId, (t) => ({ ...t, resources: { ...t.resources, dr: { ...t.resources.dr, ...step.dr } } }), { actor: 'failover-readiness', type: 'DrCopyEnsured' });
      result.repaired.push(tenant.tenantId);
    } catch (err) {
      result.failed.push({ tenantId: tenant.tenantId, error: describeAwsError(err) });
    }
  }
  return result;
}
