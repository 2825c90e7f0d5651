import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateGlobalClusterCommand,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DeleteGlobalClusterCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  GlobalClusterAlreadyExistsFault,
  GlobalClusterNotFoundFault,
  InvalidDBClusterStateFault,
  InvalidGlobalClusterStateFault,
  RDSClient,
  RemoveFromGlobalClusterCommand,
  type DBCluster,
  type GlobalCluster,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { drKmsKeyId, ensureGlobalCluster, ensureSecondaryCluster, removeGlobalCluster, secondaryNetwork } from '#shared/cloud/adapters/database-dr.ts';

const rds = mockClient(RDSClient);
const client = () => new RDSClient({});
const meta = { $metadata: {} };

const PRIMARY_ARN = 'arn:aws:rds:eu-west-1:111122223333:cluster:odoo-acme';
const SECONDARY_ARN = 'arn:aws:rds:eu-central-1:111122223333:cluster:odoo-acme';
const tags = [{ Key: 'odoo:tenant', Value: 'acme' }];

const global = (over: Partial<GlobalCluster> = {}): GlobalCluster => ({
  GlobalClusterIdentifier: 'odoo-acme-global',
  Status: 'available',
  EngineVersion: '16.4',
  GlobalClusterMembers: [{ DBClusterArn: PRIMARY_ARN, IsWriter: true, Readers: [] }],
  ...over,
});

const secondary = (over: Partial<DBCluster> = {}): DBCluster => ({
  DBClusterIdentifier: 'odoo-acme',
  DBClusterArn: SECONDARY_ARN,
  GlobalClusterIdentifier: 'odoo-acme-global',
  Status: 'available',
  ...over,
});

const secondaryInput = {
  globalClusterIdentifier: 'odoo-acme-global',
  clusterIdentifier: 'odoo-acme',
  engineVersion: '16.6',
  dbSubnetGroupName: 'odoo-db-dr',
  vpcSecurityGroupIds: ['sg-0dr'],
  kmsKeyId: 'arn:aws:kms:eu-central-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef',
  backupRetentionDays: 35,
  instanceIdentifiers: ['odoo-acme-1'],
  instanceClass: 'db.r7g.large',
  tags,
};

beforeEach(() => rds.reset());

describe('ensureGlobalCluster', () => {
  it('makes the global database from the tenant cluster by ARN, and reports it available once the writer is its member', async () => {
    // prepare
    rds.on(DescribeGlobalClustersCommand).rejectsOnce(new GlobalClusterNotFoundFault({ message: 'GlobalCluster odoo-acme-global not found', ...meta })).resolves({ GlobalClusters: [global()] });
    rds.on(CreateGlobalClusterCommand).resolves({ GlobalCluster: global() });

    // act
    const out = await ensureGlobalCluster(client(), { globalClusterIdentifier: 'odoo-acme-global', sourceClusterArn: PRIMARY_ARN, tags });

    // assess
    expect(rds.commandCalls(CreateGlobalClusterCommand).map((c) => c.args[0].input)).toEqual([{ GlobalClusterIdentifier: 'odoo-acme-global', SourceDBClusterIdentifier: PRIMARY_ARN, Tags: tags }]);
    expect(out.status).toBe('available');
    expect(out.database?.writer?.clusterArn).toBe(PRIMARY_ARN);
  });

  it('takes GlobalClusterAlreadyExistsFault from a racing attempt as the global database being there', async () => {
    // prepare
    rds.on(DescribeGlobalClustersCommand).rejectsOnce(new GlobalClusterNotFoundFault({ message: 'not found', ...meta })).resolves({ GlobalClusters: [global()] });
    rds.on(CreateGlobalClusterCommand).rejects(new GlobalClusterAlreadyExistsFault({ message: 'Global cluster odoo-acme-global already exists', ...meta }));

    // act
    const out = await ensureGlobalCluster(client(), { globalClusterIdentifier: 'odoo-acme-global', sourceClusterArn: PRIMARY_ARN, tags });

    // assess
    expect(out.status).toBe('available');
  });

  it('waits (pending) while the source cluster is not available yet: InvalidDBClusterStateFault', async () => {
    // prepare
    rds.on(DescribeGlobalClustersCommand).rejects(new GlobalClusterNotFoundFault({ message: 'not found', ...meta }));
    rds.on(CreateGlobalClusterCommand).rejects(new InvalidDBClusterStateFault({ message: 'DB cluster odoo-acme is not in an available state', ...meta }));

    // act
    const out = await ensureGlobalCluster(client(), { globalClusterIdentifier: 'odoo-acme-global', sourceClusterArn: PRIMARY_ARN, tags });

    // assess
    expect(out).toEqual({ status: 'pending' });
  });

  it('refuses a same-named global database the tenant cluster is not a member of', async () => {
    // prepare
    rds.on(DescribeGlobalClustersCommand).resolves({ GlobalClusters: [global({ GlobalClusterMembers: [{ DBClusterArn: 'arn:aws:rds:eu-west-1:111122223333:cluster:other', IsWriter: true }] })] });

    // act
    const err = await ensureGlobalCluster(client(), { globalClusterIdentifier: 'odoo-acme-global', sourceClusterArn: PRIMARY_ARN, tags }).catch((e: Error) => e);

    // assess
    expect(err).toMatchObject({ code: 'ResourceFailed', message: expect.stringContaining('without arn:aws:rds:eu-west-1:111122223333:cluster:odoo-acme') });
    expect(rds).not.toHaveReceivedCommand(CreateGlobalClusterCommand);
  });
});

describe('ensureSecondaryCluster', () => {
  it('creates the secondary with the global identifier, the primary engine version, the DR network and key, no master user, then its instance', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'DBCluster odoo-acme not found', ...meta }));
    rds.on(CreateDBClusterCommand).resolves({ DBCluster: secondary({ Status: 'creating' }) });
    rds.on(DescribeDBInstancesCommand).rejects(new DBInstanceNotFoundFault({ message: 'not found', ...meta }));
    rds.on(CreateDBInstanceCommand).resolves({});

    // act
    const out = await ensureSecondaryCluster(client(), secondaryInput);

    // assess
    expect(rds.commandCalls(CreateDBClusterCommand).map((c) => c.args[0].input)).toEqual([
      {
        DBClusterIdentifier: 'odoo-acme',
        GlobalClusterIdentifier: 'odoo-acme-global',
        Engine: 'aurora-postgresql',
        EngineVersion: '16.6',
        StorageEncrypted: true,
        KmsKeyId: secondaryInput.kmsKeyId,
        BackupRetentionPeriod: 35,
        DeletionProtection: true,
        CopyTagsToSnapshot: true,
        DBSubnetGroupName: 'odoo-db-dr',
        VpcSecurityGroupIds: ['sg-0dr'],
        EnableCloudwatchLogsExports: ['postgresql'],
        EnableHttpEndpoint: true,
        Tags: tags,
      },
    ]);
    expect(rds.commandCalls(CreateDBInstanceCommand).map((c) => c.args[0].input)).toEqual([
      { DBInstanceIdentifier: 'odoo-acme-1', DBInstanceClass: 'db.r7g.large', Engine: 'aurora-postgresql', DBClusterIdentifier: 'odoo-acme', PubliclyAccessible: false, Tags: tags },
    ]);
    expect(out).toEqual({ status: 'creating', clusterArn: SECONDARY_ARN });
  });

  it('makes no instance for a headless (pilot light) secondary, and is available with the cluster', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [secondary()] });

    // act
    const out = await ensureSecondaryCluster(client(), { ...secondaryInput, instanceIdentifiers: [] });

    // assess
    expect(out).toEqual({ status: 'available', clusterArn: SECONDARY_ARN });
    expect(rds).not.toHaveReceivedCommand(CreateDBClusterCommand);
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  it('takes DBClusterAlreadyExistsFault as the secondary a racing attempt made', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).rejectsOnce(new DBClusterNotFoundFault({ message: 'not found', ...meta })).resolves({ DBClusters: [secondary({ Status: 'creating' })] });
    rds.on(CreateDBClusterCommand).rejects(new DBClusterAlreadyExistsFault({ message: 'DB Cluster already exists', ...meta }));

    // act
    const out = await ensureSecondaryCluster(client(), { ...secondaryInput, instanceIdentifiers: [] });

    // assess
    expect(out).toEqual({ status: 'creating', clusterArn: SECONDARY_ARN });
  });

  it('waits (pending) while the writer cannot take a secondary: InvalidDBClusterStateFault', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'not found', ...meta }));
    rds.on(CreateDBClusterCommand).rejects(new InvalidDBClusterStateFault({ message: 'DB cluster odoo-acme is not in an available state', ...meta }));

    // act
    const out = await ensureSecondaryCluster(client(), secondaryInput);

    // assess
    expect(out).toEqual({ status: 'pending' });
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  it('never adopts a same-named cluster of another global database', async () => {
    // prepare
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [secondary({ GlobalClusterIdentifier: 'someone-else' })] });

    // act
    const err = await ensureSecondaryCluster(client(), secondaryInput).catch((e: Error) => e);

    // assess
    expect(err).toMatchObject({ code: 'ResourceFailed', message: expect.stringContaining('belongs to global cluster someone-else') });
  });
});

describe('removeGlobalCluster', () => {
  const byRegion = new Map<string, RDSClient>();
  const rdsIn = (region: string) => {
    if (!byRegion.has(region)) byRegion.set(region, new RDSClient({ region }));
    return byRegion.get(region)!;
  };
  const regions = ['eu-west-1', 'eu-central-1'];
  const twoMembers = (writer: string, reader: string) =>
    global({ GlobalClusterMembers: [{ DBClusterArn: writer, IsWriter: true, Readers: [reader] }, { DBClusterArn: reader, IsWriter: false, SynchronizationStatus: 'connected' }] });

  it('detaches the secondaries first, leaving the writer while it has any', async () => {
    // prepare
    rds.on(DescribeGlobalClustersCommand).resolves({ GlobalClusters: [twoMembers(PRIMARY_ARN, SECONDARY_ARN)] });
    rds.on(RemoveFromGlobalClusterCommand).resolves({});

    // act
    const out = await removeGlobalCluster(rdsIn, { globalClusterIdentifier: 'odoo-acme-global', regions });

    // assess
    expect(rds.commandCalls(RemoveFromGlobalClusterCommand).map((c) => c.args[0].input)).toEqual([{ GlobalClusterIdentifier: 'odoo-acme-global', DbClusterIdentifier: SECONDARY_ARN }]);
    expect(out).toEqual({ status: 'removing', members: [PRIMARY_ARN, SECONDARY_ARN] });
  });

  it('after a failover (writer in the DR region), detaches the old primary first', async () => {
    // prepare
    rds.on(DescribeGlobalClustersCommand).resolves({ GlobalClusters: [twoMembers(SECONDARY_ARN, PRIMARY_ARN)] });
    rds.on(RemoveFromGlobalClusterCommand).resolves({});

    // act
    await removeGlobalCluster(rdsIn, { globalClusterIdentifier: 'odoo-acme-global', regions: ['eu-central-1', 'eu-west-1'] });

    // assess
    expect(rds.commandCalls(RemoveFromGlobalClusterCommand).map((c) => c.args[0].input.DbClusterIdentifier)).toEqual([PRIMARY_ARN]);
  });

  it('detaches the lone writer, then deletes the empty global cluster, and is absent once RDS no longer knows it', async () => {
    // prepare
    rds
      .on(DescribeGlobalClustersCommand)
      .resolvesOnce({ GlobalClusters: [global()] })
      .resolvesOnce({ GlobalClusters: [global({ GlobalClusterMembers: [] })] })
      .rejects(new GlobalClusterNotFoundFault({ message: 'not found', ...meta }));
    rds.on(RemoveFromGlobalClusterCommand).resolves({});
    rds.on(DeleteGlobalClusterCommand).resolves({});

    // act
    const first = await removeGlobalCluster(rdsIn, { globalClusterIdentifier: 'odoo-acme-global', regions });
    const second = await removeGlobalCluster(rdsIn, { globalClusterIdentifier: 'odoo-acme-global', regions });
    const third = await removeGlobalCluster(rdsIn, { globalClusterIdentifier: 'odoo-acme-global', regions });

    // assess
    expect(rds.commandCalls(RemoveFromGlobalClusterCommand).map((c) => c.args[0].input)).toEqual([{ GlobalClusterIdentifier: 'odoo-acme-global', DbClusterIdentifier: PRIMARY_ARN }]);
    expect(rds.commandCalls(DeleteGlobalClusterCommand).map((c) => c.args[0].input)).toEqual([{ GlobalClusterIdentifier: 'odoo-acme-global' }]);
    expect([first.status, second.status, third.status]).toEqual(['removing', 'removing', 'absent']);
  });

  it('waits while the global database is busy (InvalidGlobalClusterStateFault) or failing over', async () => {
    // prepare
    rds.on(DescribeGlobalClustersCommand).resolvesOnce({ GlobalClusters: [twoMembers(PRIMARY_ARN, SECONDARY_ARN)] }).resolves({
      GlobalClusters: [twoMembers(PRIMARY_ARN, SECONDARY_ARN)].map((g) => ({ ...g, FailoverState: { Status: 'failing-over', FromDbClusterArn: PRIMARY_ARN, ToDbClusterArn: SECONDARY_ARN } })),
    });
    rds.on(RemoveFromGlobalClusterCommand).rejects(new InvalidGlobalClusterStateFault({ message: 'Global cluster odoo-acme-global is in modifying state', ...meta }));

    // act
    const busy = await removeGlobalCluster(rdsIn, { globalClusterIdentifier: 'odoo-acme-global', regions });
    const failingOver = await removeGlobalCluster(rdsIn, { globalClusterIdentifier: 'odoo-acme-global', regions });

    // assess
    expect(busy.status).toBe('removing');
    expect(failingOver.status).toBe('removing');
    expect(rds.commandCalls(RemoveFromGlobalClusterCommand)).toHaveLength(1);
  });
});

describe('the DR region settings', () => {
  it('uses the DR subnet group and security groups when configured, the primary names otherwise', () => {
    // act
    const own = secondaryNetwork({ dedicated: { eksCluster: 'e', dbSubnetGroupName: 'db', vpcSecurityGroupIds: ['sg-1'], drDbSubnetGroupName: 'db-dr', drVpcSecurityGroupIds: ['sg-2'] } });
    const fallback = secondaryNetwork({ dedicated: { eksCluster: 'e', dbSubnetGroupName: 'db', vpcSecurityGroupIds: ['sg-1'] } });

    // assess
    expect(own).toEqual({ dbSubnetGroupName: 'db-dr', vpcSecurityGroupIds: ['sg-2'] });
    expect(fallback).toEqual({ dbSubnetGroupName: 'db', vpcSecurityGroupIds: ['sg-1'] });
  });

  it("names a key of the DR region: a multi-Region key's replica, an alias as is, none for AWS-managed; a single-region key is refused", () => {
    // act
    const mrk = drKmsKeyId('arn:aws:kms:eu-west-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef', 'eu-central-1');
    const alias = drKmsKeyId('alias/odoo-tenants', 'eu-central-1');
    const none = drKmsKeyId(undefined, 'eu-central-1');
    const single = (() => {
      try {
        return drKmsKeyId('arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'eu-central-1');
      } catch (err) {
        return err;
      }
    })();

    // assess
    expect(mrk).toBe('arn:aws:kms:eu-central-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef');
    expect(alias).toBe('alias/odoo-tenants');
    expect(none).toBeUndefined();
    expect(single).toMatchObject({ code: 'ValidationError', message: expect.stringContaining('single-region key') });
  });
});
