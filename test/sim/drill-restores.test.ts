/**
 * What the simulated cloud gives restore drills: a restored cluster's databases are real
 * PostgreSQL (PGlite), holding the tenant's Odoo content as of the restore point; heartbeats the
 * Data API receives are recorded; Odoo's initialisation stores attachments in the filestore; the
 * Data API answers only once the HTTP endpoint is on; drill faults act on a tenant's restores; and
 * deleting the drill cluster drops its schemas.
 */
import { DeleteDBClusterCommand, DescribeDBClustersCommand, EnableHttpEndpointCommand, ModifyDBClusterCommand, RestoreDBClusterToPointInTimeCommand } from '@aws-sdk/client-rds';
import { ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDrillRestore, readRestorePoint, retireDrillCluster, type DrillRestore } from '#shared/cloud/adapters/drill-database.ts';
import { writeHeartbeat } from '#shared/cloud/adapters/heartbeat.ts';
import { dataApiRunner, filestoreObjectKey, s3FilestoreProbe, validateRestore, type ValidationResult } from '#shared/cloud/drill-validation.ts';
import type { K8sObject, KubernetesApi } from '#shared/cloud/kubernetes-api.ts';
import { pooledSql } from '#shared/cloud/pooled-sql.ts';
import { drillTags } from '#shared/domain/drill-names.ts';
import { SimPostgres, toPositional } from '#local/sim/sim-postgres.ts';
import { deployment, job, namespace, restrictedContainer } from './k8s-objects.ts';
import { PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

const FM = 'drill-test';
const IMAGE = 'registry.example.com/odoo:17.0';
const PASSWORD = 'Abcdefgh12345678XYZ';
const HOUR_S = 3600;

describe('Function: toPositional (Data API :name parameters to $n)', () => {
  it('numbers each name once, and leaves casts, literals, quoted names, comments and dollar quotes alone', () => {
    const { sql, names } = toPositional(`SELECT :a::int, ':b', "x:c", :a, e'it''s :d', $$ :e $$, $t$ :f $t$ /* :g */ FROM t WHERE y = :h -- :i\n AND z = :a`);
    expect(sql).toBe(`SELECT $1::int, ':b', "x:c", $1, e'it''s :d', $$ :e $$, $t$ :f $t$ /* :g */ FROM t WHERE y = $2 -- :i\n AND z = $1`);
    expect(names).toEqual(['a', 'h']);
  });
});

describe('simulated cloud: restore drills', () => {
  let h: SimHarness;
  let k8s: KubernetesApi;
  let drills = 0;
  const cell = () => h.config.cells[0]!;
  const rds = () => h.provider.rds(PRIMARY);
  const data = () => h.provider.rdsData(PRIMARY);
  const cellDb = (database: string) => ({ resourceArn: cell().auroraClusterArn, secretArn: cell().masterSecretArn, database });
  const prefix = (tenantId: string) => `tenants/${tenantId}/`;

  /** A pooled tenant as provisioning leaves it: database, Odoo's namespace and config, and an init Job that ran. */
  async function tenant(tenantId: string, modules = ['sale']): Promise<void> {
    const db = `odoo_${tenantId}`;
    const run = (s: { sql: string; parameters?: never }) => data().send(new ExecuteStatementCommand({ ...cellDb('postgres'), ...s }));
    await run(pooledSql.createRole(`${db}_app`, PASSWORD));
    await run(pooledSql.grantRoleToMaster(`${db}_app`));
    await run(pooledSql.createDatabase(db, `${db}_app`));
    const ns = `tenant-${tenantId}`;
    const config: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'odoo-config', namespace: ns }, data: { 'odoo.conf': `[options]\ndb_name = ${db}\n` } };
    const env = [
      { name: 'ODOO_FILESTORE_BUCKET', value: cell().bucket },
      { name: 'ODOO_FILESTORE_PREFIX', value: prefix(tenantId) },
    ];
    await k8s.apply(namespace(ns, tenantId), FM);
    await k8s.apply(config, FM);
    await k8s.apply(deployment(ns, 'odoo-web', IMAGE, { replicas: 1, container: { ...restrictedContainer(IMAGE), env } }), FM);
    await k8s.apply(job(ns, `odoo-init-${tenantId}`, IMAGE, 'init', { 'odoo.fleet/database': db, 'odoo.fleet/modules': ['base', ...modules].join(',') }), FM);
    h.clock.advance(60);
    await k8s.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: `odoo-init-${tenantId}` });
  }

  const beat = (tenantId: string) => writeHeartbeat(data(), cellDb(`odoo_${tenantId}`), 'odoo-fleet-heartbeat');

  /** Restores the cell for a tenant's drill and polls until ready (or until `polls` run out). */
  async function restore(tenantId: string, options: { chosen?: Date; polls?: number } = {}): Promise<{ cluster: string; point: Date; restored: DrillRestore }> {
    const cluster = `odoo-drill-${tenantId}-${String(++drills).padStart(4, '0')}`;
    const point = await readRestorePoint(rds(), cell().auroraClusterIdentifier, options.chosen);
    const input = {
      sourceClusterIdentifier: cell().auroraClusterIdentifier,
      clusterIdentifier: cluster,
      instanceIdentifier: `${cluster}-1`,
      restoreTo: point.restorePoint,
      instanceClass: h.config.drills.instanceClass,
      dbSubnetGroupName: h.config.drills.dbSubnetGroupName,
      vpcSecurityGroupIds: h.config.drills.vpcSecurityGroupIds,
      tags: drillTags(tenantId, `op-${cluster}`, '2026-03-02T00:00:00.000Z'),
    };
    let restored = await ensureDrillRestore(rds(), input);
    for (let i = 0; !restored.ready && i < (options.polls ?? 10); i++) {
      h.clock.advance(300);
      restored = await ensureDrillRestore(rds(), input);
    }
    return { cluster, point: point.restorePoint, restored };
  }

  /** The tenants' recorded modules, as their records would hold them. */
  const recorded: Record<string, string[]> = { acme: ['sale'], beta: [], gamma: ['sale'] };

  function validate(tenantId: string, r: { point: Date; restored: DrillRestore }): Promise<ValidationResult> {
    return validateRestore({
      sql: dataApiRunner(data(), { resourceArn: r.restored.clusterArn!, secretArn: r.restored.secretArn!, database: `odoo_${tenantId}` }),
      filestore: s3FilestoreProbe(h.provider.s3(PRIMARY), cell().bucket),
      filestorePrefix: prefix(tenantId),
      expectedModules: recorded[tenantId]!,
      restorePoint: r.point,
      attachmentSample: 20,
    });
  }

  async function retire(cluster: string): Promise<void> {
    for (let i = 0; i < 10 && (await retireDrillCluster(rds(), cluster)) !== 'absent'; i++) h.clock.advance(300);
  }

  const failed = (r: ValidationResult) => r.checks.filter((c) => !c.passed).map((c) => c.name);
  const check = (r: ValidationResult, name: string) => r.checks.find((c) => c.name === name)!;

  beforeAll(async () => {
    h = await startSim();
    // PGlite takes seconds to start: in the setup, not in the first test.
    await h.sim.postgres.ready();
    k8s = await h.provider.kubernetes(PRIMARY, 'fleet-euw1');
    await tenant('acme');
    await tenant('beta', []);
  });
  afterAll(async () => {
    h.sim.faults.clear();
    await h.stop();
  });

  describe('heartbeats and attachments on production', () => {
    it('records each heartbeat INSERT with the clock time, creating the table on the first', async () => {
      // act
      const first = await beat('acme');
      h.sim.clock.advance(60);
      const second = await beat('acme');

      // assess
      const log = h.sim.region(PRIMARY).rds.store.clusters.get('odoo-cell-a')!.databases.get('odoo_acme')!.heartbeats!;
      expect(second.id).toBe(first.id + 1);
      expect(Date.parse(second.at) - Date.parse(first.at)).toBe(60_000);
      expect(log).toMatchObject({ table: true, firstId: 1 });
      expect(log.at.slice(-1)[0]).toBe(Date.parse(second.at));
    });

    it('keeps the attachments Odoo initialisation stored, dated on the simulated clock', async () => {
      // act
      const record = h.sim.content.attachmentsOf('odoo_acme')!;
      const listed = await h.provider.s3(PRIMARY).send(new ListObjectVersionsCommand({ Bucket: cell().bucket, Prefix: `${prefix('acme')}filestore/` }));

      // assess
      expect(record.attachments).toHaveLength(5);
      expect(listed.Versions?.map((v) => v.Key).sort()).toEqual(record.attachments.map((a) => filestoreObjectKey(prefix('acme'), a.storeFname)).sort());
      expect(listed.Versions?.every((v) => v.LastModified!.getTime() === record.attachments[0]!.createdAt)).toBe(true);
    });
  });

  describe('a restored cell cluster', () => {
    let r: Awaited<ReturnType<typeof restore>>;
    let afterPoint: string;

    beforeAll(async () => {
      await beat('acme');
      h.sim.clock.advance(600);
      r = await restore('acme');
      afterPoint = (await beat('acme')).at;
    });

    it('answers the Data API with real SQL on the tenant database, as of the restore point', async () => {
      // act
      const sql = (s: string, parameters?: never) => data().send(new ExecuteStatementCommand({ resourceArn: r.restored.clusterArn!, secretArn: r.restored.secretArn!, database: 'odoo_acme', sql: s, parameters }));
      const partners = await sql("SELECT count(*) AS n, bool_and(write_date <= :point::timestamp) AS old FROM res_partner WHERE name LIKE :pattern", [
        { name: 'point', value: { stringValue: r.point.toISOString().replace('T', ' ').replace('Z', '') } },
        { name: 'pattern', value: { stringValue: 'Customer%' } },
      ] as never);
      const json = await data().send(
        new ExecuteStatementCommand({ resourceArn: r.restored.clusterArn!, secretArn: r.restored.secretArn!, database: 'odoo_acme', sql: "SELECT name, state FROM ir_module_module WHERE name = 'sale'", formatRecordsAs: 'JSON' }),
      );
      const newest = await sql('SELECT max(at) AS newest, count(*) AS beats FROM odoo_fleet_heartbeat');
      const error = await rejection(sql('SELECT * FROM sale_order_line'));

      // assess
      expect(r.restored).toMatchObject({ ready: true, status: 'available' });
      expect(partners.records).toEqual([[{ longValue: 8 }, { booleanValue: true }]]);
      expect(JSON.parse(json.formattedRecords!)).toEqual([{ name: 'sale', state: 'installed' }]);
      // The heartbeat written after the restore point is not in the restore.
      expect(Date.parse(`${newest.records![0]![0]!.stringValue!.replace(' ', 'T')}Z`)).toBeLessThanOrEqual(r.point.getTime());
      expect(newest.records![0]![1]).toEqual({ longValue: 3 });
      expect(Date.parse(afterPoint)).toBeGreaterThan(r.point.getTime());
      expect(error).toMatchObject({ name: 'DatabaseErrorException', message: 'ERROR: relation "sale_order_line" does not exist; SQLState: 42P01' });
    });

    it('passes the whole validation, with the restore point recorded on the cluster', async () => {
      // act
      const result = await validate('acme', r);

      // assess
      expect(failed(result)).toEqual([]);
      expect(check(result, 'connect').figures).toMatchObject({ database: 'odoo_acme' });
      expect(check(result, 'filestore').figures).toEqual({ sampled: 5, missing: 0, firstMissingKey: null });
      expect(h.sim.inventory().regions[PRIMARY]!.rds.clusters.find((c) => c.identifier === r.cluster)).toMatchObject({ restoredTo: r.point.toISOString(), tags: { 'odoo:drill': `op-${r.cluster}` } });
    });

    it('keeps a write to the restored database there, apart from production', async () => {
      // act
      const restoredBeat = await writeHeartbeat(data(), { resourceArn: r.restored.clusterArn!, secretArn: r.restored.secretArn!, database: 'odoo_acme' }, 'drill-check');
      const production = h.sim.region(PRIMARY).rds.store.clusters.get('odoo-cell-a')!.databases.get('odoo_acme')!.heartbeats!;

      // assess: the restore's sequence goes on from its own newest row; production never sees the write
      expect(restoredBeat.id).toBe(4);
      expect(production.writers).not.toContain('drill-check');
    });

    it('binds every Data API value kind to its :name, and answers typed fields or JSON', async () => {
      // prepare
      const parameters = [
        { name: 'text', value: { stringValue: "it's :not_a_parameter" } },
        { name: 'n', value: { longValue: 41 } },
        { name: 'x', value: { doubleValue: 2.5 } },
        { name: 'flag', value: { booleanValue: true } },
        { name: 'nothing', value: { isNull: true } },
      ];
      const sql = "SELECT :text::text AS text, :n::int + 1 AS n, :x::float8 * 2 AS x, NOT :flag::boolean AS flag, :nothing::text AS nothing, ':n' AS literal, :n::int AS again -- :n\n";
      const send = (formatRecordsAs?: 'JSON') => data().send(new ExecuteStatementCommand({ resourceArn: r.restored.clusterArn!, secretArn: r.restored.secretArn!, database: 'odoo_acme', sql, parameters, formatRecordsAs }));

      // act
      const typed = await send();
      const json = await send('JSON');
      const missing = await rejection(data().send(new ExecuteStatementCommand({ resourceArn: r.restored.clusterArn!, secretArn: r.restored.secretArn!, database: 'odoo_acme', sql: 'SELECT :absent AS a' })));

      // assess
      expect(typed.records).toEqual([[{ stringValue: "it's :not_a_parameter" }, { longValue: 42 }, { doubleValue: 5 }, { booleanValue: false }, { isNull: true }, { stringValue: ':n' }, { longValue: 41 }]]);
      expect(JSON.parse(json.formattedRecords!)).toEqual([{ text: "it's :not_a_parameter", n: 42, x: 5, flag: false, nothing: null, literal: ':n', again: 41 }]);
      expect(missing.name).toBe('BadRequestException');
    });

    it('drops the restored schemas when the cluster is deleted', async () => {
      // prepare
      const resourceId = h.sim.region(PRIMARY).rds.store.clusters.get(r.cluster)!.resourceId;
      const schema = SimPostgres.schemaName(resourceId, 'odoo_acme');
      const before = await h.sim.postgres.schemaExists(schema);

      // act
      await retire(r.cluster);
      await new Promise((resolve) => setTimeout(resolve, 50));

      // assess
      expect(before).toBe(true);
      expect(await h.sim.postgres.schemaExists(schema)).toBe(false);
      expect(await rejection(rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: r.cluster })))).toMatchObject({ name: 'DBClusterNotFoundFault' });
    });
  });

  it('records heartbeats sent to a restored cluster before anyone read it (a rollback that became production), and shows them once read', async () => {
    // prepare
    const r = await restore('acme');
    const target = { resourceArn: r.restored.clusterArn!, secretArn: r.restored.secretArn!, database: 'odoo_acme' };
    const restoredNewest = h.sim.region(PRIMARY).rds.store.clusters.get(r.cluster)!.databases.get('odoo_acme')!.heartbeats!;
    const lastRestoredId = restoredNewest.firstId + restoredNewest.at.length - 1;

    // act
    h.sim.clock.advance(60);
    const written = await writeHeartbeat(data(), target, 'odoo-fleet-heartbeat');
    const read = await data().send(new ExecuteStatementCommand({ ...target, sql: 'SELECT max(id) AS id, count(*) AS n FROM odoo_fleet_heartbeat' }));

    // assess
    expect(written.id).toBe(lastRestoredId + 1);
    expect(read.records![0]![0]).toEqual({ longValue: written.id });
    await retire(r.cluster);
  });

  it('restores an earlier chosen point without what came after it, and a point before initialisation without Odoo', async () => {
    // prepare
    const before = h.sim.clock.nowMs();
    h.sim.clock.advance(2 * HOUR_S);
    await tenant('gamma');
    await beat('gamma');
    h.sim.clock.advance(600);

    // act
    const early = await restore('gamma', { chosen: new Date(before) });
    const result = await validate('gamma', early);

    // assess
    expect(check(result, 'odoo-schema')).toMatchObject({ passed: false });
    expect(failed(result)).toContain('newest-data');
    await retire(early.cluster);
  });

  describe('drill faults on a tenant', () => {
    const faults = (...rules: object[]) => h.sim.faults.set(rules);

    it('refuses tenant rules without a tenant, and a tenant on other effects', () => {
      expect(() => faults({ service: 'rds', effect: 'stale-restore' })).toThrow(/invalid fault rules/);
      expect(() => faults({ service: 'rds', effect: 'error', tenant: 'acme' })).toThrow(/invalid fault rules/);
      expect(() => faults({ service: 'rds', effect: 'missing-module', tenant: 'Not A Tenant' })).toThrow(/invalid fault rules/);
    });

    it('restore-fails: the drill cluster ends failed, the drill fails for good, and teardown still removes it', async () => {
      // prepare
      faults({ service: 'rds', effect: 'restore-fails', tenant: 'acme' });

      // act
      const err = await restore('acme').catch((e: Error) => e);
      const cluster = `odoo-drill-acme-${String(drills).padStart(4, '0')}`;
      const status = (await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: cluster }))).DBClusters![0]!.Status;
      await retire(cluster);

      // assess
      expect(err).toMatchObject({ name: 'ResourceFailed', message: `drill cluster ${cluster} is failed` });
      expect(status).toBe('failed');
      expect(h.sim.inventoryForTenant('acme').filter((x) => x.id.startsWith('odoo-drill'))).toEqual([]);
      h.sim.faults.clear();
    });

    it('slow-restore: the restore takes four times as long', async () => {
      // prepare
      faults({ service: 'rds', effect: 'slow-restore', tenant: 'beta' });

      // act
      const slow = await restore('beta', { polls: 4 });
      const done = await restore('beta', { polls: 14 });
      h.sim.faults.clear();
      const normal = await restore('beta', { polls: 4 });

      // assess: 900 s typical -> 3,600 s
      expect(slow.restored).toMatchObject({ ready: false, status: 'creating' });
      expect(done.restored.ready).toBe(true);
      expect(normal.restored.ready).toBe(true);
      for (const r of [slow, done, normal]) await retire(r.cluster);
    });

    it('stale-restore: the restore lacks the newest two hours of rows and heartbeats', async () => {
      // prepare
      await beat('beta');
      h.sim.clock.advance(3 * HOUR_S);
      const recent = await beat('beta');
      h.sim.clock.advance(600);
      faults({ service: 'rds', effect: 'stale-restore', tenant: 'beta' });

      // act
      const r = await restore('beta');
      const result = await validate('beta', r);

      // assess: it validates; the drill's RPO then shows how stale it is
      expect(failed(result)).toEqual([]);
      expect(Date.parse(result.newestData.heartbeat!)).toBeLessThanOrEqual(r.point.getTime() - 2 * HOUR_S * 1000);
      expect(Date.parse(result.newestData.heartbeat!)).toBeLessThan(Date.parse(recent.at));
      h.sim.faults.clear();
      await retire(r.cluster);
    });

    it('missing-module: one recorded module is not installed in the restore', async () => {
      // prepare
      faults({ service: 'rds', effect: 'missing-module', tenant: 'acme' });

      // act
      const r = await restore('acme');
      const result = await validate('acme', r);

      // assess
      expect(failed(result)).toEqual(['installed-modules']);
      expect(check(result, 'installed-modules').figures).toMatchObject({ missing: 'sale' });
      h.sim.faults.clear();
      await retire(r.cluster);
    });

    it('empty-tables: res_partner comes back empty', async () => {
      // prepare
      faults({ service: 'rds', effect: 'empty-tables', tenant: 'acme' });

      // act
      const r = await restore('acme');
      const result = await validate('acme', r);

      // assess
      expect(failed(result)).toEqual(['business-rows']);
      expect(check(result, 'business-rows').figures).toMatchObject({ res_partner: 0 });
      h.sim.faults.clear();
      await retire(r.cluster);
    });

    it('missing-attachments: the filestore objects are gone for good, and the filestore check names one', async () => {
      // prepare: only beta's restores are touched, once
      faults({ service: 'rds', effect: 'missing-attachments', tenant: 'beta', count: 1 });
      const keys = h.sim.content.attachmentsOf('odoo_beta')!.attachments.map((a) => filestoreObjectKey(prefix('beta'), a.storeFname));

      // act
      const r = await restore('beta');
      const result = await validate('beta', r);
      const acme = await validate('acme', r);
      const listed = await h.provider.s3(PRIMARY).send(new ListObjectVersionsCommand({ Bucket: cell().bucket, Prefix: `${prefix('beta')}filestore/` }));

      // assess
      expect(failed(result)).toEqual(['filestore']);
      expect(check(result, 'filestore').figures).toMatchObject({ sampled: 5, missing: 5, firstMissingKey: expect.toBeOneOf(keys) });
      expect(failed(acme)).toEqual([]);
      expect(listed.Versions ?? []).toEqual([]);
      expect(h.sim.faults.list()).toEqual([]);
      await retire(r.cluster);
    });

    it('a restore AWS refuses (the error effect) fails the request with its AWS name', async () => {
      // prepare
      faults({ service: 'rds', operation: 'RestoreDBClusterToPointInTime', error: 'InsufficientDBClusterCapacityFault', count: 1 });

      // act
      const err = await restore('acme').catch((e: Error) => e);

      // assess
      expect(err).toMatchObject({ name: 'InsufficientDBClusterCapacityFault' });
      expect(h.sim.region(PRIMARY).rds.store.clusters.has(`odoo-drill-acme-${String(drills).padStart(4, '0')}`)).toBe(false);
    });
  });

  describe('the Data API endpoint', () => {
    it('EnableHttpEndpoint: unknown ARN, a cluster not available yet, then on; the Data API answers only once it is on', async () => {
      // prepare
      const point = await readRestorePoint(rds(), cell().auroraClusterIdentifier);
      const created = await rds().send(
        new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'odoo-drill-endpoint', SourceDBClusterIdentifier: cell().auroraClusterIdentifier, RestoreToTime: point.restorePoint, DBSubnetGroupName: 'odoo-drills' }),
      );
      const arn = created.DBCluster!.DBClusterArn!;

      // act
      const unknown = await rejection(rds().send(new EnableHttpEndpointCommand({ ResourceArn: `${arn}-nope` })));
      const creating = await rejection(rds().send(new EnableHttpEndpointCommand({ ResourceArn: arn })));
      h.clock.advance(900);
      await rds().send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'odoo-drill-endpoint', ManageMasterUserPassword: true }));
      const secretArn = (await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'odoo-drill-endpoint' }))).DBClusters![0]!.MasterUserSecret!.SecretArn!;
      const off = await rejection(data().send(new ExecuteStatementCommand({ resourceArn: arn, secretArn, database: 'odoo_acme', sql: 'SELECT 1' })));
      const enabled = await rds().send(new EnableHttpEndpointCommand({ ResourceArn: arn }));
      const on = await data().send(new ExecuteStatementCommand({ resourceArn: arn, secretArn, database: 'odoo_acme', sql: 'SELECT 1 AS one' }));
      await rds().send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'odoo-drill-endpoint', SkipFinalSnapshot: true }));

      // assess
      expect(unknown.name).toBe('ResourceNotFoundFault');
      expect(creating.name).toBe('InvalidResourceStateFault');
      expect(off).toMatchObject({ name: 'HttpEndpointNotEnabledException', message: expect.stringMatching(/^HttpEndpoint is not enabled for cluster odoo-drill-endpoint/) });
      expect(enabled).toMatchObject({ ResourceArn: arn, HttpEndpointEnabled: true });
      expect(on.records).toEqual([[{ longValue: 1 }]]);
    });
  });
});
