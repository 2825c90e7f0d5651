import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateDBClusterCommand,
  CreateGlobalClusterCommand,
  DeleteDBClusterCommand,
  DeleteGlobalClusterCommand,
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  PromoteReadReplicaDBClusterCommand,
  RemoveFromGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
  type CreateDBClusterCommandInput,
} from '@aws-sdk/client-rds';
import { DatabaseErrorException, ExecuteStatementCommand, type ExecuteStatementCommandInput } from '@aws-sdk/client-rds-data';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNewestHeartbeat } from '#shared/cloud/adapters/heartbeat.ts';
import { heartbeatSql } from '#shared/cloud/heartbeat-sql.ts';
import { pooledSql } from '#shared/cloud/pooled-sql.ts';
import { DURATIONS } from '#local/sim/clock.ts';
import { DR, PRIMARY, rejection, startSim, TIME_SCALE, type SimHarness } from './sim-harness.ts';

const DB = 'odoo_acme';

describe('simulated Aurora cross-region replication', () => {
  let h: SimHarness;
  /** Secrets that open each region's clusters through the Data API (the master's credentials). */
  const secrets: Record<string, string> = {};
  /** Moves the clock by a scaled duration (what AWS takes), plus a little. */
  const wait = (seconds: number) => h.clock.advance(seconds + 1);
  /** Moves the simulated clock by real seconds (replication lag is not scaled). */
  const elapse = (seconds: number) => h.clock.advance(seconds / TIME_SCALE);
  const arn = (region: string, id: string) => `arn:aws:rds:${region}:${h.config.accountId}:cluster:${id}`;
  const sql = (region: string, id: string, statement: { sql: string; parameters?: ExecuteStatementCommandInput['parameters'] }) =>
    h.provider.rdsData(region).send(new ExecuteStatementCommand({ resourceArn: arn(region, id), secretArn: secrets[region]!, database: DB, ...statement }));
  const beat = (region: string, id: string) => sql(region, id, heartbeatSql.insert('odoo-fleet-heartbeat'));
  const cluster = (region: string, id: string) => h.sim.region(region).rds.store.cluster(id)!;
  /** The newest heartbeat a cluster holds (epoch ms), as the Data API sees its content. */
  const newestBeat = async (region: string, id: string) => {
    // As the control plane reads it (`readNewestHeartbeat`), through the Data API.
    const newest = await readNewestHeartbeat(h.provider.rdsData(region), { resourceArn: arn(region, id), secretArn: secrets[region]!, database: DB });
    return newest === null ? undefined : Date.parse(newest);
  };
  const global = async (id: string) => (await h.provider.rds(DR).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: id }))).GlobalClusters![0]!;
  const writerOf = async (id: string) => (await global(id)).GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;

  const primaryInput = (id: string): CreateDBClusterCommandInput => ({
    DBClusterIdentifier: id,
    Engine: 'aurora-postgresql',
    MasterUsername: 'odoo_admin',
    MasterUserPassword: 'Abcdefgh12345678XYZ',
    DatabaseName: DB,
    EnableHttpEndpoint: true,
  });

  /** A writer in the primary region with a heartbeat table, and a global database with a secondary in DR. */
  async function globalPair(id: string): Promise<{ primary: string; secondary: string }> {
    await h.provider.rds(PRIMARY).send(new CreateDBClusterCommand(primaryInput(`${id}-a`)));
    wait(DURATIONS.auroraClusterCreate);
    await sql(PRIMARY, `${id}-a`, heartbeatSql.createTable());
    await h.provider.rds(PRIMARY).send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: id, SourceDBClusterIdentifier: arn(PRIMARY, `${id}-a`) }));
    await h.provider.rds(DR).send(new CreateDBClusterCommand({ DBClusterIdentifier: `${id}-b`, Engine: 'aurora-postgresql', GlobalClusterIdentifier: id, EnableHttpEndpoint: true }));
    wait(DURATIONS.auroraClusterCreate);
    return { primary: arn(PRIMARY, `${id}-a`), secondary: arn(DR, `${id}-b`) };
  }

  /** Heartbeats every 10 s for `count` beats; the clock ends at the last one. */
  async function beats(region: string, id: string, count: number): Promise<void> {
    for (let n = 0; n < count; n++) {
      if (n > 0) elapse(10);
      await beat(region, id);
    }
  }

  beforeAll(async () => {
    h = await startSim();
    for (const region of [PRIMARY, DR]) {
      const s = await h.provider.secrets(region).send(new CreateSecretCommand({ Name: `global-test-master-${region}`, SecretString: JSON.stringify({ username: 'odoo_admin', password: 'Abcdefgh12345678XYZ' }) }));
      secrets[region] = s.ARN!;
    }
  });
  afterAll(async () => h.stop());

  it('makes a global database from a writer, with a read-only secondary whose databases follow it', async () => {
    // act
    const { primary, secondary } = await globalPair('g1');
    const g = await global('g1');
    const secondaryCluster = (await h.provider.rds(DR).send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'g1-b' }))).DBClusters![0]!;
    await beat(PRIMARY, 'g1-a');
    elapse(2);
    const exists = await sql(DR, 'g1-b', pooledSql.databaseExists(DB));
    const write = await rejection(beat(DR, 'g1-b'));

    // assess
    expect(g.Status).toBe('available');
    expect(g.GlobalClusterMembers).toEqual([
      { DBClusterArn: primary, IsWriter: true, Readers: [secondary], GlobalWriteForwardingStatus: 'disabled' },
      { DBClusterArn: secondary, IsWriter: false, Readers: [], GlobalWriteForwardingStatus: 'disabled', SynchronizationStatus: 'connected' },
    ]);
    expect(secondaryCluster).toMatchObject({ Status: 'available', GlobalClusterIdentifier: 'g1', MasterUsername: 'odoo_admin' });
    expect(exists.records).toEqual([[{ longValue: 1 }]]);
    expect(write).toBeInstanceOf(DatabaseErrorException);
    expect(write.message).toMatch(/cannot execute INSERT in a read-only transaction/);
    expect(h.sim.inventory().globalClusters).toContainEqual(expect.objectContaining({ identifier: 'g1', writer: primary }));
  });

  it("refuses what AWS refuses, with AWS's error names", async () => {
    // act
    const master = await rejection(
      h.provider.rds(DR).send(
        new CreateDBClusterCommand({ DBClusterIdentifier: 'g1-c', Engine: 'aurora-postgresql', ReplicationSourceIdentifier: arn(PRIMARY, 'g1-a'), MasterUsername: 'x', MasterUserPassword: 'Abcdefgh12345678XYZ' }),
      ),
    );
    const sameRegion = await rejection(h.provider.rds(DR).send(new CreateDBClusterCommand({ DBClusterIdentifier: 'g1-c', Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'g1' })));
    const unknown = await rejection(h.provider.rds(DR).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: 'nope' })));
    const duplicate = await rejection(h.provider.rds(PRIMARY).send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'g1', Engine: 'aurora-postgresql' })));
    const notEmpty = await rejection(h.provider.rds(PRIMARY).send(new DeleteGlobalClusterCommand({ GlobalClusterIdentifier: 'g1' })));
    const member = await rejection(h.provider.rds(DR).send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'g1-b', SkipFinalSnapshot: true })));
    const writer = await rejection(h.provider.rds(DR).send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: 'g1', TargetDbClusterIdentifier: arn(PRIMARY, 'g1-a') })));
    const removeWriter = await rejection(h.provider.rds(DR).send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'g1', DbClusterIdentifier: arn(PRIMARY, 'g1-a') })));
    await h.provider.rds(PRIMARY).send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'g2', Engine: 'aurora-postgresql' }));
    await h.provider.rds(PRIMARY).send(new CreateDBClusterCommand({ ...primaryInput('g2-a'), GlobalClusterIdentifier: 'g2' }));
    const creating = await rejection(h.provider.rds(DR).send(new CreateDBClusterCommand({ DBClusterIdentifier: 'g2-b', Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'g2' })));
    wait(DURATIONS.auroraClusterCreate);
    await h.provider.rds(DR).send(new CreateDBClusterCommand({ DBClusterIdentifier: 'g2-b', Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'g2' }));
    const notAvailable = await rejection(h.provider.rds(DR).send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: 'g2', TargetDbClusterIdentifier: arn(DR, 'g2-b') })));

    // assess
    expect(master.name).toBe('InvalidParameterCombination');
    expect(sameRegion.name).toBe('InvalidParameterValue');
    expect(unknown.name).toBe('GlobalClusterNotFoundFault');
    expect(duplicate.name).toBe('GlobalClusterAlreadyExistsFault');
    expect(notEmpty.name).toBe('InvalidGlobalClusterStateFault');
    expect(member.name).toBe('InvalidDBClusterStateFault');
    expect(writer.name).toBe('InvalidParameterValue');
    expect(removeWriter.name).toBe('InvalidGlobalClusterStateFault');
    expect(creating.name).toBe('InvalidDBClusterStateFault');
    expect(notAvailable.name).toBe('InvalidDBClusterStateFault');
  });

  it('switches over with no loss at zero lag, swapping the writer once the secondary caught up', async () => {
    // prepare
    const { primary, secondary } = await globalPair('s1');
    h.sim.faults.set([{ service: 'rds', effect: 'replication-lag', seconds: 0 }]);
    await beats(PRIMARY, 's1-a', 3);
    const before = await newestBeat(PRIMARY, 's1-a');

    // act
    await h.provider.rds(DR).send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: 's1', TargetDbClusterIdentifier: secondary }));
    const during = await global('s1');
    wait(DURATIONS.globalSwitchover);
    const after = await global('s1');
    await beat(DR, 's1-b');
    const refused = await rejection(beat(PRIMARY, 's1-a'));

    // assess
    expect(during.Status).toBe('switching-over');
    expect(during.FailoverState).toMatchObject({ FromDbClusterArn: primary, ToDbClusterArn: secondary, IsDataLossAllowed: false });
    expect(after.Status).toBe('available');
    expect(await writerOf('s1')).toBe(secondary);
    expect(cluster(DR, 's1-b').databases.get(DB)!.heartbeats!.at).toContain(before);
    expect(await newestBeat(DR, 's1-b')).toBe(h.clock.now().getTime());
    expect(refused.message).toMatch(/read-only transaction/);
    h.sim.faults.clear();
  });

  it('fails over with data loss: the new writer lacks exactly the last 30 s, the old writer keeps them', async () => {
    // prepare
    const { primary, secondary } = await globalPair('f1');
    h.sim.faults.set([{ service: 'rds', effect: 'replication-lag', seconds: 30, region: DR }]);
    await beats(PRIMARY, 'f1-a', 8);
    const oldNewest = await newestBeat(PRIMARY, 'f1-a');

    // act
    h.sim.faults.set([
      { service: 'rds', effect: 'replication-lag', seconds: 30, region: DR },
      { service: '*', region: PRIMARY, effect: 'unreachable' },
    ]);
    const failover = await h.provider.rds(DR).send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: 'f1', TargetDbClusterIdentifier: secondary, AllowDataLoss: true }));
    const newNewest = cluster(DR, 'f1-b').databases.get(DB)!.heartbeats!.at.at(-1);
    await beat(DR, 'f1-b');
    h.sim.faults.clear();
    const oldAfter = await newestBeat(PRIMARY, 'f1-a');

    // assess
    expect(failover.GlobalCluster?.Status).toBe('failing-over');
    expect(await writerOf('f1')).toBe(secondary);
    expect(oldNewest! - newNewest!).toBe(30_000);
    expect(oldAfter).toBe(oldNewest);
    expect((await global('f1')).GlobalClusterMembers?.find((m) => m.DBClusterArn === primary)?.SynchronizationStatus).toBe('pending-resync');
  });

  it('accepts a replication-lag fault only with its seconds, and seconds only on it', () => {
    // act
    const missing = (() => {
      try {
        h.sim.faults.set([{ service: 'rds', effect: 'replication-lag' }]);
      } catch (err) {
        return err as Error & { details?: unknown };
      }
    })();
    const misplaced = (() => {
      try {
        h.sim.faults.set([{ service: 'rds', effect: 'error', seconds: 3 }]);
      } catch (err) {
        return err as Error & { details?: unknown };
      }
    })();
    const ok = h.sim.faults.set([{ service: 'rds', effect: 'replication-lag', seconds: 30, region: DR }]);
    h.sim.faults.clear();

    // assess
    expect(missing?.details).toEqual([expect.objectContaining({ path: 'rules.0.seconds' })]);
    expect(misplaced?.details).toEqual([expect.objectContaining({ path: 'rules.0.seconds' })]);
    expect(ok).toEqual([expect.objectContaining({ effect: 'replication-lag', seconds: 30, region: DR })]);
  });

  it('without AllowDataLoss, a failover is a switchover', async () => {
    // prepare
    const { secondary } = await globalPair('f2');

    // act
    const out = await h.provider.rds(DR).send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: 'f2', TargetDbClusterIdentifier: secondary }));
    wait(DURATIONS.globalSwitchover);

    // assess
    expect(out.GlobalCluster?.Status).toBe('switching-over');
    expect(await writerOf('f2')).toBe(secondary);
  });

  it('reports the set lag in CloudWatch, and a lag that grows while the primary region is unreachable', async () => {
    // prepare
    await globalPair('m1');
    const lag = async () => {
      const out = await h.provider.cloudwatch(DR).send(
        new GetMetricDataCommand({
          StartTime: new Date(h.clock.now().getTime() - 60_000),
          EndTime: h.clock.now(),
          MetricDataQueries: [{ Id: 'lag', MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'AuroraGlobalDBRPOLag', Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'm1-b' }] }, Period: 60, Stat: 'Average' } }],
        }),
      );
      return out.MetricDataResults![0]!.Values![0];
    };

    // act
    const byDefault = await lag();
    h.sim.faults.set([{ service: 'rds', effect: 'replication-lag', seconds: 5 }]);
    const set = await lag();
    await beat(PRIMARY, 'm1-a');
    const lastBeat = h.clock.now().getTime();
    elapse(6);
    h.sim.faults.set([
      { service: 'rds', effect: 'replication-lag', seconds: 5 },
      { service: '*', region: PRIMARY, effect: 'unreachable' },
    ]);
    elapse(100);
    const stopped = await lag();
    const held = await newestBeat(DR, 'm1-b');
    h.sim.faults.clear();

    // assess
    expect(byDefault).toBe(1000);
    expect(set).toBe(5000);
    expect(stopped).toBe(105_000);
    expect(held).toBe(lastBeat);
    expect(h.sim.inventory().regions[DR]!.rds.clusters.find((c) => c.identifier === 'm1-b')).toMatchObject({ globalCluster: 'm1', replicationLagMs: 1000 });
  });

  it('removes a secondary, which becomes a standalone writer, and deletes the emptied global database', async () => {
    // prepare
    await globalPair('r1');

    // act
    await h.provider.rds(DR).send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'r1', DbClusterIdentifier: arn(DR, 'r1-b') }));
    const notMember = await rejection(h.provider.rds(DR).send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'r1', DbClusterIdentifier: arn(PRIMARY, 'r1-b') })));
    await h.provider.rds(PRIMARY).send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'r1', DbClusterIdentifier: arn(PRIMARY, 'r1-a') }));
    await h.provider.rds(PRIMARY).send(new DeleteGlobalClusterCommand({ GlobalClusterIdentifier: 'r1' }));
    wait(DURATIONS.replicaPromote);
    await beat(DR, 'r1-b');

    // assess
    expect(notMember.name).toBe('DBClusterNotFoundFault');
    expect(h.sim.inventory().globalClusters?.find((g) => g.identifier === 'r1')).toBeUndefined();
  });

  it('refuses a cross-region read replica of an Aurora PostgreSQL cluster, as AWS does: a global database is the way', async () => {
    // prepare
    await h.provider.rds(PRIMARY).send(new CreateDBClusterCommand(primaryInput('p1-a')));
    wait(DURATIONS.auroraClusterCreate);

    // act
    const refused = await rejection(
      h.provider.rds(DR).send(new CreateDBClusterCommand({ DBClusterIdentifier: 'p1-b', Engine: 'aurora-postgresql', ReplicationSourceIdentifier: arn(PRIMARY, 'p1-a') })),
    );
    const notReplica = await rejection(h.provider.rds(PRIMARY).send(new PromoteReadReplicaDBClusterCommand({ DBClusterIdentifier: 'p1-a' })));

    // assess
    expect(refused.name).toBe('InvalidParameterCombination');
    expect(refused.message).toContain('use an Aurora global database');
    expect(notReplica.name).toBe('InvalidDBClusterStateFault');
  });
});
