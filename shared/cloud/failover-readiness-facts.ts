/**
 * The facts that say whether a failover unit (a cell's shared database, or a dedicated tenant) can
 * fail over from `fromRegion` to `toRegion` now, read from the cloud and judged per tenant by
 * `evaluateReadiness`. Every call goes to `toRegion`, the region being activated, except one: the
 * primary's DescribeDBClusters in `fromRegion`, time-boxed, which says whether the primary answers
 * (and its engine version). That region may be down; its probe never throws, it answers "unreachable".
 *
 * What is read, by posture:
 * - warm standby and pilot light (a headless global secondary, decision 27): the global cluster and
 *   its member in `toRegion` (`DescribeGlobalClusters`), that member's status and engine version
 *   (`DescribeDBClusters`), its `AuroraGlobalDBRPOLag` (CloudWatch of `toRegion`);
 * - backup-restore: the newest available cluster snapshot of the primary's cluster in `toRegion`
 *   (Aurora has no cross-region automated backup replication: what reaches the DR region are
 *   snapshot copies, made by CopyDBClusterSnapshot or AWS Backup, which keep the source cluster's id);
 * - all: the EKS cluster of `toRegion` that would run the unit exists and is ACTIVE, and a dedicated
 *   tenant's node group fits there: the vCPUs it adds within the On-Demand Standard vCPU quota's
 *   headroom (Service Quotas and the `AWS/Usage` metric of `toRegion`), and a node group it has to
 *   create within the node groups per cluster quota (`ListNodegroups` of the DR cluster). A quota
 *   that cannot be read is reported unknown, never a refusal (`shared/domain/dr-capacity.ts`).
 * - warm standby and pilot light: the filestore's replication backlog, S3's `ReplicationLatency`,
 *   which is published in the SOURCE bucket's region: read in `fromRegion`, time-boxed like the
 *   probe, and unknown (null) when that region does not answer or publishes no datapoint.
 *   Backup-restore units replicate no filestore: no backlog is read for them.
 */
import { DescribeDBClustersCommand, type RDSClient } from '@aws-sdk/client-rds';
import { newestAvailable, sinceActive, snapshotsOf } from './adapters/snapshot-copies.ts';
import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import { addNeeds, dedicatedNeed, EC2_STANDARD_VCPU_QUOTA, EKS_NODEGROUP_QUOTA, judgeCapacity, NO_NEED, type ComputeNeed, type Headroom } from '#shared/domain/dr-capacity.ts';
import type { FailoverMode, FailoverUnit } from '#shared/domain/failover-plan.ts';
import { evaluateReadiness, expectedFailoverSeconds, type Readiness, type ReadinessFacts } from '#shared/domain/failover-readiness.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { cellIn, eksClusterIn } from '#shared/domain/fleet-lookup.ts';
import { tenantSide, unitTarget } from '#shared/lib/failover-unit-target.ts';
import { names } from '#shared/domain/names.ts';
import type { DrPosture, Tenant } from '#shared/domain/types.ts';
import { validationError } from '#shared/lib/errors.ts';
import { timeBoxed } from '#shared/lib/time-box.ts';
import { errorName, hasName } from './adapters/aws-errors.ts';
import { describeGlobalDatabase, globalRpoLagSeconds, memberIn } from './adapters/global-database.ts';
import { replicationLatencySeconds, replicationRuleTo, type ReplicationPair } from './adapters/replication-metrics.ts';
import { listNodegroups, quotaValue, runningStandardVcpus } from './adapters/service-quotas.ts';
import { cloud, type CloudProvider } from './clients.ts';

export interface UnitReadinessInput {
  config: FleetConfig;
  unit: FailoverUnit;
  /** The unit's tenants. */
  tenants: Tenant[];
  mode: FailoverMode;
  fromRegion: string;
  toRegion: string;
  force?: boolean;
  now: Date;
  /** A cell's: since when it has been active in `fromRegion` (its snapshots from before are of an earlier cluster). */
  cellActiveSince?: string;
}

export interface UnitReadiness {
  /** The unit's posture: a cell's is pilot light when it has a `dr` section, else backup-restore. */
  posture: DrPosture;
  primaryReachable: boolean;
  /** `AuroraGlobalDBRPOLag` of the secondary, read in `toRegion`; null when unknown. */
  lagSeconds: number | null;
  /** What a failover would promote. */
  globalClusterIdentifier?: string;
  targetClusterIdentifier?: string;
  /** Per tenant, judged against the tenant's own RPO. */
  tenants: Record<string, Readiness>;
}

/** Where the unit's database and compute are, on both sides. */
interface UnitTarget {
  posture: DrPosture;
  /** The writer's cluster in `fromRegion` (also the id its snapshot copies keep in `toRegion`). */
  primaryClusterIdentifier: string;
  globalClusterIdentifier?: string;
  /** The cluster in `toRegion` the configuration names, if any (the global member found there wins). */
  secondaryClusterIdentifier?: string;
  /** The EKS cluster of `toRegion` that would run the unit, or why there is none. */
  eksCluster: { name: string } | { missing: string };
}

/** What readiness reads, from the unit's target (`shared/lib/failover-unit-target.ts`) and the EKS cluster that would run it. */
function readinessTarget(input: UnitReadinessInput): UnitTarget {
  const { config, unit, tenants, fromRegion, toRegion } = input;
  const first = tenants[0];
  if (!first) throw validationError(`failover unit ${unit.key} has no tenant`);
  const target = unitTarget(config, unit, tenants, fromRegion, toRegion);
  let eksCluster: UnitTarget['eksCluster'];
  try {
    eksCluster = { name: eksClusterIn(config, first, toRegion) };
  } catch (err) {
    eksCluster = { missing: (err as Error).message };
  }
  return {
    posture: target.posture,
    primaryClusterIdentifier: target.from.clusterIdentifier,
    ...(target.globalClusterIdentifier ? { globalClusterIdentifier: target.globalClusterIdentifier } : {}),
    // A dedicated tenant's secondary keeps its cluster identifier in the DR region.
    ...(target.posture !== 'backup-restore' ? { secondaryClusterIdentifier: unit.kind === 'dedicated' ? (first.resources.dr?.clusterIdentifier ?? target.to.clusterIdentifier) : target.to.clusterIdentifier } : {}),
    eksCluster,
  };
}

/**
 * One DescribeDBClusters of the primary, given up after `timeoutSeconds` (the SDK's own retries
 * and a socket that never answers included) and then aborted. Any error or timeout means the
 * primary does not answer.
 */
export async function probePrimary(rds: RDSClient, clusterIdentifier: string, timeoutSeconds: number): Promise<{ reachable: boolean; engineVersion?: string }> {
  const abort = new AbortController();
  const out = await timeBoxed(() => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterIdentifier }), { abortSignal: abort.signal }), timeoutSeconds, 'the primary probe');
  if (!out.ok) {
    abort.abort();
    return { reachable: false };
  }
  const cluster = out.value.DBClusters?.[0];
  return cluster ? { reachable: true, ...(cluster.EngineVersion ? { engineVersion: cluster.EngineVersion } : {}) } : { reachable: false };
}

/** Status and engine version of a cluster, or undefined when the region has no such cluster. */
async function describeCluster(rds: RDSClient, clusterIdentifier: string): Promise<{ status: string; engineVersion: string } | undefined> {
  try {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterIdentifier }));
    const c = out.DBClusters?.[0];
    return c ? { status: c.Status ?? 'unknown', engineVersion: c.EngineVersion ?? 'unknown' } : undefined;
  } catch (err) {
    if (hasName(err, 'DBClusterNotFoundFault')) return undefined;
    throw err;
  }
}

/**
 * When the newest available snapshot of `clusterIdentifier` held in the snapshots' region was
 * taken, or null. The `db-cluster-id` filter, not `DBClusterIdentifier` (which must name a cluster
 * of that region, and the DR region has none); results are checked again, the filter being a hint.
 */
export async function newestSnapshotAt(rds: RDSClient, clusterIdentifier: string, since?: string): Promise<string | null> {
  // The control plane's DR copies only (not an old primary's kept snapshot), of the cluster serving now.
  return newestAvailable(sinceActive(await snapshotsOf(rds, clusterIdentifier), since), true)?.createdAt ?? null;
}

/** Whether the EKS cluster that would run the unit in `region` exists and is ACTIVE. */
async function eksClusterStatus(eks: EKSClient, name: string, region: string): Promise<ReadinessFacts['capacity']> {
  try {
    const status = (await eks.send(new DescribeClusterCommand({ name }))).cluster?.status ?? 'unknown';
    return { ready: status === 'ACTIVE', detail: `EKS cluster ${name} in ${region} is ${status}` };
  } catch (err) {
    if (hasName(err, 'ResourceNotFoundException')) return { ready: false, detail: `EKS cluster ${name} does not exist in ${region}` };
    throw err;
  }
}

/** A headroom read that fails (AccessDeniedException, throttling, any error) is unknown, with the error's name: never a refusal. */
async function headroom(read: () => Promise<{ quota: number; used: number }>): Promise<Headroom> {
  try {
    return await read();
  } catch (err) {
    return { unknown: errorName(err) ?? 'error' };
  }
}

/**
 * What the unit adds in `region`: nothing for a cell (its node pool runs there), a dedicated
 * tenant's node group brought to full size. Whether the tenant's node group is there is read from
 * the DR cluster's node groups; when they cannot be listed, from the tenant's record (warm standby
 * records its DR node group).
 */
function unitNeed(input: UnitReadinessInput, nodegroups: string[] | undefined): ComputeNeed {
  if (input.unit.kind === 'cell') return NO_NEED;
  return input.tenants.reduce<ComputeNeed | undefined>((sum, t) => {
    const resources = t.placement.resources;
    if (resources.kind !== 'dedicated') return sum;
    const exists = nodegroups ? nodegroups.includes(names.nodegroupName(t.tenantId, input.config.namePrefix)) : !!t.resources.dr?.nodegroup;
    const need = dedicatedNeed(t.placement.drPosture, resources.nodeGroup, exists);
    return sum ? addNeeds(sum, need) : need;
  }, undefined) ?? NO_NEED;
}

/**
 * DR compute: the EKS cluster that would run the unit in `toRegion` is ACTIVE, and what the unit
 * adds there fits the region's quotas. Each unit is judged alone, here and in the scheduled report:
 * a region failover of many units shares one headroom, so units that each fit may not all fit at once.
 */
async function drCapacity(clients: CloudProvider, input: UnitReadinessInput, target: UnitTarget['eksCluster']): Promise<ReadinessFacts['capacity']> {
  const region = input.toRegion;
  if ('missing' in target) return { ready: false, detail: target.missing };
  const eks = clients.eks(region);
  const cluster = await eksClusterStatus(eks, target.name, region);
  if (!cluster.ready || input.unit.kind === 'cell') return cluster;
  const listed = await listNodegroups(eks, target.name).then(
    (list): { names: string[] } | { unknown: string } => ({ names: list }),
    (err: unknown) => ({ unknown: errorName(err) ?? 'error' }),
  );
  const need = unitNeed(input, 'names' in listed ? listed.names : undefined);
  const sq = clients.serviceQuotas(region);
  // Only what the unit needs is read; a headroom not read is never judged (judgeCapacity skips a need of 0 or unknown).
  const notRead: Headroom = { unknown: 'not read' };
  const [vcpu, nodegroups] = await Promise.all([
    need.vcpus
      ? headroom(async () => {
          const [quota, used] = await Promise.all([quotaValue(sq, EC2_STANDARD_VCPU_QUOTA), runningStandardVcpus(clients.cloudwatch(region), input.now)]);
          return { quota, used };
        })
      : notRead,
    need.nodegroups
      ? headroom(async () => {
          if ('unknown' in listed) throw Object.assign(new Error('ListNodegroups failed'), { name: listed.unknown });
          return { quota: await quotaValue(sq, EKS_NODEGROUP_QUOTA), used: listed.names.length };
        })
      : notRead,
  ]);
  const verdict = judgeCapacity(need, vcpu, nodegroups);
  return { ready: verdict.fits, detail: `${cluster.detail}; ${verdict.detail}` };
}

/**
 * Seconds of the unit's filestore not yet replicated to `toRegion`: the newest `ReplicationLatency`
 * of its bucket's rule to the DR bucket, read in `fromRegion` (where S3 publishes it) within
 * `timeoutSeconds`; null when that region does not answer, the rule has no metrics, or there is no
 * datapoint. A cell's buckets are not made by the control plane: the rule's id is read from the
 * bucket's replication configuration rather than assumed.
 */
export async function filestoreBacklogSeconds(clients: CloudProvider, input: UnitReadinessInput, timeoutSeconds: number): Promise<number | null> {
  const { config, fromRegion, toRegion, now } = input;
  let pair: ReplicationPair;
  try {
    const first = input.tenants[0]!;
    // A cell's buckets are the fleet configuration's; a dedicated tenant's, its own on each side.
    const bucketIn = (region: string) => (input.unit.kind === 'cell' ? cellIn(config, first.placement, region).bucket : tenantSide(config, first, region).bucket);
    pair = { sourceBucket: bucketIn(fromRegion), destinationBucket: bucketIn(toRegion) };
  } catch {
    return null;
  }
  const abort = new AbortController();
  const out = await timeBoxed(
    async () => {
      const rule = await replicationRuleTo(clients.s3(fromRegion), pair, abort.signal);
      if (!rule?.metrics) return null;
      return replicationLatencySeconds(clients.cloudwatch(fromRegion), pair, rule.id, now, abort.signal);
    },
    timeoutSeconds,
    'the filestore backlog',
  );
  if (!out.ok) {
    abort.abort();
    return null;
  }
  return out.value;
}

interface DatabaseFacts {
  secondary?: ReadinessFacts['secondary'];
  globalEngineVersion?: string;
  lagSeconds: number | null;
  newestReplicatedBackupAt?: string | null;
  targetClusterIdentifier?: string;
}

/** The global secondary in `toRegion`: what a failover would promote, its health and its lag. */
async function globalSecondaryFacts(clients: CloudProvider, target: UnitTarget, toRegion: string, now: Date): Promise<DatabaseFacts> {
  const rds = clients.rds(toRegion);
  const global = target.globalClusterIdentifier ? await describeGlobalDatabase(rds, target.globalClusterIdentifier) : undefined;
  const member = global ? memberIn(global, toRegion) : undefined;
  if (!global || !member) return { lagSeconds: null, ...(global?.engineVersion ? { globalEngineVersion: global.engineVersion } : {}) };
  const identifier = member.clusterArn.split(':cluster:')[1] ?? target.secondaryClusterIdentifier ?? target.primaryClusterIdentifier;
  const [cluster, lagSeconds] = await Promise.all([describeCluster(rds, identifier), globalRpoLagSeconds(clients.cloudwatch(toRegion), identifier, now)]);
  // A writer there has been promoted already; a member mid-switchover or out of sync cannot be.
  const promotable = !member.isWriter && !global.failover && member.synchronizationStatus !== 'pending-resync';
  return {
    secondary: { status: cluster?.status ?? 'missing', engineVersion: cluster?.engineVersion ?? 'unknown', promotable },
    ...(global.engineVersion ? { globalEngineVersion: global.engineVersion } : {}),
    lagSeconds,
    targetClusterIdentifier: identifier,
  };
}

export async function readUnitReadiness(input: UnitReadinessInput, clients: CloudProvider = cloud()): Promise<UnitReadiness> {
  const { config, mode, fromRegion, toRegion, now } = input;
  const target = readinessTarget(input);
  const [probe, database, capacity, backlog] = await Promise.all([
    probePrimary(clients.rds(fromRegion), target.primaryClusterIdentifier, config.failover.oldRegionTimeoutSeconds),
    target.posture === 'backup-restore'
      ? newestSnapshotAt(clients.rds(toRegion), target.primaryClusterIdentifier, input.cellActiveSince).then((at): DatabaseFacts => ({ lagSeconds: null, newestReplicatedBackupAt: at }))
      : globalSecondaryFacts(clients, target, toRegion, now),
    drCapacity(clients, input, target.eksCluster),
    target.posture === 'backup-restore' ? Promise.resolve(undefined) : filestoreBacklogSeconds(clients, input, config.failover.oldRegionTimeoutSeconds),
  ]);
  // The global cluster's version is read in toRegion, so it is known with the primary down.
  const primaryEngineVersion = database.globalEngineVersion ?? probe.engineVersion;
  const tenants: Record<string, Readiness> = {};
  for (const tenant of input.tenants) {
    tenants[tenant.tenantId] = evaluateReadiness({
      posture: target.posture,
      mode,
      rpoSeconds: tenant.placement.rpoSeconds,
      primaryReachable: probe.reachable,
      ...(database.secondary ? { secondary: database.secondary } : {}),
      ...(primaryEngineVersion ? { primaryEngineVersion } : {}),
      lagSeconds: database.lagSeconds,
      ...(database.newestReplicatedBackupAt !== undefined ? { newestReplicatedBackupAt: database.newestReplicatedBackupAt } : {}),
      capacity,
      ...(backlog !== undefined ? { filestoreBacklogSeconds: backlog } : {}),
      now: now.toISOString(),
      ...(input.force ? { force: true } : {}),
      rto: { targetSeconds: tenant.placement.rtoSeconds, expectedSeconds: expectedFailoverSeconds(target.posture, tenant.placement.model, config.failover.expectedSeconds) },
    });
  }
  return {
    posture: target.posture,
    primaryReachable: probe.reachable,
    lagSeconds: database.lagSeconds,
    ...(target.globalClusterIdentifier && target.posture !== 'backup-restore' ? { globalClusterIdentifier: target.globalClusterIdentifier } : {}),
    ...(database.targetClusterIdentifier ? { targetClusterIdentifier: database.targetClusterIdentifier } : {}),
    tenants,
  };
}
