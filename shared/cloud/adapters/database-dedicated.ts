/**
 * A dedicated tenant's own Aurora PostgreSQL cluster, its instances and its snapshots. Nothing here
 * waits: each call looks, acts if needed, and reports a state the workflow's Wait loop polls.
 *
 * Deletion protection is on for every dedicated cluster, whatever its DR posture: each one holds a
 * single paying customer's production data, and the only cost is the ModifyDBCluster that
 * `deleteDedicatedCluster` sends before it deletes (which compensation and offboarding need anyway).
 */
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  type DBCluster,
  type DBClusterSnapshot,
  type DBInstance,
  type RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { names, resourceTags } from '#shared/domain/names.ts';
import type { Placement } from '#shared/domain/types.ts';
import { resourceFailed, validationError } from '#shared/lib/errors.ts';
import { hasName } from './aws-errors.ts';
import { tagList } from './tag-list.ts';

export const DEFAULT_ENGINE_VERSION = '16.4';
export const MASTER_USERNAME = 'odoo_admin';
const ENGINE = 'aurora-postgresql';

/** States after which RDS will not make the resource available without someone's help. */
export function isTerminal(status: string | undefined): boolean {
  return status === 'failed' || status === 'inaccessible-encryption-credentials' || status === 'restore-error' || !!status?.startsWith('incompatible-');
}

/** The cluster, or undefined when RDS does not know it (DBClusterNotFoundFault). */
export async function describeCluster(rds: RDSClient, identifier: string): Promise<DBCluster | undefined> {
  try {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
    return out.DBClusters?.[0];
  } catch (err) {
    if (hasName(err, 'DBClusterNotFoundFault')) return undefined;
    throw err;
  }
}

async function describeInstance(rds: RDSClient, identifier: string): Promise<DBInstance | undefined> {
  try {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    return out.DBInstances?.[0];
  } catch (err) {
    if (hasName(err, 'DBInstanceNotFoundFault')) return undefined;
    throw err;
  }
}

export interface EnsureDedicatedClusterInput {
  tenantId: string;
  operationId: string;
  placement: Placement;
  config: Pick<FleetConfig, 'dedicated'>;
  namePrefix?: string;
  engineVersion?: string;
  /**
   * A master secret the control plane owns, instead of the RDS-managed one: Aurora does not
   * manage the master password of a cluster in a global database, so a tenant with a DR copy has
   * its own (replicated) secret. The password is read only when the cluster is created.
   */
  masterSecret?: { arn: string; password: () => Promise<string> };
}

export interface DedicatedCluster {
  /** `available` only when the cluster and every instance are; `deleting` while an earlier cluster of the same name goes away. */
  status: 'creating' | 'available' | 'deleting';
  clusterIdentifier: string;
  instanceIdentifiers: string[];
  clusterArn?: string;
  endpoint?: string;
  port?: number;
  /** The master user's secret: the RDS-managed one (`ManageMasterUserPassword`), or `masterSecret`'s. */
  masterSecretArn?: string;
  engineVersion?: string;
}

export async function ensureDedicatedCluster(rds: RDSClient, input: EnsureDedicatedClusterInput): Promise<DedicatedCluster> {
  const { tenantId, operationId, placement, namePrefix } = input;
  const resources = placement.resources;
  if (resources.kind !== 'dedicated') throw validationError(`tenant ${tenantId} is not placed on a dedicated database`);
  const settings = input.config.dedicated;
  const clusterIdentifier = names.dbClusterIdentifier(tenantId, namePrefix);
  const instanceIdentifiers = Array.from({ length: resources.database.instances }, (_, i) => names.dbInstanceIdentifier(tenantId, i, namePrefix));
  const tags = tagList(resourceTags(tenantId, operationId));

  let cluster = await describeCluster(rds, clusterIdentifier);
  if (!cluster) {
    const master = input.masterSecret
      ? { MasterUserPassword: await input.masterSecret.password() }
      : { ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: settings.kmsKeyId };
    try {
      const out = await rds.send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: clusterIdentifier,
          Engine: ENGINE,
          EngineVersion: input.engineVersion ?? DEFAULT_ENGINE_VERSION,
          DatabaseName: names.databaseName(tenantId),
          MasterUsername: MASTER_USERNAME,
          ...master,
          StorageEncrypted: true,
          KmsKeyId: settings.kmsKeyId,
          // Aurora keeps 1 to 35 days of automated backups (and of point-in-time recovery).
          BackupRetentionPeriod: Math.min(35, Math.max(1, placement.backupRetentionDays)),
          DeletionProtection: true,
          CopyTagsToSnapshot: true,
          DBSubnetGroupName: settings.dbSubnetGroupName,
          VpcSecurityGroupIds: settings.vpcSecurityGroupIds,
          EnableCloudwatchLogsExports: ['postgresql'],
          // The RDS Data API: how the control plane writes the tenant's heartbeat (no VPC-attached Lambda).
          EnableHttpEndpoint: true,
          Tags: tags,
        }),
      );
      cluster = out.DBCluster;
    } catch (err) {
      if (!hasName(err, 'DBClusterAlreadyExistsFault')) throw err;
    }
    cluster ??= await describeCluster(rds, clusterIdentifier);
  }
  if (!cluster) return { status: 'creating', clusterIdentifier, instanceIdentifiers };
  if (isTerminal(cluster.Status)) throw resourceFailed(`Aurora cluster ${clusterIdentifier} is ${cluster.Status}`);

  const summary = {
    clusterIdentifier,
    instanceIdentifiers,
    clusterArn: cluster.DBClusterArn,
    endpoint: cluster.Endpoint,
    port: cluster.Port,
    masterSecretArn: cluster.MasterUserSecret?.SecretArn ?? input.masterSecret?.arn,
    engineVersion: cluster.EngineVersion,
  };
  if (cluster.Status === 'deleting') return { status: 'deleting', ...summary };

  const allInstancesAvailable = await ensureClusterInstances(rds, { clusterIdentifier, instanceIdentifiers, instanceClass: resources.database.instanceClass, tags });

  const available = cluster.Status === 'available' && allInstancesAvailable;
  return { status: available ? 'available' : 'creating', ...summary };
}

/**
 * Makes sure each named Aurora instance of a cluster exists (creating the missing ones, private)
 * and reports whether all are available; an instance in a terminal state fails the step.
 */
export async function ensureClusterInstances(
  rds: RDSClient,
  input: { clusterIdentifier: string; instanceIdentifiers: readonly string[]; instanceClass: string; tags: Tag[] },
): Promise<boolean> {
  let allAvailable = true;
  for (const identifier of input.instanceIdentifiers) {
    const instance = await describeInstance(rds, identifier);
    if (instance) {
      if (isTerminal(instance.DBInstanceStatus)) throw resourceFailed(`Aurora instance ${identifier} is ${instance.DBInstanceStatus}`);
      if (instance.DBInstanceStatus !== 'available') allAvailable = false;
      continue;
    }
    allAvailable = false;
    try {
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: identifier,
          DBInstanceClass: input.instanceClass,
          Engine: ENGINE,
          DBClusterIdentifier: input.clusterIdentifier,
          PubliclyAccessible: false,
          Tags: input.tags,
        }),
      );
    } catch (err) {
      if (!hasName(err, 'DBInstanceAlreadyExistsFault')) throw err;
    }
  }
  return allAvailable;
}

export interface DeleteDedicatedClusterInput {
  tenantId: string;
  namePrefix?: string;
  /**
   * The cluster to delete, when it is not the conventional `<prefix>-<tenant>`: a rollback that
   * restored the tenant's pre-change snapshot moved it to a new cluster, which its record names.
   * @default names.dbClusterIdentifier(tenantId, namePrefix)
   */
  clusterIdentifier?: string;
  /**
   * Let RDS take a last snapshot under this name as it deletes. Offboarding takes its final
   * snapshot explicitly beforehand (`ensureClusterSnapshot`), so by default none is taken here.
   */
  finalSnapshotIdentifier?: string;
}

export interface DeletedDedicatedCluster {
  status: 'deleting' | 'absent';
  clusterIdentifier: string;
}

/**
 * Instances first (RDS refuses to delete a cluster that has members: the cluster's own member list
 * names them, whatever they are called), then the cluster. Gone
 * (`absent`) only once RDS says the cluster is not found; every other answer means "poll again".
 */
export async function deleteDedicatedCluster(rds: RDSClient, input: DeleteDedicatedClusterInput): Promise<DeletedDedicatedCluster> {
  const clusterIdentifier = input.clusterIdentifier ?? names.dbClusterIdentifier(input.tenantId, input.namePrefix);
  const deleting = { status: 'deleting', clusterIdentifier } as const;
  const cluster = await describeCluster(rds, clusterIdentifier);
  if (!cluster) return { status: 'absent', clusterIdentifier };
  if (cluster.Status === 'deleting') return deleting;

  let protectionLifted = false;
  if (cluster.DeletionProtection) {
    try {
      await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: clusterIdentifier, DeletionProtection: false, ApplyImmediately: true }));
      protectionLifted = true;
    } catch (err) {
      // Still creating or modifying: it can be changed once it settles.
      if (!hasName(err, 'InvalidDBClusterStateFault')) throw err;
      return deleting;
    }
  }

  const members = (cluster.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier).filter((id): id is string => !!id);
  for (const identifier of members) {
    try {
      await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: identifier }));
    } catch (err) {
      // Gone already, or already deleting (or still creating: deleted on a later poll).
      if (!hasName(err, 'DBInstanceNotFoundFault', 'InvalidDBInstanceStateFault')) throw err;
    }
  }
  // The cluster goes on a later poll: after its last member, and after the protection change has
  // been read back, so DeleteDBCluster never meets a cluster that is still protected.
  if (members.length > 0 || protectionLifted) return deleting;

  try {
    await rds.send(
      new DeleteDBClusterCommand({
        DBClusterIdentifier: clusterIdentifier,
        SkipFinalSnapshot: !input.finalSnapshotIdentifier,
        FinalDBSnapshotIdentifier: input.finalSnapshotIdentifier,
      }),
    );
  } catch (err) {
    if (hasName(err, 'DBClusterNotFoundFault')) return { status: 'absent', clusterIdentifier };
    if (!hasName(err, 'InvalidDBClusterStateFault')) throw err;
  }
  return deleting;
}

export interface EnsureClusterSnapshotInput {
  clusterIdentifier: string;
  snapshotIdentifier: string;
  tags: Record<string, string>;
}

export interface ClusterSnapshot {
  /** `pending` while the cluster is in a state that cannot be snapshotted yet. */
  status: 'pending' | 'creating' | 'available' | 'failed';
  snapshotArn?: string;
}

async function describeSnapshot(rds: RDSClient, identifier: string): Promise<DBClusterSnapshot | undefined> {
  try {
    const out = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: identifier }));
    return out.DBClusterSnapshots?.[0];
  } catch (err) {
    if (hasName(err, 'DBClusterSnapshotNotFoundFault')) return undefined;
    throw err;
  }
}

function snapshotState(snapshot: DBClusterSnapshot): ClusterSnapshot {
  const status = snapshot.Status === 'available' ? 'available' : snapshot.Status === 'failed' ? 'failed' : 'creating';
  return { status, snapshotArn: snapshot.DBClusterSnapshotArn };
}

export async function ensureClusterSnapshot(rds: RDSClient, input: EnsureClusterSnapshotInput): Promise<ClusterSnapshot> {
  const existing = await describeSnapshot(rds, input.snapshotIdentifier);
  if (existing) return snapshotState(existing);
  try {
    const out = await rds.send(
      new CreateDBClusterSnapshotCommand({
        DBClusterSnapshotIdentifier: input.snapshotIdentifier,
        DBClusterIdentifier: input.clusterIdentifier,
        Tags: tagList(input.tags),
      }),
    );
    return out.DBClusterSnapshot ? snapshotState(out.DBClusterSnapshot) : { status: 'creating' };
  } catch (err) {
    if (hasName(err, 'InvalidDBClusterStateFault')) return { status: 'pending' };
    if (!hasName(err, 'DBClusterSnapshotAlreadyExistsFault')) throw err;
    const raced = await describeSnapshot(rds, input.snapshotIdentifier);
    return raced ? snapshotState(raced) : { status: 'creating' };
  }
}
