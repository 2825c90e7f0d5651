/**
 * Removes everything a tenant has, in the reverse order of provisioning: DNS record, Kubernetes
 * namespace (and with it every object), Pod Identity, node group, filestore, database, secrets.
 * Each removal is an ensure-absent: it looks first, treats "already gone" as done, and never waits;
 * the caller polls until every resource reports gone. Provisioning's compensation and offboarding
 * share it, so a half-provisioned tenant and a fully provisioned one are removed the same way.
 */
import { deleteDedicatedCluster } from './adapters/database-dedicated.ts';
import { dropPooledDatabase } from './adapters/database-pooled.ts';
import { deleteTenantRecord } from './adapters/dns.ts';
import { deletePrefix, emptyAndDeleteBucket } from './adapters/filestore.ts';
import { deleteNodegroup } from './adapters/nodegroup.ts';
import { deletePodIdentity } from './adapters/pod-identity.ts';
import { deleteSecret } from './adapters/secrets.ts';
import { cloud } from './clients.ts';
import { deleteNamespace } from './kubernetes-workloads.ts';
import { cellOf, filestoreLocation } from '#shared/domain/fleet-lookup.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { names } from '#shared/domain/names.ts';
import type { Tenant } from '#shared/domain/types.ts';

export type RemovalStatus = 'gone' | 'removing';

export interface TeardownResult {
  done: boolean;
  /** Per resource: gone, or still being removed. */
  resources: Record<string, RemovalStatus>;
}

export async function removeTenantResources(tenant: Tenant, config: FleetConfig, region: string): Promise<TeardownResult> {
  const c = cloud();
  const p = config.namePrefix;
  const id = tenant.tenantId;
  const placement = tenant.placement;
  const resources: Record<string, RemovalStatus> = {};
  const cluster = placement.cluster;

  // 'deleted' and 'absent' both leave no record behind.
  await deleteTenantRecord(c.route53(), { hostedZoneId: config.hostedZoneId, hostname: tenant.hostname });
  resources.dns = 'gone';

  const api = await c.kubernetes(region, cluster);
  const ns = await deleteNamespace(api, names.namespace(id));
  resources.namespace = ns === 'absent' ? 'gone' : 'removing';

  const identity = await deletePodIdentity(c.iam(), c.eks(region), {
    tenantId: id,
    clusterName: cluster,
    namespace: names.namespace(id),
    serviceAccount: names.serviceAccount(),
    roleName: names.podRoleName(id, p),
  });
  resources.podIdentity = identity.status === 'absent' || identity.status === 'deleted' ? 'gone' : 'removing';

  if (placement.model === 'dedicated') {
    const ng = await deleteNodegroup(c.eks(region), { clusterName: cluster, nodegroupName: names.nodegroupName(id, p) });
    resources.nodegroup = ng.status === 'absent' ? 'gone' : 'removing';
  }

  const location = filestoreLocation(config, id, placement, region);
  if (placement.model === 'dedicated') {
    const bucket = await emptyAndDeleteBucket(c.s3(region), { bucket: location.bucket });
    resources.filestore = bucket.status === 'absent' || bucket.status === 'deleted' ? 'gone' : 'removing';
  } else {
    const prefix = await deletePrefix(c.s3(region), { bucket: location.bucket, prefix: location.prefix });
    resources.filestore = prefix.status === 'deleted' ? 'gone' : 'removing';
  }

  if (placement.model === 'dedicated') {
    // The cluster the record names (a rollback may have restored the database into a new one), and
    // the conventional one too when they differ: a swap cut short leaves both, and both are the tenant's.
    const recorded = tenant.resources.database?.kind === 'dedicated' ? tenant.resources.database.clusterIdentifier : undefined;
    const identifiers = [...new Set([recorded ?? names.dbClusterIdentifier(id, p), names.dbClusterIdentifier(id, p)])];
    const deleted = [];
    for (const clusterIdentifier of identifiers) deleted.push(await deleteDedicatedCluster(c.rds(region), { tenantId: id, namePrefix: p, clusterIdentifier }));
    resources.database = deleted.every((db) => db.status === 'absent') ? 'gone' : 'removing';
  } else {
    const cell = cellOf(config, placement);
    await dropPooledDatabase(c.rdsData(region), c.secrets(region), { cell, tenantId: id, namePrefix: p });
    resources.database = 'gone';
  }

  // Secrets last: the database and pods above may still need them while they go away.
  if (resources.namespace === 'gone') {
    await deleteSecret(c.secrets(region), names.adminSecretName(id, p));
    await deleteSecret(c.secrets(region), names.dbSecretName(id, p));
    resources.secrets = 'gone';
  } else {
    resources.secrets = 'removing';
  }

  return { done: Object.values(resources).every((s) => s === 'gone'), resources };
}
