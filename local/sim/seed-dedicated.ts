/**
 * The cloud side of a seeded dedicated tenant: what provisioning makes for it, through the same
 * adapters, and then made ready at once instead of after the minutes AWS takes. Its own Aurora
 * cluster and instances with its replicated master secret, its DR copy (the global database and
 * the secondary in the DR region, with an instance for warm standby), its node group, and its
 * bucket with the DR bucket it replicates to. A failover of seeded tenants then has something to
 * promote. Left out, as for pooled seeded tenants: the pod identity role.
 */
import { ensureDedicatedCluster, MASTER_USERNAME } from '#shared/cloud/adapters/database-dedicated.ts';
import { drKmsKeyId, ensureGlobalCluster, ensureSecondaryCluster, secondaryNetwork } from '#shared/cloud/adapters/database-dr.ts';
import { POSTGRES_PORT } from '#shared/cloud/adapters/database-pooled.ts';
import { ensureBucketReplication, ensureDedicatedBucket } from '#shared/cloud/adapters/filestore.ts';
import { ensureNodegroup } from '#shared/cloud/adapters/nodegroup.ts';
import { ensureSecret, generatePassword } from '#shared/cloud/adapters/secrets.ts';
import { tagList } from '#shared/cloud/adapters/tag-list.ts';
import { cloud } from '#shared/cloud/clients.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { tenantNodegroupInput } from '#shared/cloud/tenant-compute.ts';
import { dedicatedEksCluster, filestoreLocation, otherRegion } from '#shared/domain/fleet-lookup.ts';
import { standbyNodegroupSizing } from '#shared/domain/dr-compute.ts';
import { names } from '#shared/domain/names.ts';
import type { Placement, TenantResources } from '#shared/domain/types.ts';
import type { SimCloud } from './sim-cloud.ts';

export interface SeededDedicated {
  database: NonNullable<TenantResources['database']>;
  dr?: NonNullable<TenantResources['dr']>;
  compute: NonNullable<TenantResources['compute']>;
}

/** Everything RDS holds under a cluster identifier in a region (the cluster and its instances) is available from now. */
function readyNow(sim: SimCloud, region: string, clusterIdentifier: string): void {
  const store = sim.region(region).rds.store;
  const now = sim.clock.nowMs();
  const cluster = store.clusters.get(clusterIdentifier);
  if (cluster) cluster.availableAt = Math.min(cluster.availableAt, now);
  for (const i of store.instances.values()) if (i.clusterIdentifier === clusterIdentifier) i.availableAt = Math.min(i.availableAt, now);
}

export async function seedDedicatedCloud(
  sim: SimCloud,
  config: FleetConfig,
  t: { tenantId: string; operationId: string; placement: Placement; region: string; tags: Record<string, string> },
): Promise<SeededDedicated> {
  const { tenantId, operationId, placement, region, tags } = t;
  if (placement.resources.kind !== 'dedicated') throw new Error(`tenant ${tenantId} is not placed dedicated`);
  const c = cloud();
  const p = config.namePrefix;
  const drRegion = otherRegion(config, region);
  const withDr = placement.drPosture !== 'backup-restore';

  const password = generatePassword(32);
  const secret = withDr
    ? await ensureSecret(c.secrets(region), {
        name: names.dbSecretName(tenantId, p),
        tags,
        kmsKeyId: config.dedicated.kmsKeyId,
        generate: () => ({ username: MASTER_USERNAME, password, engine: 'postgres', port: POSTGRES_PORT, dbname: names.databaseName(tenantId) }),
        replicaRegions: [{ region: drRegion, kmsKeyId: drKmsKeyId(config.dedicated.kmsKeyId, drRegion) }],
      })
    : undefined;
  const input = { tenantId, operationId, placement, config, namePrefix: p, masterSecret: secret && { arn: secret.arn, password: async () => password } };
  await ensureDedicatedCluster(c.rds(region), input);
  readyNow(sim, region, names.dbClusterIdentifier(tenantId, p));
  await ensureDedicatedCluster(c.rds(region), input);
  readyNow(sim, region, names.dbClusterIdentifier(tenantId, p));
  const cluster = await ensureDedicatedCluster(c.rds(region), input);
  if (cluster.status !== 'available' || !cluster.clusterArn || !cluster.endpoint || !cluster.masterSecretArn) throw new Error(`seeded cluster ${cluster.clusterIdentifier} is ${cluster.status}`);
  sim.initialisedDatabases.set(names.databaseName(tenantId), { host: cluster.endpoint, at: sim.clock.now() });
  const database: SeededDedicated['database'] = {
    kind: 'dedicated',
    clusterIdentifier: cluster.clusterIdentifier,
    instanceIdentifiers: cluster.instanceIdentifiers,
    databaseName: names.databaseName(tenantId),
    roleName: MASTER_USERNAME,
    endpoint: cluster.endpoint,
    secretArn: cluster.masterSecretArn,
  };

  const nodegroupName = names.nodegroupName(tenantId, p);
  await ensureNodegroup(c.eks(region), tenantNodegroupInput(config, { tenantId, operationId, clusterName: placement.cluster, sizing: placement.resources.nodeGroup, tags }));
  const ng = sim.region(region).eks.clusters.get(placement.cluster)?.nodegroups.get(nodegroupName);
  if (ng) {
    ng.activeAt = Math.min(ng.activeAt, sim.clock.nowMs());
    if (ng.nodesAvailableAt !== undefined) ng.nodesAvailableAt = Math.min(ng.nodesAvailableAt, sim.clock.nowMs());
  }
  const compute = { cluster: placement.cluster, nodegroup: nodegroupName };

  const location = filestoreLocation(config, tenantId, placement, region);
  await ensureDedicatedBucket(c.s3(region), { bucket: location.bucket, region, kmsKeyId: config.dedicated.kmsKeyId, tags });
  if (!withDr) return { database, compute };

  const drBucket = names.bucketName(tenantId, config.accountId, drRegion, p);
  const drKey = drKmsKeyId(config.dedicated.kmsKeyId, drRegion);
  await ensureDedicatedBucket(c.s3(drRegion), { bucket: drBucket, region: drRegion, kmsKeyId: drKey, tags });
  await ensureBucketReplication(c.s3(region), {
    sourceBucket: location.bucket,
    destinationBucket: drBucket,
    roleArn: `arn:aws:iam::${config.accountId}:role/${names.replicationRoleName(p)}`,
    destinationKmsKeyId: drKey,
  });

  const globalClusterIdentifier = names.globalClusterIdentifier(tenantId, p);
  await ensureGlobalCluster(c.rds(region), { globalClusterIdentifier, sourceClusterArn: cluster.clusterArn, tags: tagList(tags) });
  const instanceIdentifiers = placement.drPosture === 'warm-standby' ? [names.dbInstanceIdentifier(tenantId, 0, p)] : [];
  const secondaryInput = {
    globalClusterIdentifier,
    clusterIdentifier: cluster.clusterIdentifier,
    engineVersion: cluster.engineVersion,
    ...secondaryNetwork(config),
    kmsKeyId: drKey,
    backupRetentionDays: placement.backupRetentionDays,
    instanceIdentifiers,
    instanceClass: placement.resources.database.instanceClass,
    tags: tagList(tags),
  };
  let secondary = await ensureSecondaryCluster(c.rds(drRegion), secondaryInput);
  for (let round = 0; round < 3 && secondary.status !== 'available'; round++) {
    readyNow(sim, drRegion, cluster.clusterIdentifier);
    secondary = await ensureSecondaryCluster(c.rds(drRegion), secondaryInput);
  }
  if (secondary.status !== 'available') throw new Error(`seeded secondary ${cluster.clusterIdentifier} in ${drRegion} is ${secondary.status}`);
  let standbyNodegroup: string | undefined;
  if (placement.drPosture === 'warm-standby') {
    // Warm standby's node group in the DR region, at one node, as provisioning leaves it.
    const drEks = dedicatedEksCluster(config, drRegion);
    await ensureNodegroup(c.eks(drRegion), tenantNodegroupInput(config, { tenantId, operationId, clusterName: drEks, sizing: standbyNodegroupSizing('warm-standby', placement.resources.nodeGroup), tags }));
    const drNg = sim.region(drRegion).eks.clusters.get(drEks)?.nodegroups.get(nodegroupName);
    if (drNg) {
      drNg.activeAt = Math.min(drNg.activeAt, sim.clock.nowMs());
      if (drNg.nodesAvailableAt !== undefined) drNg.nodesAvailableAt = Math.min(drNg.nodesAvailableAt, sim.clock.nowMs());
    }
    standbyNodegroup = nodegroupName;
  }
  return {
    database,
    compute,
    dr: { region: drRegion, globalClusterIdentifier, clusterIdentifier: cluster.clusterIdentifier, instanceIdentifiers, bucket: drBucket, ...(standbyNodegroup ? { nodegroup: standbyNodegroup } : {}) },
  };
}
