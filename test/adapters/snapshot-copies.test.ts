import {
  CopyDBClusterSnapshotCommand,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  InvalidDBClusterSnapshotStateFault,
  KMSKeyNotAccessibleFault,
  RDSClient,
  SnapshotQuotaExceededFault,
  type DBClusterSnapshot,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DR_COPY_TAG,
  deleteSnapshot,
  drSnapshotIdentifier,
  ensureSnapshotCopy,
  newestAvailable,
  snapshotsOf,
  type SnapshotSummary,
} from '#shared/cloud/adapters/snapshot-copies.ts';

const rds = mockClient(RDSClient);
const client = () => new RDSClient({ region: 'eu-central-1' });
const meta = { $metadata: {} };

const SOURCE_ARN = 'arn:aws:rds:eu-west-1:111122223333:cluster-snapshot:odoo-cell-c-dr-202611301500';
const COPY_ARN = 'arn:aws:rds:eu-central-1:111122223333:cluster-snapshot:odoo-cell-c-dr-202611301500';
const KEY = 'arn:aws:kms:eu-central-1:111122223333:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const tags = { [DR_COPY_TAG]: 'odoo-cell-c', 'odoo:cell': 'cell-c' };

const snapshot = (over: Partial<DBClusterSnapshot> = {}): DBClusterSnapshot => ({
  DBClusterSnapshotIdentifier: 'odoo-cell-c-dr-202611301500',
  DBClusterSnapshotArn: COPY_ARN,
  DBClusterIdentifier: 'odoo-cell-c',
  Status: 'available',
  SnapshotType: 'manual',
  SnapshotCreateTime: new Date('2026-11-30T15:00:10Z'),
  TagList: [{ Key: DR_COPY_TAG, Value: 'odoo-cell-c' }],
  ...over,
});

const summary = (over: Partial<SnapshotSummary> = {}): SnapshotSummary => ({
  identifier: 'x',
  arn: 'arn',
  clusterIdentifier: 'odoo-cell-c',
  status: 'available',
  createdAt: '2026-11-30T15:00:00.000Z',
  type: 'manual',
  tags: { [DR_COPY_TAG]: 'odoo-cell-c' },
  ...over,
});

const copyInput = { sourceSnapshotArn: SOURCE_ARN, targetIdentifier: 'odoo-cell-c-dr-202611301500', kmsKeyId: KEY, tags };

beforeEach(() => {
  rds.reset();
});

describe('snapshotsOf', () => {
  it('lists the manual snapshots of the cluster with the db-cluster-id filter, page after page, the cluster checked again on each', async () => {
    // Prepare
    rds
      .on(DescribeDBClusterSnapshotsCommand)
      .resolvesOnce({ DBClusterSnapshots: [snapshot({ DBClusterSnapshotIdentifier: 'a' }), snapshot({ DBClusterSnapshotIdentifier: 'other', DBClusterIdentifier: 'odoo-cell-a' })], Marker: 'page-2' })
      .resolvesOnce({ DBClusterSnapshots: [snapshot({ DBClusterSnapshotIdentifier: 'b', DBClusterIdentifier: 'ODOO-CELL-C', Status: 'copying' })] });

    // Act
    const list = await snapshotsOf(client(), 'odoo-cell-c');

    // Assess
    expect(list.map((s) => [s.identifier, s.status])).toEqual([['a', 'available'], ['b', 'copying']]);
    expect(list[0]).toEqual({ identifier: 'a', arn: COPY_ARN, clusterIdentifier: 'odoo-cell-c', status: 'available', createdAt: '2026-11-30T15:00:10.000Z', type: 'manual', tags: { [DR_COPY_TAG]: 'odoo-cell-c' } });
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClusterSnapshotsCommand, 2);
    expect(rds).toHaveReceivedNthCommandWith(DescribeDBClusterSnapshotsCommand, 1, { Filters: [{ Name: 'db-cluster-id', Values: ['odoo-cell-c'] }], SnapshotType: 'manual', MaxRecords: 100 });
    expect(rds).toHaveReceivedNthCommandWith(DescribeDBClusterSnapshotsCommand, 2, { Filters: [{ Name: 'db-cluster-id', Values: ['odoo-cell-c'] }], SnapshotType: 'manual', MaxRecords: 100, Marker: 'page-2' });
  });
});

describe('newestAvailable', () => {
  it('answers the available snapshot with the newest data, only the DR ones when asked', () => {
    // Prepare
    const list = [
      summary({ identifier: 'old', createdAt: '2026-11-30T09:00:00.000Z' }),
      summary({ identifier: 'copying', status: 'copying', createdAt: '2026-11-30T15:00:00.000Z' }),
      summary({ identifier: 'untagged', createdAt: '2026-11-30T14:00:00.000Z', tags: {} }),
      summary({ identifier: 'new', createdAt: '2026-11-30T12:00:00.000Z' }),
    ];

    // Act
    const any = newestAvailable(list);
    const dr = newestAvailable(list, true);

    // Assess
    expect(any?.identifier).toBe('untagged');
    expect(dr?.identifier).toBe('new');
    expect(newestAvailable([summary({ status: 'creating' })])).toBeUndefined();
  });
});

describe('ensureSnapshotCopy', () => {
  it('copies from the source ARN under the same identifier, with the receiving region\'s key, the source\'s tags and its own', async () => {
    // Prepare
    rds.on(DescribeDBClusterSnapshotsCommand).rejects(new DBClusterSnapshotNotFoundFault({ message: 'DBClusterSnapshot odoo-cell-c-dr-202611301500 not found.', ...meta }));
    rds.on(CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: snapshot({ Status: 'copying' }) });

    // Act
    const copy = await ensureSnapshotCopy(client(), copyInput);

    // Assess
    expect(copy).toMatchObject({ identifier: 'odoo-cell-c-dr-202611301500', arn: COPY_ARN, status: 'copying', clusterIdentifier: 'odoo-cell-c' });
    expect(rds).toHaveReceivedCommandWith(DescribeDBClusterSnapshotsCommand, { DBClusterSnapshotIdentifier: 'odoo-cell-c-dr-202611301500' });
    expect(rds).toHaveReceivedCommandTimes(CopyDBClusterSnapshotCommand, 1);
    expect(rds.commandCalls(CopyDBClusterSnapshotCommand)[0]!.args[0].input).toEqual({
      SourceDBClusterSnapshotIdentifier: SOURCE_ARN,
      TargetDBClusterSnapshotIdentifier: 'odoo-cell-c-dr-202611301500',
      KmsKeyId: KEY,
      CopyTags: true,
      Tags: [
        { Key: DR_COPY_TAG, Value: 'odoo-cell-c' },
        { Key: 'odoo:cell', Value: 'cell-c' },
      ],
    });
  });

  it('encrypts with the receiving region\'s aws/rds key when the cell names none', async () => {
    // Prepare
    rds.on(DescribeDBClusterSnapshotsCommand).rejects(new DBClusterSnapshotNotFoundFault({ message: 'not found', ...meta }));
    rds.on(CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: snapshot({ Status: 'copying' }) });

    // Act
    await ensureSnapshotCopy(client(), { sourceSnapshotArn: SOURCE_ARN, targetIdentifier: 'odoo-cell-c-dr-202611301500', tags });

    // Assess
    expect(rds).toHaveReceivedCommandWith(CopyDBClusterSnapshotCommand, { KmsKeyId: 'alias/aws/rds' });
  });

  it('answers the copy already there (a retried run) without starting another', async () => {
    // Prepare
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snapshot({ Status: 'copying' })] });

    // Act
    const copy = await ensureSnapshotCopy(client(), copyInput);

    // Assess
    expect(copy.status).toBe('copying');
    expect(rds).toHaveReceivedCommandTimes(CopyDBClusterSnapshotCommand, 0);
  });

  it('answers the copy a concurrent run started when AWS says it already exists', async () => {
    // Prepare
    rds
      .on(DescribeDBClusterSnapshotsCommand)
      .rejectsOnce(new DBClusterSnapshotNotFoundFault({ message: 'not found', ...meta }))
      .resolves({ DBClusterSnapshots: [snapshot({ Status: 'copying' })] });
    rds.on(CopyDBClusterSnapshotCommand).rejects(new DBClusterSnapshotAlreadyExistsFault({ message: 'Cannot create the cluster snapshot because one with the identifier odoo-cell-c-dr-202611301500 already exists.', ...meta }));

    // Act
    const copy = await ensureSnapshotCopy(client(), copyInput);

    // Assess
    expect(copy).toMatchObject({ identifier: 'odoo-cell-c-dr-202611301500', status: 'copying', arn: COPY_ARN });
  });

  it('lets the receiving region\'s refusals through by AWS name: an unusable key, the snapshot quota', async () => {
    // Prepare
    rds.on(DescribeDBClusterSnapshotsCommand).rejects(new DBClusterSnapshotNotFoundFault({ message: 'not found', ...meta }));
    rds
      .on(CopyDBClusterSnapshotCommand)
      .rejectsOnce(new KMSKeyNotAccessibleFault({ message: 'The specified KMS key does not exist, is not enabled or you do not have permissions to access it.', ...meta }))
      .rejectsOnce(new SnapshotQuotaExceededFault({ message: 'Cannot create more than 100 manual snapshots', ...meta }));

    // Act
    const key = await ensureSnapshotCopy(client(), copyInput).catch((e: Error) => e.name);
    const quota = await ensureSnapshotCopy(client(), copyInput).catch((e: Error) => e.name);

    // Assess: the SDK names the quota's error (code `SnapshotQuotaExceeded` on the wire) after its shape
    expect([key, quota]).toEqual(['KMSKeyNotAccessibleFault', 'SnapshotQuotaExceededFault']);
  });
});

describe('deleteSnapshot', () => {
  it('deletes, answers absent for one already gone and busy for one still being made or copied', async () => {
    // Prepare
    rds
      .on(DeleteDBClusterSnapshotCommand)
      .resolvesOnce({ DBClusterSnapshot: snapshot({ Status: 'deleting' }) })
      .rejectsOnce(new DBClusterSnapshotNotFoundFault({ message: 'not found', ...meta }))
      .rejectsOnce(new InvalidDBClusterSnapshotStateFault({ message: 'Cannot delete the snapshot because it is not in available state.', ...meta }));

    // Act
    const answers = [await deleteSnapshot(client(), 'a'), await deleteSnapshot(client(), 'b'), await deleteSnapshot(client(), 'c')];

    // Assess
    expect(answers).toEqual(['deleted', 'absent', 'busy']);
    expect(rds).toHaveReceivedNthCommandWith(DeleteDBClusterSnapshotCommand, 1, { DBClusterSnapshotIdentifier: 'a' });
  });

  it('lets any other error through', async () => {
    // Prepare
    rds.on(DeleteDBClusterSnapshotCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const error = await deleteSnapshot(client(), 'a').catch((e: Error) => e.name);

    // Assess
    expect(error).toBe('ThrottlingException');
  });
});

describe('drSnapshotIdentifier', () => {
  it('names a cell cluster\'s DR snapshot after the cluster and the UTC minute it was taken', () => {
    expect(drSnapshotIdentifier('odoo-cell-c', new Date('2026-11-30T15:07:42Z'))).toBe('odoo-cell-c-dr-202611301507');
  });
});
