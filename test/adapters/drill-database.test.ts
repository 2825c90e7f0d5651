import {
  CreateDBInstanceCommand,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  EnableHttpEndpointCommand,
  InsufficientDBClusterCapacityFault,
  InvalidDBClusterStateFault,
  InvalidResourceStateFault,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { ensureDrillRestore, listExpiredDrillClusters, readRestorePoint, retireDrillCluster, type DrillRestoreInput } from '#shared/cloud/adapters/drill-database.ts';
import { drillTags } from '#shared/domain/drill-names.ts';

const rds = mockClient(RDSClient);
const client = () => new RDSClient({});
const meta = { $metadata: {} };
const ARN = 'arn:aws:rds:eu-west-1:123456789012:cluster:odoo-drill-acme-12345678';
const POINT = new Date('2026-03-01T08:55:00Z');
const input: DrillRestoreInput = {
  sourceClusterIdentifier: 'odoo-cell-a',
  clusterIdentifier: 'odoo-drill-acme-12345678',
  instanceIdentifier: 'odoo-drill-acme-12345678-1',
  restoreTo: POINT,
  instanceClass: 'db.r6g.large',
  dbSubnetGroupName: 'odoo-drills',
  vpcSecurityGroupIds: ['sg-0e00000000000e001'],
  kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/drills',
  tags: drillTags('acme', 'op-12345678', '2026-03-01T21:00:00.000Z'),
};
const tags = Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value }));
const cluster = (over: Partial<DBCluster> = {}): DBCluster => ({
  DBClusterIdentifier: input.clusterIdentifier,
  DBClusterArn: ARN,
  Status: 'available',
  Endpoint: 'odoo-drill-acme-12345678.cluster-x.eu-west-1.rds.amazonaws.com',
  HttpEndpointEnabled: false,
  ...over,
});
const secret = { SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1-AbCdEf', SecretStatus: 'active' };
const notFound = () => new DBClusterNotFoundFault({ message: 'DBCluster odoo-drill-acme-12345678 not found.', ...meta });
const instanceAvailable = () => rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: input.instanceIdentifier, DBInstanceStatus: 'available' }] });

beforeEach(() => rds.reset());

describe('Function: readRestorePoint', () => {
  const source = { DBClusterIdentifier: 'odoo-cell-a', DBClusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:odoo-cell-a', Status: 'available' };
  const window = { EarliestRestorableTime: new Date('2026-02-22T09:00:00Z'), LatestRestorableTime: new Date('2026-03-01T08:55:00Z') };

  it('takes the latest restorable time unless a time is chosen', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'odoo-cell-a' }).resolves({ DBClusters: [{ ...source, ...window }] });

    // act
    const latest = await readRestorePoint(client(), 'odoo-cell-a');
    const chosen = await readRestorePoint(client(), 'odoo-cell-a', new Date('2026-02-25T12:00:00Z'));

    // assess
    expect(latest).toEqual({ restorePoint: window.LatestRestorableTime, kind: 'latest', earliest: window.EarliestRestorableTime, latest: window.LatestRestorableTime, clusterArn: source.DBClusterArn });
    expect(chosen).toMatchObject({ restorePoint: new Date('2026-02-25T12:00:00Z'), kind: 'chosen' });
  });

  it('refuses a chosen time outside the restorable window, naming both bounds', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ ...source, ...window }] });

    // act
    const before = await readRestorePoint(client(), 'odoo-cell-a', new Date('2026-02-01T00:00:00Z')).catch((e: Error) => e);
    const after = await readRestorePoint(client(), 'odoo-cell-a', new Date('2026-03-01T09:00:00Z')).catch((e: Error) => e);

    // assess
    expect(before).toMatchObject({
      name: 'ValidationError',
      message: 'the restore time 2026-02-01T00:00:00.000Z is outside the restorable window of odoo-cell-a, from 2026-02-22T09:00:00.000Z to 2026-03-01T08:55:00.000Z',
    });
    expect(after).toMatchObject({ name: 'ValidationError', details: [{ path: 'restoreTime' }] });
  });

  it('fails for good when the cluster has no restorable time yet, and passes on AWS errors by name', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'odoo-new' }).resolves({ DBClusters: [{ ...source, DBClusterIdentifier: 'odoo-new', Status: 'creating' }] });
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'odoo-gone' }).rejects(notFound());

    // act
    const young = await readRestorePoint(client(), 'odoo-new').catch((e: Error) => e);
    const gone = await readRestorePoint(client(), 'odoo-gone').catch((e: Error) => e);

    // assess
    expect(young).toMatchObject({ name: 'ResourceFailed', message: 'Aurora cluster odoo-new has no restorable time (status creating): point-in-time recovery is not available yet' });
    expect(gone).toMatchObject({ name: 'DBClusterNotFoundFault' });
  });
});

describe('Function: ensureDrillRestore', () => {
  it('restores the source to exactly the recorded point, as a full copy into the drill network, and adds the instance', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).rejects(notFound());
    rds.on(RestoreDBClusterToPointInTimeCommand).resolves({ DBCluster: cluster({ Status: 'creating' }) });
    rds.on(DescribeDBInstancesCommand).rejects(new DBInstanceNotFoundFault({ message: 'not found', ...meta }));
    rds.on(CreateDBInstanceCommand).resolves({});

    // act
    const result = await ensureDrillRestore(client(), input);

    // assess
    expect(result).toEqual({ status: 'creating', ready: false, clusterArn: ARN, secretArn: undefined, endpoint: cluster().Endpoint });
    expect(rds.commandCalls(RestoreDBClusterToPointInTimeCommand).map((c) => c.args[0].input)).toEqual([
      {
        DBClusterIdentifier: 'odoo-drill-acme-12345678',
        SourceDBClusterIdentifier: 'odoo-cell-a',
        RestoreToTime: POINT,
        RestoreType: 'full-copy',
        DBSubnetGroupName: 'odoo-drills',
        VpcSecurityGroupIds: ['sg-0e00000000000e001'],
        KmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/drills',
        DeletionProtection: false,
        CopyTagsToSnapshot: false,
        Tags: tags,
      },
    ]);
    expect(rds.commandCalls(CreateDBInstanceCommand).map((c) => c.args[0].input)).toEqual([
      {
        DBInstanceIdentifier: 'odoo-drill-acme-12345678-1',
        DBInstanceClass: 'db.r6g.large',
        Engine: 'aurora-postgresql',
        DBClusterIdentifier: 'odoo-drill-acme-12345678',
        PubliclyAccessible: false,
        Tags: tags,
      },
    ]);
    expect(rds).not.toHaveReceivedCommand(ModifyDBClusterCommand);
  });

  it('treats a cluster that already exists as its own restore, and describes it again', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).rejectsOnce(notFound()).resolves({ DBClusters: [cluster({ Status: 'creating' })] });
    rds.on(RestoreDBClusterToPointInTimeCommand).rejects(new DBClusterAlreadyExistsFault({ message: 'DB Cluster already exists', ...meta }));
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'creating' }] });

    // act
    const result = await ensureDrillRestore(client(), input);

    // assess
    expect(result).toMatchObject({ status: 'creating', ready: false, clusterArn: ARN });
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 2);
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  it('once available: asks RDS to manage the master password and turns the Data API endpoint on, then is ready', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand)
      .resolvesOnce({ DBClusters: [cluster()] })
      .resolvesOnce({ DBClusters: [cluster({ MasterUserSecret: secret })] })
      .resolves({ DBClusters: [cluster({ MasterUserSecret: secret, HttpEndpointEnabled: true })] });
    instanceAvailable();
    rds.on(ModifyDBClusterCommand).resolves({});
    rds.on(EnableHttpEndpointCommand).resolves({ ResourceArn: ARN, HttpEndpointEnabled: true });

    // act
    const result = await ensureDrillRestore(client(), input);

    // assess
    expect(result).toEqual({ status: 'available', ready: true, clusterArn: ARN, secretArn: secret.SecretArn, endpoint: cluster().Endpoint });
    expect(rds.commandCalls(ModifyDBClusterCommand).map((c) => c.args[0].input)).toEqual([{ DBClusterIdentifier: input.clusterIdentifier, ManageMasterUserPassword: true, ApplyImmediately: true }]);
    expect(rds.commandCalls(EnableHttpEndpointCommand).map((c) => c.args[0].input)).toEqual([{ ResourceArn: ARN }]);
    expect(rds).not.toHaveReceivedCommand(RestoreDBClusterToPointInTimeCommand);
  });

  it('is not ready while another operation keeps RDS from acting, and tries again on the next poll', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ MasterUserSecret: secret })] });
    instanceAvailable();
    rds.on(EnableHttpEndpointCommand).rejects(new InvalidResourceStateFault({ message: 'another operation is in progress', ...meta }));

    // act
    const result = await ensureDrillRestore(client(), input);

    // assess
    expect(result).toMatchObject({ status: 'available', ready: false, secretArn: secret.SecretArn });
    expect(rds).not.toHaveReceivedCommand(ModifyDBClusterCommand);
  });

  it('is ready at once when everything is already there, and sends nothing', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ MasterUserSecret: secret, HttpEndpointEnabled: true })] });
    instanceAvailable();

    // act
    const result = await ensureDrillRestore(client(), input);

    // assess
    expect(result.ready).toBe(true);
    expect(rds.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeDBClustersCommand', 'DescribeDBInstancesCommand']);
  });

  it('fails for good on a cluster RDS gave up on, with its status', async () => {
    for (const status of ['failed', 'inaccessible-encryption-credentials', 'incompatible-restore']) {
      // prepare
      rds.reset();
      rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ Status: status })] });

      // act
      const err = await ensureDrillRestore(client(), input).catch((e: Error) => e);

      // assess
      expect(err).toMatchObject({ name: 'ResourceFailed', message: `drill cluster odoo-drill-acme-12345678 is ${status}` });
    }
  });

  it('passes on a refused restore by its AWS name', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).rejects(notFound());
    rds.on(RestoreDBClusterToPointInTimeCommand).rejects(new InsufficientDBClusterCapacityFault({ message: 'no capacity', ...meta }));

    // act
    const err = await ensureDrillRestore(client(), input).catch((e: Error) => e);

    // assess
    expect(err).toMatchObject({ name: 'InsufficientDBClusterCapacityFault' });
  });
});

describe('Function: retireDrillCluster', () => {
  it('deletes the instance, then the cluster without a final snapshot, and is absent only once RDS no longer knows it', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand)
      .resolvesOnce({ DBClusters: [cluster({ DBClusterMembers: [{ DBInstanceIdentifier: input.instanceIdentifier }] })] })
      .resolvesOnce({ DBClusters: [cluster({ DBClusterMembers: [] })] })
      .resolvesOnce({ DBClusters: [cluster({ Status: 'deleting' })] })
      .rejects(notFound());
    rds.on(DeleteDBInstanceCommand).resolves({});
    rds.on(DeleteDBClusterCommand).resolves({});

    // act
    const states = [];
    for (let i = 0; i < 4; i++) states.push(await retireDrillCluster(client(), input.clusterIdentifier));

    // assess
    expect(states).toEqual(['deleting', 'deleting', 'deleting', 'absent']);
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: input.instanceIdentifier }]);
    expect(rds.commandCalls(DeleteDBClusterCommand).map((c) => c.args[0].input)).toEqual([{ DBClusterIdentifier: input.clusterIdentifier, SkipFinalSnapshot: true }]);
  });

  it('turns deletion protection off first when someone turned it on, and tolerates a cluster already being deleted', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).resolvesOnce({ DBClusters: [cluster({ DeletionProtection: true })] }).resolves({ DBClusters: [cluster({ DBClusterMembers: [] })] });
    rds.on(ModifyDBClusterCommand).resolves({});
    rds.on(DeleteDBClusterCommand).rejects(new InvalidDBClusterStateFault({ message: 'Cluster cannot be deleted, it is currently in deleting state.', ...meta }));

    // act
    const first = await retireDrillCluster(client(), input.clusterIdentifier);
    const second = await retireDrillCluster(client(), input.clusterIdentifier);

    // assess
    expect([first, second]).toEqual(['deleting', 'deleting']);
    expect(rds.commandCalls(ModifyDBClusterCommand)[0]!.args[0].input).toEqual({ DBClusterIdentifier: input.clusterIdentifier, DeletionProtection: false, ApplyImmediately: true });
  });
});

describe('Function: listExpiredDrillClusters', () => {
  it('pages through every cluster and keeps the drill clusters whose TTL has passed', async () => {
    // prepare
    const drill = (id: string, expiresAt: string, tenant = 'acme') => ({
      DBClusterIdentifier: id,
      Status: 'available',
      TagList: Object.entries(drillTags(tenant, `op-${id}`, expiresAt)).map(([Key, Value]) => ({ Key, Value })),
    });
    rds.on(DescribeDBClustersCommand)
      .resolvesOnce({ DBClusters: [drill('odoo-drill-acme-old', '2026-03-01T08:00:00.000Z'), { DBClusterIdentifier: 'odoo-cell-a', TagList: [{ Key: 'odoo:cell', Value: 'cell-a' }] }], Marker: 'page-2' })
      .resolvesOnce({ DBClusters: [drill('odoo-drill-beta-new', '2026-03-01T10:00:00.000Z', 'beta'), drill('odoo-drill-beta-bad', 'not a time', 'beta')] });

    // act
    const expired = await listExpiredDrillClusters(client(), new Date('2026-03-01T09:00:00Z'));

    // assess
    expect(expired).toEqual([
      { clusterIdentifier: 'odoo-drill-acme-old', drillId: 'op-odoo-drill-acme-old', tenantId: 'acme', expiresAt: '2026-03-01T08:00:00.000Z', status: 'available' },
      { clusterIdentifier: 'odoo-drill-beta-bad', drillId: 'op-odoo-drill-beta-bad', tenantId: 'beta', expiresAt: 'not a time', status: 'available' },
    ]);
    expect(rds.commandCalls(DescribeDBClustersCommand).map((c) => c.args[0].input)).toEqual([{ Marker: undefined, MaxRecords: 100 }, { Marker: 'page-2', MaxRecords: 100 }]);
  });
});
