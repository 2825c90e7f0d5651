/**
 * Cluster snapshots copied into the other region, as a backup-restore cell's DR protection: the
 * copy of a manual or an automated snapshot, AWS's error names, the listing filters and pages, and
 * a restore from a copy in the DR region that holds the data as of the source snapshot.
 */
import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
  type DBClusterSnapshot,
  type DescribeDBClusterSnapshotsCommandInput,
} from '@aws-sdk/client-rds';
import { ExecuteStatementCommand, type ExecuteStatementCommandInput } from '@aws-sdk/client-rds-data';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readNewestHeartbeat, writeHeartbeat } from '#shared/cloud/adapters/heartbeat.ts';
import { pooledSql } from '#shared/cloud/pooled-sql.ts';
import { DR, PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

const DAY_S = 86_400;

describe('simulated RDS: cluster snapshots copied across regions', () => {
  let h: SimHarness;
  let made = 0;
  const rds = (region: string) => h.provider.rds(region);
  const cell = () => h.config.cells.find((c) => c.region === PRIMARY)!;
  const drKey = () => `arn:aws:kms:${DR}:${h.config.accountId}:key/0d0c0e0a-1111-2222-3333-444455556666`;
  const snapshotArn = (region: string, id: string) => `arn:aws:rds:${region}:${h.config.accountId}:cluster-snapshot:${id}`;
  const describeOne = async (region: string, id: string, type?: 'automated') =>
    (await rds(region).send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id, ...(type ? { SnapshotType: type } : {}) }))).DBClusterSnapshots![0]!;

  /** A manual snapshot of the cell in the primary region, available. */
  async function cellSnapshot(tags: Record<string, string> = {}): Promise<DBClusterSnapshot> {
    const id = `odoo-cell-copy-src-${++made}`;
    await rds(PRIMARY).send(
      new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: cell().auroraClusterIdentifier, DBClusterSnapshotIdentifier: id, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
    );
    h.clock.advance(120);
    return describeOne(PRIMARY, id);
  }

  const copyInput = (source: string, target: string) => ({ SourceDBClusterSnapshotIdentifier: source, TargetDBClusterSnapshotIdentifier: target, KmsKeyId: drKey() });

  beforeAll(async () => {
    h = await startSim();
    await h.sim.postgres.ready();
  });
  afterEach(() => h.sim.faults.clear());
  afterAll(async () => h.stop());

  describe('CopyDBClusterSnapshot', () => {
    it("copies a manual snapshot into the DR region: 'copying', then available once the copy time has passed, keeping the source's cluster, creation time and (with CopyTags) tags", async () => {
      // prepare
      const source = await cellSnapshot({ 'odoo:cell': 'a' });

      // act
      const started = await rds(DR).send(
        new CopyDBClusterSnapshotCommand({ ...copyInput(source.DBClusterSnapshotArn!, 'odoo-cell-a-dr-1'), CopyTags: true, Tags: [{ Key: 'odoo:dr-copy-of', Value: cell().auroraClusterIdentifier }] }),
      );
      h.clock.advance(600);
      const midway = await describeOne(DR, 'odoo-cell-a-dr-1');
      h.clock.advance(600);
      const done = await describeOne(DR, 'odoo-cell-a-dr-1');

      // assess
      expect(started.DBClusterSnapshot).toMatchObject({
        DBClusterSnapshotIdentifier: 'odoo-cell-a-dr-1',
        DBClusterSnapshotArn: snapshotArn(DR, 'odoo-cell-a-dr-1'),
        DBClusterIdentifier: cell().auroraClusterIdentifier,
        Status: 'copying',
        SnapshotType: 'manual',
        Engine: 'aurora-postgresql',
        StorageEncrypted: true,
        KmsKeyId: drKey(),
        SourceDBClusterSnapshotArn: source.DBClusterSnapshotArn,
        SnapshotCreateTime: source.SnapshotCreateTime,
      });
      expect(started.DBClusterSnapshot!.TagList).toEqual([
        { Key: 'odoo:cell', Value: 'a' },
        { Key: 'odoo:dr-copy-of', Value: cell().auroraClusterIdentifier },
      ]);
      expect(midway.Status).toBe('copying');
      expect(done).toMatchObject({ Status: 'available', PercentProgress: 100, SnapshotCreateTime: source.SnapshotCreateTime });
      expect(h.sim.inventory().regions[DR]!.rds.snapshots).toContainEqual({
        identifier: 'odoo-cell-a-dr-1',
        cluster: cell().auroraClusterIdentifier,
        status: 'available',
        tags: { 'odoo:cell': 'a', 'odoo:dr-copy-of': cell().auroraClusterIdentifier },
        copiedFrom: source.DBClusterSnapshotArn,
      });
    });

    it('copies an automated snapshot (rds:<cluster>-<time>) by its ARN, as a manual snapshot without the source tags unless asked', async () => {
      // prepare
      const automated = (await rds(PRIMARY).send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: cell().auroraClusterIdentifier, SnapshotType: 'automated' }))).DBClusterSnapshots!.at(-1)!;

      // act
      const started = await rds(DR).send(new CopyDBClusterSnapshotCommand(copyInput(automated.DBClusterSnapshotArn!, 'odoo-cell-a-dr-auto-1')));
      h.clock.advance(1200);
      const done = await describeOne(DR, 'odoo-cell-a-dr-auto-1');

      // assess
      expect(automated.DBClusterSnapshotIdentifier!.startsWith(`rds:${cell().auroraClusterIdentifier}-`)).toBe(true);
      expect(started.DBClusterSnapshot).toMatchObject({ Status: 'copying', SnapshotType: 'manual', SourceDBClusterSnapshotArn: automated.DBClusterSnapshotArn, TagList: [] });
      expect(done).toMatchObject({ Status: 'available', DBClusterIdentifier: cell().auroraClusterIdentifier, SnapshotCreateTime: automated.SnapshotCreateTime });
    });

    it('copies within a region by plain identifier, keeping the source key when none is given', async () => {
      // prepare
      const source = await cellSnapshot();

      // act
      const copy = await rds(PRIMARY).send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: source.DBClusterSnapshotIdentifier, TargetDBClusterSnapshotIdentifier: 'odoo-cell-a-local-copy' }));

      // assess
      expect(copy.DBClusterSnapshot).toMatchObject({ Status: 'copying', KmsKeyId: source.KmsKeyId, DBClusterSnapshotArn: snapshotArn(PRIMARY, 'odoo-cell-a-local-copy') });
    });

    it("answers AWS's error names: missing or invalid target, target taken, source not found or not available, no key of the target region for encrypted data", async () => {
      // prepare
      const source = await cellSnapshot();
      await rds(DR).send(new CopyDBClusterSnapshotCommand(copyInput(source.DBClusterSnapshotArn!, 'odoo-cell-a-dr-taken')));
      const creating = `odoo-cell-copy-src-${++made}`;
      await rds(PRIMARY).send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: cell().auroraClusterIdentifier, DBClusterSnapshotIdentifier: creating }));
      const send = (input: Record<string, unknown>) => rejection(rds(DR).send(new CopyDBClusterSnapshotCommand(input as never)));

      // act
      const missingTarget = await send({ SourceDBClusterSnapshotIdentifier: source.DBClusterSnapshotArn, KmsKeyId: drKey() });
      const invalidTarget = await send(copyInput(source.DBClusterSnapshotArn!, 'dr--copy'));
      const taken = await send(copyInput(source.DBClusterSnapshotArn!, 'odoo-cell-a-dr-taken'));
      const notFound = await send(copyInput(snapshotArn(PRIMARY, 'no-such-snapshot'), 'odoo-cell-a-dr-2'));
      const notFoundHere = await send(copyInput(source.DBClusterSnapshotIdentifier!, 'odoo-cell-a-dr-2'));
      const notAvailable = await send(copyInput(snapshotArn(PRIMARY, creating), 'odoo-cell-a-dr-2'));
      const noKey = await send({ SourceDBClusterSnapshotIdentifier: source.DBClusterSnapshotArn, TargetDBClusterSnapshotIdentifier: 'odoo-cell-a-dr-2' });
      const otherRegionKey = await send({ ...copyInput(source.DBClusterSnapshotArn!, 'odoo-cell-a-dr-2'), KmsKeyId: drKey().replace(DR, PRIMARY) });

      // assess
      expect(missingTarget.name).toBe('MissingParameter');
      expect(invalidTarget.name).toBe('InvalidParameterValue');
      expect(taken.name).toBe('DBClusterSnapshotAlreadyExistsFault');
      expect(notFound.name).toBe('DBClusterSnapshotNotFoundFault');
      expect(notFoundHere.name).toBe('DBClusterSnapshotNotFoundFault');
      expect(notAvailable.name).toBe('InvalidDBClusterSnapshotStateFault');
      expect(noKey).toMatchObject({ name: 'InvalidParameterValue', message: 'Must specify new KMS key for cross region encrypted snapshot copy.' });
      expect(otherRegionKey.name).toBe('KMSKeyNotAccessibleFault');
      expect((await describeOne(DR, 'odoo-cell-a-dr-taken')).Status).toBe('copying');
    });

    it("fails with the unreachable region's timeout when the source region is down, and makes no copy", async () => {
      // prepare
      const source = await cellSnapshot();
      h.sim.faults.set([{ service: '*', region: PRIMARY, effect: 'unreachable' }]);

      // act
      const err = await rejection(rds(DR).send(new CopyDBClusterSnapshotCommand(copyInput(source.DBClusterSnapshotArn!, 'odoo-cell-a-dr-down'))));
      const copy = await rejection(describeOne(DR, 'odoo-cell-a-dr-down'));

      // assess
      expect(err.name).toBe('TimeoutError');
      expect(copy.name).toBe('DBClusterSnapshotNotFoundFault');
    });

    it('cancels a copy when the copy is deleted while still copying', async () => {
      // prepare
      const source = await cellSnapshot();
      await rds(DR).send(new CopyDBClusterSnapshotCommand(copyInput(source.DBClusterSnapshotArn!, 'odoo-cell-a-dr-cancelled')));

      // act
      const deleted = await rds(DR).send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'odoo-cell-a-dr-cancelled' }));
      const gone = await rejection(describeOne(DR, 'odoo-cell-a-dr-cancelled'));

      // assess
      expect(deleted.DBClusterSnapshot?.Status).toBe('deleted');
      expect(gone.name).toBe('DBClusterSnapshotNotFoundFault');
    });
  });

  describe('DescribeDBClusterSnapshots', () => {
    it("filters by db-cluster-id (identifier or ARN, also for copies whose cluster is in another region), snapshot id, type and engine, and rejects an unknown filter's name", async () => {
      // prepare
      const source = await cellSnapshot();
      await rds(DR).send(new CopyDBClusterSnapshotCommand(copyInput(source.DBClusterSnapshotArn!, 'odoo-cell-a-dr-filtered')));
      const list = async (region: string, input: DescribeDBClusterSnapshotsCommandInput) =>
        ((await rds(region).send(new DescribeDBClusterSnapshotsCommand(input))).DBClusterSnapshots ?? []).map((s) => s.DBClusterSnapshotIdentifier);

      // act
      const byClusterInDr = await list(DR, { Filters: [{ Name: 'db-cluster-id', Values: [cell().auroraClusterIdentifier.toUpperCase()] }] });
      const byClusterArnInDr = await list(DR, { Filters: [{ Name: 'db-cluster-id', Values: [cell().auroraClusterArn] }] });
      const byId = await list(DR, { Filters: [{ Name: 'db-cluster-snapshot-id', Values: ['odoo-cell-a-dr-filtered'] }] });
      const automatedByFilter = await list(PRIMARY, { Filters: [{ Name: 'db-cluster-id', Values: [cell().auroraClusterIdentifier] }, { Name: 'snapshot-type', Values: ['automated'] }] });
      const otherEngine = await list(DR, { Filters: [{ Name: 'engine', Values: ['aurora-mysql'] }] });
      const manualTyped = await list(DR, { SnapshotType: 'manual', Filters: [{ Name: 'db-cluster-snapshot-id', Values: ['odoo-cell-a-dr-filtered'] }] });
      const conflicting = await list(DR, { SnapshotType: 'manual', Filters: [{ Name: 'snapshot-type', Values: ['automated'] }] });
      const unknown = await rejection(rds(DR).send(new DescribeDBClusterSnapshotsCommand({ Filters: [{ Name: 'db-instance-id', Values: ['x'] }] })));
      const automatedById = await describeOne(PRIMARY, automatedByFilter[0]!, 'automated');
      const automatedUntyped = await rejection(describeOne(PRIMARY, automatedByFilter[0]!));

      // assess
      expect(byClusterInDr).toContain('odoo-cell-a-dr-filtered');
      expect(byClusterArnInDr).toEqual(byClusterInDr);
      expect(byId).toEqual(['odoo-cell-a-dr-filtered']);
      expect(automatedByFilter.length).toBeGreaterThan(0);
      expect(automatedByFilter.every((id) => id!.startsWith(`rds:${cell().auroraClusterIdentifier}-`))).toBe(true);
      expect(otherEngine).toEqual([]);
      expect(manualTyped).toEqual(['odoo-cell-a-dr-filtered']);
      expect(conflicting).toEqual([]);
      expect(unknown).toMatchObject({ name: 'InvalidParameterValue', message: 'Unrecognized filter name: db-instance-id' });
      expect(automatedById).toMatchObject({ SnapshotType: 'automated', Status: 'available' });
      expect(automatedUntyped.name).toBe('DBClusterSnapshotNotFoundFault');
    });

    it('pages with MaxRecords (20 to 100) and Marker, every snapshot once', async () => {
      // prepare
      for (let n = 0; n < 22; n++) {
        await rds(PRIMARY).send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: cell().auroraClusterIdentifier, DBClusterSnapshotIdentifier: `odoo-cell-a-paged-${n}` }));
      }
      const all = (await rds(PRIMARY).send(new DescribeDBClusterSnapshotsCommand({ Filters: [{ Name: 'db-cluster-id', Values: [cell().auroraClusterIdentifier] }] }))).DBClusterSnapshots!;

      // act
      const first = await rds(PRIMARY).send(new DescribeDBClusterSnapshotsCommand({ Filters: [{ Name: 'db-cluster-id', Values: [cell().auroraClusterIdentifier] }], MaxRecords: 20 }));
      const second = await rds(PRIMARY).send(new DescribeDBClusterSnapshotsCommand({ Filters: [{ Name: 'db-cluster-id', Values: [cell().auroraClusterIdentifier] }], MaxRecords: 20, Marker: first.Marker }));
      const tooFew = await rejection(rds(PRIMARY).send(new DescribeDBClusterSnapshotsCommand({ MaxRecords: 19 })));
      const tooMany = await rejection(rds(PRIMARY).send(new DescribeDBClusterSnapshotsCommand({ MaxRecords: 101 })));

      // assess
      expect(all.length).toBeGreaterThan(22);
      expect(first.DBClusterSnapshots).toHaveLength(20);
      expect(first.Marker).toEqual(expect.any(String));
      expect(second.Marker).toBeUndefined();
      expect([...first.DBClusterSnapshots!, ...second.DBClusterSnapshots!].map((s) => s.DBClusterSnapshotIdentifier)).toEqual(all.map((s) => s.DBClusterSnapshotIdentifier));
      expect(tooFew.name).toBe('InvalidParameterValue');
      expect(tooMany.name).toBe('InvalidParameterValue');
    });
  });

  describe('RestoreDBClusterFromSnapshot from a copy in the DR region', () => {
    const database = 'odoo_copytest';
    const cellDb = () => ({ resourceArn: cell().auroraClusterArn, secretArn: cell().masterSecretArn, database });
    const beat = async () => (await writeHeartbeat(h.provider.rdsData(PRIMARY), cellDb(), 'odoo-fleet-heartbeat')).at;

    /** Restores a DR copy into a new cluster with the Data API on, and answers its newest heartbeat. */
    async function restoreAndReadNewest(snapshot: string, cluster: string): Promise<{ newest: string | null; restored: Record<string, unknown> }> {
      const restored = await rds(DR).send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: cluster,
          SnapshotIdentifier: snapshot,
          Engine: 'aurora-postgresql',
          EngineVersion: '16.4',
          KmsKeyId: drKey(),
          DBSubnetGroupName: h.config.drills.dbSubnetGroupName,
          VpcSecurityGroupIds: h.config.drills.vpcSecurityGroupIds,
          Tags: [{ Key: 'odoo:failover', Value: 'test' }],
        }),
      );
      h.clock.advance(900);
      await rds(DR).send(new ModifyDBClusterCommand({ DBClusterIdentifier: cluster, EnableHttpEndpoint: true, ManageMasterUserPassword: true }));
      const described = (await rds(DR).send(new DescribeDBClustersCommand({ DBClusterIdentifier: cluster }))).DBClusters![0]!;
      const newest = await readNewestHeartbeat(h.provider.rdsData(DR), { resourceArn: described.DBClusterArn!, secretArn: described.MasterUserSecret!.SecretArn!, database });
      return { newest, restored: { ...restored.DBCluster, Status: described.Status } };
    }

    beforeAll(async () => {
      const run = (statement: { sql: string; parameters?: ExecuteStatementCommandInput['parameters'] }) =>
        h.provider.rdsData(PRIMARY).send(new ExecuteStatementCommand({ ...cellDb(), database: 'postgres', ...statement }));
      await run(pooledSql.createRole(`${database}_app`, 'Abcdefgh12345678XYZ'));
      await run(pooledSql.grantRoleToMaster(`${database}_app`));
      await run(pooledSql.createDatabase(database, `${database}_app`));
    });

    it("holds the data as of the source snapshot: heartbeats written after it are missing, those before it are there", async () => {
      // prepare
      const before = await beat();
      h.sim.clock.advance(60);
      const source = await cellSnapshot();
      h.sim.clock.advance(60);
      const after = await beat();
      await rds(DR).send(new CopyDBClusterSnapshotCommand(copyInput(source.DBClusterSnapshotArn!, 'odoo-cell-a-dr-restore')));
      h.clock.advance(1200);

      // act
      const { newest, restored } = await restoreAndReadNewest(snapshotArn(DR, 'odoo-cell-a-dr-restore'), 'odoo-cell-a-dr-restored');

      // assess
      expect(restored).toMatchObject({ DBClusterIdentifier: 'odoo-cell-a-dr-restored', Status: 'available', KmsKeyId: drKey(), DBSubnetGroup: h.config.drills.dbSubnetGroupName, TagList: [{ Key: 'odoo:failover', Value: 'test' }] });
      expect(newest).toBe(before);
      expect(Date.parse(newest!)).toBeLessThanOrEqual(source.SnapshotCreateTime!.getTime());
      expect(Date.parse(after)).toBeGreaterThan(source.SnapshotCreateTime!.getTime());
    });

    it('holds the data as of an automated snapshot copied from the primary, not as of the copy', async () => {
      // prepare: a day later, the next daily snapshot is after the first beat; the second beat is after it.
      const before = await beat();
      h.sim.clock.advance(DAY_S);
      const automated = (await rds(PRIMARY).send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: cell().auroraClusterIdentifier, SnapshotType: 'automated' })))
        .DBClusterSnapshots!.sort((a, b) => b.SnapshotCreateTime!.getTime() - a.SnapshotCreateTime!.getTime())[0]!;
      const after = await beat();
      await rds(DR).send(new CopyDBClusterSnapshotCommand(copyInput(automated.DBClusterSnapshotArn!, 'odoo-cell-a-dr-auto-restore')));
      h.clock.advance(1200);

      // act
      const { newest } = await restoreAndReadNewest('odoo-cell-a-dr-auto-restore', 'odoo-cell-a-dr-auto-restored');

      // assess
      expect(Date.parse(before)).toBeLessThanOrEqual(automated.SnapshotCreateTime!.getTime());
      expect(Date.parse(after)).toBeGreaterThan(automated.SnapshotCreateTime!.getTime());
      expect(newest).toBe(before);
    });

    it('restores from an automated snapshot of the same region by its rds: identifier', async () => {
      // prepare
      const automated = (await rds(PRIMARY).send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: cell().auroraClusterIdentifier, SnapshotType: 'automated' }))).DBClusterSnapshots!.at(-1)!;

      // act
      const restored = await rds(PRIMARY).send(
        new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'odoo-cell-a-from-automated', SnapshotIdentifier: automated.DBClusterSnapshotIdentifier, Engine: 'aurora-postgresql' }),
      );

      // assess
      expect(restored.DBCluster).toMatchObject({ DBClusterIdentifier: 'odoo-cell-a-from-automated', Status: 'creating', MasterUsername: expect.any(String) });
    });
  });
});
