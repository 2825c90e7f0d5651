/**
 * A dedicated tenant's DR database: an Aurora global database made from its cluster in `region`,
 * and a secondary of the same identifier in the fleet's other region (with one instance for warm
 * standby, headless for pilot light). One look-and-act pass: provisioning polls it until the
 * secondary is available, and the scheduled readiness run uses it to rebuild a copy that was taken
 * apart (a release rollback replaces the cluster, and RDS lets no writer of a global database go).
 */
import { describeCluster } from './adapters/database-dedicated.ts';
import { drKmsKeyId, ensureGlobalCluster, ensureSecondaryCluster, secondaryNetwork } from './adapters/database-dr.ts';
import type { CloudProvider } from './clients.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { otherRegion } from '#shared/domain/fleet-lookup.ts';
import { names } from '#shared/domain/names.ts';
import type { Tenant, TenantResources } from '#shared/domain/types.ts';
import { resourceFailed } from '#shared/lib/errors.ts';

export interface DrDatabaseStep {
  /** The secondary's status; `pending` while the global database is not made yet. */
  status: string;
  drRegion: string;
  /** What the tenant's record says of its DR copy once this pass asked for it. */
  dr: NonNullable<TenantResources['dr']>;
}

export async function ensureDedicatedDrDatabase(config: FleetConfig, clients: CloudProvider, tenant: Tenant, region: string, tags: { Key: string; Value: string }[]): Promise<DrDatabaseStep> {
  const placement = tenant.placement;
  const database = tenant.resources.database;
  if (placement.model !== 'dedicated' || placement.resources.kind !== 'dedicated' || placement.drPosture === 'backup-restore') throw resourceFailed(`tenant ${tenant.tenantId} has no DR copy of its own`);
  if (database?.kind !== 'dedicated') throw resourceFailed(`tenant ${tenant.tenantId} has no dedicated database to copy`);
  const drRegion = otherRegion(config, region);
  const primary = await describeCluster(clients.rds(region), database.clusterIdentifier);
  if (!primary?.DBClusterArn) throw resourceFailed(`Aurora cluster ${database.clusterIdentifier} is not in ${region}`);
  // A cluster whose password RDS manages cannot join a global database: said plainly rather than as CreateGlobalCluster's error.
  if (primary.MasterUserSecret?.SecretArn) {
    throw resourceFailed(
      `Aurora cluster ${database.clusterIdentifier} has its master password managed by RDS, which a global database does not allow: give it the tenant's own secret (${names.dbSecretName(tenant.tenantId, config.namePrefix)}) first`,
    );
  }
  const globalClusterIdentifier = names.globalClusterIdentifier(tenant.tenantId, config.namePrefix);
  const global = await ensureGlobalCluster(clients.rds(region), { globalClusterIdentifier, sourceClusterArn: primary.DBClusterArn, tags });
  const instanceIdentifiers = placement.drPosture === 'warm-standby' ? [names.dbInstanceIdentifier(tenant.tenantId, 0, config.namePrefix)] : [];
  const dr: NonNullable<TenantResources['dr']> = { ...tenant.resources.dr, region: drRegion, globalClusterIdentifier, clusterIdentifier: database.clusterIdentifier, instanceIdentifiers };
  if (global.status === 'pending') return { status: 'pending', drRegion, dr: { ...tenant.resources.dr, region: drRegion } };
  // Warm standby keeps one instance (the primary's class, so it can take the load when promoted); pilot light none.
  const secondary = await ensureSecondaryCluster(clients.rds(drRegion), {
    globalClusterIdentifier,
    clusterIdentifier: database.clusterIdentifier,
    engineVersion: primary.EngineVersion,
    ...secondaryNetwork(config),
    kmsKeyId: drKmsKeyId(config.dedicated.kmsKeyId, drRegion),
    backupRetentionDays: placement.backupRetentionDays,
    instanceIdentifiers,
    instanceClass: placement.resources.database.instanceClass,
    tags,
  });
  return { status: secondary.status, drRegion, dr };
}
