import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  ModifyDBClusterCommand,
  RDSClient,
  RDSServiceException,
  type DBCluster,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteDedicatedCluster, ensureClusterSnapshot, ensureDedicatedCluster } from '#shared/cloud/adapters/database-dedicated.ts';
import type { Placement } from '#shared/domain/types.ts';

const rds = mockClient(RDSClient);
const client = () => new RDSClient({});
const meta = { $metadata: {} };

const placement: Placement = {
  model: 'dedicated',
  cell: null,
  cluster: 'eks-primary',
  drPosture: 'warm-standby',
  rpoSeconds: 60,
  rtoSeconds: 900,
  backupRetentionDays: 35,
  resources: {
    kind: 'dedicated',
    quota: { cpu: '8', memory: '32Gi', pods: 50 },
    web: { minReplicas: 2, maxReplicas: 6, cpu: '1', memory: '2Gi' },
    workers: 2,
    nodeGroup: { instanceType: 'm7g.xlarge', minSize: 2, desiredSize: 2, maxSize: 4 },
    database: { engine: 'aurora-postgresql', instanceClass: 'db.r7g.large', instances: 2 },
  },
  reason: 'critical',
};
const config = { dedicated: { eksCluster: 'eks-primary', dbSubnetGroupName: 'odoo-db', vpcSecurityGroupIds: ['sg-1'], kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k' } };
const input = { tenantId: 'acme', operationId: 'op-0001', placement, config, namePrefix: 'odoo' };
const throttling = () => new RDSServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...meta });

const cluster = (over: Partial<DBCluster> = {}): DBCluster => ({
  DBClusterIdentifier: 'odoo-acme',
  DBClusterArn: 'arn:aws:rds:eu-west-1:1:cluster:odoo-acme',
  Status: 'available',
  Endpoint: 'odoo-acme.cluster-x.eu-west-1.rds.amazonaws.com',
  Port: 5432,
  MasterUserSecret: { SecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:rds!cluster-1' },
  DeletionProtection: true,
  DBClusterMembers: [],
  ...over,
});

beforeEach(() => rds.reset());

describe('ensureDedicatedCluster', () => {
  it('creates an encrypted, protected Aurora PostgreSQL cluster and its instances, and reports creating', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'not found', ...meta }));
    rds.on(CreateDBClusterCommand).resolves({ DBCluster: cluster({ Status: 'creating', Endpoint: undefined }) });
    rds.on(DescribeDBInstancesCommand).rejects(new DBInstanceNotFoundFault({ message: 'not found', ...meta }));
    rds.on(CreateDBInstanceCommand).resolves({});

    // act
    const result = await ensureDedicatedCluster(client(), input);

    // assess
    expect(result).toMatchObject({ status: 'creating', clusterIdentifier: 'odoo-acme', instanceIdentifiers: ['odoo-acme-1', 'odoo-acme-2'] });
    const tags = [
      { Key: 'odoo:tenant', Value: 'acme' },
      { Key: 'odoo:operation', Value: 'op-0001' },
      { Key: 'odoo:managed-by', Value: 'odoo-fleet-control-plane' },
    ];
    expect(rds.commandCalls(CreateDBClusterCommand)[0]!.args[0].input).toEqual({
      DBClusterIdentifier: 'odoo-acme',
      Engine: 'aurora-postgresql',
      EngineVersion: '16.4',
      DatabaseName: 'odoo_acme',
      MasterUsername: 'odoo_admin',
      ManageMasterUserPassword: true,
      MasterUserSecretKmsKeyId: config.dedicated.kmsKeyId,
      StorageEncrypted: true,
      KmsKeyId: config.dedicated.kmsKeyId,
      BackupRetentionPeriod: 35,
      DeletionProtection: true,
      CopyTagsToSnapshot: true,
      DBSubnetGroupName: 'odoo-db',
      VpcSecurityGroupIds: ['sg-1'],
      EnableCloudwatchLogsExports: ['postgresql'],
      EnableHttpEndpoint: true,
      Tags: tags,
    });
    expect(rds).toHaveReceivedCommandTimes(CreateDBInstanceCommand, 2);
    expect(rds.commandCalls(CreateDBInstanceCommand)[1]!.args[0].input).toEqual({
      DBInstanceIdentifier: 'odoo-acme-2',
      DBInstanceClass: 'db.r7g.large',
      Engine: 'aurora-postgresql',
      DBClusterIdentifier: 'odoo-acme',
      PubliclyAccessible: false,
      Tags: tags,
    });
  });

  it('with a master secret of its own (a tenant with a DR copy), gives RDS its password and not ManageMasterUserPassword, and reports that secret', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).rejectsOnce(new DBClusterNotFoundFault({ message: 'not found', ...meta })).resolves({ DBClusters: [cluster({ MasterUserSecret: undefined })] });
    rds.on(CreateDBClusterCommand).resolves({ DBCluster: cluster({ Status: 'creating', MasterUserSecret: undefined }) });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });
    const masterSecret = { arn: 'arn:aws:secretsmanager:eu-west-1:1:secret:odoo/acme/db-AbCdEf', password: async () => 'Abcdefgh12345678XYZabcdefgh123456' };

    // act
    const created = await ensureDedicatedCluster(client(), { ...input, masterSecret });
    const again = await ensureDedicatedCluster(client(), { ...input, masterSecret: { ...masterSecret, password: () => Promise.reject(new Error('read only when creating')) } });

    // assess
    const sent = rds.commandCalls(CreateDBClusterCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({ MasterUsername: 'odoo_admin', MasterUserPassword: 'Abcdefgh12345678XYZabcdefgh123456' });
    expect(sent).not.toHaveProperty('ManageMasterUserPassword');
    expect(sent).not.toHaveProperty('MasterUserSecretKmsKeyId');
    expect(created.masterSecretArn).toBe(masterSecret.arn);
    expect(again).toMatchObject({ status: 'available', masterSecretArn: masterSecret.arn });
    expect(rds).toHaveReceivedCommandTimes(CreateDBClusterCommand, 1);
  });

  it('reports available with endpoint and managed secret only when the cluster and every instance are available', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster()] });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'odoo-acme-1' }).resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'odoo-acme-2' }).resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });

    const result = await ensureDedicatedCluster(client(), input);

    expect(result).toEqual({
      status: 'available',
      clusterIdentifier: 'odoo-acme',
      instanceIdentifiers: ['odoo-acme-1', 'odoo-acme-2'],
      clusterArn: 'arn:aws:rds:eu-west-1:1:cluster:odoo-acme',
      endpoint: 'odoo-acme.cluster-x.eu-west-1.rds.amazonaws.com',
      port: 5432,
      masterSecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:rds!cluster-1',
    });
    expect(rds).not.toHaveReceivedCommand(CreateDBClusterCommand);
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  it('keeps reporting creating while one instance is still being created', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster()] });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'odoo-acme-1' }).resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'odoo-acme-2' }).resolves({ DBInstances: [{ DBInstanceStatus: 'creating' }] });

    await expect(ensureDedicatedCluster(client(), input)).resolves.toMatchObject({ status: 'creating' });
  });

  it('treats DBClusterAlreadyExistsFault and DBInstanceAlreadyExistsFault as made by an earlier attempt', async () => {
    rds.on(DescribeDBClustersCommand)
      .rejectsOnce(new DBClusterNotFoundFault({ message: 'not found', ...meta }))
      .resolves({ DBClusters: [cluster({ Status: 'creating' })] });
    rds.on(CreateDBClusterCommand).rejects(new DBClusterAlreadyExistsFault({ message: 'exists', ...meta }));
    rds.on(DescribeDBInstancesCommand).rejects(new DBInstanceNotFoundFault({ message: 'not found', ...meta }));
    rds.on(CreateDBInstanceCommand).rejects(new DBInstanceAlreadyExistsFault({ message: 'exists', ...meta }));

    await expect(ensureDedicatedCluster(client(), input)).resolves.toMatchObject({ status: 'creating', clusterIdentifier: 'odoo-acme' });
  });

  it('waits for an earlier cluster of the same name to finish deleting before making instances', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ Status: 'deleting' })] });

    await expect(ensureDedicatedCluster(client(), input)).resolves.toMatchObject({ status: 'deleting' });
    expect(rds).not.toHaveReceivedCommand(DescribeDBInstancesCommand);
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  it('fails as ResourceFailed when the cluster is in a terminal state', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ Status: 'incompatible-parameters' })] });

    await expect(ensureDedicatedCluster(client(), input)).rejects.toMatchObject({ name: 'ResourceFailed', message: expect.stringContaining('incompatible-parameters') });
  });

  it('fails as ResourceFailed when an instance failed', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster()] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'failed' }] });

    await expect(ensureDedicatedCluster(client(), input)).rejects.toMatchObject({ name: 'ResourceFailed' });
  });

  it('lets Throttling propagate unchanged', async () => {
    rds.on(DescribeDBClustersCommand).rejects(throttling());

    await expect(ensureDedicatedCluster(client(), input)).rejects.toMatchObject({ name: 'Throttling' });
  });

  it('refuses a pooled placement', async () => {
    const pooled = { ...placement, model: 'pooled', resources: { ...placement.resources, kind: 'pooled' } } as Placement;

    await expect(ensureDedicatedCluster(client(), { ...input, placement: pooled })).rejects.toMatchObject({ name: 'ValidationError' });
    expect(rds).not.toHaveReceivedAnyCommand();
  });
});

describe('deleteDedicatedCluster', () => {
  it('lifts deletion protection and deletes the instances first, leaving the cluster for a later poll', async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [cluster({ DBClusterMembers: [{ DBInstanceIdentifier: 'odoo-acme-1' }, { DBInstanceIdentifier: 'odoo-acme-2' }] })],
    });
    rds.on(ModifyDBClusterCommand).resolves({});
    rds.on(DeleteDBInstanceCommand, { DBInstanceIdentifier: 'odoo-acme-1' }).resolves({});
    rds.on(DeleteDBInstanceCommand, { DBInstanceIdentifier: 'odoo-acme-2' }).rejects(new InvalidDBInstanceStateFault({ message: 'deleting', ...meta }));

    const result = await deleteDedicatedCluster(client(), { tenantId: 'acme', namePrefix: 'odoo' });

    expect(result).toEqual({ status: 'deleting', clusterIdentifier: 'odoo-acme' });
    expect(rds).toHaveReceivedCommandWith(ModifyDBClusterCommand, { DBClusterIdentifier: 'odoo-acme', DeletionProtection: false, ApplyImmediately: true });
    expect(rds).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 2);
    expect(rds).not.toHaveReceivedCommand(DeleteDBClusterCommand);
  });

  it('deletes the cluster a rollback restored the tenant into, not only the conventional one, instances first', async () => {
    const restored = 'odoo-acme-rb-0a1b2c3d';
    rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'not found', ...meta }));
    rds
      .on(DescribeDBClustersCommand, { DBClusterIdentifier: restored })
      .resolvesOnce({ DBClusters: [cluster({ DBClusterIdentifier: restored, DBClusterMembers: [{ DBInstanceIdentifier: `${restored}-1` }, { DBInstanceIdentifier: `${restored}-2` }] })] })
      .resolvesOnce({ DBClusters: [cluster({ DBClusterIdentifier: restored, DeletionProtection: false })] })
      .resolves({ DBClusters: [cluster({ DBClusterIdentifier: restored, Status: 'deleting', DeletionProtection: false })] });
    rds.on(ModifyDBClusterCommand).resolves({});
    rds.on(DeleteDBInstanceCommand).resolves({});
    rds.on(DeleteDBClusterCommand).resolves({});

    // The conventional name alone finds nothing: that is how the restored cluster used to be left behind.
    await expect(deleteDedicatedCluster(client(), { tenantId: 'acme', namePrefix: 'odoo' })).resolves.toEqual({ status: 'absent', clusterIdentifier: 'odoo-acme' });
    const polls = [];
    for (let i = 0; i < 3; i++) polls.push(await deleteDedicatedCluster(client(), { tenantId: 'acme', namePrefix: 'odoo', clusterIdentifier: restored }));

    expect(polls).toEqual([0, 1, 2].map(() => ({ status: 'deleting', clusterIdentifier: restored })));
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier).sort()).toEqual([`${restored}-1`, `${restored}-2`]);
    expect(rds.commandCalls(DeleteDBClusterCommand).map((c) => c.args[0].input.DBClusterIdentifier)).toEqual([restored]);
  });

  it('deletes the unprotected cluster without a final snapshot once it has no instances', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ DeletionProtection: false })] });
    rds.on(DeleteDBClusterCommand).resolves({});

    const result = await deleteDedicatedCluster(client(), { tenantId: 'acme' });

    expect(result.status).toBe('deleting');
    expect(rds.commandCalls(DeleteDBClusterCommand)[0]!.args[0].input).toEqual({ DBClusterIdentifier: 'odoo-acme', SkipFinalSnapshot: true });
  });

  it('asks RDS for a final snapshot when given its identifier', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ DeletionProtection: false })] });
    rds.on(DeleteDBClusterCommand).resolves({});

    await deleteDedicatedCluster(client(), { tenantId: 'acme', finalSnapshotIdentifier: 'odoo-acme-final-1' });

    expect(rds).toHaveReceivedCommandWith(DeleteDBClusterCommand, { SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: 'odoo-acme-final-1' });
  });

  it('keeps polling while the cluster is already deleting or refuses in its current state', async () => {
    rds.on(DescribeDBClustersCommand).resolvesOnce({ DBClusters: [cluster({ Status: 'deleting' })] }).resolves({ DBClusters: [cluster({ DeletionProtection: false })] });
    rds.on(DeleteDBClusterCommand).rejects(new InvalidDBClusterStateFault({ message: 'busy', ...meta }));

    await expect(deleteDedicatedCluster(client(), { tenantId: 'acme' })).resolves.toMatchObject({ status: 'deleting' });
    await expect(deleteDedicatedCluster(client(), { tenantId: 'acme' })).resolves.toMatchObject({ status: 'deleting' });
    expect(rds).toHaveReceivedCommandTimes(DeleteDBClusterCommand, 1);
  });

  it('waits to lift protection while the cluster is still being created', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ Status: 'creating' })] });
    rds.on(ModifyDBClusterCommand).rejects(new InvalidDBClusterStateFault({ message: 'creating', ...meta }));

    await expect(deleteDedicatedCluster(client(), { tenantId: 'acme' })).resolves.toMatchObject({ status: 'deleting' });
    expect(rds).not.toHaveReceivedCommand(DeleteDBClusterCommand);
  });

  it('reports absent only when RDS says the cluster is not found', async () => {
    rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'not found', ...meta }));

    await expect(deleteDedicatedCluster(client(), { tenantId: 'acme' })).resolves.toEqual({ status: 'absent', clusterIdentifier: 'odoo-acme' });
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 1);
  });

  it('lets Throttling propagate unchanged', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ DeletionProtection: false })] });
    rds.on(DeleteDBClusterCommand).rejects(throttling());

    await expect(deleteDedicatedCluster(client(), { tenantId: 'acme' })).rejects.toMatchObject({ name: 'Throttling' });
  });
});

describe('ensureClusterSnapshot', () => {
  const snapInput = { clusterIdentifier: 'odoo-acme', snapshotIdentifier: 'odoo-acme-final-0001', tags: { 'odoo:tenant': 'acme' } };

  it('creates the snapshot with its tags when it does not exist', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).rejects(new DBClusterSnapshotNotFoundFault({ message: 'not found', ...meta }));
    rds.on(CreateDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: { Status: 'creating', DBClusterSnapshotArn: 'arn:snap' } });

    const result = await ensureClusterSnapshot(client(), snapInput);

    expect(result).toEqual({ status: 'creating', snapshotArn: 'arn:snap' });
    expect(rds.commandCalls(CreateDBClusterSnapshotCommand)[0]!.args[0].input).toEqual({
      DBClusterSnapshotIdentifier: 'odoo-acme-final-0001',
      DBClusterIdentifier: 'odoo-acme',
      Tags: [{ Key: 'odoo:tenant', Value: 'acme' }],
    });
  });

  it('reports an existing snapshot state without creating another', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [{ Status: 'available', DBClusterSnapshotArn: 'arn:snap' }] });

    await expect(ensureClusterSnapshot(client(), snapInput)).resolves.toEqual({ status: 'available', snapshotArn: 'arn:snap' });
    expect(rds).not.toHaveReceivedCommand(CreateDBClusterSnapshotCommand);
  });

  it('reports failed for a failed snapshot', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [{ Status: 'failed' }] });

    await expect(ensureClusterSnapshot(client(), snapInput)).resolves.toMatchObject({ status: 'failed' });
  });

  it('treats DBClusterSnapshotAlreadyExistsFault as the snapshot an earlier attempt started', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand)
      .rejectsOnce(new DBClusterSnapshotNotFoundFault({ message: 'not found', ...meta }))
      .resolves({ DBClusterSnapshots: [{ Status: 'creating', DBClusterSnapshotArn: 'arn:snap' }] });
    rds.on(CreateDBClusterSnapshotCommand).rejects(new DBClusterSnapshotAlreadyExistsFault({ message: 'exists', ...meta }));

    await expect(ensureClusterSnapshot(client(), snapInput)).resolves.toEqual({ status: 'creating', snapshotArn: 'arn:snap' });
  });

  it('reports pending while the cluster cannot be snapshotted yet', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).rejects(new DBClusterSnapshotNotFoundFault({ message: 'not found', ...meta }));
    rds.on(CreateDBClusterSnapshotCommand).rejects(new InvalidDBClusterStateFault({ message: 'modifying', ...meta }));

    await expect(ensureClusterSnapshot(client(), snapInput)).resolves.toEqual({ status: 'pending' });
  });
});
