/**
 * Where a tenant's database lives and what a release keeps of it: the cell cluster (pooled) or the
 * tenant's own cluster (dedicated), the pre-change copy's name, and how to query it.
 */
import type { DataTarget } from '#shared/cloud/adapters/release-database.ts';
import type { CellConfig, FleetConfig } from '#shared/domain/fleet-config.ts';
import { cellOf } from '#shared/domain/fleet-lookup.ts';
import { releaseNames } from '#shared/domain/release-names.ts';
import type { Tenant, TenantResources } from '#shared/domain/types.ts';
import { validationError } from '#shared/lib/errors.ts';

export type TenantDatabase = NonNullable<TenantResources['database']>;

export function databaseOf(tenant: Tenant): TenantDatabase {
  const database = tenant.resources.database;
  if (!database) throw validationError(`tenant ${tenant.tenantId} has no database`);
  return database;
}

export function cellFor(config: FleetConfig, tenant: Tenant): CellConfig {
  return cellOf(config, tenant.placement);
}

/** The pre-change copy: a database on the cell cluster (pooled) or a cluster snapshot (dedicated). */
export function preChangeCopy(config: FleetConfig, tenant: Tenant, releaseId: string): { copyDatabase?: string; snapshotIdentifier?: string } {
  const database = databaseOf(tenant);
  return tenant.placement.model === 'pooled'
    ? { copyDatabase: releaseNames.preChangeCopy(database.databaseName, releaseId) }
    : { snapshotIdentifier: releaseNames.preChangeSnapshot(tenant.tenantId, releaseId, config.namePrefix) };
}

/** The Data API target that reads the tenant's own database, as the cluster's master user. */
export function tenantDataTarget(config: FleetConfig, tenant: Tenant): DataTarget {
  const database = databaseOf(tenant);
  if (tenant.placement.model === 'pooled') {
    const cell = cellFor(config, tenant);
    return { resourceArn: cell.auroraClusterArn, secretArn: cell.masterSecretArn, database: database.databaseName };
  }
  return {
    resourceArn: `arn:aws:rds:${tenant.activeRegion}:${config.accountId}:cluster:${database.clusterIdentifier}`,
    secretArn: database.secretArn,
    database: database.databaseName,
  };
}

/** The cluster whose backups protect the tenant: its own, or its cell's. */
export function backupCluster(config: FleetConfig, tenant: Tenant): string {
  return tenant.placement.model === 'pooled' ? cellFor(config, tenant).auroraClusterIdentifier : databaseOf(tenant).clusterIdentifier;
}
