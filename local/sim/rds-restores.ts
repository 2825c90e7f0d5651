/**
 * What RDS offers to get data back: automated (daily) cluster snapshots within the retention
 * period, restores from a snapshot or to a point in time into a new cluster, and an RDS-managed
 * master secret for a restored cluster (which does not inherit the source's). Restores take the
 * scaled typical time and validate their input the way AWS does. A restored cluster remembers its
 * point, and each of its databases the content it held then (`RestoreHooks.freeze`), which the
 * Data API serves as real SQL; drill faults on the restored tenants are decided at the request.
 */
import { randomUUID } from 'node:crypto';
import type {
  DBClusterSnapshot,
  RestoreDBClusterFromSnapshotCommandInput,
  RestoreDBClusterFromSnapshotCommandOutput,
  RestoreDBClusterToPointInTimeCommandInput,
  RestoreDBClusterToPointInTimeCommandOutput,
} from '@aws-sdk/client-rds';
import { names } from '#shared/domain/names.ts';
import { awsError, requireParams } from './errors.ts';
import { heartbeatsAsOf, type RestoreEffects } from './odoo-content.ts';
import { assertIdentifier, type RdsStore, type SimClusterSnapshot, type SimDatabase, type SimDbCluster } from './rds-store.ts';
import type { SecretsSim } from './secrets.ts';
import { randomId, tagsFromList, type Out, type SimContext } from './types.ts';

/** Typical seconds, before scaling: restoring a cluster's storage takes longer than creating an empty one. */
export const RESTORE_SECONDS = 900;
/** The `slow-restore` fault: the restore takes this many times longer. */
export const SLOW_RESTORE_FACTOR = 4;

/** The injected drill faults of one restore. */
export interface RestoreFaults {
  /** The restored cluster ends `failed`. */
  fails: boolean;
  slow: boolean;
  /** Per restored database, what the faults take away from its content. */
  effects: Map<string, RestoreEffects>;
}

/** What the rest of the simulated cloud contributes to a restore: the faults, and the databases' content. */
export interface RestoreHooks {
  faults(databaseNames: string[]): RestoreFaults;
  /** One database's content as of `point` (epoch ms), with the faults' effects: none when it holds no Odoo data. */
  freeze(name: string, source: SimDatabase, point: number, effects: RestoreEffects | undefined): Promise<Pick<SimDatabase, 'restored' | 'pendingRestore' | 'heartbeats'>>;
}

const NO_HOOKS: RestoreHooks = { faults: () => ({ fails: false, slow: false, effects: new Map() }), freeze: async () => ({}) };
const DAY_MS = 86_400_000;
const ENGINE = 'aurora-postgresql';

interface NewClusterInput {
  DBClusterIdentifier?: string;
  DBSubnetGroupName?: string;
  VpcSecurityGroupIds?: string[];
  KmsKeyId?: string;
  DeletionProtection?: boolean;
  CopyTagsToSnapshot?: boolean;
  EnableIAMDatabaseAuthentication?: boolean;
  Tags?: { Key?: string; Value?: string }[];
}

interface DataSource {
  engineVersion: string;
  masterUsername: string;
  databaseName?: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  databases: Map<string, SimDatabase>;
}

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[T:]/g, '-');

export class RdsRestores {
  constructor(
    private readonly ctx: SimContext,
    private readonly store: RdsStore,
    private readonly secrets: SecretsSim,
    private readonly region: string,
    private readonly hooks: RestoreHooks = NO_HOOKS,
  ) {}

  /**
   * Aurora's daily automated snapshots: one when the cluster became available, then every 24 h,
   * kept for the retention period. They are computed, not stored, so they follow the clock.
   */
  automatedSnapshots(c: SimDbCluster): DBClusterSnapshot[] {
    const now = this.ctx.clock.nowMs();
    if (this.store.clusterStatus(c) !== 'available' || c.availableAt > now) return [];
    const oldest = now - c.backupRetentionPeriod * DAY_MS;
    const out: DBClusterSnapshot[] = [];
    for (let at = c.availableAt; at <= now; at += DAY_MS) {
      if (at < oldest) continue;
      const identifier = `rds:${c.identifier}-${stamp(at)}`;
      out.push({
        DBClusterSnapshotIdentifier: identifier,
        DBClusterSnapshotArn: this.store.arn('cluster-snapshot', identifier),
        DBClusterIdentifier: c.identifier,
        Status: 'available',
        PercentProgress: 100,
        SnapshotType: 'automated',
        Engine: c.engine,
        EngineVersion: c.engineVersion,
        StorageEncrypted: c.storageEncrypted,
        KmsKeyId: c.kmsKeyId,
        SnapshotCreateTime: new Date(at),
        ClusterCreateTime: c.createdAt,
      });
    }
    return out;
  }

  /**
   * A snapshot of the region by identifier (case-insensitive) or ARN: a manual one or a copy as
   * stored, or an automated one as a snapshot holding its cluster's databases as of its time.
   */
  findSnapshot(id: string): SimClusterSnapshot | undefined {
    const key = id.toLowerCase();
    const stored = [...this.store.snapshots.values()].find((s) => s.identifier === key || s.arn === id);
    if (stored) return stored;
    if (!key.startsWith('rds:') && !id.includes(':cluster-snapshot:rds:')) return undefined;
    for (const c of [...this.store.clusters.values()]) {
      const automated = this.automatedSnapshots(c).find((s) => s.DBClusterSnapshotIdentifier === key || s.DBClusterSnapshotArn === id);
      if (automated) return this.asSnapshot(c, automated);
    }
    return undefined;
  }

  /** An automated snapshot as the data it holds: the cluster's databases as they were at its time (heartbeats and upgrades made since are not in it). */
  private asSnapshot(c: SimDbCluster, s: DBClusterSnapshot): SimClusterSnapshot {
    const at = s.SnapshotCreateTime!.getTime();
    const databases = new Map<string, SimDatabase>();
    for (const [name, d] of c.databases) {
      const { heartbeats, upgraded, ...rest } = structuredClone(d);
      const cut = heartbeatsAsOf(heartbeats, at);
      databases.set(name, { ...rest, ...(cut ? { heartbeats: cut } : {}), ...(upgraded && Date.parse(upgraded.at) <= at ? { upgraded } : {}) });
    }
    return {
      identifier: s.DBClusterSnapshotIdentifier!,
      arn: s.DBClusterSnapshotArn!,
      clusterIdentifier: c.identifier,
      clusterArn: c.arn,
      engine: c.engine,
      engineVersion: c.engineVersion,
      storageEncrypted: c.storageEncrypted,
      kmsKeyId: c.kmsKeyId,
      tags: c.copyTagsToSnapshot ? { ...c.tags } : {},
      createdAt: new Date(at),
      availableAt: at,
      masterUsername: c.masterUsername,
      databaseName: c.databaseName,
      databases,
    };
  }

  async restoreFromSnapshot(i: RestoreDBClusterFromSnapshotCommandInput): Promise<Out<RestoreDBClusterFromSnapshotCommandOutput>> {
    requireParams('rds', i, ['DBClusterIdentifier', 'SnapshotIdentifier', 'Engine']);
    const id = i.SnapshotIdentifier!;
    // A manual snapshot or a copy (by identifier or ARN), or an automated one of a cluster of the region.
    const snapshot = this.findSnapshot(id);
    if (!snapshot) throw awsError('rds', 'DBClusterSnapshotNotFoundFault', `DBClusterSnapshot not found: ${id}`);
    if (this.store.snapshotStatus(snapshot) !== 'available') throw awsError('rds', 'InvalidDBClusterSnapshotStateFault', `Snapshot ${snapshot.identifier} is not available.`);
    if (i.Engine !== snapshot.engine) throw awsError('rds', 'InvalidParameterCombination', `The engine ${i.Engine} does not match the snapshot's engine ${snapshot.engine}.`);
    const cluster = await this.newCluster(
      i,
      {
        engineVersion: i.EngineVersion ?? snapshot.engineVersion,
        masterUsername: snapshot.masterUsername,
        databaseName: snapshot.databaseName,
        storageEncrypted: snapshot.storageEncrypted,
        kmsKeyId: snapshot.kmsKeyId,
        databases: snapshot.databases,
      },
      snapshot.createdAt.getTime(),
    );
    return { DBCluster: this.store.toDBCluster(cluster) };
  }

  async restoreToPointInTime(i: RestoreDBClusterToPointInTimeCommandInput): Promise<Out<RestoreDBClusterToPointInTimeCommandOutput>> {
    requireParams('rds', i, ['DBClusterIdentifier', 'SourceDBClusterIdentifier']);
    if (i.RestoreToTime && i.UseLatestRestorableTime) throw awsError('rds', 'InvalidParameterCombination', 'Cannot specify both RestoreToTime and UseLatestRestorableTime.');
    if (!i.RestoreToTime && !i.UseLatestRestorableTime) throw awsError('rds', 'InvalidParameterCombination', 'You must specify either RestoreToTime or UseLatestRestorableTime.');
    if (i.RestoreType !== undefined && i.RestoreType !== 'full-copy' && i.RestoreType !== 'copy-on-write') throw awsError('rds', 'InvalidParameterValue', `Invalid RestoreType: ${i.RestoreType}`);
    const source = this.store.mustCluster(i.SourceDBClusterIdentifier);
    const window = this.store.restorableWindow(source);
    if (!window) throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${source.identifier} has no restorable time yet.`);
    const point = i.RestoreToTime ? new Date(i.RestoreToTime).getTime() : window.latest.getTime();
    if (point < window.earliest.getTime() || point > window.latest.getTime()) {
      throw awsError('rds', 'InvalidRestoreFault', `The restore time ${new Date(point).toISOString()} is outside the restorable window of ${source.identifier}.`);
    }
    // The databases hold their content as of the point: rows, heartbeats and attachments newer than it are not there.
    const cluster = await this.newCluster(i, { ...source, kmsKeyId: i.KmsKeyId ?? source.kmsKeyId }, point);
    return { DBCluster: this.store.toDBCluster(cluster) };
  }

  /** `ModifyDBCluster ManageMasterUserPassword`: RDS makes the master secret (a no-op when it already manages one). */
  manageMasterPassword(c: SimDbCluster, kmsKeyId?: string): void {
    if (c.masterSecretArn) return;
    const secret = this.secrets.put(`rds!cluster-${randomUUID()}`, JSON.stringify({ username: c.masterUsername, password: randomId(32) }), {
      owningService: 'rds',
      kmsKeyId,
      tags: { 'aws:rds:primaryDBClusterArn': c.arn },
    });
    c.masterSecretArn = secret.arn;
  }

  /** The source's databases as of `point`: owners and upgrades as they are, content frozen, drill faults applied. */
  private async restoredDatabases(databases: Map<string, SimDatabase>, point: number, faults: RestoreFaults): Promise<Map<string, SimDatabase>> {
    const out = new Map<string, SimDatabase>();
    for (const [name, d] of databases) {
      const content = await this.hooks.freeze(name, d, point, faults.effects.get(name));
      out.set(name, { owner: d.owner, ...(d.copyOf ? { copyOf: d.copyOf } : {}), ...(d.upgraded ? { upgraded: structuredClone(d.upgraded) } : {}), ...content });
    }
    return out;
  }

  private async newCluster(i: NewClusterInput, source: DataSource, point: number): Promise<SimDbCluster> {
    assertIdentifier('DBClusterIdentifier', i.DBClusterIdentifier!);
    const identifier = i.DBClusterIdentifier!.toLowerCase();
    if (this.store.cluster(identifier)) throw awsError('rds', 'DBClusterAlreadyExistsFault', 'DB Cluster already exists');
    const subnetGroup = i.DBSubnetGroupName ?? 'default';
    if (!this.store.subnetGroups.has(subnetGroup)) throw awsError('rds', 'DBSubnetGroupNotFoundFault', `DB subnet group '${subnetGroup}' does not exist.`);
    for (const sg of i.VpcSecurityGroupIds ?? []) if (!/^sg-[0-9a-f]{8,17}$/.test(sg)) throw awsError('rds', 'InvalidParameterValue', `Invalid security group id: ${sg}`);
    if (i.KmsKeyId && !source.storageEncrypted) throw awsError('rds', 'InvalidParameterCombination', 'A KMS key cannot be given for a restore of unencrypted data.');
    // A restore made for one tenant (tagged with it, as drills and rollbacks are) is hit by that
    // tenant's faults only: a cell restore for one tenant must not fail for another tenant's rule.
    const forTenant = tagsFromList(i.Tags)['odoo:tenant'];
    const restoredFor = [...source.databases.keys()].filter((n) => !forTenant || n === names.databaseName(forTenant));
    const faults = this.hooks.faults(restoredFor);
    const databases = await this.restoredDatabases(source.databases, point, faults);
    // Freezing may have waited on S3: the name may have been taken meanwhile by a concurrent request.
    if (this.store.cluster(identifier)) throw awsError('rds', 'DBClusterAlreadyExistsFault', 'DB Cluster already exists');
    const cluster: SimDbCluster = {
      identifier,
      arn: this.store.arn('cluster', identifier),
      resourceId: this.store.newResourceId('cluster'),
      engine: ENGINE,
      engineVersion: source.engineVersion,
      masterUsername: source.masterUsername,
      databaseName: source.databaseName,
      deletionProtection: i.DeletionProtection ?? false,
      storageEncrypted: source.storageEncrypted,
      kmsKeyId: i.KmsKeyId ?? source.kmsKeyId ?? (source.storageEncrypted ? `arn:aws:kms:${this.region}:${this.ctx.accountId}:alias/aws/rds` : undefined),
      backupRetentionPeriod: 1,
      subnetGroup,
      securityGroups: i.VpcSecurityGroupIds ?? [],
      httpEndpointEnabled: false,
      tags: tagsFromList(i.Tags),
      createdAt: this.ctx.clock.now(),
      availableAt: this.ctx.clock.after(RESTORE_SECONDS, faults.slow ? SLOW_RESTORE_FACTOR : 1),
      databases,
      roles: new Set([source.masterUsername, ...[...source.databases.values()].map((d) => d.owner)]),
      copyTagsToSnapshot: i.CopyTagsToSnapshot ?? false,
      restoredTo: point,
      ...(faults.fails ? { restoreFails: true } : {}),
    };
    this.store.clusters.set(identifier, cluster);
    return cluster;
  }
}
