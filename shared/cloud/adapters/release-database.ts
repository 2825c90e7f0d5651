/**
 * What a release does to a tenant's database, besides migrating it: look at its backups, keep a
 * pre-change copy, put the copy back on rollback, and tell whether users wrote after the cut-over.
 * Dedicated tenants: cluster snapshots (`ensureClusterSnapshot` of database-dedicated.ts) and a
 * restore into a new cluster, since Aurora cannot restore over an existing one. Pooled tenants: a
 * template copy of their database on the cell cluster through the RDS Data API. Nothing here
 * waits: each call looks, acts if needed and reports a state the workflow's Wait loop polls.
 */
import {
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  EnableHttpEndpointCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { ExecuteStatementCommand, type ExecuteStatementCommandOutput, type RDSDataClient, type SqlParameter } from '@aws-sdk/client-rds-data';
import { resourceFailed } from '#shared/lib/errors.ts';
import { pooledSql } from '../pooled-sql.ts';
import { hasName } from './aws-errors.ts';
import type { PooledCell } from './database-pooled.ts';
import { describeCluster, ensureClusterInstances, isTerminal } from './database-dedicated.ts';
import { tagList } from './tag-list.ts';

const ENGINE = 'aurora-postgresql';

// ---------------------------------------------------------------------------------------------
// Backups

export interface BackupState {
  clusterArn?: string;
  /** The newest point a point-in-time restore can reach; absent while backups are not running. */
  latestRestorableTime?: Date;
  /** When the newest available automated (daily) snapshot was taken. */
  newestBackupAt?: Date;
}

/** The cluster's point-in-time horizon and its newest automated backup. A missing cluster is DBClusterNotFoundFault. */
export async function backupState(rds: RDSClient, clusterIdentifier: string): Promise<BackupState> {
  const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterIdentifier }))).DBClusters?.[0];
  const snapshots = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: clusterIdentifier, SnapshotType: 'automated' }));
  const times = (snapshots.DBClusterSnapshots ?? [])
    .filter((s) => s.Status === 'available' && s.SnapshotCreateTime)
    .map((s) => new Date(s.SnapshotCreateTime!).getTime());
  return {
    clusterArn: cluster?.DBClusterArn,
    latestRestorableTime: cluster?.LatestRestorableTime ? new Date(cluster.LatestRestorableTime) : undefined,
    newestBackupAt: times.length > 0 ? new Date(Math.max(...times)) : undefined,
  };
}

/** Whether the backups let a release go ahead: a recent enough backup and a point-in-time horizon. */
export function backupsAllowRelease(state: BackupState, now: Date, maxAgeHours: number): { ok: true } | { ok: false; reason: string } {
  if (!state.newestBackupAt) return { ok: false, reason: 'no automated backup is available' };
  const ageHours = (now.getTime() - state.newestBackupAt.getTime()) / 3_600_000;
  if (ageHours > maxAgeHours) {
    return { ok: false, reason: `the newest backup (${state.newestBackupAt.toISOString()}) is ${ageHours.toFixed(1)} h old, older than the ${maxAgeHours} h allowed` };
  }
  if (!state.latestRestorableTime) return { ok: false, reason: 'point-in-time recovery has no restorable time' };
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Restores into a new cluster (dedicated rollback, rehearsal copies)

export interface RestoreTarget {
  clusterIdentifier: string;
  instanceIdentifiers: string[];
  instanceClass: string;
  dbSubnetGroupName: string;
  vpcSecurityGroupIds: string[];
  kmsKeyId?: string;
  tags: Record<string, string>;
  /** @default true: it is about to hold a customer's production data */
  deletionProtection?: boolean;
  /**
   * @default true. False keeps the master password the snapshot carries, for a cluster whose
   * master secret is the control plane's own (a cell's, replicated across regions): an RDS-managed
   * password would change it under that secret.
   */
  manageMasterPassword?: boolean;
}

export type RestoreSource = { snapshotIdentifier: string } | { sourceClusterIdentifier: string; restoreTime?: Date };

export interface RestoredCluster {
  /** `available` once the cluster, every instance and its RDS-managed master secret are. */
  status: 'creating' | 'available';
  clusterIdentifier: string;
  instanceIdentifiers: string[];
  clusterArn?: string;
  endpoint?: string;
  masterSecretArn?: string;
}

async function startRestore(rds: RDSClient, source: RestoreSource, target: RestoreTarget): Promise<DBCluster | undefined> {
  const common = {
    DBClusterIdentifier: target.clusterIdentifier,
    DBSubnetGroupName: target.dbSubnetGroupName,
    VpcSecurityGroupIds: target.vpcSecurityGroupIds,
    KmsKeyId: target.kmsKeyId,
    DeletionProtection: target.deletionProtection ?? true,
    CopyTagsToSnapshot: true,
    EnableCloudwatchLogsExports: ['postgresql'],
    Tags: tagList(target.tags),
  };
  if ('snapshotIdentifier' in source) {
    return (await rds.send(new RestoreDBClusterFromSnapshotCommand({ ...common, SnapshotIdentifier: source.snapshotIdentifier, Engine: ENGINE }))).DBCluster;
  }
  const out = await rds.send(
    new RestoreDBClusterToPointInTimeCommand({
      ...common,
      SourceDBClusterIdentifier: source.sourceClusterIdentifier,
      ...(source.restoreTime ? { RestoreToTime: source.restoreTime } : { UseLatestRestorableTime: true }),
    }),
  );
  return out.DBCluster;
}

/**
 * A cluster restored from a snapshot or to a point in time, with its instances. A restored cluster
 * keeps the source's master user but not its managed secret, so once it is available RDS is asked
 * to manage the password again; the new secret is what the tenant's pods will read.
 */
export async function ensureRestoredCluster(rds: RDSClient, source: RestoreSource, target: RestoreTarget): Promise<RestoredCluster> {
  const { clusterIdentifier, instanceIdentifiers } = target;
  const creating: RestoredCluster = { status: 'creating', clusterIdentifier, instanceIdentifiers };
  let cluster = await describeCluster(rds, clusterIdentifier);
  if (!cluster) {
    try {
      cluster = await startRestore(rds, source, target);
    } catch (err) {
      if (!hasName(err, 'DBClusterAlreadyExistsFault')) throw err;
    }
    cluster ??= await describeCluster(rds, clusterIdentifier);
  }
  if (!cluster) return creating;
  if (isTerminal(cluster.Status)) throw resourceFailed(`restored Aurora cluster ${clusterIdentifier} is ${cluster.Status}`);
  const summary = { clusterIdentifier, instanceIdentifiers, clusterArn: cluster.DBClusterArn, endpoint: cluster.Endpoint, masterSecretArn: cluster.MasterUserSecret?.SecretArn };

  const instancesAvailable = await ensureClusterInstances(rds, { clusterIdentifier, instanceIdentifiers, instanceClass: target.instanceClass, tags: tagList(target.tags) });
  if (cluster.Status !== 'available' || !instancesAvailable) return { ...summary, status: 'creating' };
  if (target.manageMasterPassword !== false && !cluster.MasterUserSecret?.SecretArn) {
    try {
      await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: clusterIdentifier, ManageMasterUserPassword: true, ApplyImmediately: true }));
    } catch (err) {
      if (!hasName(err, 'InvalidDBClusterStateFault')) throw err;
    }
    return { ...summary, status: 'creating' };
  }
  // A restored cluster starts with the Data API off; the control plane writes heartbeats through it.
  if (cluster.HttpEndpointEnabled === false && cluster.DBClusterArn) {
    try {
      await rds.send(new EnableHttpEndpointCommand({ ResourceArn: cluster.DBClusterArn }));
    } catch (err) {
      if (!hasName(err, 'InvalidResourceStateFault')) throw err;
      return { ...summary, status: 'creating' };
    }
  }
  return { ...summary, status: 'available' };
}

/**
 * Deletes a cluster by identifier (the one a restore replaced): protection off, members first,
 * then the cluster, without a final snapshot since the pre-change snapshot and the automated
 * backups stay. `absent` only once RDS no longer knows it.
 */
export async function retireCluster(rds: RDSClient, clusterIdentifier: string): Promise<'deleting' | 'absent'> {
  const cluster = await describeCluster(rds, clusterIdentifier);
  if (!cluster) return 'absent';
  if (cluster.Status === 'deleting') return 'deleting';
  if (cluster.DeletionProtection) {
    try {
      await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: clusterIdentifier, DeletionProtection: false, ApplyImmediately: true }));
    } catch (err) {
      if (!hasName(err, 'InvalidDBClusterStateFault')) throw err;
    }
    return 'deleting';
  }
  const members = (cluster.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier).filter((id): id is string => !!id);
  for (const identifier of members) {
    try {
      await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: identifier }));
    } catch (err) {
      if (!hasName(err, 'DBInstanceNotFoundFault', 'InvalidDBInstanceStateFault')) throw err;
    }
  }
  if (members.length > 0) return 'deleting';
  try {
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: clusterIdentifier, SkipFinalSnapshot: true }));
  } catch (err) {
    if (hasName(err, 'DBClusterNotFoundFault')) return 'absent';
    if (!hasName(err, 'InvalidDBClusterStateFault')) throw err;
  }
  return 'deleting';
}

// ---------------------------------------------------------------------------------------------
// Pooled databases (RDS Data API on the cell cluster, as its master user)

type Statement = { sql: string; parameters?: SqlParameter[] };

export interface DataTarget {
  resourceArn: string;
  secretArn: string;
  /** @default postgres */
  database?: string;
}

export const cellTarget = (cell: PooledCell): DataTarget => ({ resourceArn: cell.auroraClusterArn, secretArn: cell.masterSecretArn });

async function run(data: RDSDataClient, target: DataTarget, statement: Statement, continueAfterTimeout = false): Promise<ExecuteStatementCommandOutput> {
  return data.send(
    new ExecuteStatementCommand({
      resourceArn: target.resourceArn,
      secretArn: target.secretArn,
      database: target.database ?? 'postgres',
      sql: statement.sql,
      parameters: statement.parameters,
      continueAfterTimeout: continueAfterTimeout || undefined,
    }),
  );
}

async function databaseExists(data: RDSDataClient, target: DataTarget, name: string): Promise<boolean> {
  return ((await run(data, target, pooledSql.databaseExists(name))).records?.length ?? 0) > 0;
}

/** PostgreSQL's message when a template database still has sessions (SQLSTATE 55006), e.g. a copy still running. */
function templateBusy(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /is being accessed by other users/i.test(message);
}

export interface PooledCopyInput {
  database: string;
  copy: string;
  owner: string;
}

/**
 * `copied` once the copy exists. A large copy outlives the Data API's 45 s answer; it goes on in
 * the database (`continueAfterTimeout`) and, until it commits, a new attempt meets a busy template
 * and reports `copying`.
 */
export async function ensurePooledCopy(data: RDSDataClient, cell: PooledCell, input: PooledCopyInput): Promise<'copied' | 'copying'> {
  const target = cellTarget(cell);
  if (await databaseExists(data, target, input.copy)) return 'copied';
  if (!(await databaseExists(data, target, input.database))) throw resourceFailed(`database ${input.database} does not exist on ${cell.auroraClusterArn}: nothing to copy`);
  await run(data, target, pooledSql.terminateConnections(input.database));
  try {
    await run(data, target, pooledSql.copyDatabase(input.copy, input.database, input.owner), true);
  } catch (err) {
    if (templateBusy(err) || hasName(err, 'StatementTimeoutException')) return 'copying';
    if ((err as { message?: string }).message?.match(/already exists/i)) return 'copied';
    throw err;
  }
  await run(data, target, pooledSql.revokePublicConnect(input.copy));
  return 'copied';
}

/**
 * Puts the pre-change copy back under the tenant's database name: the migrated database is
 * dropped and the copy renamed. Safe to repeat after a crash between the two: the migrated
 * database is only ever dropped while the copy exists.
 */
export async function restorePooledCopy(data: RDSDataClient, cell: PooledCell, input: Omit<PooledCopyInput, 'owner'>): Promise<'restored' | 'already-restored'> {
  const target = cellTarget(cell);
  if (!(await databaseExists(data, target, input.copy))) {
    if (await databaseExists(data, target, input.database)) return 'already-restored';
    throw resourceFailed(`neither ${input.database} nor its pre-change copy ${input.copy} exists: nothing to restore`);
  }
  await run(data, target, pooledSql.terminateConnections(input.database));
  await run(data, target, pooledSql.dropDatabase(input.database));
  await run(data, target, pooledSql.terminateConnections(input.copy));
  await run(data, target, pooledSql.renameDatabase(input.copy, input.database));
  return 'restored';
}

export async function dropPooledCopy(data: RDSDataClient, cell: PooledCell, copy: string): Promise<'dropped' | 'absent'> {
  const target = cellTarget(cell);
  if (!(await databaseExists(data, target, copy))) return 'absent';
  await run(data, target, pooledSql.dropDatabase(copy));
  return 'dropped';
}

/**
 * Tables users change in daily work. Crons are off while a tenant is in maintenance but run again
 * after the cut-over, so tables that mostly crons and bots write (mail, bus, ir_*) are left out.
 */
export const BUSINESS_TABLES = [
  'sale_order',
  'sale_order_line',
  'purchase_order',
  'account_move',
  'account_move_line',
  'account_payment',
  'stock_picking',
  'stock_move',
  'stock_quant',
  'res_partner',
  'product_template',
  'crm_lead',
  'project_task',
] as const;

/** The newest `write_date` over the business tables (Odoo stores UTC without a zone), or null when no row has one. */
export async function newestBusinessWrite(data: RDSDataClient, target: DataTarget): Promise<Date | null> {
  const out = await run(data, target, pooledSql.newestWrite(BUSINESS_TABLES));
  const field = out.records?.[0]?.[0];
  if (!field || field.isNull || typeof field.stringValue !== 'string') return null;
  const at = new Date(`${field.stringValue.replace(' ', 'T')}Z`);
  if (Number.isNaN(at.getTime())) throw resourceFailed(`unreadable write_date: ${field.stringValue}`);
  return at;
}
