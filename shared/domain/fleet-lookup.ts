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

/** A cell as it is in one region: its own cluster, secret, bucket and node pool there. */
export interface CellInRegion {
  id: string;
  region: string;
  eksCluster: string;
  auroraClusterIdentifier: string;
  auroraClusterArn: string;
  masterSecretArn: string;
  bucket: string;
  /** The cell's Aurora global database, when it has one (its DR posture). */
  globalClusterIdentifier?: string;
  /** The writer endpoint when the fleet configuration gives it (home region only); read from RDS otherwise. */
  endpoint?: string;
  /** Where a restore of the cell's cluster in this region goes, and the key its snapshot copies and storage use. */
  restore: CellRestoreTarget;
}

export interface CellRestoreTarget {
  dbSubnetGroupName: string;
  vpcSecurityGroupIds: string[];
  /** Absent: the region's `aws/rds` key. */
  kmsKeyId?: string;
}

/** Whether a cell's DR copy is a global database secondary (pilot light) or kept snapshot copies (backup-restore). */
export function cellDrPosture(cell: CellConfig): 'pilot-light' | 'backup-restore' | 'none' {
  if (!cell.dr) return 'none';
  return cell.dr.globalClusterIdentifier ? 'pilot-light' : 'backup-restore';
}

/** The region a cell's DR copy lives in: the fleet's other region. */
export function otherRegion(config: Pick<FleetConfig, 'primaryRegion' | 'drRegion'>, region: string): string {
  return region === config.drRegion ? config.primaryRegion : config.drRegion;
}

/**
 * A cell in `region`: its home region's settings, or its `dr` settings in the fleet's other region.
 * A pooled tenant's cell is read in the tenant's active region, so a failed-over tenant is served
 * from the cell's DR copy.
 */
export function cellIn(config: FleetConfig, placement: Pick<Placement, 'cell'>, region: string): CellInRegion {
  const cell = config.cells.find((c) => c.id === placement.cell);
  if (!cell) throw validationError(`cell ${placement.cell ?? '(none)'} is not in the fleet configuration`);
  const global = cell.dr?.globalClusterIdentifier ? { globalClusterIdentifier: cell.dr.globalClusterIdentifier } : {};
  const d = config.dedicated;
  if (region === cell.region) {
    const { id, eksCluster, auroraClusterIdentifier, auroraClusterArn, masterSecretArn, bucket, endpoint } = cell;
    const restore = { dbSubnetGroupName: cell.dbSubnetGroupName ?? d.dbSubnetGroupName, vpcSecurityGroupIds: cell.vpcSecurityGroupIds ?? d.vpcSecurityGroupIds, ...(cell.kmsKeyId ? { kmsKeyId: cell.kmsKeyId } : {}) };
    return { id, region, eksCluster, auroraClusterIdentifier, auroraClusterArn, masterSecretArn, bucket, ...global, ...(endpoint ? { endpoint } : {}), restore };
  }
  if (cell.dr && region === otherRegion(config, cell.region)) {
    const { auroraClusterIdentifier, auroraClusterArn, masterSecretArn, eksCluster, bucket, dbSubnetGroupName, vpcSecurityGroupIds, kmsKeyId } = cell.dr;
    const restore = {
      dbSubnetGroupName: dbSubnetGroupName ?? d.drDbSubnetGroupName ?? d.dbSubnetGroupName,
      vpcSecurityGroupIds: vpcSecurityGroupIds ?? d.drVpcSecurityGroupIds ?? d.vpcSecurityGroupIds,
      ...(kmsKeyId ? { kmsKeyId } : {}),
    };
    return { id: cell.id, region, auroraClusterIdentifier, auroraClusterArn, masterSecretArn, eksCluster, bucket, ...global, restore };
  }
  throw validationError(`cell ${cell.id} has no copy in ${region}${cell.dr ? '' : ' (no dr section in the fleet configuration)'}`);
}

/** The EKS cluster that runs dedicated tenants in `region`. */
export function dedicatedEksCluster(config: FleetConfig, region: string): string {
  const home = config.eksClusters.find((c) => c.name === config.dedicated.eksCluster);
  if (!home || home.region === region) return config.dedicated.eksCluster;
  if (config.dedicated.drEksCluster) return config.dedicated.drEksCluster;
  const there = config.eksClusters.find((c) => c.region === region);
  if (!there) throw validationError(`the fleet configuration has no EKS cluster in ${region}`);
  return there.name;
}

/** The same secret's replica in another region (Secrets Manager replicas keep the name and suffix). */
export function secretArnIn(arn: string, region: string): string {
  const parts = arn.split(':');
  if (parts.length < 7 || parts[2] !== 'secretsmanager') throw validationError(`${arn} is not a Secrets Manager secret ARN`);
  parts[3] = region;
  return parts.join(':');
}

export function clusterOf(config: FleetConfig, name: string): EksClusterConfig {
  const cluster = config.eksClusters.find((c) => c.name === name);
  if (!cluster) throw validationError(`EKS cluster ${name} is not in the fleet configuration`);
  return cluster;
}

/** Where a tenant's filestore lives: a prefix of the cell bucket, or a prefix of its own bucket. */
export function filestoreLocation(config: FleetConfig, tenantId: string, placement: Placement, region: string): { bucket: string; prefix: string } {
  const prefix = names.filestorePrefix(tenantId);
  if (placement.model === 'pooled') return { bucket: cellIn(config, placement, region).bucket, prefix };
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
  return dataTargetIn(config, tenant, tenant.activeRegion);
}

/** The Data API target of the tenant's database in `region` (its primary, or its DR copy during and after a failover). */
export function dataTargetIn(config: FleetConfig, tenant: TenantWithDatabase, region: string): { resourceArn: string; secretArn: string; database: string } {
  const database = databaseOf(tenant);
  if (tenant.placement.model === 'pooled') {
    const cell = cellIn(config, tenant.placement, region);
    return { resourceArn: cell.auroraClusterArn, secretArn: cell.masterSecretArn, database: database.databaseName };
  }
  return {
    resourceArn: `arn:aws:rds:${region}:${config.accountId}:cluster:${database.clusterIdentifier}`,
    secretArn: secretArnIn(database.secretArn, region),
    database: database.databaseName,
  };
}

/** The cluster whose backups protect the tenant: its own, or its cell's. */
export function backupCluster(config: FleetConfig, tenant: TenantWithDatabase): string {
  return tenant.placement.model === 'pooled' ? cellIn(config, tenant.placement, tenant.activeRegion).auroraClusterIdentifier : databaseOf(tenant).clusterIdentifier;
}

/**
 * The EKS cluster that runs a tenant in `region`: in its home region the one its placement chose;
 * elsewhere its cell's copy there (pooled) or the DR region's dedicated cluster. Provisioning a
 * tenant of a failed-over cell, a failover and offboarding all read it here.
 */
export function eksClusterIn(config: FleetConfig, tenant: Pick<Tenant, 'placement' | 'regions'>, region: string): string {
  if (region === tenant.regions?.primary) return tenant.placement.cluster;
  return tenant.placement.model === 'pooled' ? cellIn(config, tenant.placement, region).eksCluster : dedicatedEksCluster(config, region);
}
