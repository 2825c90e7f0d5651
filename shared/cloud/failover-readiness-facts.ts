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
 * - all: the EKS cluster of `toRegion` that would run the unit exists and is ACTIVE.
 * The filestore's replication backlog is not read (`filestoreBacklogSeconds` stays undefined): S3's
 * `ReplicationLatency` is published in the source bucket's region, only for rules with replication
 * metrics enabled, so it is neither cheap nor readable with the old region down.
 */
import { DescribeDBClusterSnapshotsCommand, DescribeDBClustersCommand, type RDSClient } from '@aws-sdk/client-rds';
import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import type { FailoverMode, FailoverUnit } from '#shared/domain/failover-plan.ts';
import { evaluateReadiness, expectedFailoverSeconds, type Readiness, type ReadinessFacts } from '#shared/domain/failover-readiness.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { eksClusterIn } from '#shared/domain/fleet-lookup.ts';
import { unitTarget } from '#shared/lib/failover-unit-target.ts';
import type { DrPosture, Tenant } from '#shared/domain/types.ts';
import { validationError } from '#shared/lib/errors.ts';
import { timeBoxed } from '#shared/lib/time-box.ts';
import { hasName } from './adapters/aws-errors.ts';
import { describeGlobalDatabase, globalRpoLagSeconds, memberIn } from './adapters/global-database.ts';
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
export async function newestSnapshotAt(rds: RDSClient, clusterIdentifier: string): Promise<string | null> {
  const id = clusterIdentifier.toLowerCase();
  let newest: number | undefined;
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBClusterSnapshotsCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterIdentifier] }], MaxRecords: 100, Marker: marker }));
    for (const s of page.DBClusterSnapshots ?? []) {
      if (s.Status !== 'available' || s.DBClusterIdentifier?.toLowerCase() !== id || !s.SnapshotCreateTime) continue;
      const at = new Date(s.SnapshotCreateTime).getTime();
      if (newest === undefined || at > newest) newest = at;
    }
    marker = page.Marker;
  } while (marker);
  return newest === undefined ? null : new Date(newest).toISOString();
}

/** Whether the EKS cluster that would run the unit in `region` exists and is ACTIVE. */
async function drCapacity(eks: EKSClient, target: UnitTarget['eksCluster'], region: string): Promise<ReadinessFacts['capacity']> {
  if ('missing' in target) return { ready: false, detail: target.missing };
  try {
    const status = (await eks.send(new DescribeClusterCommand({ name: target.name }))).cluster?.status ?? 'unknown';
    return { ready: status === 'ACTIVE', detail: `EKS cluster ${target.name} in ${region} is ${status}` };
  } catch (err) {
    if (hasName(err, 'ResourceNotFoundException')) return { ready: false, detail: `EKS cluster ${target.name} does not exist in ${region}` };
    throw err;
  }
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
  const [probe, database, capacity] = await Promise.all([
    probePrimary(clients.rds(fromRegion), target.primaryClusterIdentifier, config.failover.oldRegionTimeoutSeconds),
    target.posture === 'backup-restore'
      ? newestSnapshotAt(clients.rds(toRegion), target.primaryClusterIdentifier).then((at): DatabaseFacts => ({ lagSeconds: null, newestReplicatedBackupAt: at }))
      : globalSecondaryFacts(clients, target, toRegion, now),
    drCapacity(clients.eks(toRegion), target.eksCluster, toRegion),
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
