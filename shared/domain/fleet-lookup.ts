/** Finds a tenant's cell, cluster and storage in the fleet configuration; a missing one is a clear error. */
import { validationError } from '#shared/lib/errors.ts';
import type { CellConfig, EksClusterConfig, FleetConfig } from './fleet-config.ts';
import { names } from './names.ts';
import type { Placement, Tenant } from './types.ts';

export function cellOf(config: FleetConfig, placement: Placement): CellConfig {
  const cell = config.cells.find((c) => c.id === placement.cell);
  if (!cell) throw validationError(`cell ${placement.cell ?? '(none)'} is not in the fleet configuration`);
  return cell;
}

export function clusterOf(config: FleetConfig, name: string): EksClusterConfig {
  const cluster = config.eksClusters.find((c) => c.name === name);
  if (!cluster) throw validationError(`EKS cluster ${name} is not in the fleet configuration`);
  return cluster;
}

/** Where a tenant's filestore lives: a prefix of the cell bucket, or a prefix of its own bucket. */
export function filestoreLocation(config: FleetConfig, tenantId: string, placement: Placement, region: string): { bucket: string; prefix: string } {
  const prefix = names.filestorePrefix(tenantId);
  if (placement.model === 'pooled') return { bucket: cellOf(config, placement).bucket, prefix };
  return { bucket: names.bucketName(tenantId, config.accountId, region, config.namePrefix), prefix };
}

type TenantWithDatabase = Pick<Tenant, 'tenantId' | 'placement' | 'resources' | 'activeRegion'>;

function databaseOf(tenant: TenantWithDatabase): NonNullable<Tenant['resources']['database']> {
  const database = tenant.resources.database;
  if (!database) throw validationError(`tenant ${tenant.tenantId} has no database`);
  return database;
}

/** The Data API target that reads the tenant's own database: the cell cluster's master, or its own cluster. */
export function tenantDataTarget(config: FleetConfig, tenant: TenantWithDatabase): { resourceArn: string; secretArn: string; database: string } {
  const database = databaseOf(tenant);
  if (tenant.placement.model === 'pooled') {
    const cell = cellOf(config, tenant.placement);
    return { resourceArn: cell.auroraClusterArn, secretArn: cell.masterSecretArn, database: database.databaseName };
  }
  return {
    resourceArn: `arn:aws:rds:${tenant.activeRegion}:${config.accountId}:cluster:${database.clusterIdentifier}`,
    secretArn: database.secretArn,
    database: database.databaseName,
  };
}

/** The cluster whose backups protect the tenant: its own, or its cell's. */
export function backupCluster(config: FleetConfig, tenant: TenantWithDatabase): string {
  return tenant.placement.model === 'pooled' ? cellOf(config, tenant.placement).auroraClusterIdentifier : databaseOf(tenant).clusterIdentifier;
}
