/**
 * Where a tenant's database lives and what a release keeps of it: the cell cluster (pooled) or the
 * tenant's own cluster (dedicated), the pre-change copy's name, and how to query it.
 */
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { cellIn, type CellInRegion } from '#shared/domain/fleet-lookup.ts';
import { releaseNames } from '#shared/domain/release-names.ts';
import type { Tenant, TenantResources } from '#shared/domain/types.ts';
import { validationError } from '#shared/lib/errors.ts';

export type TenantDatabase = NonNullable<TenantResources['database']>;

export function databaseOf(tenant: Tenant): TenantDatabase {
  const database = tenant.resources.database;
  if (!database) throw validationError(`tenant ${tenant.tenantId} has no database`);
  return database;
}

/** The tenant's cell where the tenant is active (after a failover, the cell's copy in the DR region). */
export function cellFor(config: FleetConfig, tenant: Tenant): CellInRegion {
  return cellIn(config, tenant.placement, tenant.activeRegion);
}

/** The pre-change copy: a database on the cell cluster (pooled) or a cluster snapshot (dedicated). */
export function preChangeCopy(config: FleetConfig, tenant: Tenant, releaseId: string): { copyDatabase?: string; snapshotIdentifier?: string } {
  const database = databaseOf(tenant);
  return tenant.placement.model === 'pooled'
    ? { copyDatabase: releaseNames.preChangeCopy(database.databaseName, releaseId) }
    : { snapshotIdentifier: releaseNames.preChangeSnapshot(tenant.tenantId, releaseId, config.namePrefix) };
}

// Where the tenant's data and backups are: shared with the drills, so defined with the fleet lookups.
export { backupCluster, tenantDataTarget } from '#shared/domain/fleet-lookup.ts';
