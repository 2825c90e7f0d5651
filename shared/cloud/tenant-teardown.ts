/**
 * Removes everything a tenant has, in the reverse order of provisioning: DNS record, Kubernetes
 * namespace (and with it every object), Pod Identity, node group, filestore, database, secrets.
 * Each removal is an ensure-absent: it looks first, treats "already gone" as done, and never waits;
 * the caller polls until every resource reports gone. Provisioning's compensation and offboarding
 * share it, so a half-provisioned tenant and a fully provisioned one are removed the same way.
 *
 * A dedicated tenant's DR copy goes too, whichever of the two regions is active (after a failover
 * the writer is the DR region's): the global database is taken apart (secondaries detached, then
 * the writer, then the empty global cluster deleted) while the clusters of both regions are
 * deleted, each as soon as RDS lets it go; and the bucket of each region. Secrets are deleted in
 * the region they were made in (the tenant's home region): a replica cannot be deleted by itself,
 * it goes with its primary.
 */
import { deleteDedicatedCluster } from './adapters/database-dedicated.ts';
import { removeDrCopy } from './adapters/database-dr.ts';
import { dropPooledDatabase } from './adapters/database-pooled.ts';
import { deleteTenantRecord } from './adapters/dns.ts';
import { deletePrefix, emptyAndDeleteBucket } from './adapters/filestore.ts';
import { deleteNodegroup } from './adapters/nodegroup.ts';
import { deletePodIdentity } from './adapters/pod-identity.ts';
import { deleteSecret } from './adapters/secrets.ts';
import { cloud } from './clients.ts';
import { deleteNamespace } from './kubernetes-workloads.ts';
import { cellIn, eksClusterIn, filestoreLocation, otherRegion } from '#shared/domain/fleet-lookup.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { names } from '#shared/domain/names.ts';
import type { Tenant } from '#shared/domain/types.ts';

export type RemovalStatus = 'gone' | 'removing';

export interface TeardownResult {
  done: boolean;
  /** Per resource: gone, or still being removed. */
  resources: Record<string, RemovalStatus>;
}

/**
 * The EKS cluster of each region the tenant may have run in: the one it is offboarded from,
 * and the fleet's other region's (a failover's DR compute, or what a failback left fenced there);
 * a pooled tenant of a cell without a DR copy only ever ran in its home region.
 */
function computeClusters(tenant: Tenant, config: FleetConfig, region: string): [string, string][] {
  const placement = tenant.placement;
  const clusterIn = (r: string) => eksClusterIn(config, tenant, r);
  const other = otherRegion(config, region);
  const cell = placement.model === 'pooled' ? config.cells.find((c) => c.id === placement.cell) : undefined;
  if (placement.model === 'pooled' && !cell?.dr) return [[region, clusterIn(region)]];
  return [
    [region, clusterIn(region)],
    [other, clusterIn(other)],
  ];
}

export async function removeTenantResources(tenant: Tenant, config: FleetConfig, region: string): Promise<TeardownResult> {
  const c = cloud();
  const p = config.namePrefix;
  const id = tenant.tenantId;
  const placement = tenant.placement;
  const resources: Record<string, RemovalStatus> = {};
  // Where the tenant's secrets were made (and their primaries stay), whichever region is active now.
  const home = tenant.regions?.primary ?? region;

  // 'deleted' and 'absent' both leave no record behind.
  await deleteTenantRecord(c.route53(), { hostedZoneId: config.hostedZoneId, hostname: tenant.hostname });
  resources.dns = 'gone';

  // Compute in both regions: a failover (or failback) leaves the tenant's namespace fenced at zero,
  // its Pod Identity association and its node group scaled to zero in the region it left.
  const removals: RemovalStatus[] = [];
  for (const [r, eksCluster] of computeClusters(tenant, config, region)) {
    const api = await c.kubernetes(r, eksCluster);
    const ns = await deleteNamespace(api, names.namespace(id));
    const identity = await deletePodIdentity(c.iam(), c.eks(r), {
      tenantId: id,
      clusterName: eksCluster,
      namespace: names.namespace(id),
      serviceAccount: names.serviceAccount(),
      roleName: names.podRoleName(id, p),
    });
    const ng = placement.model === 'dedicated' ? await deleteNodegroup(c.eks(r), { clusterName: eksCluster, nodegroupName: names.nodegroupName(id, p) }) : { status: 'absent' as const };
    removals.push(
      ns === 'absent' ? 'gone' : 'removing',
      identity.status === 'absent' || identity.status === 'deleted' ? 'gone' : 'removing',
      ng.status === 'absent' ? 'gone' : 'removing',
    );
    if (r === region) {
      resources.namespace = ns === 'absent' ? 'gone' : 'removing';
      resources.podIdentity = identity.status === 'absent' || identity.status === 'deleted' ? 'gone' : 'removing';
      if (placement.model === 'dedicated') resources.nodegroup = ng.status === 'absent' ? 'gone' : 'removing';
    }
  }
  resources.otherRegionCompute = removals.every((x) => x === 'gone') ? 'gone' : 'removing';

  const location = filestoreLocation(config, id, placement, region);
  // The region of the tenant's DR copy: the fleet's other region, whichever one is active.
  const drRegion = otherRegion(config, region);
  let drBucketGone = true;
  if (placement.model === 'dedicated') {
    const bucket = await emptyAndDeleteBucket(c.s3(region), { bucket: location.bucket });
    resources.filestore = bucket.status === 'absent' || bucket.status === 'deleted' ? 'gone' : 'removing';
    const drBucket = await emptyAndDeleteBucket(c.s3(drRegion), { bucket: names.bucketName(id, config.accountId, drRegion, p) });
    drBucketGone = drBucket.status === 'absent' || drBucket.status === 'deleted';
  } else {
    const prefix = await deletePrefix(c.s3(region), { bucket: location.bucket, prefix: location.prefix });
    resources.filestore = prefix.status === 'deleted' ? 'gone' : 'removing';
  }

  if (placement.model === 'dedicated') {
    // The cluster the record names (a rollback may have restored the database into a new one), and
    // the conventional one too when they differ: a swap cut short leaves both, and both are the tenant's.
    const recorded = tenant.resources.database?.kind === 'dedicated' ? tenant.resources.database.clusterIdentifier : undefined;
    const identifiers = [...new Set([recorded ?? names.dbClusterIdentifier(id, p), names.dbClusterIdentifier(id, p)])];
    // Detaching comes first (RDS refuses to delete a member of a global database); the clusters'
    // deletion below is tried on every poll and goes through once each one is detached.
    const drCopy = await removeDrCopy((r) => c.rds(r), {
      globalClusterIdentifier: tenant.resources.dr?.globalClusterIdentifier ?? names.globalClusterIdentifier(id, p),
      secondaryClusterIdentifier: tenant.resources.dr?.clusterIdentifier ?? names.dbClusterIdentifier(id, p),
      region,
      drRegion,
    });
    const deleted = [];
    for (const clusterIdentifier of identifiers) deleted.push(await deleteDedicatedCluster(c.rds(region), { tenantId: id, namePrefix: p, clusterIdentifier }));
    resources.database = deleted.every((db) => db.status === 'absent') ? 'gone' : 'removing';
    resources.dr = drCopy === 'absent' && drBucketGone ? 'gone' : 'removing';
  } else {
    const cell = cellIn(config, placement, region);
    await dropPooledDatabase(c.rdsData(region), c.secrets(home), { cell, tenantId: id, namePrefix: p });
    resources.database = 'gone';
  }

  // Secrets last: the database and pods above may still need them while they go away.
  if (resources.namespace === 'gone') {
    await deleteSecret(c.secrets(home), names.adminSecretName(id, p));
    await deleteSecret(c.secrets(home), names.dbSecretName(id, p));
    resources.secrets = 'gone';
  } else {
    resources.secrets = 'removing';
  }

  return { done: Object.values(resources).every((s) => s === 'gone'), resources };
}
