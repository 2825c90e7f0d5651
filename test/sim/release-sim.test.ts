/**
 * What the simulated cloud adds for releases: automated backups, restores into a new cluster,
 * template copies and renames that carry a database's state, the newest user write, tenant
 * metrics and alarms that follow the running image and its faults, and the synthetic checks.
 */
import { DescribeAlarmsCommand, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSINESS_TABLES } from '#shared/cloud/adapters/release-database.ts';
import type { KubernetesApi } from '#shared/cloud/kubernetes-api.ts';
import { pooledSql } from '#shared/cloud/pooled-sql.ts';
import { deployment, namespace } from './k8s-objects.ts';
import { PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

const GOOD = 'registry.example.com/odoo:17.0-good';
const BAD = 'registry.example.com/odoo:17.0-bad';

describe('simulated cloud: what releases rely on', () => {
  let h: SimHarness;
  let k8s: KubernetesApi;
  const rds = () => h.provider.rds(PRIMARY);
  const cell = () => h.config.cells[0]!;
  const sql = (statement: { sql: string; parameters?: never }, database = 'postgres') =>
    h.provider.rdsData(PRIMARY).send(new ExecuteStatementCommand({ resourceArn: cell().auroraClusterArn, secretArn: cell().masterSecretArn, database, ...statement }));
  const databases = () => h.sim.inventory().regions[PRIMARY]!.rds.databases['odoo-cell-a']!;

  beforeAll(async () => {
    h = await startSim();
    k8s = await h.provider.kubernetes(PRIMARY, 'fleet-euw1');
    await rds().send(
      new CreateDBClusterCommand({ DBClusterIdentifier: 'odoo-acme', Engine: 'aurora-postgresql', MasterUsername: 'odoo_admin', ManageMasterUserPassword: true, DatabaseName: 'odoo_acme', StorageEncrypted: true, DBSubnetGroupName: 'odoo-dedicated' }),
    );
    h.clock.advance(600);
  });
  afterAll(async () => h.stop());

  describe('RDS backups and restores', () => {
    it('lists daily automated snapshots only when asked for them', async () => {
      // act
      const automated = await rds().send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'odoo-cell-a', SnapshotType: 'automated' }));
      const manual = await rds().send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'odoo-cell-a' }));
      const described = await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'odoo-cell-a' }));

      // assess
      expect(automated.DBClusterSnapshots).toHaveLength(1);
      expect(automated.DBClusterSnapshots![0]).toMatchObject({ SnapshotType: 'automated', Status: 'available', DBClusterSnapshotIdentifier: expect.stringMatching(/^rds:odoo-cell-a-/) });
      expect(manual.DBClusterSnapshots).toEqual([]);
      expect(described.DBClusters![0]!.LatestRestorableTime).toBeInstanceOf(Date);
    });

    it('restores a snapshot into a new cluster, with its databases, once the snapshot is available', async () => {
      // prepare
      await rds().send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'odoo-acme', DBClusterSnapshotIdentifier: 'odoo-acme-pre-1', Tags: [{ Key: 'odoo:purpose', Value: 'pre-change' }] }));
      const restore = (id: string, snapshot = 'odoo-acme-pre-1') =>
        rds().send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: id, SnapshotIdentifier: snapshot, Engine: 'aurora-postgresql', DBSubnetGroupName: 'odoo-dedicated', DeletionProtection: true }));

      // act
      const tooEarly = await rejection(restore('odoo-acme-rb-1'));
      h.clock.advance(120);
      const missing = await rejection(restore('odoo-acme-rb-1', 'odoo-acme-nothing'));
      const started = await restore('odoo-acme-rb-1');
      const twice = await rejection(restore('odoo-acme-rb-1'));
      h.clock.advance(900);
      const available = (await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'odoo-acme-rb-1' }))).DBClusters![0]!;
      const managed = await rds().send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'odoo-acme-rb-1', ManageMasterUserPassword: true, ApplyImmediately: true }));

      // assess
      expect(tooEarly.name).toBe('InvalidDBClusterSnapshotStateFault');
      expect(missing.name).toBe('DBClusterSnapshotNotFoundFault');
      expect(started.DBCluster).toMatchObject({ Status: 'creating', MasterUsername: 'odoo_admin', DeletionProtection: true, StorageEncrypted: true });
      expect(twice.name).toBe('DBClusterAlreadyExistsFault');
      expect(available.Status).toBe('available');
      expect(available.MasterUserSecret).toBeUndefined();
      expect(managed.DBCluster?.MasterUserSecret?.SecretArn).toMatch(/^arn:aws:secretsmanager:/);
      expect(h.sim.inventory().regions[PRIMARY]!.rds.databases['odoo-acme-rb-1']!.map((d) => d.name)).toContain('odoo_acme');
    });

    it('restores to a point in time only inside the restorable window, with one of time or latest', async () => {
      // prepare
      const pitr = (input: object) => rds().send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'odoo-acme-reh-1', SourceDBClusterIdentifier: 'odoo-acme', DBSubnetGroupName: 'odoo-dedicated', ...input }));

      // act
      const neither = await rejection(pitr({}));
      const both = await rejection(pitr({ UseLatestRestorableTime: true, RestoreToTime: new Date() }));
      const tooOld = await rejection(pitr({ RestoreToTime: new Date('2000-01-01T00:00:00Z') }));
      const noSource = await rejection(rds().send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'x-1', SourceDBClusterIdentifier: 'odoo-nobody', UseLatestRestorableTime: true })));
      const ok = await pitr({ UseLatestRestorableTime: true });

      // assess
      expect([neither.name, both.name, tooOld.name, noSource.name]).toEqual(['InvalidParameterCombination', 'InvalidParameterCombination', 'InvalidRestoreFault', 'DBClusterNotFoundFault']);
      expect(ok.DBCluster).toMatchObject({ DBClusterIdentifier: 'odoo-acme-reh-1', Status: 'creating' });
    });
  });

  describe('RDS Data API: copies, renames and the newest write', () => {
    it('copies a database with its state, renames it back, and answers PostgreSQL errors otherwise', async () => {
      // prepare
      await sql(pooledSql.createRole('odoo_beta_app', 'Abcdefgh12345678XYZ'));
      await sql(pooledSql.createDatabase('odoo_beta', 'odoo_beta_app'));
      h.sim.initialisedDatabases.set('odoo_beta', { at: h.clock.now() });

      // act
      await sql(pooledSql.copyDatabase('odoo_beta_pre_1', 'odoo_beta', 'odoo_beta_app'));
      const again = await rejection(sql(pooledSql.copyDatabase('odoo_beta_pre_1', 'odoo_beta', 'odoo_beta_app')));
      const noTemplate = await rejection(sql(pooledSql.copyDatabase('odoo_x_pre_1', 'odoo_x', 'odoo_beta_app')));
      const copied = databases().find((d) => d.name === 'odoo_beta_pre_1');
      await sql(pooledSql.dropDatabase('odoo_beta'));
      await sql(pooledSql.renameDatabase('odoo_beta_pre_1', 'odoo_beta'));

      // assess
      expect(copied).toEqual({ name: 'odoo_beta_pre_1', owner: 'odoo_beta_app', initialised: true, copyOf: 'odoo_beta' });
      expect(again.message).toMatch(/database "odoo_beta_pre_1" already exists/);
      expect(noTemplate.message).toMatch(/template database "odoo_x" does not exist/);
      expect(databases().filter((d) => d.name.startsWith('odoo_beta'))).toEqual([{ name: 'odoo_beta', owner: 'odoo_beta_app', initialised: true, copyOf: 'odoo_beta' }]);
      expect(h.sim.initialisedDatabases.has('odoo_beta_pre_1')).toBe(false);
    });

    it('answers the newest write: the initialisation, or now once users of a user-writes image are back', async () => {
      // prepare
      const newest = async () => (await sql(pooledSql.newestWrite(BUSINESS_TABLES) as never, 'odoo_beta')).records![0]![0];
      const initialisedAt = h.sim.initialisedDatabases.get('odoo_beta')!.at;
      await k8s.apply(namespace('tenant-beta', 'beta'), 'test');
      await k8s.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'odoo-config', namespace: 'tenant-beta' }, data: { 'odoo.conf': '[options]\ndb_name = odoo_beta\n' } }, 'test');
      await k8s.apply(deployment('tenant-beta', 'odoo-web', BAD, { replicas: 1 }), 'test');

      // act
      const before = await newest();
      h.sim.faults.set([{ service: 'rds-data', effect: 'user-writes', image: BAD }]);
      const after = await newest();
      h.sim.faults.clear();

      // assess
      expect(before).toEqual({ stringValue: initialisedAt.toISOString().replace('T', ' ').replace('Z', '') });
      expect(after).toEqual({ stringValue: h.clock.now().toISOString().replace('T', ' ').replace('Z', '') });
    });

    it('refuses a user-writes fault without the image it applies to', () => {
      expect(() => h.sim.faults.set([{ service: 'rds-data', effect: 'user-writes' }])).toThrow(/invalid fault rules/);
    });
  });

  describe('CloudWatch tenant metrics and alarms', () => {
    const query = (id: string, metric: string, stat = 'Average'): MetricDataQuery => ({
      Id: id,
      MetricStat: { Metric: { Namespace: 'Odoo/Tenant', MetricName: metric, Dimensions: [{ Name: 'TenantId', Value: 'gamma' }] }, Period: 60, Stat: stat },
    });
    const cw = () => h.provider.cloudwatch(PRIMARY);

    beforeAll(async () => {
      await k8s.apply(namespace('tenant-gamma', 'gamma'), 'test');
      await k8s.apply(deployment('tenant-gamma', 'odoo-web', GOOD, { replicas: 1 }), 'test');
      h.clock.advance(60);
    });

    it('reports a healthy image: 2 requests a second, 0.1 % 5xx, 300 ms, alarms OK', async () => {
      // act
      const start = h.clock.now();
      const out = await cw().send(
        new GetMetricDataCommand({ StartTime: start, EndTime: new Date(start.getTime() + 300_000), MetricDataQueries: [query('req', 'RequestCount', 'Sum'), query('err', 'Http5xxRate'), query('lat', 'LatencyP95')] }),
      );
      const alarms = await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'odoo-gamma-' }));

      // assess
      const byId = Object.fromEntries(out.MetricDataResults!.map((r) => [r.Id, r.Values]));
      expect(byId).toEqual({ req: [120, 120, 120, 120, 120], err: [0.1, 0.1, 0.1, 0.1, 0.1], lat: [300, 300, 300, 300, 300] });
      expect(alarms.MetricAlarms!.map((a) => [a.AlarmName, a.StateValue])).toEqual([
        ['odoo-gamma-http-5xx', 'OK'],
        ['odoo-gamma-latency-p95', 'OK'],
      ]);
    });

    it('follows the rolled-out image: high-error-rate answers 20 % 5xx after the rollout, the baseline before it stays healthy', async () => {
      // prepare
      const before = h.clock.now();
      h.clock.advance(60);
      await k8s.apply(deployment('tenant-gamma', 'odoo-web', BAD, { replicas: 1 }), 'test');
      h.sim.faults.set([{ service: 'cloudwatch', effect: 'high-error-rate', image: BAD }]);
      h.clock.advance(60);
      const after = h.clock.now();

      // act
      const rate = async (at: Date) =>
        (await cw().send(new GetMetricDataCommand({ StartTime: at, EndTime: new Date(at.getTime() + 60_000), MetricDataQueries: [query('err', 'Http5xxRate')] }))).MetricDataResults![0]!.Values;
      const baseline = await rate(new Date(before.getTime() - 60_000));
      const baking = await rate(after);
      const alarms = await cw().send(new DescribeAlarmsCommand({ AlarmNames: ['odoo-gamma-http-5xx'] }));
      h.sim.faults.clear();

      // assess
      expect(baseline).toEqual([0.1]);
      expect(baking).toEqual([20]);
      expect(alarms.MetricAlarms![0]).toMatchObject({ StateValue: 'ALARM', Dimensions: [{ Name: 'TenantId', Value: 'gamma' }] });
    });

    it('validates queries as CloudWatch does', async () => {
      // act
      const at = h.clock.now();
      const badId = await rejection(cw().send(new GetMetricDataCommand({ StartTime: at, EndTime: new Date(at.getTime() + 60_000), MetricDataQueries: [{ ...query('req', 'RequestCount'), Id: 'Req' }] })));
      const backwards = await rejection(cw().send(new GetMetricDataCommand({ StartTime: at, EndTime: at, MetricDataQueries: [query('req', 'RequestCount')] })));
      const period = await rejection(
        cw().send(new GetMetricDataCommand({ StartTime: at, EndTime: new Date(at.getTime() + 60_000), MetricDataQueries: [{ Id: 'req', MetricStat: { ...query('req', 'RequestCount').MetricStat!, Period: 90 } }] })),
      );

      // assess
      expect([badId.name, backwards.name, period.name]).toEqual(['InvalidParameterValue', 'InvalidParameterValue', 'InvalidParameterValue']);
    });
  });

  describe('Odoo probe synthetic checks', () => {
    it('fails the login of a host nobody serves, and does not run the business checks', async () => {
      const checks = await h.provider.probe(PRIMARY).syntheticChecks('nobody.odoo.local.test', 'odoo_nobody', { login: 'admin', password: 'secret' });
      expect(checks.login.result).toBe('fail');
      expect(checks.readSaleOrder).toEqual({ result: 'error', detail: 'not run: login failed' });
      expect(checks.stockAvailability.result).toBe('error');
    });
  });
});
