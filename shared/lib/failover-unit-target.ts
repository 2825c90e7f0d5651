/**
 * Where a failover unit is in each region: the Aurora global database it shares, the cluster to
 * promote in the region being activated (with the writer instance a headless secondary needs), the
 * cluster being left, and per tenant the EKS cluster, bucket and secrets on each side. A cell is
 * read from the fleet configuration (`cells[].dr`); a dedicated tenant from its `resources.dr`,
 * whose cluster has the same identifier in both regions.
 */
import type { FailoverUnit } from '#shared/domain/failover-plan.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { cellIn, clusterOf, eksClusterIn, secretArnIn, type CellRestoreTarget } from '#shared/domain/fleet-lookup.ts';
import { names } from '#shared/domain/names.ts';
import type { DrPosture, Tenant } from '#shared/domain/types.ts';
import { validationError } from './errors.ts';

export interface UnitSide {
  region: string;
  clusterIdentifier: string;
  clusterArn: string;
}

export interface UnitTarget {
  kind: FailoverUnit['kind'];
  posture: DrPosture;
  globalClusterIdentifier?: string;
  from: UnitSide;
  /** A backup-restore cell's cluster is restored here under `clusterIdentifier`, into `restore`'s network. */
  to: UnitSide & { writerInstanceIdentifier: string; writerInstanceClass: string; restore?: CellRestoreTarget };
}

const arn = (config: FleetConfig, region: string, identifier: string) => `arn:aws:rds:${region}:${config.accountId}:cluster:${identifier}`;

export function unitTarget(config: FleetConfig, unit: FailoverUnit, tenants: readonly Tenant[], fromRegion: string, toRegion: string): UnitTarget {
  const first = tenants[0];
  if (!first) throw validationError(`unit ${unit.key} has no tenants`);
  const writerName = (identifier: string) => `${identifier}-${toRegion}-1`.slice(0, 63);
  if (unit.kind === 'cell') {
    const from = cellIn(config, first.placement, fromRegion);
    const cell = config.cells.find((c) => c.id === first.placement.cell);
    // A cell without a copy in the region being activated can only be restored there from copied
    // snapshots, which keep the home cluster's identifier.
    const to = cell && !cell.dr && cell.region !== toRegion ? { ...from, region: toRegion, auroraClusterArn: arn(config, toRegion, from.auroraClusterIdentifier), globalClusterIdentifier: undefined } : cellIn(config, first.placement, toRegion);
    const restore = !to.globalClusterIdentifier && cell?.dr ? { restore: to.restore } : {};
    return {
      kind: 'cell',
      posture: to.globalClusterIdentifier ? 'pilot-light' : 'backup-restore',
      ...(to.globalClusterIdentifier ? { globalClusterIdentifier: to.globalClusterIdentifier } : {}),
      from: { region: fromRegion, clusterIdentifier: from.auroraClusterIdentifier, clusterArn: from.auroraClusterArn },
      to: {
        region: toRegion,
        clusterIdentifier: to.auroraClusterIdentifier,
        clusterArn: to.auroraClusterArn,
        writerInstanceIdentifier: writerName(to.auroraClusterIdentifier),
        writerInstanceClass: config.failover.cellWriterInstanceClass,
        ...restore,
      },
    };
  }
  const db = first.resources.database;
  if (!db) throw validationError(`tenant ${first.tenantId} has no database`);
  const resources = first.placement.resources;
  const identifier = db.clusterIdentifier;
  return {
    kind: 'dedicated',
    posture: first.placement.drPosture,
    ...(first.resources.dr?.globalClusterIdentifier ? { globalClusterIdentifier: first.resources.dr.globalClusterIdentifier } : {}),
    from: { region: fromRegion, clusterIdentifier: identifier, clusterArn: arn(config, fromRegion, identifier) },
    to: {
      region: toRegion,
      clusterIdentifier: identifier,
      clusterArn: arn(config, toRegion, identifier),
      writerInstanceIdentifier: first.resources.dr?.instanceIdentifiers?.[0] ?? names.dbInstanceIdentifier(first.tenantId, 0, config.namePrefix),
      writerInstanceClass: resources.kind === 'dedicated' ? resources.database.instanceClass : config.failover.cellWriterInstanceClass,
    },
  };
}

/** Where one tenant runs in `region`: its EKS cluster and the ingress its host name points at, its bucket, its secrets. */
export function tenantSide(config: FleetConfig, tenant: Tenant, region: string): { eksCluster: string; ingressHostname: string; bucket: string; databaseSecretArn: string; adminSecretArn?: string } {
  const db = tenant.resources.database;
  if (!db) throw validationError(`tenant ${tenant.tenantId} has no database`);
  const pooled = tenant.placement.model === 'pooled';
  const cell = pooled ? cellIn(config, tenant.placement, region) : undefined;
  const eksCluster = region === tenant.activeRegion && tenant.resources.compute?.cluster ? tenant.resources.compute.cluster : eksClusterIn(config, tenant, region);
  const bucket = cell ? cell.bucket : region === tenant.activeRegion && tenant.resources.filestore ? tenant.resources.filestore.bucket : (tenant.resources.dr?.bucket ?? names.bucketName(tenant.tenantId, config.accountId, region, config.namePrefix));
  return {
    eksCluster,
    ingressHostname: clusterOf(config, eksCluster).ingressHostname,
    bucket,
    databaseSecretArn: secretArnIn(db.secretArn, region),
    ...(tenant.resources.adminSecretArn ? { adminSecretArn: secretArnIn(tenant.resources.adminSecretArn, region) } : {}),
  };
}
