/**
 * The restore validator against a real PostgreSQL (PGlite, one instance for the file, one schema
 * per case, reached through the simulated Data API's translation), and its two AWS adapters
 * against mocked SDK clients.
 */
import { DatabaseErrorException, ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dataApiRunner, filestoreObjectKey, s3FilestoreProbe, validateRestore, type FilestoreProbe, type SqlRunner, type ValidationInput } from '#shared/cloud/drill-validation.ts';
import { appendHeartbeat, emptyHeartbeatLog, freezeContent, heartbeatsAsOf, initialAttachments, type FreezeInput, type RestoredContent } from '#local/sim/odoo-content.ts';
import { SimPostgres } from '#local/sim/sim-postgres.ts';

const HOUR = 3_600_000;
const POINT = Date.parse('2026-03-01T09:00:00Z');
const PREFIX = 'tenants/acme/';
const postgres = new SimPostgres();
let cases = 0;

/** A heartbeat a minute from `from` to `to`. */
function heartbeats(from: number, to: number) {
  const log = emptyHeartbeatLog();
  log.table = true;
  for (let t = from; t <= to; t += 60_000) appendHeartbeat(log, t, 'odoo-fleet-heartbeat');
  return log;
}

/** A tenant database initialised three days before the point, written an hour before it, heartbeats up to ten minutes after it. */
function content(overrides: Partial<FreezeInput> = {}): RestoredContent {
  const initialisedAt = POINT - 72 * HOUR;
  return freezeContent({
    databaseName: 'odoo_acme',
    point: POINT,
    initialisedAt,
    modules: ['base', 'sale'],
    newestWrite: POINT - HOUR,
    heartbeats: heartbeatsAsOf(heartbeats(POINT - 3 * HOUR, POINT + 10 * 60_000), POINT, overrides.effects?.stale),
    attachments: initialAttachments('odoo_acme', initialisedAt),
    ...overrides,
  });
}

/** A fresh schema holding the content, read through the Data API's shapes. */
function runner(c: RestoredContent | undefined): SqlRunner {
  const target = { clusterResourceId: `cluster-case${++cases}`, database: 'odoo_acme', content: () => c };
  return {
    query: async (sql, parameters) => JSON.parse((await postgres.execute(target, { sql, parameters, formatRecordsAs: 'JSON' })).formattedRecords ?? '[]') as Record<string, unknown>[],
  };
}

/** A filestore where every object of the content exists, except those named. */
function filestore(c: RestoredContent, missing: string[] = []): FilestoreProbe & { asked: string[] } {
  const asked: string[] = [];
  const present = new Set(c.attachments.map((a) => filestoreObjectKey(PREFIX, a.storeFname)).filter((k) => !missing.includes(k)));
  return { asked, existedAt: async (key) => (asked.push(key), present.has(key)) };
}

function input(c: RestoredContent | undefined, overrides: Partial<ValidationInput> = {}): ValidationInput {
  return { sql: runner(c), filestore: filestore(c ?? content()), filestorePrefix: PREFIX, expectedModules: ['sale'], restorePoint: new Date(POINT), attachmentSample: 20, ...overrides };
}

const checkOf = (r: { checks: Array<{ name: string }> }, name: string) => r.checks.find((c) => c.name === name) as { name: string; passed: boolean; detail: string; figures: Record<string, unknown> };

describe('Function: validateRestore, on a real PostgreSQL', () => {
  // PGlite takes seconds to start: once for the file, in the setup.
  beforeAll(() => postgres.ready());

  it('passes every check of a good restore, with figures', async () => {
    // prepare
    const c = content();

    // act
    const result = await validateRestore(input(c));

    // assess
    expect(result.checks.map((x) => [x.name, x.passed])).toEqual([
      ['connect', true],
      ['odoo-schema', true],
      ['installed-modules', true],
      ['business-rows', true],
      ['newest-data', true],
      ['filestore', true],
    ]);
    expect(result.passed).toBe(true);
    expect(checkOf(result, 'connect').figures).toMatchObject({ database: 'odoo_acme', version: expect.stringMatching(/^PostgreSQL \d+/) });
    // Odoo installs dependencies too: more installed than recorded is fine.
    expect(checkOf(result, 'installed-modules').figures).toEqual({ installed: 7, expected: 2, missing: '' });
    expect(checkOf(result, 'business-rows').figures).toEqual({ res_users: 4, res_partner: 13, res_company: 1, sale_order: 5, account_move: 5, product_template: 5 });
    expect(result.newestData).toEqual({ heartbeat: '2026-03-01T09:00:00.000Z', businessWrite: '2026-03-01T08:00:00.000Z' });
    expect(checkOf(result, 'filestore').figures).toEqual({ sampled: 5, missing: 0, firstMissingKey: null });
  });

  it('fails installed-modules when a recorded module is not installed, naming it', async () => {
    // act
    const result = await validateRestore(input(content({ effects: { missingModule: true } })));

    // assess
    expect(result.passed).toBe(false);
    expect(checkOf(result, 'installed-modules')).toMatchObject({ passed: false, detail: 'recorded modules not installed: sale', figures: { missing: 'sale', expected: 2 } });
    expect(result.checks.filter((x) => !x.passed).map((x) => x.name)).toEqual(['installed-modules']);
  });

  it('fails business-rows when res_partner is empty, and reports the other counts', async () => {
    // act
    const result = await validateRestore(input(content({ effects: { emptyTables: true } })));

    // assess
    expect(checkOf(result, 'business-rows')).toMatchObject({ passed: false, figures: { res_partner: 0, res_users: 4, res_company: 1 } });
    expect(checkOf(result, 'business-rows').detail).toMatch(/^empty or missing: res_partner/);
  });

  it('passes stale data (the newest heartbeat two hours before the point): staleness is the RPO, judged later', async () => {
    // act
    const result = await validateRestore(input(content({ effects: { stale: true } })));

    // assess
    const newest = checkOf(result, 'newest-data');
    expect(newest.passed).toBe(true);
    expect(newest.figures).toMatchObject({ heartbeat: '2026-03-01T07:00:00.000Z', restorePoint: '2026-03-01T09:00:00.000Z' });
    expect(Date.parse(String(newest.figures.businessWrite))).toBeLessThanOrEqual(POINT - 2 * HOUR);
  });

  it('fails newest-data when the restore holds data newer than its point (beyond a minute of skew)', async () => {
    // act: a restore that claims an earlier point than the data it holds
    const result = await validateRestore(input(content(), { restorePoint: new Date(POINT - 30 * 60_000) }));
    const skewed = await validateRestore(input(content(), { restorePoint: new Date(POINT - 30_000) }));

    // assess
    const newest = checkOf(result, 'newest-data');
    expect(newest.passed).toBe(false);
    expect(newest.detail).toContain('heartbeat 2026-03-01T09:00:00.000Z is newer than the restore point 2026-03-01T08:30:00.000Z');
    expect(newest.detail.split(' (')[0]).not.toContain('business write');
    expect(checkOf(skewed, 'newest-data').passed).toBe(true);
  });

  it('passes newest-data on the business writes alone when the heartbeat is missing, saying so, so RPO still has a measure', async () => {
    // act
    const noTable = await validateRestore(input(content({ heartbeats: undefined })));
    const emptyTable = await validateRestore(input(content({ heartbeats: heartbeatsAsOf(heartbeats(POINT + HOUR, POINT + HOUR), POINT) })));

    // assess
    expect(checkOf(noTable, 'newest-data')).toMatchObject({ passed: true, figures: { heartbeat: null, businessWrite: '2026-03-01T08:00:00.000Z' } });
    expect(checkOf(noTable, 'newest-data').detail).toMatch(/\(no heartbeat table: RPO from the business writes alone\)$/);
    expect(checkOf(emptyTable, 'newest-data').detail).toMatch(/\(no heartbeat row: RPO from the business writes alone\)$/);
    expect(noTable.newestData).toEqual({ heartbeat: null, businessWrite: '2026-03-01T08:00:00.000Z' });
  });

  it('fails the filestore check when attachment objects did not exist at the point, with the first missing key', async () => {
    // prepare
    const c = content();
    const keys = c.attachments.map((a) => filestoreObjectKey(PREFIX, a.storeFname));
    const probe = filestore(c, [keys[1]!, keys[3]!]);

    // act
    const result = await validateRestore(input(c, { filestore: probe, attachmentSample: 3 }));

    // assess: the newest three (by id), newest first
    expect(probe.asked).toEqual([keys[4], keys[3], keys[2]]);
    expect(checkOf(result, 'filestore')).toMatchObject({ passed: false, figures: { sampled: 3, missing: 1, firstMissingKey: keys[3] } });
    expect(checkOf(result, 'filestore').detail).toContain(`1 of the 3 newest attachments' filestore objects did not exist at 2026-03-01T09:00:00.000Z, first ${keys[3]}`);
  });

  it('passes the filestore check with nothing to check when no attachment is stored (URL attachments do not count)', async () => {
    // act
    const result = await validateRestore(input(content({ attachments: [] })));

    // assess
    expect(checkOf(result, 'filestore')).toMatchObject({ passed: true, figures: { sampled: 0, missing: 0 } });
  });

  it('fails odoo-schema on a database without Odoo, and every check still answers', async () => {
    // act
    const result = await validateRestore(input(undefined));

    // assess
    expect(result.checks.map((x) => [x.name, x.passed])).toEqual([
      ['connect', true],
      ['odoo-schema', false],
      ['installed-modules', false],
      ['business-rows', false],
      ['newest-data', false],
      ['filestore', false],
    ]);
    expect(checkOf(result, 'odoo-schema').detail).toBe('not an Odoo database: missing ir_module_module, res_users, res_partner, res_company, ir_attachment');
    expect(checkOf(result, 'installed-modules').detail).toMatch(/^the check could not run: ERROR: relation "ir_module_module" does not exist/);
  });

  it('stops at connect when the database does not answer, with the error as the detail', async () => {
    // prepare
    const down: SqlRunner = { query: async () => Promise.reject(new DatabaseErrorException({ message: 'Communications link failure', $metadata: {} })) };

    // act
    const result = await validateRestore(input(content(), { sql: down }));

    // assess
    expect(result).toEqual({ passed: false, checks: [{ name: 'connect', passed: false, detail: 'Communications link failure', figures: {} }], newestData: { heartbeat: null, businessWrite: null } });
  });
});

describe('Function: dataApiRunner', () => {
  const data = mockClient(RDSDataClient);
  beforeEach(() => data.reset());

  it('sends ExecuteStatement with JSON records and the parameters, and parses formattedRecords', async () => {
    // prepare
    data.on(ExecuteStatementCommand).resolves({ formattedRecords: '[{"name":"res_users","rows":4}]' });
    const target = { resourceArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:odoo-drill-acme-1', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1', database: 'odoo_acme' };
    const parameters = [{ name: 'tables', value: { stringValue: 'res_users,res_partner' } }];

    // act
    const rows = await dataApiRunner(data as unknown as RDSDataClient, target).query('SELECT 1', parameters);
    data.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 0 });
    const none = await dataApiRunner(data as unknown as RDSDataClient, target).query('SELECT 1');

    // assess
    expect(rows).toEqual([{ name: 'res_users', rows: 4 }]);
    expect(none).toEqual([]);
    expect(data).toHaveReceivedCommandWith(ExecuteStatementCommand, { ...target, sql: 'SELECT 1', parameters, formatRecordsAs: 'JSON' });
  });
});

describe('Function: s3FilestoreProbe', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const key = 'tenants/acme/filestore/ab/abcdef';
  const at = new Date('2026-03-01T09:00:00Z');
  const t = (iso: string) => new Date(`2026-03-01T${iso}Z`);

  it('lists the versions of exactly the key and takes the newest version at or before the point', async () => {
    // prepare: a longer key sharing the prefix is ignored
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: key, LastModified: t('08:00:00') }, { Key: `${key}-2`, LastModified: t('07:00:00') }] });

    // act
    const existed = await s3FilestoreProbe(s3 as unknown as S3Client, 'odoo-cell-a').existedAt(key, at);

    // assess
    expect(existed).toBe(true);
    expect(s3).toHaveReceivedCommandWith(ListObjectVersionsCommand, { Bucket: 'odoo-cell-a', Prefix: key });
  });

  it('counts a delete marker after the point as not yet deleted, one before it as deleted', async () => {
    // prepare
    const probe = s3FilestoreProbe(s3 as unknown as S3Client, 'b');
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({ Versions: [{ Key: key, LastModified: t('08:00:00') }], DeleteMarkers: [{ Key: key, LastModified: t('09:30:00') }] })
      .resolvesOnce({ Versions: [{ Key: key, LastModified: t('08:00:00') }], DeleteMarkers: [{ Key: key, LastModified: t('08:30:00') }] });

    // act
    const deletedAfter = await probe.existedAt(key, at);
    const deletedBefore = await probe.existedAt(key, at);

    // assess
    expect([deletedAfter, deletedBefore]).toEqual([true, false]);
  });

  it('does not count a version written only after the point, nor a key with no version at all', async () => {
    // prepare
    const probe = s3FilestoreProbe(s3 as unknown as S3Client, 'b');
    s3.on(ListObjectVersionsCommand).resolvesOnce({ Versions: [{ Key: key, LastModified: t('09:00:01') }] }).resolvesOnce({});

    // act
    const later = await probe.existedAt(key, at);
    const never = await probe.existedAt(key, at);

    // assess
    expect([later, never]).toEqual([false, false]);
  });

  it('follows the listing while it is truncated within the key', async () => {
    // prepare
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({ DeleteMarkers: [{ Key: key, LastModified: t('08:30:00') }], IsTruncated: true, NextKeyMarker: key, NextVersionIdMarker: 'v2' })
      .resolvesOnce({ Versions: [{ Key: key, LastModified: t('08:45:00') }] });

    // act
    const existed = await s3FilestoreProbe(s3 as unknown as S3Client, 'b').existedAt(key, at);

    // assess
    expect(existed).toBe(true);
    expect(s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'b', Prefix: key, KeyMarker: undefined, VersionIdMarker: undefined },
      { Bucket: 'b', Prefix: key, KeyMarker: key, VersionIdMarker: 'v2' },
    ]);
  });

  it('puts filestore objects under <prefix>filestore/<store_fname>', () => {
    expect(filestoreObjectKey('tenants/acme/', 'ab/abcdef')).toBe('tenants/acme/filestore/ab/abcdef');
  });
});
