import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  EnableHttpEndpointCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  type DBCluster,
  type DBClusterSnapshot,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { promoteByRestore, type RestoreProgress } from '#shared/cloud/restore-promotion.ts';
import type { UnitTarget } from '#shared/lib/failover-unit-target.ts';

// One client per region, each mocked on its own, so a call is asserted in the region it must go to.
const drClient = new RDSClient({ region: 'eu-central-1' });
const homeClient = new RDSClient({ region: 'eu-west-1' });
const dr = mockClient(drClient);
const home = mockClient(homeClient);

const target: UnitTarget = {
  kind: 'cell',
  posture: 'backup-restore',
  from: { region: 'eu-west-1', clusterIdentifier: 'odoo-cell-c', clusterArn: 'arn:aws:rds:eu-west-1:1:cluster:odoo-cell-c' },
  to: {
    region: 'eu-central-1',
    clusterIdentifier: 'odoo-cell-c',
    clusterArn: 'arn:aws:rds:eu-central-1:1:cluster:odoo-cell-c',
    writerInstanceIdentifier: 'odoo-cell-c-eu-central-1-1',
    writerInstanceClass: 'db.r6g.large',
    restore: { dbSubnetGroupName: 'odoo-dr-db', vpcSecurityGroupIds: ['sg-0c00000000000c001'], kmsKeyId: 'arn:aws:kms:eu-central-1:1:key/dr' },
  },
};
const failoverId = 'fo-01abc';
const notFound = (name: string) => Object.assign(new Error(name), { name });
const snapshot = (identifier: string, at: string, status = 'available', over: Partial<DBClusterSnapshot> = {}): DBClusterSnapshot => ({
  DBClusterSnapshotIdentifier: identifier,
  DBClusterSnapshotArn: `arn:aws:rds:eu-central-1:1:cluster-snapshot:${identifier}`,
  DBClusterIdentifier: 'odoo-cell-c',
  Status: status,
  SnapshotType: 'manual',
  SnapshotCreateTime: new Date(at),
  TagList: [{ Key: 'odoo:dr-copy-of', Value: 'odoo-cell-c' }],
  ...over,
});
const restored = (over: Partial<DBCluster> = {}): DBCluster => ({
  DBClusterIdentifier: 'odoo-cell-c',
  DBClusterArn: 'arn:aws:rds:eu-central-1:1:cluster:odoo-cell-c',
  Status: 'available',
  HttpEndpointEnabled: true,
  TagList: [{ Key: 'odoo:failover', Value: failoverId }],
  ...over,
});
const run = (mode: 'planned' | 'unplanned', progress: RestoreProgress) => promoteByRestore({ rds: drClient, rdsFrom: homeClient, target, failover: { failoverId, mode }, cellId: 'cell-c', progress });

beforeEach(() => {
  dr.reset();
  home.reset();
});

describe('Function: promoteByRestore (backup-restore cells)', () => {
  it('unplanned: restores the newest available copy held in the region being activated, into its network and key, keeping the cell master password', async () => {
    // prepare
    dr.on(DescribeDBClusterSnapshotsCommand, { Filters: [{ Name: 'db-cluster-id', Values: ['odoo-cell-c'] }], SnapshotType: 'manual', MaxRecords: 100 }).resolves({
      DBClusterSnapshots: [
        snapshot('odoo-cell-c-dr-202611300000', '2026-11-30T00:00:00Z'),
        snapshot('odoo-cell-c-dr-202611300600', '2026-11-30T06:00:00Z'),
        snapshot('odoo-cell-c-dr-202611301200', '2026-11-30T12:00:00Z', 'copying'),
        // Another cluster's snapshot the filter let through is not taken.
        snapshot('odoo-cell-a-dr-202611301100', '2026-11-30T11:00:00Z', 'available', { DBClusterIdentifier: 'odoo-cell-a' }),
      ],
    });
    dr.on(DescribeDBClusterSnapshotsCommand, { DBClusterSnapshotIdentifier: 'odoo-cell-c-dr-202611300600' }).resolves({ DBClusterSnapshots: [snapshot('odoo-cell-c-dr-202611300600', '2026-11-30T06:00:00Z')] });
    dr.on(DescribeDBClustersCommand).rejectsOnce(notFound('DBClusterNotFoundFault')).rejectsOnce(notFound('DBClusterNotFoundFault')).resolves({ DBClusters: [restored({ Status: 'creating' })] });
    dr.on(RestoreDBClusterFromSnapshotCommand).resolves({ DBCluster: restored({ Status: 'creating' }) });
    dr.on(DescribeDBInstancesCommand).rejects(notFound('DBInstanceNotFoundFault'));
    dr.on(CreateDBInstanceCommand).resolves({});

    // act
    const progress = await run('unplanned', { phase: 'restoring', ready: false });

    // assess
    expect(progress).toEqual({ phase: 'restoring', ready: false, snapshotIdentifier: 'odoo-cell-c-dr-202611300600', snapshotAt: '2026-11-30T06:00:00.000Z' });
    expect(dr.commandCalls(RestoreDBClusterFromSnapshotCommand)[0]!.args[0].input).toEqual({
      DBClusterIdentifier: 'odoo-cell-c',
      SnapshotIdentifier: 'odoo-cell-c-dr-202611300600',
      Engine: 'aurora-postgresql',
      DBSubnetGroupName: 'odoo-dr-db',
      VpcSecurityGroupIds: ['sg-0c00000000000c001'],
      KmsKeyId: 'arn:aws:kms:eu-central-1:1:key/dr',
      DeletionProtection: true,
      CopyTagsToSnapshot: true,
      EnableCloudwatchLogsExports: ['postgresql'],
      Tags: [
        { Key: 'odoo:failover', Value: failoverId },
        { Key: 'odoo:cell', Value: 'cell-c' },
      ],
    });
    expect(home.calls()).toHaveLength(0);
  });

  it('unplanned: is ready once the restored cluster, its writer and its Data API are, without asking RDS to manage (and change) the master password', async () => {
    // prepare
    dr.on(DescribeDBClustersCommand).resolves({ DBClusters: [restored({ HttpEndpointEnabled: false })] });
    dr.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'odoo-cell-c-eu-central-1-1', DBInstanceStatus: 'available', DBClusterIdentifier: 'odoo-cell-c' }] });
    dr.on(EnableHttpEndpointCommand).resolves({});

    // act
    const progress = await run('unplanned', { phase: 'restoring', ready: false, snapshotIdentifier: 'odoo-cell-c-dr-202611300600', snapshotAt: '2026-11-30T06:00:00.000Z' });

    // assess
    expect(progress).toMatchObject({ phase: 'promoted', ready: true, snapshotAt: '2026-11-30T06:00:00.000Z' });
    expect(dr.commandCalls(EnableHttpEndpointCommand)[0]!.args[0].input).toEqual({ ResourceArn: 'arn:aws:rds:eu-central-1:1:cluster:odoo-cell-c' });
    expect(dr.commandCalls(ModifyDBClusterCommand)).toHaveLength(0);
    expect(dr.commandCalls(RestoreDBClusterFromSnapshotCommand)).toHaveLength(0);
  });

  it('unplanned: fails, naming the region, when no copy is available there', async () => {
    dr.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snapshot('odoo-cell-c-dr-202611301200', '2026-11-30T12:00:00Z', 'copying')] });

    await expect(run('unplanned', { phase: 'restoring', ready: false })).rejects.toThrow('no available snapshot of odoo-cell-c is held in eu-central-1: nothing to restore from');
    expect(dr.commandCalls(RestoreDBClusterFromSnapshotCommand)).toHaveLength(0);
  });

  it('unplanned: counts no snapshot from before the cell last became active there, nor one that is not a DR copy (an old primary kept)', async () => {
    dr.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [
        // The cluster the last failover left, under the same name: its data stops before the move.
        snapshot('odoo-cell-c-dr-202611290600', '2026-11-29T06:00:00Z'),
        snapshot('odoo-cell-c-fo-01old', '2026-11-30T09:00:00Z', 'available', { TagList: [{ Key: 'odoo:old-primary', Value: 'true' }] }),
      ],
    });
    const act = promoteByRestore({ rds: drClient, rdsFrom: homeClient, target, failover: { failoverId, mode: 'unplanned' }, cellId: 'cell-c', since: '2026-11-30T00:00:00.000Z', progress: { phase: 'restoring', ready: false } });
    await expect(act).rejects.toThrow('no available snapshot of odoo-cell-c is held in eu-central-1');
    expect(dr.commandCalls(RestoreDBClusterFromSnapshotCommand)).toHaveLength(0);
  });

  it('refuses to take over a cluster of that name it did not make, and restores nothing', async () => {
    dr.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snapshot('odoo-cell-c-dr-202611300600', '2026-11-30T06:00:00Z')] });
    dr.on(DescribeDBClustersCommand).resolves({ DBClusters: [restored({ TagList: [{ Key: 'odoo:failover', Value: 'fo-earlier' }] })] });

    await expect(run('unplanned', { phase: 'restoring', ready: false })).rejects.toThrow(/Aurora cluster odoo-cell-c already exists in eu-central-1 \(status available, made by failover fo-earlier\)/);
    expect(dr.commandCalls(RestoreDBClusterFromSnapshotCommand)).toHaveLength(0);
  });

  it('planned: snapshots the fenced primary in its own region, copies it across with the receiving region key, then restores that copy', async () => {
    const name = 'odoo-cell-c-fo-01abc-move';
    const sourceArn = `arn:aws:rds:eu-west-1:1:cluster-snapshot:${name}`;
    // 1. The snapshot is being taken.
    home.on(DescribeDBClusterSnapshotsCommand).rejects(notFound('DBClusterSnapshotNotFoundFault'));
    home.on(CreateDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: { DBClusterSnapshotIdentifier: name, DBClusterSnapshotArn: sourceArn, Status: 'creating' } });
    const first = await run('planned', { phase: 'snapshotting', ready: false });
    expect(first).toMatchObject({ phase: 'snapshotting', ready: false, sourceSnapshotIdentifier: name });
    expect(home.commandCalls(CreateDBClusterSnapshotCommand)[0]!.args[0].input).toEqual({
      DBClusterSnapshotIdentifier: name,
      DBClusterIdentifier: 'odoo-cell-c',
      Tags: [
        { Key: 'odoo:failover', Value: failoverId },
        { Key: 'odoo:cell', Value: 'cell-c' },
        { Key: 'odoo:dr-copy-of', Value: 'odoo-cell-c' },
      ],
    });
    expect(dr.calls()).toHaveLength(0);

    // 2. Available: the copy is asked for in the receiving region.
    home.reset();
    home.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: name, DBClusterSnapshotArn: sourceArn, Status: 'available' }] });
    dr.on(DescribeDBClusterSnapshotsCommand).rejects(notFound('DBClusterSnapshotNotFoundFault'));
    dr.on(CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: snapshot(name, '2026-11-30T12:00:00Z', 'copying') });
    const second = await run('planned', first);
    expect(second).toMatchObject({ phase: 'copying', ready: false });
    expect(dr.commandCalls(CopyDBClusterSnapshotCommand)[0]!.args[0].input).toEqual({
      SourceDBClusterSnapshotIdentifier: sourceArn,
      TargetDBClusterSnapshotIdentifier: name,
      KmsKeyId: 'arn:aws:kms:eu-central-1:1:key/dr',
      CopyTags: true,
      Tags: [
        { Key: 'odoo:failover', Value: failoverId },
        { Key: 'odoo:cell', Value: 'cell-c' },
        { Key: 'odoo:dr-copy-of', Value: 'odoo-cell-c' },
      ],
    });

    // 3. The copy is available: the restore starts from it.
    dr.reset();
    dr.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snapshot(name, '2026-11-30T12:00:00Z')] });
    dr.on(DescribeDBClustersCommand).rejectsOnce(notFound('DBClusterNotFoundFault')).rejectsOnce(notFound('DBClusterNotFoundFault')).resolves({ DBClusters: [restored({ Status: 'creating' })] });
    dr.on(RestoreDBClusterFromSnapshotCommand).resolves({ DBCluster: restored({ Status: 'creating' }) });
    dr.on(DescribeDBInstancesCommand).rejects(notFound('DBInstanceNotFoundFault'));
    dr.on(CreateDBInstanceCommand).resolves({});
    const third = await run('planned', second);
    expect(third).toMatchObject({ phase: 'restoring', ready: false, snapshotIdentifier: name, snapshotAt: '2026-11-30T12:00:00.000Z' });
    expect(dr.commandCalls(RestoreDBClusterFromSnapshotCommand)[0]!.args[0].input).toMatchObject({ SnapshotIdentifier: name, DBClusterIdentifier: 'odoo-cell-c' });
  });

  it('planned: a snapshot that failed fails the step, before anything is restored', async () => {
    home.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: 'odoo-cell-c-fo-01abc-move', Status: 'failed' }] });
    await expect(run('planned', { phase: 'snapshotting', ready: false })).rejects.toThrow('snapshot odoo-cell-c-fo-01abc-move of odoo-cell-c in eu-west-1 failed');
    expect(dr.calls()).toHaveLength(0);
  });
});
