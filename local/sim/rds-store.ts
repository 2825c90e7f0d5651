/**
 * The RDS state of one region: Aurora clusters (with the databases and roles inside them, for the
 * Data API), instances and cluster snapshots. Statuses are computed from timestamps when read;
 * whatever finished deleting is swept away on the next read.
 */
import type { DBCluster, DBClusterSnapshot, DBInstance } from '@aws-sdk/client-rds';
import { awsError } from './errors.ts';
import type { HeartbeatLog, PendingContent, RestoredContent } from './odoo-content.ts';
import type { SecretsSim } from './secrets.ts';
import { randomId, tagsToList, type SimContext, type Tags } from './types.ts';

export interface SimDbCluster {
  identifier: string;
  arn: string;
  resourceId: string;
  engine: string;
  engineVersion: string;
  masterUsername: string;
  databaseName?: string;
  deletionProtection: boolean;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  backupRetentionPeriod: number;
  subnetGroup: string;
  securityGroups: string[];
  httpEndpointEnabled: boolean;
  tags: Tags;
  createdAt: Date;
  availableAt: number;
  deletingSince?: number;
  goneAt?: number;
  masterSecretArn?: string;
  /** PostgreSQL inside the cluster, as far as the Data API can see it. */
  databases: Map<string, SimDatabase>;
  roles: Set<string>;
  /** Manual snapshots taken without tags get the cluster's (`CopyTagsToSnapshot`). */
  copyTagsToSnapshot?: boolean;
  /** A cluster made by a restore: the instant (epoch ms) its data is from. */
  restoredTo?: number;
  /** The restore fails (an injected fault): the cluster ends `failed` instead of `available`. */
  restoreFails?: boolean;
  /** The Aurora global database it is a member of (rds-global.ts). */
  globalCluster?: string;
  /** While it replicates (a global secondary, or a cross-region read replica): its source cluster's ARN. Read-only then. */
  replicaOf?: string;
  /** An old global writer cut off by a failover with data loss: read-only, it keeps the content it had. */
  diverged?: boolean;
  /** Promotion to a standalone writer (epoch ms it ends): `promoting` until then. */
  promotingUntil?: number;
}

/** One PostgreSQL database of a cluster. */
export interface SimDatabase {
  owner: string;
  /** The database it was copied from (`CREATE DATABASE ... TEMPLATE`), when it is a copy. */
  copyOf?: string;
  /** The last module upgrade an Odoo upgrade Job ran on it. */
  upgraded?: { image: string; modules: string[]; releaseId?: string; at: string };
  /** The control plane's heartbeats written into it (production databases). */
  heartbeats?: HeartbeatLog;
  /** In a restored cluster: the content as of the restore point, materialised in PGlite on first use. */
  restored?: RestoredContent;
  /** In a restored cluster, until first read: what the restore request froze of the content. */
  pendingRestore?: PendingContent;
}

/** A deep copy of a cluster's databases: what a snapshot, a restore or a template copy carries. */
export function copyDatabases(databases: Map<string, SimDatabase>): Map<string, SimDatabase> {
  return new Map([...databases].map(([name, d]) => [name, structuredClone(d)]));
}

export interface SimDbInstance {
  identifier: string;
  arn: string;
  clusterIdentifier: string;
  instanceClass: string;
  engine: string;
  tags: Tags;
  createdAt: Date;
  availableAt: number;
  goneAt?: number;
}

export interface SimClusterSnapshot {
  identifier: string;
  arn: string;
  clusterIdentifier: string;
  engine: string;
  engineVersion: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  tags: Tags;
  /** When the data was captured: a copy keeps its source's time, so a restore from it freezes content there. */
  createdAt: Date;
  availableAt: number;
  /** The ARN of the cluster it was taken of (in another region, for a copy of another region's snapshot). */
  clusterArn?: string;
  /** A copy (`CopyDBClusterSnapshot`): the snapshot it was copied from. `copying` until available. */
  sourceArn?: string;
  /** What a restore from the snapshot gets back. */
  masterUsername: string;
  databaseName?: string;
  databases: Map<string, SimDatabase>;
}

export const RDS_IDENTIFIER = /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/;

/** AWS's identifier rule: a letter first, letters, digits and single hyphens, no hyphen last. */
export function assertIdentifier(param: string, value: string): void {
  if (!RDS_IDENTIFIER.test(value) || value.includes('--') || value.endsWith('-')) {
    throw awsError(
      'rds',
      'InvalidParameterValue',
      `The parameter ${param} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
}

const INSTANCE_FAMILIES: Record<string, string[]> = {
  t3: ['medium', 'large'],
  t4g: ['medium', 'large'],
  r5: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
  r6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  r7g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  r8g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
};

/** Instance classes Aurora PostgreSQL offers (provisioned and Serverless v2). */
export const AURORA_INSTANCE_CLASSES = new Set([
  'db.serverless',
  ...Object.entries(INSTANCE_FAMILIES).flatMap(([family, sizes]) => sizes.map((size) => `db.${family}.${size}`)),
]);

export type ClusterStatus = 'creating' | 'available' | 'deleting' | 'failed' | 'promoting';

/** How far behind the clock Aurora's latest restorable time typically is, before scaling. */
export const RESTORABLE_LAG_SECONDS = 300;

export class RdsStore {
  readonly clusters = new Map<string, SimDbCluster>();
  readonly instances = new Map<string, SimDbInstance>();
  readonly snapshots = new Map<string, SimClusterSnapshot>();
  /** DB subnet groups that exist in the region (from the fleet configuration). */
  readonly subnetGroups = new Set<string>(['default']);
  /** AWS derives endpoint names from a suffix fixed per account and region. */
  private readonly hostSuffix = `c${randomId(12)}`;

  constructor(
    readonly ctx: SimContext,
    readonly region: string,
    private readonly secrets: SecretsSim,
  ) {}

  arn(kind: 'cluster' | 'db' | 'cluster-snapshot', id: string): string {
    return `arn:aws:rds:${this.region}:${this.ctx.accountId}:${kind}:${id}`;
  }

  newResourceId(prefix: string): string {
    return `${prefix}-${randomId(26, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`;
  }

  /** Drops what finished deleting, with what AWS removes along with it. */
  sweep(): void {
    const now = this.ctx.clock.nowMs();
    for (const [id, inst] of this.instances) if (inst.goneAt !== undefined && inst.goneAt <= now) this.instances.delete(id);
    for (const [id, c] of this.clusters) {
      if (c.goneAt === undefined || c.goneAt > now) continue;
      this.clusters.delete(id);
      for (const [iid, inst] of this.instances) if (inst.clusterIdentifier === id) this.instances.delete(iid);
      // Only a secret RDS manages goes with its cluster (ManageMasterUserPassword); one the fleet
      // made itself (a cell's master secret) stays, as in AWS.
      if (c.masterSecretArn && this.secrets.readable(c.masterSecretArn)?.owningService === 'rds') this.secrets.remove(c.masterSecretArn);
    }
  }

  clusterStatus(c: SimDbCluster): ClusterStatus {
    if (c.deletingSince !== undefined) return 'deleting';
    if (this.ctx.clock.nowMs() < c.availableAt) return 'creating';
    if (c.restoreFails) return 'failed';
    return c.promotingUntil !== undefined && this.ctx.clock.nowMs() < c.promotingUntil ? 'promoting' : 'available';
  }

  instanceStatus(i: SimDbInstance): 'creating' | 'available' | 'deleting' | 'failed' {
    if (i.goneAt !== undefined) return 'deleting';
    if (this.ctx.clock.nowMs() < i.availableAt) return 'creating';
    return this.clusters.get(i.clusterIdentifier)?.restoreFails ? 'failed' : 'available';
  }

  /**
   * The point-in-time window: from the cluster's creation (or the retention's start) to a few
   * (scaled) minutes ago, never before its start. Undefined while the cluster is not available.
   */
  restorableWindow(c: SimDbCluster): { earliest: Date; latest: Date } | undefined {
    if (this.clusterStatus(c) !== 'available') return undefined;
    const now = this.ctx.clock.nowMs();
    const earliest = Math.max(c.createdAt.getTime(), now - c.backupRetentionPeriod * 86_400_000);
    const latest = Math.max(earliest, now - this.ctx.clock.scaledMs(RESTORABLE_LAG_SECONDS));
    return { earliest: new Date(earliest), latest: new Date(latest) };
  }

  snapshotStatus(s: SimClusterSnapshot): 'creating' | 'copying' | 'available' {
    if (this.ctx.clock.nowMs() >= s.availableAt) return 'available';
    return s.sourceArn ? 'copying' : 'creating';
  }

  /** By identifier (case-insensitive, as RDS) or by ARN, which RDS accepts in its place. */
  cluster(identifier: string | undefined): SimDbCluster | undefined {
    this.sweep();
    if (!identifier) return undefined;
    if (identifier.startsWith('arn:')) return this.clusterByArn(identifier);
    return this.clusters.get(identifier.toLowerCase());
  }

  mustCluster(identifier: string | undefined): SimDbCluster {
    const c = this.cluster(identifier);
    if (!c) throw awsError('rds', 'DBClusterNotFoundFault', `DBCluster ${identifier} not found.`);
    return c;
  }

  clusterByArn(arn: string): SimDbCluster | undefined {
    this.sweep();
    return [...this.clusters.values()].find((c) => c.arn === arn);
  }

  instancesOf(clusterIdentifier: string): SimDbInstance[] {
    return [...this.instances.values()].filter((i) => i.clusterIdentifier === clusterIdentifier);
  }

  endpoint(c: SimDbCluster, reader = false): string {
    return `${c.identifier}.cluster-${reader ? 'ro-' : ''}${this.hostSuffix}.${this.region}.rds.amazonaws.com`;
  }

  toDBCluster(c: SimDbCluster): DBCluster {
    const status = this.clusterStatus(c);
    const window = this.restorableWindow(c);
    return {
      DBClusterIdentifier: c.identifier,
      DBClusterArn: c.arn,
      DbClusterResourceId: c.resourceId,
      Status: status,
      Engine: c.engine,
      EngineVersion: c.engineVersion,
      EngineMode: 'provisioned',
      Endpoint: this.endpoint(c),
      ReaderEndpoint: this.endpoint(c, true),
      Port: 5432,
      MasterUsername: c.masterUsername,
      DatabaseName: c.databaseName,
      DeletionProtection: c.deletionProtection,
      StorageEncrypted: c.storageEncrypted,
      KmsKeyId: c.kmsKeyId,
      BackupRetentionPeriod: c.backupRetentionPeriod,
      DBSubnetGroup: c.subnetGroup,
      VpcSecurityGroups: c.securityGroups.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
      DBClusterMembers: this.instancesOf(c.identifier).map((i, n) => ({ DBInstanceIdentifier: i.identifier, IsClusterWriter: n === 0, DBClusterParameterGroupStatus: 'in-sync', PromotionTier: 1 })),
      MasterUserSecret: c.masterSecretArn ? { SecretArn: c.masterSecretArn, SecretStatus: status === 'creating' ? 'creating' : 'active', KmsKeyId: c.kmsKeyId } : undefined,
      HttpEndpointEnabled: c.httpEndpointEnabled,
      MultiAZ: this.instancesOf(c.identifier).length > 1,
      ClusterCreateTime: c.createdAt,
      EarliestRestorableTime: window?.earliest,
      LatestRestorableTime: window?.latest,
      TagList: tagsToList(c.tags),
      GlobalClusterIdentifier: c.globalCluster,
      // A global secondary shows its global cluster, a cross-region read replica its source.
      ReplicationSourceIdentifier: c.replicaOf && !c.globalCluster ? c.replicaOf : undefined,
    };
  }

  toDBInstance(i: SimDbInstance): DBInstance {
    const status = this.instanceStatus(i);
    return {
      DBInstanceIdentifier: i.identifier,
      DBInstanceArn: i.arn,
      DBInstanceClass: i.instanceClass,
      Engine: i.engine,
      DBInstanceStatus: status,
      DBClusterIdentifier: i.clusterIdentifier,
      Endpoint: status === 'creating' ? undefined : { Address: `${i.identifier}.${this.hostSuffix}.${this.region}.rds.amazonaws.com`, Port: 5432 },
      PubliclyAccessible: false,
      InstanceCreateTime: status === 'creating' ? undefined : i.createdAt,
      TagList: tagsToList(i.tags),
    };
  }

  toSnapshot(s: SimClusterSnapshot): DBClusterSnapshot {
    const status = this.snapshotStatus(s);
    return {
      DBClusterSnapshotIdentifier: s.identifier,
      DBClusterSnapshotArn: s.arn,
      DBClusterIdentifier: s.clusterIdentifier,
      Status: status,
      PercentProgress: status === 'available' ? 100 : 0,
      SnapshotType: 'manual',
      Engine: s.engine,
      EngineVersion: s.engineVersion,
      StorageEncrypted: s.storageEncrypted,
      KmsKeyId: s.kmsKeyId,
      SnapshotCreateTime: s.createdAt,
      ClusterCreateTime: s.createdAt,
      MasterUsername: s.masterUsername,
      TagList: tagsToList(s.tags),
      ...(s.sourceArn ? { SourceDBClusterSnapshotArn: s.sourceArn } : {}),
    };
  }

  /** A snapshot of a cluster, taking the scaled snapshot time. */
  addSnapshot(c: SimDbCluster, identifier: string, tags: Tags): SimClusterSnapshot {
    const snapshot: SimClusterSnapshot = {
      identifier: identifier.toLowerCase(),
      arn: this.arn('cluster-snapshot', identifier.toLowerCase()),
      clusterIdentifier: c.identifier,
      clusterArn: c.arn,
      engine: c.engine,
      engineVersion: c.engineVersion,
      storageEncrypted: c.storageEncrypted,
      kmsKeyId: c.kmsKeyId,
      tags,
      createdAt: this.ctx.clock.now(),
      availableAt: this.ctx.clock.after('clusterSnapshotCreate'),
      masterUsername: c.masterUsername,
      databaseName: c.databaseName,
      databases: copyDatabases(c.databases),
    };
    this.snapshots.set(snapshot.identifier, snapshot);
    return snapshot;
  }
}
