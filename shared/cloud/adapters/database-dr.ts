/**
 * A dedicated tenant's DR copy: an Aurora global database made from its cluster, with a secondary
 * cluster in the fleet's other region. Aurora PostgreSQL replicates across regions only this way
 * (it has no cross-region read replica clusters), so both postures use it: warm standby gives the
 * secondary an instance, pilot light leaves it headless (storage replicated, no compute to pay
 * for; an instance is added when it is promoted). Like the other database adapters nothing waits:
 * each call looks, acts if needed, and reports a state the workflow polls.
 *
 * The secondary keeps the primary's cluster identifier: identifiers are unique per region, and a
 * failover then changes no name the tenant's record or configuration holds.
 */
import {
  CreateDBClusterCommand,
  CreateGlobalClusterCommand,
  DeleteGlobalClusterCommand,
  RemoveFromGlobalClusterCommand,
  type DBCluster,
  type RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { resourceFailed, validationError } from '#shared/lib/errors.ts';
import { hasName } from './aws-errors.ts';
import { DEFAULT_ENGINE_VERSION, deleteDedicatedCluster, describeCluster, ensureClusterInstances, isTerminal } from './database-dedicated.ts';
import { describeGlobalDatabase, type GlobalDatabase } from './global-database.ts';

const ENGINE = 'aurora-postgresql';

/**
 * The KMS key that encrypts the secondary in `drRegion`. KMS keys belong to one region, and an
 * encrypted cross-region secondary must be given a key of its own region (else RDS uses that
 * region's `aws/rds` key). A multi-Region key's replica has the same key id, so its ARN is the
 * primary key's with the region changed; an alias name resolves in each region to a key of that
 * region. A single-region key ARN cannot serve the DR region: that is a configuration error, said
 * before anything is made, rather than a secondary silently encrypted with another key.
 */
export function drKmsKeyId(kmsKeyId: string | undefined, drRegion: string): string | undefined {
  if (!kmsKeyId) return undefined;
  if (kmsKeyId.startsWith('alias/') || /^mrk-[0-9a-f]{32}$/.test(kmsKeyId)) return kmsKeyId;
  const arn = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key\/mrk-[0-9a-f]{32}|alias\/.+)$/.exec(kmsKeyId);
  if (arn) return `arn:${arn[1]}:kms:${drRegion}:${arn[3]}:${arn[4]}`;
  throw validationError(
    `dedicated.kmsKeyId ${kmsKeyId} is a single-region key: the DR copy in ${drRegion} needs a key there (use a multi-Region key, mrk-..., or an alias defined in both regions)`,
  );
}

export interface EnsureGlobalClusterInput {
  globalClusterIdentifier: string;
  /** ARN of the tenant's cluster, the global database's writer. */
  sourceClusterArn: string;
  tags: Tag[];
}

export interface EnsuredGlobalCluster {
  /** `pending` while the source cannot join yet (still creating or modifying). */
  status: 'pending' | 'available' | 'modifying';
  database?: GlobalDatabase;
}

/**
 * The global database, made from the tenant's cluster (`SourceDBClusterIdentifier`: engine,
 * version, encryption and database name all come from it). Not deletion protected itself: it
 * cannot be deleted while it has members, and each member cluster is protected.
 */
export async function ensureGlobalCluster(rds: RDSClient, input: EnsureGlobalClusterInput): Promise<EnsuredGlobalCluster> {
  let database = await describeGlobalDatabase(rds, input.globalClusterIdentifier);
  if (!database) {
    try {
      await rds.send(
        new CreateGlobalClusterCommand({ GlobalClusterIdentifier: input.globalClusterIdentifier, SourceDBClusterIdentifier: input.sourceClusterArn, Tags: input.tags }),
      );
    } catch (err) {
      // The source is still creating or modifying: it can join once it settles.
      if (hasName(err, 'InvalidDBClusterStateFault')) return { status: 'pending' };
      if (!hasName(err, 'GlobalClusterAlreadyExistsFault')) throw err;
    }
    database = await describeGlobalDatabase(rds, input.globalClusterIdentifier);
    if (!database) return { status: 'pending' };
  }
  if (!database.members.some((m) => m.clusterArn === input.sourceClusterArn)) {
    throw resourceFailed(`global cluster ${input.globalClusterIdentifier} exists without ${input.sourceClusterArn} among its members`);
  }
  return { status: database.status === 'available' ? 'available' : 'modifying', database };
}

export interface EnsureSecondaryInput {
  globalClusterIdentifier: string;
  clusterIdentifier: string;
  /** The primary's engine version: a secondary runs the same one. */
  engineVersion?: string;
  dbSubnetGroupName: string;
  vpcSecurityGroupIds: string[];
  /** A key of the secondary's region (`drKmsKeyId`); that region's `aws/rds` key when absent. */
  kmsKeyId?: string;
  backupRetentionDays: number;
  /** Instances to keep in the secondary: one for warm standby, none for pilot light. */
  instanceIdentifiers: string[];
  instanceClass: string;
  tags: Tag[];
}

export interface EnsuredSecondary {
  /** `available` once the cluster and every instance are; `pending` while the global database cannot take it yet. */
  status: 'pending' | 'creating' | 'available';
  clusterArn?: string;
}

/**
 * The secondary cluster, called in the DR region. It names no master user or password (a
 * secondary takes them from its writer; RDS refuses them), has the Data API enabled (Aurora allows
 * it on secondaries; it answers once the secondary is promoted and has a writer), and is
 * deletion protected like every tenant cluster.
 */
export async function ensureSecondaryCluster(rds: RDSClient, input: EnsureSecondaryInput): Promise<EnsuredSecondary> {
  let cluster = await describeCluster(rds, input.clusterIdentifier);
  if (!cluster) {
    try {
      const out = await rds.send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: input.clusterIdentifier,
          GlobalClusterIdentifier: input.globalClusterIdentifier,
          Engine: ENGINE,
          EngineVersion: input.engineVersion ?? DEFAULT_ENGINE_VERSION,
          StorageEncrypted: true,
          KmsKeyId: input.kmsKeyId,
          BackupRetentionPeriod: Math.min(35, Math.max(1, input.backupRetentionDays)),
          DeletionProtection: true,
          CopyTagsToSnapshot: true,
          DBSubnetGroupName: input.dbSubnetGroupName,
          VpcSecurityGroupIds: input.vpcSecurityGroupIds,
          EnableCloudwatchLogsExports: ['postgresql'],
          EnableHttpEndpoint: true,
          Tags: input.tags,
        }),
      );
      cluster = out.DBCluster;
    } catch (err) {
      // The writer is not available yet (or the global database is changing): try again on the next poll.
      if (hasName(err, 'InvalidDBClusterStateFault', 'InvalidGlobalClusterStateFault')) return { status: 'pending' };
      if (!hasName(err, 'DBClusterAlreadyExistsFault')) throw err;
    }
    cluster ??= await describeCluster(rds, input.clusterIdentifier);
  }
  if (!cluster) return { status: 'creating' };
  assertSecondaryOf(cluster, input);
  if (isTerminal(cluster.Status)) throw resourceFailed(`Aurora secondary ${input.clusterIdentifier} is ${cluster.Status}`);
  if (cluster.Status === 'deleting') throw resourceFailed(`Aurora cluster ${input.clusterIdentifier} is being deleted in the DR region`);
  const instancesAvailable = await ensureClusterInstances(rds, {
    clusterIdentifier: input.clusterIdentifier,
    instanceIdentifiers: input.instanceIdentifiers,
    instanceClass: input.instanceClass,
    tags: input.tags,
  });
  return { status: cluster.Status === 'available' && instancesAvailable ? 'available' : 'creating', clusterArn: cluster.DBClusterArn };
}

/** A same-named cluster that is not this global database's member is someone else's: never adopted. */
function assertSecondaryOf(cluster: DBCluster, input: EnsureSecondaryInput): void {
  const global = cluster.GlobalClusterIdentifier;
  if (global !== undefined && global.toLowerCase() !== input.globalClusterIdentifier.toLowerCase()) {
    throw resourceFailed(`Aurora cluster ${input.clusterIdentifier} in the DR region belongs to global cluster ${global}, not ${input.globalClusterIdentifier}`);
  }
}

/** The DR settings of dedicated secondaries: the DR region's subnet group and security groups, else the primary's names. */
export function secondaryNetwork(config: Pick<FleetConfig, 'dedicated'>): { dbSubnetGroupName: string; vpcSecurityGroupIds: string[] } {
  const d = config.dedicated;
  return { dbSubnetGroupName: d.drDbSubnetGroupName ?? d.dbSubnetGroupName, vpcSecurityGroupIds: d.drVpcSecurityGroupIds ?? d.vpcSecurityGroupIds };
}

export interface RemovedGlobalCluster {
  status: 'removing' | 'absent';
  /** Members still attached (their ARNs). */
  members: string[];
}

/**
 * Takes a global database apart so its clusters can be deleted: secondaries leave first (RDS
 * refuses to detach the writer while it has any), then the writer, then the empty global cluster
 * is deleted. Whichever region holds the writer (after a failover it is the DR region's) is
 * handled alike: each member is detached through its own region's client. `absent` only once RDS
 * no longer knows the global cluster.
 */
export async function removeGlobalCluster(rdsIn: (region: string) => RDSClient, input: { globalClusterIdentifier: string; regions: string[] }): Promise<RemovedGlobalCluster> {
  let database: GlobalDatabase | undefined;
  let seenFrom = '';
  for (const region of input.regions) {
    database = await describeGlobalDatabase(rdsIn(region), input.globalClusterIdentifier);
    seenFrom = region;
    if (database) break;
  }
  if (!database) return { status: 'absent', members: [] };
  const members = database.members.map((m) => m.clusterArn);
  // A switchover or failover under way: RDS refuses every change until it ends.
  if (database.failover) return { status: 'removing', members };

  const secondaries = database.members.filter((m) => !m.isWriter);
  const leaving = secondaries.length > 0 ? secondaries : database.members;
  for (const m of leaving) {
    try {
      await rdsIn(m.region).send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: input.globalClusterIdentifier, DbClusterIdentifier: m.clusterArn }));
    } catch (err) {
      // Already detached (or detaching), or the global database is busy: looked at again on the next poll.
      if (!hasName(err, 'DBClusterNotFoundFault', 'InvalidGlobalClusterStateFault', 'InvalidDBClusterStateFault')) throw err;
    }
  }
  if (members.length > 0) return { status: 'removing', members };

  try {
    await rdsIn(seenFrom).send(new DeleteGlobalClusterCommand({ GlobalClusterIdentifier: input.globalClusterIdentifier }));
  } catch (err) {
    if (hasName(err, 'GlobalClusterNotFoundFault')) return { status: 'absent', members: [] };
    if (!hasName(err, 'InvalidGlobalClusterStateFault')) throw err;
  }
  return { status: 'removing', members: [] };
}

/**
 * The whole database side of a DR copy: the global database taken apart and the secondary cluster
 * in the DR region deleted (protection lifted, instances first). The tenant's own cluster stays:
 * its removal is the caller's (offboarding deletes it, a rollback retires it once detached).
 * `absent` only once RDS knows neither the global cluster nor the secondary.
 */
export async function removeDrCopy(
  rdsIn: (region: string) => RDSClient,
  input: { globalClusterIdentifier: string; secondaryClusterIdentifier: string; region: string; drRegion: string },
): Promise<'removing' | 'absent'> {
  const global = await removeGlobalCluster(rdsIn, { globalClusterIdentifier: input.globalClusterIdentifier, regions: [input.region, input.drRegion] });
  const secondary = await deleteDedicatedCluster(rdsIn(input.drRegion), { tenantId: '', clusterIdentifier: input.secondaryClusterIdentifier });
  return global.status === 'absent' && secondary.status === 'absent' ? 'absent' : 'removing';
}
