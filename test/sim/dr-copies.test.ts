/**
 * The DR copies the simulated cloud starts with (each cell's global secondary, secret replica and
 * DR bucket) and the cross-region copies it makes on request: multi-Region secrets and bucket
 * replication, with AWS's rules and error names.
 */
import { ExecuteStatementCommand, type ExecuteStatementCommandInput } from '@aws-sdk/client-rds-data';
import { CreateBucketCommand, GetBucketReplicationCommand, PutBucketReplicationCommand, PutBucketVersioningCommand, type ReplicationConfiguration } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNewestHeartbeat } from '#shared/cloud/adapters/heartbeat.ts';
import { heartbeatSql } from '#shared/cloud/heartbeat-sql.ts';
import { pooledSql } from '#shared/cloud/pooled-sql.ts';
import { DR, PRIMARY, rejection, startSim, TIME_SCALE, type SimHarness } from './sim-harness.ts';

describe('simulated DR copies', () => {
  let h: SimHarness;
  /** Moves the simulated clock by real seconds (replication lag is not scaled). */
  const elapse = (seconds: number) => h.clock.advance(seconds / TIME_SCALE);
  const cell = () => h.config.cells[0]!;

  beforeAll(async () => {
    h = await startSim();
  });
  afterAll(async () => h.stop());

  it("starts each cell with its DR copy: the master secret's replica, a versioned DR bucket the cell's bucket replicates to, and a global database whose headless secondary is in the DR region (none for a backup-restore cell)", () => {
    // act
    const inventory = h.sim.inventory();

    // assess
    for (const c of h.config.cells) {
      const dr = c.dr!;
      const secretName = c.masterSecretArn.split(':secret:')[1]!.replace(/-[A-Za-z0-9]{6}$/, '');
      expect(inventory.regions[DR]!.secrets).toContainEqual({ name: secretName, replicaOf: PRIMARY });
      expect(inventory.regions[DR]!.s3.buckets).toContainEqual(expect.objectContaining({ name: dr.bucket, versioning: 'Enabled' }));
      if (!dr.globalClusterIdentifier) {
        // Backup-restore: no cluster there; its snapshot copies are the control plane's to make.
        expect(inventory.regions[DR]!.rds.clusters.find((x) => x.identifier === dr.auroraClusterIdentifier)).toBeUndefined();
        continue;
      }
      expect(inventory.globalClusters).toContainEqual({
        identifier: dr.globalClusterIdentifier,
        status: 'available',
        writer: c.auroraClusterArn,
        members: [
          { arn: c.auroraClusterArn, region: PRIMARY, isWriter: true },
          { arn: dr.auroraClusterArn, region: DR, isWriter: false, synchronization: 'connected' },
        ],
      });
      const secondary = inventory.regions[DR]!.rds.clusters.find((x) => x.identifier === dr.auroraClusterIdentifier);
      expect(secondary).toMatchObject({ status: 'available', globalCluster: dr.globalClusterIdentifier, replicaOf: c.auroraClusterArn, instances: [], deletionProtection: true, storageEncrypted: true });
      expect(inventory.regions[PRIMARY]!.secrets).toContainEqual({ name: secretName, replicas: [DR] });
      expect(inventory.regions[DR]!.s3.buckets).toContainEqual(expect.objectContaining({ name: dr.bucket, versioning: 'Enabled' }));
      expect(inventory.regions[PRIMARY]!.s3.buckets).toContainEqual(expect.objectContaining({ name: c.bucket, replicatesTo: [dr.bucket] }));
    }
  });

  it("reads the cell's data through the Data API in the DR region, as of the replication lag, and refuses writes there", async () => {
    // prepare
    const c = cell();
    const dr = c.dr!;
    const at = (region: string, statement: { sql: string; parameters?: ExecuteStatementCommandInput['parameters'] }, database = 'postgres') => {
      const target = region === PRIMARY ? { resourceArn: c.auroraClusterArn, secretArn: c.masterSecretArn } : { resourceArn: dr.auroraClusterArn, secretArn: dr.masterSecretArn };
      return h.provider.rdsData(region).send(new ExecuteStatementCommand({ ...target, database, ...statement }));
    };
    await at(PRIMARY, pooledSql.createRole('odoo_drtest_app', 'Abcdefgh12345678XYZ'));
    await at(PRIMARY, pooledSql.grantRoleToMaster('odoo_drtest_app'));
    await at(PRIMARY, pooledSql.createDatabase('odoo_drtest', 'odoo_drtest_app'));
    await at(PRIMARY, heartbeatSql.createTable(), 'odoo_drtest');
    await at(PRIMARY, heartbeatSql.insert('odoo-fleet-heartbeat'), 'odoo_drtest');
    const first = await readNewestHeartbeat(h.provider.rdsData(PRIMARY), { resourceArn: c.auroraClusterArn, secretArn: c.masterSecretArn, database: 'odoo_drtest' });
    elapse(10);
    await at(PRIMARY, heartbeatSql.insert('odoo-fleet-heartbeat'), 'odoo_drtest');

    // act
    const exists = await at(DR, pooledSql.databaseExists('odoo_drtest'));
    const newestInDr = await readNewestHeartbeat(h.provider.rdsData(DR), { resourceArn: dr.auroraClusterArn, secretArn: dr.masterSecretArn, database: 'odoo_drtest' });
    const write = await rejection(at(DR, heartbeatSql.insert('odoo-fleet-heartbeat'), 'odoo_drtest'));

    // assess
    expect(exists.records).toEqual([[{ longValue: 1 }]]);
    // One second of lag: the beat just written has not arrived; the one 10 s older has.
    expect(newestInDr).toBe(first);
    expect(write.message).toMatch(/cannot execute INSERT in a read-only transaction/);
  });

  it('keeps a replicated secret in the DR region under the same name and suffix, with every new value, and no writes or deletion of its own', async () => {
    // prepare
    const created = await h.provider.secrets(PRIMARY).send(
      new CreateSecretCommand({ Name: 'odoo/drtest/db', SecretString: '{"password":"one"}', AddReplicaRegions: [{ Region: DR }] }),
    );
    const replicaArn = created.ARN!.replace(`:${PRIMARY}:`, `:${DR}:`);
    await h.provider.secrets(PRIMARY).send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: '{"password":"two"}' }));

    // act
    const value = await h.provider.secrets(DR).send(new GetSecretValueCommand({ SecretId: replicaArn }));
    const described = await h.provider.secrets(DR).send(new DescribeSecretCommand({ SecretId: replicaArn }));
    const writeThere = await rejection(h.provider.secrets(DR).send(new PutSecretValueCommand({ SecretId: replicaArn, SecretString: '{}' })));
    const deleteThere = await rejection(h.provider.secrets(DR).send(new DeleteSecretCommand({ SecretId: replicaArn, ForceDeleteWithoutRecovery: true })));
    const deleteWithReplica = await rejection(h.provider.secrets(PRIMARY).send(new DeleteSecretCommand({ SecretId: created.ARN, ForceDeleteWithoutRecovery: true })));
    await h.provider.secrets(PRIMARY).send(new RemoveRegionsFromReplicationCommand({ SecretId: created.ARN, RemoveReplicaRegions: [DR] }));
    await h.provider.secrets(PRIMARY).send(new DeleteSecretCommand({ SecretId: created.ARN, ForceDeleteWithoutRecovery: true }));
    const gone = await rejection(h.provider.secrets(DR).send(new GetSecretValueCommand({ SecretId: replicaArn })));

    // assess
    expect(created.ReplicationStatus).toEqual([{ Region: DR, KmsKeyId: 'alias/aws/secretsmanager', Status: 'InSync', StatusMessage: 'Replication succeeded' }]);
    expect(value).toMatchObject({ ARN: replicaArn, Name: 'odoo/drtest/db', SecretString: '{"password":"two"}' });
    expect(described.PrimaryRegion).toBe(PRIMARY);
    expect(writeThere.name).toBe('InvalidRequestException');
    expect(deleteThere.name).toBe('InvalidRequestException');
    expect(deleteWithReplica.name).toBe('InvalidRequestException');
    expect(gone.name).toBe('ResourceNotFoundException');
  });

  it('reports a replica it could not make (a same-named secret in that region) as Failed, as AWS does, and overwrites it when told to', async () => {
    // prepare
    await h.provider.secrets(DR).send(new CreateSecretCommand({ Name: 'odoo/clash/db', SecretString: '{"password":"theirs"}' }));
    const primary = await h.provider.secrets(PRIMARY).send(new CreateSecretCommand({ Name: 'odoo/clash/db', SecretString: '{"password":"ours"}' }));

    // act
    const refused = await h.provider.secrets(PRIMARY).send(new ReplicateSecretToRegionsCommand({ SecretId: primary.ARN, AddReplicaRegions: [{ Region: DR }] }));
    const forced = await h.provider.secrets(PRIMARY).send(new ReplicateSecretToRegionsCommand({ SecretId: primary.ARN, AddReplicaRegions: [{ Region: DR }], ForceOverwriteReplicaSecret: true }));
    const there = await h.provider.secrets(DR).send(new GetSecretValueCommand({ SecretId: 'odoo/clash/db' }));

    // assess
    expect(refused.ReplicationStatus).toEqual([expect.objectContaining({ Region: DR, Status: 'Failed' })]);
    expect(forced.ReplicationStatus).toEqual([expect.objectContaining({ Region: DR, Status: 'InSync' })]);
    expect(there.SecretString).toBe('{"password":"ours"}');
  });

  it('takes a bucket replication configuration only between versioned buckets, and keeps it', async () => {
    // prepare
    const s3 = (region: string) => h.provider.s3(region);
    await s3(PRIMARY).send(new CreateBucketCommand({ Bucket: 'odoo-drtest-eu-west-1', CreateBucketConfiguration: { LocationConstraint: PRIMARY } }));
    await s3(DR).send(new CreateBucketCommand({ Bucket: 'odoo-drtest-eu-central-1', CreateBucketConfiguration: { LocationConstraint: DR } }));
    await s3(PRIMARY).send(new PutBucketVersioningCommand({ Bucket: 'odoo-drtest-eu-west-1', VersioningConfiguration: { Status: 'Enabled' } }));
    const configuration: ReplicationConfiguration = {
      Role: 'arn:aws:iam::000000000000:role/odoo-s3-replication',
      Rules: [{ ID: 'dr-copy', Status: 'Enabled', Priority: 1, Filter: {}, DeleteMarkerReplication: { Status: 'Enabled' }, Destination: { Bucket: 'arn:aws:s3:::odoo-drtest-eu-central-1' } }],
    };

    // act
    const unversioned = await rejection(s3(PRIMARY).send(new PutBucketReplicationCommand({ Bucket: 'odoo-drtest-eu-west-1', ReplicationConfiguration: configuration })));
    const missing = await rejection(
      s3(PRIMARY).send(
        new PutBucketReplicationCommand({ Bucket: 'odoo-drtest-eu-west-1', ReplicationConfiguration: { ...configuration, Rules: [{ ...configuration.Rules![0]!, Destination: { Bucket: 'arn:aws:s3:::nowhere-bucket' } }] } }),
      ),
    );
    await s3(DR).send(new PutBucketVersioningCommand({ Bucket: 'odoo-drtest-eu-central-1', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3(PRIMARY).send(new PutBucketReplicationCommand({ Bucket: 'odoo-drtest-eu-west-1', ReplicationConfiguration: configuration }));
    const kept = await s3(PRIMARY).send(new GetBucketReplicationCommand({ Bucket: 'odoo-drtest-eu-west-1' }));

    // assess
    expect(unversioned.name).toBe('InvalidRequest');
    expect(unversioned.message).toMatch(/Destination bucket must have versioning enabled/);
    expect(missing.name).toBe('InvalidRequest');
    expect(kept.ReplicationConfiguration).toEqual(configuration);
  });
});
