import {
  CreateDBInstanceCommand,
  DBClusterNotFoundFault,
  DBClusterSnapshotNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  InvalidDBClusterStateFault,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
} from '@aws-sdk/client-rds';
import { DatabaseErrorException, ExecuteStatementCommand, RDSDataClient, type Field } from '@aws-sdk/client-rds-data';
import { PGlite } from '@electric-sql/pglite';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BUSINESS_TABLES,
  backupState,
  backupsAllowRelease,
  ensurePooledCopy,
  ensureRestoredCluster,
  newestBusinessWrite,
  restorePooledCopy,
  retireCluster,
} from '#shared/cloud/adapters/release-database.ts';
import { pooledSql } from '#shared/cloud/pooled-sql.ts';

const rds = mockClient(RDSClient);
const data = mockClient(RDSDataClient);
const meta = { $metadata: {} };
const cell = { auroraClusterArn: 'arn:aws:rds:eu-west-1:1:cluster:odoo-cell-a', masterSecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:cell-a-AbCdEf' };
const target = {
  clusterIdentifier: 'odoo-acme-rb-12345678',
  instanceIdentifiers: ['odoo-acme-rb-12345678-1'],
  instanceClass: 'db.r7g.large',
  dbSubnetGroupName: 'odoo-db',
  vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
  tags: { 'odoo:tenant': 'acme' },
};
const cluster = (over: Partial<DBCluster> = {}): DBCluster => ({
  DBClusterIdentifier: target.clusterIdentifier,
  DBClusterArn: `arn:aws:rds:eu-west-1:1:cluster:${target.clusterIdentifier}`,
  Status: 'available',
  Endpoint: 'odoo-acme-rb.cluster-x.eu-west-1.rds.amazonaws.com',
  ...over,
});
const rows = (...values: Field[]) => ({ records: values.map((v) => [v]) });

beforeEach(() => {
  rds.reset();
  data.reset();
});

describe('Function: backupState / backupsAllowRelease', () => {
  it('reads the point-in-time horizon and the newest available automated snapshot', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'odoo-cell-a' }).resolves({ DBClusters: [cluster({ LatestRestorableTime: new Date('2030-01-02T09:55:00Z') })] });
    rds.on(DescribeDBClusterSnapshotsCommand, { DBClusterIdentifier: 'odoo-cell-a', SnapshotType: 'automated' }).resolves({
      DBClusterSnapshots: [
        { Status: 'available', SnapshotCreateTime: new Date('2030-01-01T03:00:00Z') },
        { Status: 'available', SnapshotCreateTime: new Date('2030-01-02T03:00:00Z') },
        { Status: 'creating', SnapshotCreateTime: new Date('2030-01-02T09:00:00Z') },
      ],
    });

    // act
    const state = await backupState(new RDSClient({}), 'odoo-cell-a');

    // assess
    expect(state.newestBackupAt?.toISOString()).toBe('2030-01-02T03:00:00.000Z');
    expect(state.latestRestorableTime?.toISOString()).toBe('2030-01-02T09:55:00.000Z');
    expect(backupsAllowRelease(state, new Date('2030-01-02T10:00:00Z'), 26)).toEqual({ ok: true });
    expect(backupsAllowRelease(state, new Date('2030-01-03T06:00:00Z'), 26)).toMatchObject({ ok: false, reason: expect.stringContaining('27.0 h old') });
    expect(backupsAllowRelease({ latestRestorableTime: new Date() }, new Date(), 26)).toEqual({ ok: false, reason: 'no automated backup is available' });
  });

  it('lets DBClusterNotFoundFault through: a missing cluster is not a fresh backup', async () => {
    rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'DBCluster odoo-gone not found.', ...meta }));
    await expect(backupState(new RDSClient({}), 'odoo-gone')).rejects.toMatchObject({ name: 'DBClusterNotFoundFault' });
  });
});

describe('Function: ensureRestoredCluster', () => {
  it('restores the snapshot into the new identifier with the input AWS requires, protected and tagged', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).rejectsOnce(new DBClusterNotFoundFault({ message: 'not found', ...meta }));
    rds.on(RestoreDBClusterFromSnapshotCommand).resolves({ DBCluster: cluster({ Status: 'creating' }) });
    rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' }));
    rds.on(CreateDBInstanceCommand).resolves({});

    // act
    const result = await ensureRestoredCluster(new RDSClient({}), { snapshotIdentifier: 'odoo-acme-pre-12345678' }, target);

    // assess
    expect(result.status).toBe('creating');
    expect(rds.commandCalls(RestoreDBClusterFromSnapshotCommand)[0]!.args[0].input).toEqual({
      DBClusterIdentifier: 'odoo-acme-rb-12345678',
      SnapshotIdentifier: 'odoo-acme-pre-12345678',
      Engine: 'aurora-postgresql',
      DBSubnetGroupName: 'odoo-db',
      VpcSecurityGroupIds: ['sg-0123456789abcdef0'],
      KmsKeyId: undefined,
      DeletionProtection: true,
      CopyTagsToSnapshot: true,
      EnableCloudwatchLogsExports: ['postgresql'],
      Tags: [{ Key: 'odoo:tenant', Value: 'acme' }],
    });
    expect(rds.commandCalls(CreateDBInstanceCommand)[0]!.args[0].input).toMatchObject({ DBInstanceIdentifier: 'odoo-acme-rb-12345678-1', DBClusterIdentifier: 'odoo-acme-rb-12345678', Engine: 'aurora-postgresql' });
  });

  it('restores to a point in time with either a time or the latest restorable time, never both', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'not found', ...meta }));
    rds.on(RestoreDBClusterToPointInTimeCommand).resolves({ DBCluster: cluster({ Status: 'creating' }) });
    rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' }));

    // act
    await ensureRestoredCluster(new RDSClient({}), { sourceClusterIdentifier: 'odoo-acme' }, target);
    await ensureRestoredCluster(new RDSClient({}), { sourceClusterIdentifier: 'odoo-acme', restoreTime: new Date('2030-01-01T00:00:00Z') }, target);

    // assess
    const [latest, timed] = rds.commandCalls(RestoreDBClusterToPointInTimeCommand).map((c) => c.args[0].input);
    expect(latest).toMatchObject({ SourceDBClusterIdentifier: 'odoo-acme', UseLatestRestorableTime: true });
    expect(latest).not.toHaveProperty('RestoreToTime');
    expect(timed).toMatchObject({ RestoreToTime: new Date('2030-01-01T00:00:00Z') });
    expect(timed).not.toHaveProperty('UseLatestRestorableTime');
  });

  it('asks RDS to manage the master password of the restored cluster, and is available only once it has a secret', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).resolvesOnce({ DBClusters: [cluster()] }).resolves({ DBClusters: [cluster({ MasterUserSecret: { SecretArn: 'arn:secret:rds!cluster-1' } })] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });
    rds.on(ModifyDBClusterCommand).resolves({});

    // act
    const first = await ensureRestoredCluster(new RDSClient({}), { snapshotIdentifier: 's' }, target);
    const second = await ensureRestoredCluster(new RDSClient({}), { snapshotIdentifier: 's' }, target);

    // assess
    expect(first.status).toBe('creating');
    expect(rds.commandCalls(ModifyDBClusterCommand)[0]!.args[0].input).toEqual({ DBClusterIdentifier: target.clusterIdentifier, ManageMasterUserPassword: true, ApplyImmediately: true });
    expect(second).toMatchObject({ status: 'available', masterSecretArn: 'arn:secret:rds!cluster-1', endpoint: cluster().Endpoint });
    expect(rds.commandCalls(RestoreDBClusterFromSnapshotCommand)).toHaveLength(0);
  });

  it('fails with DBClusterSnapshotNotFoundFault when the pre-change snapshot is gone', async () => {
    rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'not found', ...meta }));
    rds.on(RestoreDBClusterFromSnapshotCommand).rejects(new DBClusterSnapshotNotFoundFault({ message: 'DBClusterSnapshot not found: s', ...meta }));
    await expect(ensureRestoredCluster(new RDSClient({}), { snapshotIdentifier: 's' }, target)).rejects.toMatchObject({ name: 'DBClusterSnapshotNotFoundFault' });
  });
});

describe('Function: retireCluster', () => {
  it('lifts deletion protection first, then deletes members, then the cluster without a final snapshot', async () => {
    // prepare
    rds
      .on(DescribeDBClustersCommand)
      .resolvesOnce({ DBClusters: [cluster({ DeletionProtection: true, DBClusterMembers: [{ DBInstanceIdentifier: 'odoo-acme-1' }] })] })
      .resolvesOnce({ DBClusters: [cluster({ DeletionProtection: false, DBClusterMembers: [{ DBInstanceIdentifier: 'odoo-acme-1' }] })] })
      .resolvesOnce({ DBClusters: [cluster({ DeletionProtection: false, DBClusterMembers: [] })] })
      .rejects(new DBClusterNotFoundFault({ message: 'gone', ...meta }));
    rds.on(ModifyDBClusterCommand).resolves({});
    rds.on(DeleteDBInstanceCommand).resolves({});
    rds.on(DeleteDBClusterCommand).resolves({});
    const client = new RDSClient({});

    // act
    const states = [await retireCluster(client, 'odoo-acme'), await retireCluster(client, 'odoo-acme'), await retireCluster(client, 'odoo-acme'), await retireCluster(client, 'odoo-acme')];

    // assess
    expect(states).toEqual(['deleting', 'deleting', 'deleting', 'absent']);
    expect(rds.commandCalls(ModifyDBClusterCommand)[0]!.args[0].input).toEqual({ DBClusterIdentifier: 'odoo-acme', DeletionProtection: false, ApplyImmediately: true });
    expect(rds.commandCalls(DeleteDBClusterCommand)[0]!.args[0].input).toEqual({ DBClusterIdentifier: 'odoo-acme', SkipFinalSnapshot: true });
  });

  it('waits when the cluster is busy (InvalidDBClusterStateFault)', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ DeletionProtection: true })] });
    rds.on(ModifyDBClusterCommand).rejects(new InvalidDBClusterStateFault({ message: 'DB cluster is not in an available state', ...meta }));
    expect(await retireCluster(new RDSClient({}), 'odoo-acme')).toBe('deleting');
  });
});

describe('Function: pooled copies', () => {
  const exists = (db: string, yes: boolean) => data.on(ExecuteStatementCommand, { sql: pooledSql.databaseExists(db).sql, parameters: pooledSql.databaseExists(db).parameters }).resolves(yes ? rows({ longValue: 1 }) : rows());

  it('copies the database with the template statement, quoted, after ending its connections', async () => {
    // prepare
    exists('odoo_acme_pre_12345678', false);
    exists('odoo_acme', true);
    data.on(ExecuteStatementCommand, { sql: pooledSql.copyDatabase('odoo_acme_pre_12345678', 'odoo_acme', 'odoo_acme_app').sql }).resolves({});

    // act
    const result = await ensurePooledCopy(new RDSDataClient({}), cell, { database: 'odoo_acme', copy: 'odoo_acme_pre_12345678', owner: 'odoo_acme_app' });

    // assess
    expect(result).toBe('copied');
    const sent = data.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input);
    const copy = sent.find((i) => i.sql?.startsWith('CREATE DATABASE'));
    expect(copy).toEqual({ resourceArn: cell.auroraClusterArn, secretArn: cell.masterSecretArn, database: 'postgres', sql: 'CREATE DATABASE "odoo_acme_pre_12345678" TEMPLATE "odoo_acme" OWNER "odoo_acme_app"', parameters: undefined, continueAfterTimeout: true });
    expect(sent.findIndex((i) => i.sql?.startsWith('SELECT pg_terminate_backend'))).toBeLessThan(sent.indexOf(copy!));
  });

  it('reports a copy still running (the template is busy) as copying', async () => {
    exists('odoo_acme_pre_1', false);
    exists('odoo_acme', true);
    data.on(ExecuteStatementCommand, { sql: pooledSql.copyDatabase('odoo_acme_pre_1', 'odoo_acme', 'odoo_acme_app').sql }).rejects(
      new DatabaseErrorException({ message: 'ERROR: source database "odoo_acme" is being accessed by other users; SQLState: 55006', ...meta }),
    );
    expect(await ensurePooledCopy(new RDSDataClient({}), cell, { database: 'odoo_acme', copy: 'odoo_acme_pre_1', owner: 'odoo_acme_app' })).toBe('copying');
  });

  it('restores by dropping the migrated database and renaming the copy; a second run finds it done', async () => {
    // prepare
    exists('odoo_acme_pre_1', true);
    data.on(ExecuteStatementCommand, { sql: pooledSql.dropDatabase('odoo_acme').sql }).resolves({});
    data.on(ExecuteStatementCommand, { sql: pooledSql.renameDatabase('odoo_acme_pre_1', 'odoo_acme').sql }).resolves({});
    const client = new RDSDataClient({});

    // act
    const first = await restorePooledCopy(client, cell, { database: 'odoo_acme', copy: 'odoo_acme_pre_1' });
    data.reset();
    exists('odoo_acme_pre_1', false);
    exists('odoo_acme', true);
    const second = await restorePooledCopy(client, cell, { database: 'odoo_acme', copy: 'odoo_acme_pre_1' });

    // assess
    expect(first).toBe('restored');
    expect(second).toBe('already-restored');
    expect(data.commandCalls(ExecuteStatementCommand).some((c) => c.args[0].input.sql?.startsWith('DROP'))).toBe(false);
  });

  it('refuses unsafe identifiers before anything is sent', () => {
    expect(() => pooledSql.copyDatabase('odoo"; DROP DATABASE x; --', 'odoo_acme', 'o')).toThrow(/unsafe SQL identifier/);
    expect(() => pooledSql.renameDatabase('odoo_acme', 'Odoo-Acme')).toThrow(/unsafe SQL identifier/);
  });
});

describe('Function: newestBusinessWrite', () => {
  it('reads the newest write_date as UTC, and null when no business row has one', async () => {
    // prepare
    data.on(ExecuteStatementCommand).resolvesOnce(rows({ stringValue: '2030-01-02 10:15:30.25' })).resolvesOnce(rows({ isNull: true }));
    const client = new RDSDataClient({});
    const where = { resourceArn: cell.auroraClusterArn, secretArn: cell.masterSecretArn, database: 'odoo_acme' };

    // act
    const newest = await newestBusinessWrite(client, where);
    const none = await newestBusinessWrite(client, where);

    // assess
    expect(newest?.toISOString()).toBe('2030-01-02T10:15:30.250Z');
    expect(none).toBeNull();
    expect(data.commandCalls(ExecuteStatementCommand)[0]!.args[0].input).toMatchObject({ database: 'odoo_acme', parameters: [{ name: 'tables', value: { stringValue: BUSINESS_TABLES.join(',') } }] });
  });

  it('is a statement PostgreSQL runs, over installed tables only', async () => {
    // prepare: sale is installed, stock is not
    const db = new PGlite();
    await db.exec(`
      CREATE TABLE sale_order (id serial, write_date timestamp);
      CREATE TABLE res_partner (id serial, write_date timestamp);
      CREATE TABLE mail_message (id serial, write_date timestamp);
      INSERT INTO sale_order (write_date) VALUES ('2030-01-02 09:00:00'), ('2030-01-02 10:15:30.25');
      INSERT INTO mail_message (write_date) VALUES ('2030-01-03 00:00:00');`);
    const statement = pooledSql.newestWrite(BUSINESS_TABLES);

    // act
    const result = await db.query<{ newest: string | null }>(statement.sql.replace(':tables', '$1'), [BUSINESS_TABLES.join(',')]);
    await db.close();

    // assess
    expect(result.rows).toEqual([{ newest: '2030-01-02 10:15:30.25' }]);
  });
});
