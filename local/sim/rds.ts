/**
 * Amazon RDS (Aurora PostgreSQL) of one region: clusters, instances and cluster snapshots, with
 * AWS's validation and fault names. Creation and deletion take the scaled typical time.
 */
import { randomUUID } from 'node:crypto';
import type {
  CopyDBClusterSnapshotCommandInput,
  CreateDBClusterCommandInput,
  CreateDBClusterCommandOutput,
  CreateDBClusterSnapshotCommandInput,
  CreateDBClusterSnapshotCommandOutput,
  CreateDBInstanceCommandInput,
  CreateDBInstanceCommandOutput,
  DeleteDBClusterCommandInput,
  DeleteDBClusterCommandOutput,
  DeleteDBClusterSnapshotCommandInput,
  DeleteDBClusterSnapshotCommandOutput,
  DeleteDBInstanceCommandInput,
  DeleteDBInstanceCommandOutput,
  DescribeDBClustersCommandInput,
  DescribeDBClustersCommandOutput,
  DescribeDBClusterSnapshotsCommandInput,
  DescribeDBInstancesCommandInput,
  DescribeDBInstancesCommandOutput,
  EnableHttpEndpointCommandInput,
  EnableHttpEndpointCommandOutput,
  Filter,
  ModifyDBClusterCommandInput,
  ModifyDBClusterCommandOutput,
  PromoteReadReplicaDBClusterCommandInput,
  CreateGlobalClusterCommandInput,
  DescribeGlobalClustersCommandInput,
  DeleteGlobalClusterCommandInput,
  RemoveFromGlobalClusterCommandInput,
  SwitchoverGlobalClusterCommandInput,
  FailoverGlobalClusterCommandInput,
  RestoreDBClusterFromSnapshotCommandInput,
  RestoreDBClusterToPointInTimeCommandInput,
} from '@aws-sdk/client-rds';
import { awsError, notImplemented, requireParams } from './errors.ts';
import type { GlobalDatabases } from './rds-global.ts';
import { RdsRestores, type RestoreHooks } from './rds-restores.ts';
import { RdsSnapshots, type SnapshotPeers } from './rds-snapshots.ts';
import { AURORA_INSTANCE_CLASSES, assertIdentifier, RdsStore, type SimDbCluster, type SimDbInstance } from './rds-store.ts';
import type { SecretsSim } from './secrets.ts';
import { randomId, tagsFromList, type Out, type ServiceSim, type SimContext } from './types.ts';

const ENGINE = 'aurora-postgresql';
const ENGINE_VERSION = /^(13|14|15|16|17)\.\d+$/;
export const DEFAULT_ENGINE_VERSION = '16.4';

function filterValues(filters: Filter[] | undefined, name: string): string[] | undefined {
  const f = filters?.find((x) => x.Name === name);
  return f?.Values?.map((v) => v.toLowerCase());
}

/** What the rest of the simulated cloud does along with RDS: restored databases' content, and what a deleted cluster takes with it. */
export interface RdsHooks {
  restores?: RestoreHooks;
  /** A cluster's deletion began: its data is gone for every reader. */
  clusterDeleted?(cluster: SimDbCluster): void;
  /** Cross-region replication (global databases, read replicas): shared by every region. */
  global?: GlobalDatabases;
  /** The other regions' snapshots, for cross-region snapshot copies. */
  peers?: SnapshotPeers;
}

export class RdsSim implements ServiceSim {
  readonly store: RdsStore;
  private readonly restores: RdsRestores;
  private readonly snapshots: RdsSnapshots;

  constructor(
    private readonly ctx: SimContext,
    readonly region: string,
    private readonly secrets: SecretsSim,
    private readonly hooks: RdsHooks = {},
  ) {
    this.store = new RdsStore(ctx, region, secrets);
    this.restores = new RdsRestores(ctx, this.store, secrets, region, hooks.restores);
    this.snapshots = new RdsSnapshots(ctx, this.store, this.restores, region, hooks.peers);
  }

  /** A snapshot of the region (manual, copy or automated) with its status, as a copy into another region reads it. */
  snapshotForCopy(id: string): ReturnType<RdsSnapshots['local']> {
    return this.snapshots.local(id);
  }

  readonly operations = {
    DescribeDBClusters: (i: DescribeDBClustersCommandInput) => this.describeClusters(i),
    CreateDBCluster: (i: CreateDBClusterCommandInput) => this.createCluster(i),
    ModifyDBCluster: (i: ModifyDBClusterCommandInput) => this.modifyCluster(i),
    DeleteDBCluster: (i: DeleteDBClusterCommandInput) => this.deleteCluster(i),
    DescribeDBInstances: (i: DescribeDBInstancesCommandInput) => this.describeInstances(i),
    CreateDBInstance: (i: CreateDBInstanceCommandInput) => this.createInstance(i),
    DeleteDBInstance: (i: DeleteDBInstanceCommandInput) => this.deleteInstance(i),
    CreateDBClusterSnapshot: (i: CreateDBClusterSnapshotCommandInput) => this.createSnapshot(i),
    DescribeDBClusterSnapshots: (i: DescribeDBClusterSnapshotsCommandInput) => this.snapshots.describe(i),
    CopyDBClusterSnapshot: (i: CopyDBClusterSnapshotCommandInput) => this.snapshots.copy(i),
    DeleteDBClusterSnapshot: (i: DeleteDBClusterSnapshotCommandInput) => this.deleteSnapshot(i),
    RestoreDBClusterFromSnapshot: (i: RestoreDBClusterFromSnapshotCommandInput) => this.restores.restoreFromSnapshot(i),
    RestoreDBClusterToPointInTime: (i: RestoreDBClusterToPointInTimeCommandInput) => this.restores.restoreToPointInTime(i),
    EnableHttpEndpoint: (i: EnableHttpEndpointCommandInput) => this.enableHttpEndpoint(i),
    CreateGlobalCluster: (i: CreateGlobalClusterCommandInput) => this.global.operations.CreateGlobalCluster(i),
    DescribeGlobalClusters: (i: DescribeGlobalClustersCommandInput) => this.global.operations.DescribeGlobalClusters(i),
    DeleteGlobalCluster: (i: DeleteGlobalClusterCommandInput) => this.global.operations.DeleteGlobalCluster(i),
    RemoveFromGlobalCluster: (i: RemoveFromGlobalClusterCommandInput) => this.global.operations.RemoveFromGlobalCluster(i),
    SwitchoverGlobalCluster: (i: SwitchoverGlobalClusterCommandInput) => this.global.operations.SwitchoverGlobalCluster(i),
    FailoverGlobalCluster: (i: FailoverGlobalClusterCommandInput) => this.global.operations.FailoverGlobalCluster(i),
    PromoteReadReplicaDBCluster: (i: PromoteReadReplicaDBClusterCommandInput) => this.global.promote(this.store, i),
  };

  private get global(): GlobalDatabases {
    if (!this.hooks.global) throw notImplemented('rds', 'cross-region replication');
    return this.hooks.global;
  }


  /** A cluster that exists from the start (a cell), available at once. */
  seedCluster(c: { identifier: string; arn?: string; masterSecretArn: string; masterUsername?: string; tags?: Record<string, string> }): SimDbCluster {
    const now = this.ctx.clock.now();
    const identifier = c.identifier.toLowerCase();
    const cluster: SimDbCluster = {
      identifier,
      arn: c.arn ?? this.store.arn('cluster', identifier),
      resourceId: this.store.newResourceId('cluster'),
      engine: ENGINE,
      engineVersion: DEFAULT_ENGINE_VERSION,
      masterUsername: c.masterUsername ?? 'fleet_admin',
      databaseName: 'postgres',
      deletionProtection: true,
      storageEncrypted: true,
      backupRetentionPeriod: 7,
      subnetGroup: 'default',
      securityGroups: [],
      httpEndpointEnabled: true,
      tags: c.tags ?? {},
      createdAt: now,
      availableAt: now.getTime(),
      masterSecretArn: c.masterSecretArn,
      databases: new Map([['postgres', { owner: c.masterUsername ?? 'fleet_admin' }]]),
      roles: new Set([c.masterUsername ?? 'fleet_admin']),
    };
    this.store.clusters.set(identifier, cluster);
    return cluster;
  }

  private describeClusters(i: DescribeDBClustersCommandInput): Out<DescribeDBClustersCommandOutput> {
    const replicas = this.hooks.global?.replicaIndex();
    // A source cluster lists its cross-region read replicas.
    const out = (c: SimDbCluster) => {
      const d = this.store.toDBCluster(c);
      const of = replicas?.get(c.arn);
      return of ? { ...d, ReadReplicaIdentifiers: of } : d;
    };
    if (i.DBClusterIdentifier) return { DBClusters: [out(this.store.mustCluster(i.DBClusterIdentifier))] };
    this.store.sweep();
    const ids = filterValues(i.Filters, 'db-cluster-id');
    const clusters = [...this.store.clusters.values()].filter((c) => !ids || ids.includes(c.identifier) || ids.includes(c.arn.toLowerCase()));
    return { DBClusters: clusters.map(out) };
  }

  private createCluster(i: CreateDBClusterCommandInput): Out<CreateDBClusterCommandOutput> {
    requireParams('rds', i, ['DBClusterIdentifier', 'Engine']);
    assertIdentifier('DBClusterIdentifier', i.DBClusterIdentifier!);
    if (i.Engine !== ENGINE) throw awsError('rds', 'InvalidParameterValue', `Invalid DB engine: ${i.Engine}. The simulated cloud offers ${ENGINE}.`);
    const engineVersion = i.EngineVersion ?? DEFAULT_ENGINE_VERSION;
    if (!ENGINE_VERSION.test(engineVersion)) throw awsError('rds', 'InvalidParameterCombination', `Cannot find version ${engineVersion} for ${ENGINE}`);
    if ((i.GlobalClusterIdentifier || i.ReplicationSourceIdentifier) && !this.hooks.global) throw awsError('rds', 'InvalidParameterValue', 'Cross-region replication is not simulated here.');
    const join = this.hooks.global?.join(i, this.region);
    // A secondary or a replica takes its master user and databases from its source.
    const source = join?.source;
    if (source) return this.createReplica(i, engineVersion, join!);
    if (!i.MasterUsername) throw awsError('rds', 'InvalidParameterValue', 'The parameter MasterUsername must be provided and must not be blank.');
    if (!/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/.test(i.MasterUsername)) throw awsError('rds', 'InvalidParameterValue', 'MasterUsername must begin with a letter and contain only alphanumeric characters and underscores.');
    if (i.ManageMasterUserPassword && i.MasterUserPassword) throw awsError('rds', 'InvalidParameterCombination', 'You cannot specify MasterUserPassword when ManageMasterUserPassword is turned on.');
    if (!i.ManageMasterUserPassword && !i.MasterUserPassword) throw awsError('rds', 'InvalidParameterValue', 'The parameter MasterUserPassword must be provided and must not be blank.');
    if (i.KmsKeyId && i.StorageEncrypted === false) throw awsError('rds', 'InvalidParameterCombination', 'For an unencrypted DB Cluster, you cannot specify a KMS key.');
    const retention = i.BackupRetentionPeriod ?? 1;
    if (!Number.isInteger(retention) || retention < 1 || retention > 35) throw awsError('rds', 'InvalidParameterValue', 'Invalid backup retention period: must be between 1 and 35 days.');
    if (i.DatabaseName !== undefined && !/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/.test(i.DatabaseName)) throw awsError('rds', 'InvalidParameterValue', 'DatabaseName must begin with a letter and contain only alphanumeric characters and underscores.');
    const subnetGroup = i.DBSubnetGroupName ?? 'default';
    if (!this.store.subnetGroups.has(subnetGroup)) throw awsError('rds', 'DBSubnetGroupNotFoundFault', `DB subnet group '${subnetGroup}' does not exist.`);
    for (const sg of i.VpcSecurityGroupIds ?? []) if (!/^sg-[0-9a-f]{8,17}$/.test(sg)) throw awsError('rds', 'InvalidParameterValue', `Invalid security group id: ${sg}`);
    const identifier = i.DBClusterIdentifier!.toLowerCase();
    if (this.store.cluster(identifier)) throw awsError('rds', 'DBClusterAlreadyExistsFault', 'DB Cluster already exists');

    const now = this.ctx.clock.now();
    const storageEncrypted = i.StorageEncrypted ?? false;
    const kmsKeyId = storageEncrypted ? (i.KmsKeyId ?? `arn:aws:kms:${this.region}:${this.ctx.accountId}:alias/aws/rds`) : undefined;
    const cluster: SimDbCluster = {
      identifier,
      arn: this.store.arn('cluster', identifier),
      resourceId: this.store.newResourceId('cluster'),
      engine: ENGINE,
      engineVersion,
      masterUsername: i.MasterUsername,
      databaseName: i.DatabaseName,
      deletionProtection: i.DeletionProtection ?? false,
      storageEncrypted,
      kmsKeyId,
      backupRetentionPeriod: retention,
      subnetGroup,
      securityGroups: i.VpcSecurityGroupIds ?? [],
      httpEndpointEnabled: i.EnableHttpEndpoint ?? false,
      tags: tagsFromList(i.Tags),
      createdAt: now,
      availableAt: this.ctx.clock.after('auroraClusterCreate'),
      databases: new Map([['postgres', { owner: i.MasterUsername }], ...(i.DatabaseName ? [[i.DatabaseName, { owner: i.MasterUsername }] as const] : [])]),
      roles: new Set([i.MasterUsername]),
      copyTagsToSnapshot: i.CopyTagsToSnapshot ?? false,
    };
    if (i.ManageMasterUserPassword) {
      const secret = this.secrets.put(`rds!cluster-${randomUUID()}`, JSON.stringify({ username: i.MasterUsername, password: randomId(32) }), {
        owningService: 'rds',
        kmsKeyId: i.MasterUserSecretKmsKeyId,
        tags: { 'aws:rds:primaryDBClusterArn': cluster.arn },
      });
      cluster.masterSecretArn = secret.arn;
    }
    this.store.clusters.set(identifier, cluster);
    if (join) this.hooks.global!.joined(cluster, join);
    return { DBCluster: this.store.toDBCluster(cluster) };
  }

  /** A global secondary or a cross-region read replica: read-only, no master user of its own, its databases its source's. */
  private createReplica(i: CreateDBClusterCommandInput, engineVersion: string, join: NonNullable<ReturnType<GlobalDatabases['join']>>): Out<CreateDBClusterCommandOutput> {
    const source = join.source!;
    const subnetGroup = i.DBSubnetGroupName ?? 'default';
    if (!this.store.subnetGroups.has(subnetGroup)) throw awsError('rds', 'DBSubnetGroupNotFoundFault', `DB subnet group '${subnetGroup}' does not exist.`);
    const identifier = i.DBClusterIdentifier!.toLowerCase();
    if (this.store.cluster(identifier)) throw awsError('rds', 'DBClusterAlreadyExistsFault', 'DB Cluster already exists');
    const storageEncrypted = i.StorageEncrypted ?? source.storageEncrypted;
    const cluster: SimDbCluster = {
      identifier,
      arn: this.store.arn('cluster', identifier),
      resourceId: this.store.newResourceId('cluster'),
      engine: ENGINE,
      engineVersion: i.EngineVersion ? engineVersion : source.engineVersion,
      masterUsername: source.masterUsername,
      databaseName: source.databaseName,
      deletionProtection: i.DeletionProtection ?? false,
      storageEncrypted,
      kmsKeyId: storageEncrypted ? (i.KmsKeyId ?? `arn:aws:kms:${this.region}:${this.ctx.accountId}:alias/aws/rds`) : undefined,
      backupRetentionPeriod: i.BackupRetentionPeriod ?? 1,
      subnetGroup,
      securityGroups: i.VpcSecurityGroupIds ?? [],
      httpEndpointEnabled: i.EnableHttpEndpoint ?? false,
      tags: tagsFromList(i.Tags),
      createdAt: this.ctx.clock.now(),
      availableAt: this.ctx.clock.after('auroraClusterCreate'),
      databases: new Map(),
      roles: new Set(),
      copyTagsToSnapshot: i.CopyTagsToSnapshot ?? false,
    };
    this.store.clusters.set(identifier, cluster);
    this.hooks.global!.joined(cluster, join);
    return { DBCluster: this.store.toDBCluster(cluster) };
  }

  private modifyCluster(i: ModifyDBClusterCommandInput): Out<ModifyDBClusterCommandOutput> {
    requireParams('rds', i, ['DBClusterIdentifier']);
    const c = this.store.mustCluster(i.DBClusterIdentifier);
    if (this.store.clusterStatus(c) !== 'available') throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster is not in an available state: ${this.store.clusterStatus(c)}`);
    if (i.BackupRetentionPeriod !== undefined && (i.BackupRetentionPeriod < 1 || i.BackupRetentionPeriod > 35)) throw awsError('rds', 'InvalidParameterValue', 'Invalid backup retention period: must be between 1 and 35 days.');
    if (i.DeletionProtection !== undefined) c.deletionProtection = i.DeletionProtection;
    if (i.BackupRetentionPeriod !== undefined) c.backupRetentionPeriod = i.BackupRetentionPeriod;
    if (i.EnableHttpEndpoint !== undefined) c.httpEndpointEnabled = i.EnableHttpEndpoint;
    if (i.ManageMasterUserPassword && i.MasterUserPassword) throw awsError('rds', 'InvalidParameterCombination', 'You cannot specify MasterUserPassword when ManageMasterUserPassword is turned on.');
    if (i.ManageMasterUserPassword) this.restores.manageMasterPassword(c, i.MasterUserSecretKmsKeyId);
    return { DBCluster: this.store.toDBCluster(c) };
  }

  /** The Data API endpoint of an Aurora provisioned or Serverless v2 cluster (RDS's own operation, not ModifyDBCluster's flag). */
  private enableHttpEndpoint(i: EnableHttpEndpointCommandInput): Out<EnableHttpEndpointCommandOutput> {
    requireParams('rds', i, ['ResourceArn']);
    const c = this.store.clusterByArn(i.ResourceArn!);
    if (!c) throw awsError('rds', 'ResourceNotFoundFault', `The specified resource ARN ${i.ResourceArn} was not found.`);
    const status = this.store.clusterStatus(c);
    if (status !== 'available') throw awsError('rds', 'InvalidResourceStateFault', `The operation can't be performed because DB cluster ${c.identifier} is in ${status} state.`);
    c.httpEndpointEnabled = true;
    return { ResourceArn: c.arn, HttpEndpointEnabled: true };
  }

  private deleteCluster(i: DeleteDBClusterCommandInput): Out<DeleteDBClusterCommandOutput> {
    requireParams('rds', i, ['DBClusterIdentifier']);
    const c = this.store.mustCluster(i.DBClusterIdentifier);
    const status = this.store.clusterStatus(c);
    // A failed cluster can only be deleted; one still being created cannot, yet.
    if (status !== 'available' && status !== 'failed') throw awsError('rds', 'InvalidDBClusterStateFault', `Cluster cannot be deleted, it is currently in ${status} state.`);
    if (c.deletionProtection) throw awsError('rds', 'InvalidDBClusterStateFault', 'Cannot delete protected Cluster, please disable deletion protection and try again.');
    this.hooks.global?.assertDeletable(c);
    if (this.store.instancesOf(c.identifier).some((inst) => this.store.instanceStatus(inst) !== 'deleting')) {
      throw awsError('rds', 'InvalidDBClusterStateFault', 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
    }
    if (!i.SkipFinalSnapshot) {
      if (!i.FinalDBSnapshotIdentifier) throw awsError('rds', 'InvalidParameterCombination', 'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
      assertIdentifier('FinalDBSnapshotIdentifier', i.FinalDBSnapshotIdentifier);
      if (this.store.snapshots.has(i.FinalDBSnapshotIdentifier.toLowerCase())) throw awsError('rds', 'DBClusterSnapshotAlreadyExistsFault', `Cannot create the cluster snapshot because one with the identifier ${i.FinalDBSnapshotIdentifier} already exists.`);
      this.store.addSnapshot(c, i.FinalDBSnapshotIdentifier, { ...c.tags });
    } else if (i.FinalDBSnapshotIdentifier) {
      throw awsError('rds', 'InvalidParameterCombination', 'FinalDBSnapshotIdentifier cannot be specified when SkipFinalSnapshot is enabled.');
    }
    c.deletingSince = this.ctx.clock.nowMs();
    c.goneAt = this.ctx.clock.after('auroraClusterDelete');
    this.hooks.clusterDeleted?.(c);
    return { DBCluster: this.store.toDBCluster(c) };
  }

  private mustInstance(identifier: string | undefined): SimDbInstance {
    this.store.sweep();
    const inst = identifier ? this.store.instances.get(identifier.toLowerCase()) : undefined;
    if (!inst) throw awsError('rds', 'DBInstanceNotFoundFault', `DBInstance ${identifier} not found.`);
    return inst;
  }

  private describeInstances(i: DescribeDBInstancesCommandInput): Out<DescribeDBInstancesCommandOutput> {
    if (i.DBInstanceIdentifier) return { DBInstances: [this.store.toDBInstance(this.mustInstance(i.DBInstanceIdentifier))] };
    this.store.sweep();
    const clusters = filterValues(i.Filters, 'db-cluster-id');
    const ids = filterValues(i.Filters, 'db-instance-id');
    const list = [...this.store.instances.values()].filter(
      (inst) => (!clusters || clusters.includes(inst.clusterIdentifier) || clusters.includes(this.store.arn('cluster', inst.clusterIdentifier))) && (!ids || ids.includes(inst.identifier)),
    );
    return { DBInstances: list.map((inst) => this.store.toDBInstance(inst)) };
  }

  private createInstance(i: CreateDBInstanceCommandInput): Out<CreateDBInstanceCommandOutput> {
    requireParams('rds', i, ['DBInstanceIdentifier', 'DBInstanceClass', 'Engine']);
    assertIdentifier('DBInstanceIdentifier', i.DBInstanceIdentifier!);
    if (!AURORA_INSTANCE_CLASSES.has(i.DBInstanceClass!)) {
      throw awsError('rds', 'InvalidParameterCombination', `RDS does not support creating a DB instance with the following combination: DBInstanceClass=${i.DBInstanceClass}, Engine=${i.Engine}.`);
    }
    if (i.Engine !== ENGINE) throw awsError('rds', 'InvalidParameterValue', `Invalid DB engine: ${i.Engine}`);
    if (!i.DBClusterIdentifier) throw awsError('rds', 'InvalidParameterCombination', 'DBClusterIdentifier is required for an Aurora DB instance.');
    const identifier = i.DBInstanceIdentifier!.toLowerCase();
    this.store.sweep();
    if (this.store.instances.has(identifier)) throw awsError('rds', 'DBInstanceAlreadyExistsFault', 'DB instance already exists');
    const cluster = this.store.mustCluster(i.DBClusterIdentifier);
    if (this.store.clusterStatus(cluster) === 'deleting') throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${cluster.identifier} is being deleted.`);
    const inst: SimDbInstance = {
      identifier,
      arn: this.store.arn('db', identifier),
      clusterIdentifier: cluster.identifier,
      instanceClass: i.DBInstanceClass!,
      engine: ENGINE,
      tags: tagsFromList(i.Tags),
      createdAt: this.ctx.clock.now(),
      // An instance cannot be up before its cluster is.
      availableAt: Math.max(cluster.availableAt, this.ctx.clock.after('auroraInstanceCreate')),
    };
    this.store.instances.set(identifier, inst);
    return { DBInstance: this.store.toDBInstance(inst) };
  }

  private deleteInstance(i: DeleteDBInstanceCommandInput): Out<DeleteDBInstanceCommandOutput> {
    requireParams('rds', i, ['DBInstanceIdentifier']);
    const inst = this.mustInstance(i.DBInstanceIdentifier);
    const status = this.store.instanceStatus(inst);
    if (status === 'deleting') throw awsError('rds', 'InvalidDBInstanceStateFault', `Instance ${inst.identifier} is already being deleted.`);
    inst.goneAt = this.ctx.clock.after('auroraInstanceDelete');
    return { DBInstance: this.store.toDBInstance(inst) };
  }

  private createSnapshot(i: CreateDBClusterSnapshotCommandInput): Out<CreateDBClusterSnapshotCommandOutput> {
    requireParams('rds', i, ['DBClusterSnapshotIdentifier', 'DBClusterIdentifier']);
    assertIdentifier('DBClusterSnapshotIdentifier', i.DBClusterSnapshotIdentifier!);
    const c = this.store.mustCluster(i.DBClusterIdentifier);
    if (this.store.snapshots.has(i.DBClusterSnapshotIdentifier!.toLowerCase())) {
      throw awsError('rds', 'DBClusterSnapshotAlreadyExistsFault', `Cannot create the cluster snapshot because one with the identifier ${i.DBClusterSnapshotIdentifier} already exists.`);
    }
    if (this.store.clusterStatus(c) !== 'available') throw awsError('rds', 'InvalidDBClusterStateFault', `DB cluster ${c.identifier} is not in an available state.`);
    const tags = i.Tags?.length ? tagsFromList(i.Tags) : c.copyTagsToSnapshot ? { ...c.tags } : {};
    const snapshot = this.store.addSnapshot(c, i.DBClusterSnapshotIdentifier!, tags);
    return { DBClusterSnapshot: this.store.toSnapshot(snapshot) };
  }

  private deleteSnapshot(i: DeleteDBClusterSnapshotCommandInput): Out<DeleteDBClusterSnapshotCommandOutput> {
    requireParams('rds', i, ['DBClusterSnapshotIdentifier']);
    const s = this.store.snapshots.get(i.DBClusterSnapshotIdentifier!.toLowerCase());
    if (!s) throw awsError('rds', 'DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${i.DBClusterSnapshotIdentifier} not found.`);
    // Deleting a copy still `copying` cancels the copy, as in AWS.
    const status = this.store.snapshotStatus(s);
    if (status !== 'available' && status !== 'copying') throw awsError('rds', 'InvalidDBClusterSnapshotStateFault', `Cannot delete the snapshot because it is not in available state.`);
    this.store.snapshots.delete(s.identifier);
    return { DBClusterSnapshot: { ...this.store.toSnapshot(s), Status: 'deleted' } };
  }
}
