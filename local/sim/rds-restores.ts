/**
 * What RDS offers to get data back: automated (daily) cluster snapshots within the retention
 * period, restores from a snapshot or to a point in time into a new cluster, and an RDS-managed
 * master secret for a restored cluster (which does not inherit the source's). Restores take the
 * scaled typical time and validate their input the way AWS does.
 */
import { randomUUID } from 'node:crypto';
import type {
  DBClusterSnapshot,
  RestoreDBClusterFromSnapshotCommandInput,
  RestoreDBClusterFromSnapshotCommandOutput,
  RestoreDBClusterToPointInTimeCommandInput,
  RestoreDBClusterToPointInTimeCommandOutput,
} from '@aws-sdk/client-rds';
import { awsError, requireParams } from './errors.ts';
import { assertIdentifier, copyDatabases, type RdsStore, type SimDatabase, type SimDbCluster } from './rds-store.ts';
import type { SecretsSim } from './secrets.ts';
import { randomId, tagsFromList, type Out, type SimContext } from './types.ts';

/** Typical seconds, before scaling: restoring a cluster's storage takes longer than creating an empty one. */
export const RESTORE_SECONDS = 900;
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

  restoreFromSnapshot(i: RestoreDBClusterFromSnapshotCommandInput): Out<RestoreDBClusterFromSnapshotCommandOutput> {
    requireParams('rds', i, ['DBClusterIdentifier', 'SnapshotIdentifier', 'Engine']);
    const id = i.SnapshotIdentifier!;
    const snapshot = [...this.store.snapshots.values()].find((s) => s.identifier === id.toLowerCase() || s.arn === id);
    if (!snapshot) throw awsError('rds', 'DBClusterSnapshotNotFoundFault', `DBClusterSnapshot not found: ${id}`);
    if (this.store.snapshotStatus(snapshot) !== 'available') throw awsError('rds', 'InvalidDBClusterSnapshotStateFault', `Snapshot ${snapshot.identifier} is not available.`);
    if (i.Engine !== snapshot.engine) throw awsError('rds', 'InvalidParameterCombination', `The engine ${i.Engine} does not match the snapshot's engine ${snapshot.engine}.`);
    const cluster = this.newCluster(i, {
      engineVersion: i.EngineVersion ?? snapshot.engineVersion,
      masterUsername: snapshot.masterUsername,
      databaseName: snapshot.databaseName,
      storageEncrypted: snapshot.storageEncrypted,
      kmsKeyId: snapshot.kmsKeyId,
      databases: snapshot.databases,
    });
    return { DBCluster: this.store.toDBCluster(cluster) };
  }

  restoreToPointInTime(i: RestoreDBClusterToPointInTimeCommandInput): Out<RestoreDBClusterToPointInTimeCommandOutput> {
    requireParams('rds', i, ['DBClusterIdentifier', 'SourceDBClusterIdentifier']);
    if (i.RestoreToTime && i.UseLatestRestorableTime) throw awsError('rds', 'InvalidParameterCombination', 'Cannot specify both RestoreToTime and UseLatestRestorableTime.');
    if (!i.RestoreToTime && !i.UseLatestRestorableTime) throw awsError('rds', 'InvalidParameterCombination', 'You must specify either RestoreToTime or UseLatestRestorableTime.');
    const source = this.store.mustCluster(i.SourceDBClusterIdentifier);
    const described = this.store.toDBCluster(source);
    if (!described.LatestRestorableTime || !described.EarliestRestorableTime) throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${source.identifier} has no restorable time yet.`);
    if (i.RestoreToTime) {
      const at = new Date(i.RestoreToTime).getTime();
      if (at < described.EarliestRestorableTime.getTime() || at > described.LatestRestorableTime.getTime()) {
        throw awsError('rds', 'InvalidRestoreFault', `The restore time ${new Date(at).toISOString()} is outside the restorable window of ${source.identifier}.`);
      }
    }
    // The simulation keeps no history of a database's contents: every point restores what it holds now.
    const cluster = this.newCluster(i, { ...source, kmsKeyId: i.KmsKeyId ?? source.kmsKeyId });
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

  private newCluster(i: NewClusterInput, source: DataSource): SimDbCluster {
    assertIdentifier('DBClusterIdentifier', i.DBClusterIdentifier!);
    const identifier = i.DBClusterIdentifier!.toLowerCase();
    if (this.store.cluster(identifier)) throw awsError('rds', 'DBClusterAlreadyExistsFault', 'DB Cluster already exists');
    const subnetGroup = i.DBSubnetGroupName ?? 'default';
    if (!this.store.subnetGroups.has(subnetGroup)) throw awsError('rds', 'DBSubnetGroupNotFoundFault', `DB subnet group '${subnetGroup}' does not exist.`);
    for (const sg of i.VpcSecurityGroupIds ?? []) if (!/^sg-[0-9a-f]{8,17}$/.test(sg)) throw awsError('rds', 'InvalidParameterValue', `Invalid security group id: ${sg}`);
    if (i.KmsKeyId && !source.storageEncrypted) throw awsError('rds', 'InvalidParameterCombination', 'A KMS key cannot be given for a restore of unencrypted data.');
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
      availableAt: this.ctx.clock.after(RESTORE_SECONDS),
      databases: copyDatabases(source.databases),
      roles: new Set([source.masterUsername, ...[...source.databases.values()].map((d) => d.owner)]),
      copyTagsToSnapshot: i.CopyTagsToSnapshot ?? false,
    };
    this.store.clusters.set(identifier, cluster);
    return cluster;
  }
}
