/**
 * Cross-region replication of Aurora: global databases (a writer cluster in one region, read-only
 * secondaries in others) and cross-region read replica clusters (pilot light), for failover.
 *
 * Replication is computed when read, never on a timer: a replicating cluster holds its source's
 * databases as of `now - lag` (heartbeats up to that instant, the last upgrade made by then, the
 * newest business write capped at it). The lag is 1 s of the simulated clock unless a
 * `replication-lag` fault sets it for the region replicated into; while the source's region is
 * unreachable (an `unreachable` fault), replication stops where it was and the lag grows with the
 * clock. A switchover waits for the secondary to catch up, then swaps the writer; a failover with
 * data loss makes the target writer at once with what had replicated, and the old writer keeps
 * its newer content (read-only, `diverged`), so the window lost shows in heartbeats on both sides.
 */
import type {
  CreateGlobalClusterCommandInput,
  CreateGlobalClusterCommandOutput,
  DeleteGlobalClusterCommandInput,
  DeleteGlobalClusterCommandOutput,
  DescribeGlobalClustersCommandInput,
  DescribeGlobalClustersCommandOutput,
  FailoverGlobalClusterCommandInput,
  FailoverGlobalClusterCommandOutput,
  GlobalCluster,
  PromoteReadReplicaDBClusterCommandInput,
  PromoteReadReplicaDBClusterCommandOutput,
  RemoveFromGlobalClusterCommandInput,
  RemoveFromGlobalClusterCommandOutput,
  SwitchoverGlobalClusterCommandInput,
  SwitchoverGlobalClusterCommandOutput,
} from '@aws-sdk/client-rds';
import { awsError, requireParams } from './errors.ts';
import type { FaultInjector } from './faults.ts';
import { heartbeatsAsOf } from './odoo-content.ts';
import { assertIdentifier, type RdsStore, type SimDatabase, type SimDbCluster } from './rds-store.ts';
import { randomId, type Out, type SimContext } from './types.ts';

/** Replication lag (seconds of the simulated clock) when no fault sets one. */
export const DEFAULT_REPLICATION_LAG_SECONDS = 1;

export interface SimGlobalCluster {
  identifier: string;
  arn: string;
  resourceId: string;
  engine: string;
  engineVersion: string;
  databaseName?: string;
  storageEncrypted: boolean;
  deletionProtection: boolean;
  /** Member clusters' ARNs, the writer's among them. */
  members: string[];
  writer?: string;
  /** A switchover or failover under way (or just ended, until settled). */
  operation?: { kind: 'switchover' | 'failover'; from: string; to: string; dataLoss: boolean; endsAt: number };
}

/** What a new cluster joins: a global database (as its first member, or as a secondary) or a source it replicates. */
export interface ReplicationJoin {
  globalCluster?: string;
  /** The cluster it replicates (a secondary's writer, a read replica's source). */
  source?: SimDbCluster;
}

const arnRegion = (arn: string): string | undefined => /^arn:aws:rds:([a-z0-9-]+):\d+:cluster:/.exec(arn)?.[1];

export class GlobalDatabases {
  readonly globals = new Map<string, SimGlobalCluster>();

  constructor(
    private readonly ctx: SimContext,
    private readonly deps: { store(region: string): RdsStore; regions(): string[]; faults: FaultInjector },
  ) {}

  readonly operations = {
    CreateGlobalCluster: (i: CreateGlobalClusterCommandInput) => this.create(i),
    DescribeGlobalClusters: (i: DescribeGlobalClustersCommandInput) => this.describe(i),
    DeleteGlobalCluster: (i: DeleteGlobalClusterCommandInput) => this.delete(i),
    RemoveFromGlobalCluster: (i: RemoveFromGlobalClusterCommandInput) => this.remove(i),
    SwitchoverGlobalCluster: (i: SwitchoverGlobalClusterCommandInput) => this.switchover(i),
    FailoverGlobalCluster: (i: FailoverGlobalClusterCommandInput) => this.failover(i),
  };

  // --- lookups -------------------------------------------------------------------------------

  /** A cluster of any region by ARN. */
  clusterByArn(arn: string | undefined): SimDbCluster | undefined {
    const region = arn ? arnRegion(arn) : undefined;
    return region && this.deps.regions().includes(region) ? this.deps.store(region).clusterByArn(arn!) : undefined;
  }

  private storeOf(c: SimDbCluster): RdsStore {
    return this.deps.store(arnRegion(c.arn)!);
  }

  private mustGlobal(identifier: string | undefined): SimGlobalCluster {
    this.settle();
    const g = identifier ? this.globals.get(identifier.toLowerCase()) ?? [...this.globals.values()].find((x) => x.arn === identifier) : undefined;
    if (!g) throw awsError('rds', 'GlobalClusterNotFoundFault', `Global cluster ${identifier} not found.`);
    return g;
  }

  /** A member named by ARN (or by identifier, when only one member has it). */
  private member(g: SimGlobalCluster, id: string | undefined, param: string): SimDbCluster {
    const arn = id?.startsWith('arn:') ? id : g.members.find((m) => m.endsWith(`:cluster:${id?.toLowerCase()}`));
    const c = arn && g.members.includes(arn) ? this.clusterByArn(arn) : undefined;
    if (!c) throw awsError('rds', 'DBClusterNotFoundFault', `The ${param} ${id} is not a member of global cluster ${g.identifier}.`);
    return c;
  }

  // --- replication ---------------------------------------------------------------------------

  /** The lag (ms) of what replicates into a region, as set. */
  private setLagMs(region: string): number {
    return (this.deps.faults.replicationLag(region) ?? DEFAULT_REPLICATION_LAG_SECONDS) * 1000;
  }

  /** The instant (epoch ms) a replicating cluster holds its source's content as of. */
  replicatedUntil(c: SimDbCluster): number {
    const now = this.ctx.clock.nowMs();
    const lag = this.setLagMs(arnRegion(c.arn)!);
    const sourceRegion = c.replicaOf ? arnRegion(c.replicaOf) : undefined;
    const down = sourceRegion ? this.deps.faults.unreachableSince(sourceRegion) : undefined;
    return down === undefined ? now - lag : Math.min(now - lag, down - lag);
  }

  /** The current lag (ms) of a replicating cluster of a region, by identifier; undefined when it does not replicate. */
  lagMs(region: string, identifier: string): number | undefined {
    this.settle();
    const c = this.deps.regions().includes(region) ? this.deps.store(region).cluster(identifier) : undefined;
    if (!c?.replicaOf) return undefined;
    return this.ctx.clock.nowMs() - this.replicatedUntil(c);
  }

  /** Brings a replicating cluster's databases to its source's as of `point` (default: as replicated now). */
  sync(c: SimDbCluster, point = this.replicatedUntil(c)): void {
    const source = this.clusterByArn(c.replicaOf);
    if (!source) return;
    const databases = new Map<string, SimDatabase>();
    for (const [name, d] of source.databases) {
      const mine = c.databases.get(name);
      // The newest upgrade made by the point: the source's, else the one this cluster already held (if it was made by then).
      const by = (u: SimDatabase['upgraded']) => (u && Date.parse(u.at) <= point ? u : undefined);
      const upgraded = by(d.upgraded) ?? by(mine?.upgraded);
      databases.set(name, { ...d, upgraded: upgraded && structuredClone(upgraded), heartbeats: heartbeatsAsOf(d.heartbeats, point) });
    }
    c.databases.clear();
    for (const [name, d] of databases) c.databases.set(name, d);
    c.roles.clear();
    for (const r of source.roles) c.roles.add(r);
  }

  /** Before the Data API reads a cluster: operations that ended are settled, a replicating cluster's content is brought up to date. */
  beforeRead(c: SimDbCluster): void {
    this.settle();
    if (c.replicaOf) this.sync(c);
  }

  /** Whether writes are refused on a cluster: it replicates, was cut off, or its global database is switching writer. */
  readOnly(c: SimDbCluster): boolean {
    if (c.replicaOf || c.diverged) return true;
    const g = c.globalCluster ? this.globals.get(c.globalCluster) : undefined;
    return g?.operation?.kind === 'switchover';
  }

  /** The newest business write a cluster holds, given its source's: capped at what has replicated. */
  newestWrite(c: SimDbCluster, newest: Date | null): Date | null {
    if (!c.replicaOf || !newest) return newest;
    const point = this.replicatedUntil(c);
    return newest.getTime() > point ? new Date(point) : newest;
  }

  /** Ends the switchovers and failovers whose time has come. */
  settle(): void {
    const now = this.ctx.clock.nowMs();
    for (const g of this.globals.values()) {
      const op = g.operation;
      if (!op || op.endsAt > now) continue;
      delete g.operation;
      if (op.kind !== 'switchover') continue;
      // Planned: the target has caught up with everything the old writer committed.
      const target = this.clusterByArn(op.to);
      if (!target) continue;
      this.sync(target, op.endsAt);
      this.makeWriter(g, target);
    }
  }

  private makeWriter(g: SimGlobalCluster, target: SimDbCluster): void {
    delete target.replicaOf;
    g.writer = target.arn;
    for (const arn of g.members) {
      const m = this.clusterByArn(arn);
      if (m && m !== target && !m.diverged) m.replicaOf = target.arn;
    }
  }

  // --- joining (CreateDBCluster) --------------------------------------------------------------

  /** What CreateDBCluster joins, validated as AWS does; undefined for a plain cluster. */
  join(i: { GlobalClusterIdentifier?: string; ReplicationSourceIdentifier?: string; MasterUsername?: string; MasterUserPassword?: string; ManageMasterUserPassword?: boolean }, region: string): ReplicationJoin | undefined {
    if (!i.GlobalClusterIdentifier && !i.ReplicationSourceIdentifier) return undefined;
    if (i.GlobalClusterIdentifier && i.ReplicationSourceIdentifier) throw awsError('rds', 'InvalidParameterCombination', 'GlobalClusterIdentifier and ReplicationSourceIdentifier cannot be given together.');
    let source: SimDbCluster | undefined;
    if (i.ReplicationSourceIdentifier) {
      source = this.clusterByArn(i.ReplicationSourceIdentifier);
      if (!source) throw awsError('rds', 'DBClusterNotFoundFault', `DBCluster ${i.ReplicationSourceIdentifier} not found.`);
      // As in AWS: cross-region read replica clusters are Aurora MySQL's (binlog); Aurora
      // PostgreSQL replicates across regions only as a global database.
      if (source.engine === 'aurora-postgresql') {
        throw awsError('rds', 'InvalidParameterCombination', 'Cross-Region read replica clusters are not supported for aurora-postgresql; use an Aurora global database.');
      }
      if (arnRegion(source.arn) === region) throw awsError('rds', 'InvalidParameterValue', 'ReplicationSourceIdentifier must be a DB cluster in another region.');
      if (source.replicaOf) throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${source.identifier} is itself a replica.`);
    } else {
      const g = this.mustGlobal(i.GlobalClusterIdentifier);
      if (g.members.some((m) => arnRegion(m) === region)) throw awsError('rds', 'InvalidParameterValue', `Global cluster ${g.identifier} already has a member in ${region}.`);
      if (g.writer) source = this.clusterByArn(g.writer);
      if (!source) return { globalCluster: g.identifier };
    }
    if (this.storeOf(source).clusterStatus(source) !== 'available') throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${source.identifier} is not in an available state.`);
    if (i.MasterUsername || i.MasterUserPassword || i.ManageMasterUserPassword) {
      throw awsError('rds', 'InvalidParameterCombination', 'A secondary or replica cluster takes its master user from its source: MasterUsername and its password cannot be given.');
    }
    return { globalCluster: i.GlobalClusterIdentifier ? this.mustGlobal(i.GlobalClusterIdentifier).identifier : undefined, source };
  }

  /** The new cluster has been made: it joins what `join` validated. */
  joined(c: SimDbCluster, join: ReplicationJoin): void {
    if (join.globalCluster) {
      const g = this.globals.get(join.globalCluster)!;
      c.globalCluster = g.identifier;
      g.members.push(c.arn);
      if (!join.source) g.writer = c.arn;
    }
    if (join.source) c.replicaOf = join.source.arn;
  }

  /** A member cluster is deleted: AWS refuses while it is in a global database. */
  assertDeletable(c: SimDbCluster): void {
    if (c.globalCluster) throw awsError('rds', 'InvalidDBClusterStateFault', 'This cluster is a part of a global cluster, please remove it from globalcluster first');
  }

  /** Cross-region read replicas by source ARN (their ARNs, for `ReadReplicaIdentifiers`): one pass over every region. */
  replicaIndex(): Map<string, string[]> {
    const index = new Map<string, string[]>();
    for (const r of this.deps.regions()) {
      for (const x of this.deps.store(r).clusters.values()) if (x.replicaOf && !x.globalCluster) index.set(x.replicaOf, [...(index.get(x.replicaOf) ?? []), x.arn]);
    }
    return index;
  }

  // --- operations ----------------------------------------------------------------------------

  private toGlobal(g: SimGlobalCluster): GlobalCluster {
    const op = g.operation;
    return {
      GlobalClusterIdentifier: g.identifier,
      GlobalClusterResourceId: g.resourceId,
      GlobalClusterArn: g.arn,
      Status: op ? (op.kind === 'switchover' ? 'switching-over' : 'failing-over') : 'available',
      Engine: g.engine,
      EngineVersion: g.engineVersion,
      DatabaseName: g.databaseName,
      StorageEncrypted: g.storageEncrypted,
      DeletionProtection: g.deletionProtection,
      GlobalClusterMembers: g.members.map((arn) => ({
        DBClusterArn: arn,
        IsWriter: arn === g.writer,
        Readers: arn === g.writer ? g.members.filter((m) => m !== arn && !this.clusterByArn(m)?.diverged) : [],
        GlobalWriteForwardingStatus: 'disabled',
        ...(arn === g.writer ? {} : { SynchronizationStatus: this.clusterByArn(arn)?.diverged ? 'pending-resync' : 'connected' }),
      })),
      FailoverState: op ? { Status: 'failing-over', FromDbClusterArn: op.from, ToDbClusterArn: op.to, IsDataLossAllowed: op.dataLoss } : undefined,
    };
  }

  private create(i: CreateGlobalClusterCommandInput): Out<CreateGlobalClusterCommandOutput> {
    requireParams('rds', i, ['GlobalClusterIdentifier']);
    assertIdentifier('GlobalClusterIdentifier', i.GlobalClusterIdentifier!);
    const identifier = i.GlobalClusterIdentifier!.toLowerCase();
    if (this.globals.has(identifier)) throw awsError('rds', 'GlobalClusterAlreadyExistsFault', `Global cluster ${identifier} already exists.`);
    let source: SimDbCluster | undefined;
    if (i.SourceDBClusterIdentifier) {
      source = this.clusterByArn(i.SourceDBClusterIdentifier);
      if (!source) throw awsError('rds', 'DBClusterNotFoundFault', `DBCluster ${i.SourceDBClusterIdentifier} not found.`);
      if (source.globalCluster) throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${source.identifier} is already a member of global cluster ${source.globalCluster}.`);
      if (source.replicaOf) throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${source.identifier} is a read replica.`);
      if (this.storeOf(source).clusterStatus(source) !== 'available') throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${source.identifier} is not in an available state.`);
      if (i.Engine && i.Engine !== source.engine) throw awsError('rds', 'InvalidParameterCombination', `The engine ${i.Engine} does not match the source cluster's ${source.engine}.`);
      if (i.DatabaseName || i.StorageEncrypted !== undefined) throw awsError('rds', 'InvalidParameterCombination', 'DatabaseName and StorageEncrypted cannot be given with SourceDBClusterIdentifier.');
    } else if (!i.Engine) {
      throw awsError('rds', 'InvalidParameterValue', 'The parameter Engine must be provided when SourceDBClusterIdentifier is not.');
    } else if (i.Engine !== 'aurora-postgresql') {
      throw awsError('rds', 'InvalidParameterValue', `Invalid DB engine: ${i.Engine}. The simulated cloud offers aurora-postgresql.`);
    }
    const g: SimGlobalCluster = {
      identifier,
      arn: `arn:aws:rds::${this.ctx.accountId}:global-cluster:${identifier}`,
      resourceId: `cluster-${randomId(26, 'abcdefghijklmnopqrstuvwxyz0123456789')}`,
      engine: source?.engine ?? i.Engine!,
      engineVersion: source?.engineVersion ?? i.EngineVersion ?? '16.4',
      databaseName: source?.databaseName ?? i.DatabaseName,
      storageEncrypted: source?.storageEncrypted ?? i.StorageEncrypted ?? false,
      deletionProtection: i.DeletionProtection ?? false,
      members: source ? [source.arn] : [],
      writer: source?.arn,
    };
    this.globals.set(identifier, g);
    if (source) source.globalCluster = identifier;
    return { GlobalCluster: this.toGlobal(g) };
  }

  private describe(i: DescribeGlobalClustersCommandInput): Out<DescribeGlobalClustersCommandOutput> {
    if (i.GlobalClusterIdentifier) return { GlobalClusters: [this.toGlobal(this.mustGlobal(i.GlobalClusterIdentifier))] };
    this.settle();
    const ids = i.Filters?.find((f) => f.Name === 'global-cluster-id')?.Values?.map((v) => v.toLowerCase());
    return { GlobalClusters: [...this.globals.values()].filter((g) => !ids || ids.includes(g.identifier)).map((g) => this.toGlobal(g)) };
  }

  private delete(i: DeleteGlobalClusterCommandInput): Out<DeleteGlobalClusterCommandOutput> {
    requireParams('rds', i, ['GlobalClusterIdentifier']);
    const g = this.mustGlobal(i.GlobalClusterIdentifier);
    if (g.members.length > 0) throw awsError('rds', 'InvalidGlobalClusterStateFault', `Global Cluster ${g.arn} is not empty`);
    if (g.deletionProtection) throw awsError('rds', 'InvalidParameterCombination', 'Cannot delete protected Global Cluster, please disable deletion protection and try again.');
    this.globals.delete(g.identifier);
    return { GlobalCluster: { ...this.toGlobal(g), Status: 'deleting' } };
  }

  private remove(i: RemoveFromGlobalClusterCommandInput): Out<RemoveFromGlobalClusterCommandOutput> {
    requireParams('rds', i, ['GlobalClusterIdentifier', 'DbClusterIdentifier']);
    const g = this.mustGlobal(i.GlobalClusterIdentifier);
    const c = this.member(g, i.DbClusterIdentifier, 'DbClusterIdentifier');
    if (g.operation) throw awsError('rds', 'InvalidGlobalClusterStateFault', `Global cluster ${g.identifier} is in ${this.toGlobal(g).Status} state.`);
    if (c.arn === g.writer && g.members.length > 1) throw awsError('rds', 'InvalidGlobalClusterStateFault', `The writer ${c.identifier} cannot be removed while global cluster ${g.identifier} has secondaries.`);
    if (c.replicaOf) {
      // Detached: a standalone writer with what had replicated, after a promotion.
      this.sync(c);
      delete c.replicaOf;
      c.promotingUntil = this.ctx.clock.after('replicaPromote');
    }
    delete c.diverged;
    delete c.globalCluster;
    g.members = g.members.filter((m) => m !== c.arn);
    if (g.writer === c.arn) delete g.writer;
    return { GlobalCluster: this.toGlobal(g) };
  }

  /** A switchover or failover's target and preconditions. */
  private target(g: SimGlobalCluster, id: string | undefined): SimDbCluster {
    if (g.operation) throw awsError('rds', 'InvalidGlobalClusterStateFault', `Global cluster ${g.identifier} is in ${this.toGlobal(g).Status} state.`);
    const target = this.member(g, id, 'TargetDbClusterIdentifier');
    if (target.arn === g.writer) throw awsError('rds', 'InvalidParameterValue', `DB cluster ${target.identifier} is already the writer of global cluster ${g.identifier}.`);
    const status = this.storeOf(target).clusterStatus(target);
    if (status !== 'available') throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${target.identifier} is in ${status} state.`);
    return target;
  }

  private startSwitchover(g: SimGlobalCluster, target: SimDbCluster): void {
    for (const arn of g.members) {
      const m = this.clusterByArn(arn);
      const status = m ? this.storeOf(m).clusterStatus(m) : 'missing';
      if (status !== 'available') throw awsError('rds', 'InvalidDBClusterStateFault', `Member ${arn} of global cluster ${g.identifier} is in ${status} state.`);
      if (m!.diverged) throw awsError('rds', 'InvalidGlobalClusterStateFault', `Member ${arn} of global cluster ${g.identifier} is not synchronised.`);
    }
    if (!g.writer) throw awsError('rds', 'InvalidGlobalClusterStateFault', `Global cluster ${g.identifier} has no writer.`);
    // Planned: replication must be flowing, so the secondary can catch up.
    if (this.deps.faults.unreachableSince(arnRegion(g.writer)!) !== undefined) throw awsError('rds', 'InvalidGlobalClusterStateFault', `The writer of global cluster ${g.identifier} cannot be reached.`);
    g.operation = { kind: 'switchover', from: g.writer, to: target.arn, dataLoss: false, endsAt: this.ctx.clock.after('globalSwitchover') };
  }

  private switchover(i: SwitchoverGlobalClusterCommandInput): Out<SwitchoverGlobalClusterCommandOutput> {
    requireParams('rds', i, ['GlobalClusterIdentifier', 'TargetDbClusterIdentifier']);
    const g = this.mustGlobal(i.GlobalClusterIdentifier);
    this.startSwitchover(g, this.target(g, i.TargetDbClusterIdentifier));
    return { GlobalCluster: this.toGlobal(g) };
  }

  private failover(i: FailoverGlobalClusterCommandInput): Out<FailoverGlobalClusterCommandOutput> {
    requireParams('rds', i, ['GlobalClusterIdentifier', 'TargetDbClusterIdentifier']);
    if (i.AllowDataLoss && i.Switchover) throw awsError('rds', 'InvalidParameterCombination', 'AllowDataLoss and Switchover cannot both be set.');
    const g = this.mustGlobal(i.GlobalClusterIdentifier);
    const target = this.target(g, i.TargetDbClusterIdentifier);
    if (!i.AllowDataLoss) {
      this.startSwitchover(g, target);
      return { GlobalCluster: this.toGlobal(g) };
    }
    // Unplanned: the target takes what had replicated and becomes writer at once; the old writer keeps its newer content.
    this.sync(target);
    const old = g.writer ? this.clusterByArn(g.writer) : undefined;
    if (old) old.diverged = true;
    this.makeWriter(g, target);
    g.operation = { kind: 'failover', from: old?.arn ?? '', to: target.arn, dataLoss: true, endsAt: this.ctx.clock.after('globalFailover') };
    return { GlobalCluster: this.toGlobal(g) };
  }

  /** PromoteReadReplicaDBCluster, called in the replica's region: it becomes a standalone writer (`promoting`, then `available`). */
  promote(store: RdsStore, i: PromoteReadReplicaDBClusterCommandInput): Out<PromoteReadReplicaDBClusterCommandOutput> {
    requireParams('rds', i, ['DBClusterIdentifier']);
    this.settle();
    const c = store.mustCluster(i.DBClusterIdentifier);
    if (!c.replicaOf || c.globalCluster) throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${c.identifier} is not a read replica.`);
    const status = store.clusterStatus(c);
    if (status !== 'available') throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${c.identifier} is in ${status} state.`);
    this.sync(c);
    delete c.replicaOf;
    c.promotingUntil = this.ctx.clock.after('replicaPromote');
    return { DBCluster: store.toDBCluster(c) };
  }

}
