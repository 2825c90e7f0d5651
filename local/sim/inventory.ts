/**
 * What the simulated cloud holds, as operators and tests want to see it: per region RDS, EKS,
 * Kubernetes, S3, secrets (names only) and metrics; Route 53 and IAM, which are global; and the
 * fault rules in force. Also, per tenant, the flat list of what is left of it.
 */
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import { names } from '#shared/domain/names.ts';
import type { MetricPoint } from './cloudwatch.ts';
import type { RecordedEvent } from './eventbridge.ts';
import type { ActiveFaultRule } from './faults.ts';
import { imageOf } from './kubernetes-status.ts';
import { fqdn } from './route53.ts';
import type { SimCloud } from './sim-cloud.ts';

export interface KubeObjectSummary {
  kind: string;
  name: string;
  image?: string;
  replicas?: number;
  ready?: number;
  status?: string;
}

export interface RegionInventory {
  rds: {
    clusters: Array<{
      identifier: string;
      status: string;
      engine: string;
      engineVersion: string;
      deletionProtection: boolean;
      storageEncrypted: boolean;
      backupRetentionPeriod: number;
      tags: Record<string, string>;
      instances: Array<{ identifier: string; status: string; class: string }>;
      /** A cluster made by a restore: the point its data is from. */
      restoredTo?: string;
      /** Member of an Aurora global database. */
      globalCluster?: string;
      /** While it replicates (global secondary or cross-region read replica): its source cluster's ARN and the current lag. */
      replicaOf?: string;
      replicationLagMs?: number;
      /** An old global writer cut off by a failover with data loss. */
      diverged?: boolean;
    }>;
    /** Per cluster; `copyOf` marks a release's pre-change copy, `upgraded` the last module upgrade run on it. */
    databases: Record<string, Array<{ name: string; owner: string; initialised: boolean; copyOf?: string; upgraded?: { image: string; modules: string[]; releaseId?: string } }>>;
    roles: Record<string, string[]>;
    /** Manual snapshots and copies; `copiedFrom` is a copy's source snapshot ARN. */
    snapshots: Array<{ identifier: string; cluster: string; status: string; tags: Record<string, string>; copiedFrom?: string }>;
  };
  eks: {
    clusters: Array<{ name: string; nodegroups: Array<{ name: string; status: string; scaling: Record<string, number>; labels: Record<string, string>; taints: unknown[] }> }>;
    podIdentityAssociations: Array<{ cluster: string; namespace?: string; serviceAccount?: string; roleArn?: string; associationId?: string }>;
  };
  kubernetes: Record<string, Record<string, KubeObjectSummary[]>>;
  s3: {
    buckets: Array<{
      name: string;
      versioning: string;
      encryption?: string;
      publicAccessBlocked: boolean;
      tags?: Record<string, string>;
      prefixes: string[];
      /** Buckets its replication configuration copies new objects to. */
      replicatesTo?: string[];
    }>;
  };
  /** `replicaOf`: a multi-Region secret's replica, with the region of its primary; `replicas`: a primary's replica regions. */
  secrets: Array<{ name: string; deleted?: boolean; replicaOf?: string; replicas?: string[] }>;
  metrics: MetricPoint[];
  /** Events put on the region's default bus, oldest first. */
  events?: RecordedEvent[];
}

export interface CloudInventory {
  at: string;
  timeScale: number;
  regions: Record<string, RegionInventory>;
  route53: { zones: Array<{ id: string; name: string }>; records: Array<{ zone: string; name: string; type: string; value: string }> };
  iam: { roles: Array<{ name: string; arn: string; policies: string[]; tags: Record<string, string> }> };
  faults: ActiveFaultRule[];
  /** Aurora global databases: their members (writer first) and status. */
  globalClusters?: Array<{ identifier: string; status: string; writer?: string; members: Array<{ arn: string; region: string; isWriter: boolean; synchronization?: string }> }>;
}

export interface TenantResource {
  service: string;
  type: string;
  id: string;
  region?: string;
  status?: string;
  retained?: boolean;
  /** What a workload runs (a Deployment's image, replicas and ready pods). */
  detail?: Record<string, unknown>;
}

function summarise(o: K8sObject): KubeObjectSummary {
  const s: KubeObjectSummary = { kind: o.kind, name: o.metadata.name };
  const status = (o.status ?? {}) as Record<string, unknown>;
  const image = imageOf(o);
  if (image) s.image = image;
  if (o.kind === 'Deployment') {
    s.replicas = Number(status.replicas ?? 0);
    s.ready = Number(status.readyReplicas ?? 0);
    if (typeof status.simulatedPodState === 'string') s.status = status.simulatedPodState;
  }
  if (o.kind === 'Namespace') s.status = String(status.phase);
  if (o.kind === 'Job') s.status = status.succeeded ? 'Complete' : status.failed ? 'Failed' : 'Running';
  return s;
}

/** The first two levels of key prefixes, e.g. `tenants/acme/`. */
function prefixesOf(keys: string[]): string[] {
  const out = new Set<string>();
  for (const k of keys) {
    const parts = k.split('/');
    if (parts.length > 2) out.add(`${parts[0]}/${parts[1]}/`);
    else if (parts.length === 2) out.add(`${parts[0]}/`);
  }
  return [...out].sort();
}

function regionInventory(sim: SimCloud, region: string, listing: Array<{ name: string; keys: string[] }>): RegionInventory {
  const r = sim.region(region);
  const store = r.rds.store;
  store.sweep();
  r.eks.sweep();
  const clusters = [...store.clusters.values()];
  const kubernetes: RegionInventory['kubernetes'] = {};
  for (const [name, cluster] of r.kube) {
    const byNs: Record<string, KubeObjectSummary[]> = {};
    for (const o of cluster.all()) {
      const ns = o.kind === 'Namespace' ? o.metadata.name : (o.metadata.namespace ?? '(cluster)');
      (byNs[ns] ??= []).push(summarise(o));
    }
    kubernetes[name] = byNs;
  }
  return {
    rds: {
      clusters: clusters.map((c) => ({
        identifier: c.identifier,
        status: store.clusterStatus(c),
        engine: c.engine,
        engineVersion: c.engineVersion,
        deletionProtection: c.deletionProtection,
        storageEncrypted: c.storageEncrypted,
        backupRetentionPeriod: c.backupRetentionPeriod,
        tags: { ...c.tags },
        instances: store.instancesOf(c.identifier).map((i) => ({ identifier: i.identifier, status: store.instanceStatus(i), class: i.instanceClass })),
        ...(c.restoredTo !== undefined ? { restoredTo: new Date(c.restoredTo).toISOString() } : {}),
        ...(c.globalCluster ? { globalCluster: c.globalCluster } : {}),
        ...(c.replicaOf ? { replicaOf: c.replicaOf, replicationLagMs: sim.globalDatabases.lagMs(region, c.identifier) } : {}),
        ...(c.diverged ? { diverged: true } : {}),
      })),
      databases: Object.fromEntries(
        clusters.map((c) => [
          c.identifier,
          [...c.databases].map(([name, d]) => ({
            name,
            owner: d.owner,
            initialised: sim.initialisedDatabases.has(name),
            ...(d.copyOf ? { copyOf: d.copyOf } : {}),
            ...(d.upgraded ? { upgraded: { image: d.upgraded.image, modules: d.upgraded.modules, releaseId: d.upgraded.releaseId } } : {}),
          })),
        ]),
      ),
      roles: Object.fromEntries(clusters.map((c) => [c.identifier, [...c.roles].sort()])),
      snapshots: [...store.snapshots.values()].map((s) => ({
        identifier: s.identifier,
        cluster: s.clusterIdentifier,
        status: store.snapshotStatus(s),
        tags: { ...s.tags },
        ...(s.sourceArn ? { copiedFrom: s.sourceArn } : {}),
      })),
    },
    eks: {
      clusters: [...r.eks.clusters.values()].map((c) => ({
        name: c.name,
        nodegroups: [...c.nodegroups.values()].map((ng) => ({ name: ng.name, status: r.eks.status(ng), scaling: { ...ng.scaling }, labels: { ...ng.labels }, taints: ng.taints.map((t) => ({ ...t })) })),
      })),
      podIdentityAssociations: [...r.eks.clusters.values()].flatMap((c) =>
        [...c.podIdentity.values()].map((a) => ({ cluster: c.name, namespace: a.namespace, serviceAccount: a.serviceAccount, roleArn: a.roleArn, associationId: a.associationId })),
      ),
    },
    kubernetes,
    s3: {
      buckets: listing
        .filter((b) => sim.s3.regionOf(b.name) === region)
        .map((b) => {
          const s = sim.s3.settings.get(b.name);
          const rule = s?.encryption?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
          return {
            name: b.name,
            versioning: s?.versioning ?? 'Disabled',
            encryption: rule?.SSEAlgorithm ?? 'AES256',
            publicAccessBlocked: Boolean(s?.publicAccessBlock?.BlockPublicAcls && s.publicAccessBlock.BlockPublicPolicy),
            tags: s?.tags,
            prefixes: prefixesOf(b.keys),
            ...(s?.replication ? { replicatesTo: (s.replication.Rules ?? []).map((rule) => (rule.Destination?.Bucket ?? '').replace(/^arn:aws:s3:::/, '')) } : {}),
          };
        }),
    },
    secrets: r.secrets.all().map((s) => ({
      name: s.name,
      ...(s.deletedDate ? { deleted: true } : {}),
      ...(s.primaryRegion ? { replicaOf: s.primaryRegion } : {}),
      ...(s.replicas?.size ? { replicas: [...s.replicas.keys()] } : {}),
    })),
    metrics: [...r.cloudwatch.metrics],
    events: [...r.events.events],
  };
}

export function cloudInventory(sim: SimCloud): CloudInventory {
  const listing = sim.s3.listing();
  return {
    at: sim.clock.iso(),
    timeScale: sim.clock.timeScale,
    regions: Object.fromEntries(sim.regions().map((region) => [region, regionInventory(sim, region, listing)])),
    route53: {
      zones: [...sim.route53.zones.values()].map((z) => ({ id: z.id, name: z.name })),
      records: [...sim.route53.zones.values()].flatMap((z) =>
        [...z.records.values()].map((r) => ({
          zone: z.id,
          name: r.Name!,
          type: r.Type!,
          value: r.AliasTarget ? `ALIAS ${r.AliasTarget.DNSName}` : (r.ResourceRecords ?? []).map((v) => v.Value).join(', '),
        })),
      ),
    },
    iam: { roles: [...sim.iam.roles.values()].map((r) => ({ name: r.name, arn: r.arn, policies: [...r.policies.keys()].sort(), tags: { ...r.tags } })) },
    faults: sim.faults.list(),
    globalClusters: (sim.globalDatabases.operations.DescribeGlobalClusters({}).GlobalClusters ?? []).map((g) => ({
      identifier: g.GlobalClusterIdentifier!,
      status: g.Status!,
      writer: g.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn,
      members: [...(g.GlobalClusterMembers ?? [])]
        .sort((a, b) => Number(b.IsWriter) - Number(a.IsWriter))
        .map((m) => ({ arn: m.DBClusterArn!, region: m.DBClusterArn!.split(':')[3]!, isWriter: !!m.IsWriter, ...(m.SynchronizationStatus ? { synchronization: m.SynchronizationStatus } : {}) })),
    })),
  };
}

export function tenantInventory(sim: SimCloud, tenantId: string, options: { includeRetained?: boolean }): TenantResource[] {
  const p = sim.config.namePrefix;
  const out: TenantResource[] = [];
  const tagged = (tags: Record<string, string> | undefined) => tags?.['odoo:tenant'] === tenantId;
  const namespace = names.namespace(tenantId);
  const hosts = new Set([fqdn(`${tenantId}.${sim.config.baseDomain}`)]);
  const listing = sim.s3.listing();

  for (const region of sim.regions()) {
    const r = sim.region(region);
    const store = r.rds.store;
    store.sweep();
    const tenantClusters = new Set<string>();
    for (const c of store.clusters.values()) {
      if (tagged(c.tags) || c.identifier === names.dbClusterIdentifier(tenantId, p)) {
        tenantClusters.add(c.identifier);
        out.push({ service: 'rds', type: 'cluster', id: c.identifier, region, status: store.clusterStatus(c) });
      }
      if (c.databases.has(names.databaseName(tenantId))) out.push({ service: 'rds', type: 'database', id: `${c.identifier}/${names.databaseName(tenantId)}`, region });
      // A release's pre-change copy of the tenant's database (`<db>_pre_<release>`).
      for (const name of c.databases.keys()) if (name.startsWith(`${names.databaseName(tenantId)}_pre_`)) out.push({ service: 'rds', type: 'database-copy', id: `${c.identifier}/${name}`, region });
      if (c.roles.has(names.roleName(tenantId))) out.push({ service: 'rds', type: 'role', id: `${c.identifier}/${names.roleName(tenantId)}`, region });
    }
    for (const i of store.instances.values()) {
      if (tagged(i.tags) || tenantClusters.has(i.clusterIdentifier)) out.push({ service: 'rds', type: 'instance', id: i.identifier, region, status: store.instanceStatus(i) });
    }
    if (options.includeRetained) {
      for (const s of store.snapshots.values()) {
        if (tagged(s.tags) || s.clusterIdentifier === names.dbClusterIdentifier(tenantId, p)) out.push({ service: 'rds', type: 'cluster-snapshot', id: s.identifier, region, status: store.snapshotStatus(s), retained: true });
      }
    }
    r.eks.sweep();
    for (const c of r.eks.clusters.values()) {
      for (const ng of c.nodegroups.values()) {
        if (tagged(ng.tags) || ng.labels['odoo.fleet/tenant'] === tenantId || ng.name === names.nodegroupName(tenantId, p)) {
          out.push({ service: 'eks', type: 'nodegroup', id: `${c.name}/${ng.name}`, region, status: r.eks.status(ng) });
        }
      }
      for (const a of c.podIdentity.values()) if (a.namespace === namespace || tagged(a.tags)) out.push({ service: 'eks', type: 'pod-identity-association', id: `${c.name}/${a.associationId}`, region });
    }
    for (const [clusterName, cluster] of r.kube) {
      const objects = cluster.all();
      const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === namespace);
      if (!ns) continue;
      const inside = objects.filter((o) => o.metadata.namespace === namespace);
      for (const route of inside.filter((o) => o.kind === 'IngressRoute')) {
        for (const m of JSON.stringify(route.spec ?? {}).matchAll(/Host\(\\?[`"]([^`"\\]+)\\?[`"]\)/g)) hosts.add(fqdn(m[1]!));
      }
      out.push({ service: 'kubernetes', type: 'namespace', id: `${clusterName}/${namespace}`, region, status: `${String((ns.status as { phase?: string }).phase)} (${inside.length} objects)` });
      // The tenant's Odoo Deployments, with the image each runs: what a release changes.
      for (const d of inside.filter((o) => o.kind === 'Deployment')) {
        const w = summarise(d);
        out.push({ service: 'kubernetes', type: 'deployment', id: `${clusterName}/${namespace}/${d.metadata.name}`, region, status: `${w.ready ?? 0}/${w.replicas ?? 0} ready`, detail: { image: w.image, replicas: w.replicas, ready: w.ready } });
      }
    }
    for (const s of r.secrets.all()) {
      if (s.deletedDate) continue;
      if (tagged(s.tags) || s.name.startsWith(`${p}/${tenantId}/`)) out.push({ service: 'secretsmanager', type: 'secret', id: s.name, region });
    }
  }

  for (const b of listing) {
    const region = sim.s3.regionOf(b.name);
    const settings = sim.s3.settings.get(b.name);
    const own = tagged(settings?.tags) || sim.regions().some((r) => b.name === names.bucketName(tenantId, sim.config.accountId, r, p));
    if (own) {
      out.push({ service: 's3', type: 'bucket', id: b.name, region, status: `${b.keys.length} objects` });
      continue;
    }
    const prefix = names.filestorePrefix(tenantId);
    const count = b.keys.filter((k) => k.startsWith(prefix)).length;
    if (count > 0) out.push({ service: 's3', type: 'prefix', id: `${b.name}/${prefix}`, region, status: `${count} objects` });
    if (options.includeRetained) {
      const archived = b.keys.filter((k) => k.startsWith(`offboarded/${tenantId}/`)).length;
      if (archived > 0) out.push({ service: 's3', type: 'archive', id: `${b.name}/offboarded/${tenantId}/`, region, status: `${archived} objects`, retained: true });
    }
  }

  // The tenant's own Aurora global database (its DR copy): its members are listed above, region by region.
  for (const g of sim.globalDatabases.globals.values()) {
    if (g.identifier === names.globalClusterIdentifier(tenantId, p)) out.push({ service: 'rds', type: 'global-cluster', id: g.identifier, status: `${g.members.length} members` });
  }

  for (const z of sim.route53.zones.values()) {
    for (const rec of z.records.values()) if (hosts.has(rec.Name!) && rec.Type !== 'NS' && rec.Type !== 'SOA') out.push({ service: 'route53', type: 'record', id: `${rec.Name} ${rec.Type}` });
  }
  for (const role of sim.iam.roles.values()) {
    if (tagged(role.tags) || role.name === names.podRoleName(tenantId, p)) out.push({ service: 'iam', type: 'role', id: role.name, status: `${role.policies.size} inline policies` });
  }
  return out;
}
