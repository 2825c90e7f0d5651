import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  type CreateDBClusterCommandInput,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DR, PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

const clusterInput = (id: string, extra: Partial<CreateDBClusterCommandInput> = {}): CreateDBClusterCommandInput => ({
  DBClusterIdentifier: id,
  Engine: 'aurora-postgresql',
  EngineVersion: '16.4',
  MasterUsername: 'odoo_admin',
  ManageMasterUserPassword: true,
  DatabaseName: 'odoo_acme',
  DBSubnetGroupName: 'odoo-dedicated',
  VpcSecurityGroupIds: ['sg-0d00000000000d001'],
  StorageEncrypted: true,
  BackupRetentionPeriod: 14,
  DeletionProtection: false,
  Tags: [{ Key: 'odoo:tenant', Value: 'acme' }],
  ...extra,
});

describe('simulated RDS (Aurora PostgreSQL)', () => {
  let h: SimHarness;
  const rds = () => h.provider.rds(PRIMARY);
  const status = async (id: string) => (await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters?.[0]?.Status;

  beforeAll(async () => {
    h = await startSim();
  });
  afterAll(async () => h.stop());

  it('creates a cluster that is creating, then available after the typical creation time', async () => {
    // act
    const created = await rds().send(new CreateDBClusterCommand(clusterInput('odoo-acme')));
    const early = await status('odoo-acme');
    h.clock.advance(600);
    const later = await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'odoo-acme' }));

    // assess
    expect(created.DBCluster?.Status).toBe('creating');
    expect(early).toBe('creating');
    const c = later.DBClusters![0]!;
    expect(c.Status).toBe('available');
    expect(c).toMatchObject({ StorageEncrypted: true, BackupRetentionPeriod: 14, DBSubnetGroup: 'odoo-dedicated', DatabaseName: 'odoo_acme', EngineVersion: '16.4' });
    expect(c.VpcSecurityGroups?.[0]?.VpcSecurityGroupId).toBe('sg-0d00000000000d001');
    expect(c.TagList).toContainEqual({ Key: 'odoo:tenant', Value: 'acme' });
    expect(c.Endpoint).toMatch(/^odoo-acme\.cluster-.+\.eu-west-1\.rds\.amazonaws\.com$/);
  });

  it('keeps the managed master password in a Secrets Manager secret of the region', async () => {
    // act
    const c = (await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'odoo-acme' }))).DBClusters![0]!;
    const secret = await h.provider.secrets(PRIMARY).send(new GetSecretValueCommand({ SecretId: c.MasterUserSecret!.SecretArn }));

    // assess
    expect(JSON.parse(secret.SecretString!)).toMatchObject({ username: 'odoo_admin' });
  });

  it('refuses a second cluster with the same identifier', async () => {
    const err = await rejection(rds().send(new CreateDBClusterCommand(clusterInput('odoo-acme'))));
    expect(err.name).toBe('DBClusterAlreadyExistsFault');
  });

  it('rejects identifiers AWS rejects', async () => {
    for (const bad of ['1odoo', 'odoo--x', 'odoo-', 'odoo_x', 'a'.repeat(64)]) {
      const err = await rejection(rds().send(new CreateDBClusterCommand(clusterInput(bad))));
      expect(err.name, bad).toBe('InvalidParameterValue');
    }
  });

  it('rejects an engine other than aurora-postgresql and an unknown subnet group', async () => {
    expect((await rejection(rds().send(new CreateDBClusterCommand(clusterInput('odoo-mysql', { Engine: 'aurora-mysql' }))))).name).toBe('InvalidParameterValue');
    expect((await rejection(rds().send(new CreateDBClusterCommand(clusterInput('odoo-subnet', { DBSubnetGroupName: 'nope' }))))).name).toBe('DBSubnetGroupNotFoundFault');
  });

  it('answers DBClusterNotFoundFault for an unknown cluster, and regions are separate', async () => {
    const err = await rejection(h.provider.rds(DR).send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'odoo-acme' })));
    expect(err.name).toBe('DBClusterNotFoundFault');
  });

  it('creates instances in a cluster; they become available no earlier than the cluster', async () => {
    // prepare
    await rds().send(new CreateDBClusterCommand(clusterInput('odoo-globex', { Tags: [{ Key: 'odoo:tenant', Value: 'globex' }] })));

    // act
    await rds().send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'odoo-globex-1', DBClusterIdentifier: 'odoo-globex', DBInstanceClass: 'db.r6g.large', Engine: 'aurora-postgresql' }));
    h.clock.advance(480);
    const whileClusterCreates = await rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'odoo-globex-1' }));
    h.clock.advance(120);
    const byCluster = await rds().send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['odoo-globex'] }] }));

    // assess
    expect(whileClusterCreates.DBInstances?.[0]?.DBInstanceStatus).toBe('creating');
    expect(byCluster.DBInstances?.map((i) => [i.DBInstanceIdentifier, i.DBInstanceStatus])).toEqual([['odoo-globex-1', 'available']]);
  });

  it('validates instances: class, duplicates and the cluster', async () => {
    const base = { DBClusterIdentifier: 'odoo-globex', Engine: 'aurora-postgresql' };
    expect((await rejection(rds().send(new CreateDBInstanceCommand({ ...base, DBInstanceIdentifier: 'odoo-globex-2', DBInstanceClass: 'db.x9.huge' })))).name).toBe('InvalidParameterCombination');
    expect((await rejection(rds().send(new CreateDBInstanceCommand({ ...base, DBInstanceIdentifier: 'odoo-globex-1', DBInstanceClass: 'db.r6g.large' })))).name).toBe('DBInstanceAlreadyExistsFault');
    expect((await rejection(rds().send(new CreateDBInstanceCommand({ ...base, DBClusterIdentifier: 'odoo-none', DBInstanceIdentifier: 'odoo-none-1', DBInstanceClass: 'db.r6g.large' })))).name).toBe('DBClusterNotFoundFault');
  });

  it('refuses to delete a cluster with deletion protection, and one that still has instances', async () => {
    // prepare
    await rds().send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'odoo-globex', DeletionProtection: true }));

    // act
    const protectedErr = await rejection(rds().send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'odoo-globex', SkipFinalSnapshot: true })));
    await rds().send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'odoo-globex', DeletionProtection: false }));
    const withInstances = await rejection(rds().send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'odoo-globex', SkipFinalSnapshot: true })));

    // assess
    expect(protectedErr.name).toBe('InvalidDBClusterStateFault');
    expect(protectedErr.message).toMatch(/deletion protection/);
    expect(withInstances.name).toBe('InvalidDBClusterStateFault');
    expect(withInstances.message).toMatch(/instances/);
  });

  it('deletes instances then the cluster with a final snapshot; the cluster is deleting, then gone', async () => {
    // act
    const deletingInstance = await rds().send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'odoo-globex-1' }));
    const deleting = await rds().send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'odoo-globex', FinalDBSnapshotIdentifier: 'odoo-globex-final-1' }));
    const midway = await status('odoo-globex');
    h.clock.advance(300);
    const gone = await rejection(rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'odoo-globex' })));
    const snap = await rds().send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'odoo-globex-final-1' }));

    // assess
    expect(deletingInstance.DBInstance?.DBInstanceStatus).toBe('deleting');
    expect(deleting.DBCluster?.Status).toBe('deleting');
    expect(midway).toBe('deleting');
    expect(gone.name).toBe('DBClusterNotFoundFault');
    expect(snap.DBClusterSnapshots?.[0]).toMatchObject({ Status: 'available', DBClusterIdentifier: 'odoo-globex' });
    expect((await rejection(rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'odoo-globex-1' })))).name).toBe('DBInstanceNotFoundFault');
  });

  it('requires a final snapshot identifier unless the final snapshot is skipped', async () => {
    const err = await rejection(rds().send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'odoo-acme' })));
    expect(err.name).toBe('InvalidParameterCombination');
  });

  it('takes, lists and deletes cluster snapshots', async () => {
    // act
    const created = await rds().send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'odoo-acme', DBClusterSnapshotIdentifier: 'odoo-acme-pre-upgrade', Tags: [{ Key: 'odoo:tenant', Value: 'acme' }] }));
    const duplicate = await rejection(rds().send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'odoo-acme', DBClusterSnapshotIdentifier: 'odoo-acme-pre-upgrade' })));
    const tooEarly = await rejection(rds().send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'odoo-acme-pre-upgrade' })));
    h.clock.advance(120);
    const listed = await rds().send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'odoo-acme' }));
    await rds().send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'odoo-acme-pre-upgrade' }));
    const missing = await rejection(rds().send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'odoo-acme-pre-upgrade' })));

    // assess
    expect(created.DBClusterSnapshot?.Status).toBe('creating');
    expect(duplicate.name).toBe('DBClusterSnapshotAlreadyExistsFault');
    expect(tooEarly.name).toBe('InvalidDBClusterSnapshotStateFault');
    expect(listed.DBClusterSnapshots?.map((s) => [s.DBClusterSnapshotIdentifier, s.Status])).toEqual([['odoo-acme-pre-upgrade', 'available']]);
    expect(missing.name).toBe('DBClusterSnapshotNotFoundFault');
  });
});
