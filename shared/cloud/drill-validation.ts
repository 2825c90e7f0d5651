/**
 * Validates a restored Odoo database the way an auditor would want it proven: it answers, it is an
 * Odoo database with the tenant's modules installed, its key tables have rows, its newest data is
 * no newer than the point it was restored to, and the filestore objects its newest attachments
 * name existed at that point. Each check runs on its own and reports what it found with figures;
 * one that cannot run fails with the reason, and the others still run. Only `connect` stops the
 * rest. Staleness is not judged here: the drill turns the newest data into an RPO against the
 * tenant's target.
 *
 * Everything goes through two small interfaces, so the same validation runs on the RDS Data API
 * and S3 in AWS and on a real PostgreSQL (PGlite) in tests and in the simulated cloud.
 */
import { ExecuteStatementCommand, type RDSDataClient, type SqlParameter } from '@aws-sdk/client-rds-data';
import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DrillCheck } from '#shared/domain/drill-types.ts';
import { BUSINESS_TABLES } from './adapters/release-database.ts';
import { drillSql, KEY_TABLES, ODOO_SCHEMA_TABLES, REPORTED_TABLES, type Statement } from './drill-sql.ts';

export interface SqlRunner {
  query(sql: string, parameters?: SqlParameter[]): Promise<Record<string, unknown>[]>;
}

/** SQL through the RDS Data API, rows as the JSON objects `formatRecordsAs: 'JSON'` gives. */
export function dataApiRunner(client: RDSDataClient, target: { resourceArn: string; secretArn: string; database: string }): SqlRunner {
  return {
    async query(sql, parameters) {
      const out = await client.send(
        new ExecuteStatementCommand({ resourceArn: target.resourceArn, secretArn: target.secretArn, database: target.database, sql, parameters, formatRecordsAs: 'JSON' }),
      );
      return out.formattedRecords ? (JSON.parse(out.formattedRecords) as Record<string, unknown>[]) : [];
    },
  };
}

export interface FilestoreProbe {
  /** Whether the object existed (had a version that was not deleted) at that instant. */
  existedAt(key: string, at: Date): Promise<boolean>;
}

/**
 * A versioned bucket remembers every version and delete marker: the newest of them at or before
 * the instant decides. A tie goes to the delete marker, the answer that cannot flatter a drill.
 */
export function s3FilestoreProbe(s3: S3Client, bucket: string): FilestoreProbe {
  return {
    async existedAt(key, at) {
      const limit = at.getTime();
      let newest: { at: number; deleted: boolean } | undefined;
      const consider = (entryKey: string | undefined, modified: Date | undefined, deleted: boolean) => {
        if (entryKey !== key || !modified) return;
        const t = new Date(modified).getTime();
        if (t > limit) return;
        if (!newest || t > newest.at || (t === newest.at && deleted)) newest = { at: t, deleted };
      };
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      for (;;) {
        const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
        for (const v of page.Versions ?? []) consider(v.Key, v.LastModified, false);
        for (const d of page.DeleteMarkers ?? []) consider(d.Key, d.LastModified, true);
        if (!page.IsTruncated || (page.NextKeyMarker ?? '') > key) break;
        keyMarker = page.NextKeyMarker;
        versionIdMarker = page.NextVersionIdMarker;
      }
      return newest !== undefined && !newest.deleted;
    },
  };
}

/** Where Odoo's S3 attachment storage keeps a `store_fname` under the tenant's filestore prefix. */
export function filestoreObjectKey(prefix: string, storeFname: string): string {
  return `${prefix}filestore/${storeFname}`;
}

export interface ValidationInput {
  sql: SqlRunner;
  filestore: FilestoreProbe;
  /** The tenant's filestore prefix, e.g. `tenants/acme/`. */
  filestorePrefix: string;
  /** The tenant's recorded modules; `base` is always expected. */
  expectedModules: string[];
  restorePoint: Date;
  /** Attachments checked, newest first. */
  attachmentSample: number;
}

export interface ValidationResult {
  passed: boolean;
  checks: DrillCheck[];
  newestData: { heartbeat: string | null; businessWrite: string | null };
}

/** Data newer than the restore point by more than this is impossible in an honest restore. */
export const CLOCK_SKEW_MS = 60_000;
/** Filestore objects looked up at once. */
const PROBE_CONCURRENCY = 5;

const run = (sql: SqlRunner, s: Statement) => sql.query(s.sql, s.parameters);
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const count = (v: unknown): number => Number(v ?? 0);

function failedToRun(name: string, err: unknown): DrillCheck {
  return { name, passed: false, detail: `the check could not run: ${(err as Error).message ?? String(err)}`, figures: {} };
}

async function check(name: string, body: () => Promise<DrillCheck>): Promise<DrillCheck> {
  try {
    return await body();
  } catch (err) {
    return failedToRun(name, err);
  }
}

async function connect(sql: SqlRunner): Promise<DrillCheck> {
  const [row] = await run(sql, drillSql.connect());
  const database = text(row?.database);
  const version = text(row?.version);
  return { name: 'connect', passed: true, detail: `connected to database ${database} (${version?.split(' on ')[0] ?? 'unknown version'})`, figures: { database, version } };
}

async function odooSchema(sql: SqlRunner): Promise<DrillCheck> {
  const present = new Set((await run(sql, drillSql.tablesPresent(ODOO_SCHEMA_TABLES))).map((r) => String(r.name)));
  const missing = ODOO_SCHEMA_TABLES.filter((t) => !present.has(t));
  return {
    name: 'odoo-schema',
    passed: missing.length === 0,
    detail: missing.length === 0 ? `the Odoo tables ${ODOO_SCHEMA_TABLES.join(', ')} exist` : `not an Odoo database: missing ${missing.join(', ')}`,
    figures: { present: present.size, missing: missing.join(',') },
  };
}

async function installedModules(sql: SqlRunner, expectedModules: string[]): Promise<DrillCheck> {
  const expected = [...new Set(['base', ...expectedModules])].sort();
  const [row] = await run(sql, drillSql.moduleStates(expected));
  const installed = count(row?.installed);
  const missing = text(row?.missing) ?? '';
  // Odoo installs each module's dependencies too, so more modules installed than recorded is normal;
  // only a recorded module that is not installed means the restore lost part of the tenant.
  return {
    name: 'installed-modules',
    passed: missing === '',
    detail: missing === '' ? `all ${expected.length} recorded modules are installed (${installed} installed in all)` : `recorded modules not installed: ${missing.split(',').join(', ')}`,
    figures: { installed, expected: expected.length, missing },
  };
}

async function businessRows(sql: SqlRunner): Promise<DrillCheck> {
  const rows = await run(sql, drillSql.rowCounts([...KEY_TABLES, ...REPORTED_TABLES]));
  const counts = new Map(rows.map((r) => [String(r.name), count(r.rows)]));
  const empty = KEY_TABLES.filter((t) => !counts.get(t));
  const figures: Record<string, number> = {};
  for (const t of [...KEY_TABLES, ...REPORTED_TABLES]) if (counts.has(t) || (KEY_TABLES as readonly string[]).includes(t)) figures[t] = counts.get(t) ?? 0;
  const described = Object.entries(figures).map(([t, n]) => `${t} ${n}`).join(', ');
  return {
    name: 'business-rows',
    passed: empty.length === 0,
    detail: empty.length === 0 ? `rows: ${described}` : `empty or missing: ${empty.join(', ')} (rows: ${described})`,
    figures,
  };
}

async function newestData(sql: SqlRunner, restorePoint: Date): Promise<{ check: DrillCheck; newest: ValidationResult['newestData'] }> {
  const heartbeatRows = await run(sql, drillSql.newestHeartbeat());
  const heartbeat = text(heartbeatRows[0]?.newest);
  const [write] = await run(sql, drillSql.newestWrite(BUSINESS_TABLES));
  const businessWrite = text(write?.newest);
  const limit = restorePoint.getTime() + CLOCK_SKEW_MS;
  const tooNew = [
    ['heartbeat', heartbeat],
    ['business write', businessWrite],
  ].filter(([, at]) => at !== null && Date.parse(at!) > limit);
  // A restore without the heartbeat (its newest hours lost, or a writer that never reached the
  // tenant) still holds committed data: the RPO is measured from the business writes, and says so.
  // Only a restore holding no committed data at all, or data from after its point, fails here.
  const missingHeartbeat = heartbeatRows.length === 0 ? 'no heartbeat table' : heartbeat === null ? 'no heartbeat row' : null;
  const problems = [
    ...(heartbeat === null && businessWrite === null ? [`${missingHeartbeat} and no business write: no committed data found`] : []),
    ...tooNew.map(([what, at]) => `${what} ${at} is newer than the restore point ${restorePoint.toISOString()}`),
  ];
  const found = `newest heartbeat ${heartbeat ?? 'none'}, newest business write ${businessWrite ?? 'none'}`;
  const note = missingHeartbeat && problems.length === 0 ? ` (${missingHeartbeat}: RPO from the business writes alone)` : '';
  return {
    check: {
      name: 'newest-data',
      passed: problems.length === 0,
      detail: problems.length === 0 ? `${found}, neither after the restore point ${restorePoint.toISOString()}${note}` : `${problems.join('; ')} (${found})`,
      figures: { heartbeat, businessWrite, restorePoint: restorePoint.toISOString() },
    },
    newest: { heartbeat, businessWrite },
  };
}

async function filestore(input: ValidationInput): Promise<DrillCheck> {
  const rows = await run(input.sql, drillSql.attachmentSample(input.attachmentSample));
  const keys = rows.map((r) => filestoreObjectKey(input.filestorePrefix, String(r.store_fname)));
  const found = new Array<boolean>(keys.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < keys.length; i = next++) found[i] = await input.filestore.existedAt(keys[i]!, input.restorePoint);
  };
  await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, keys.length) }, worker));
  const missing = keys.filter((_, i) => !found[i]);
  const at = input.restorePoint.toISOString();
  return {
    name: 'filestore',
    passed: missing.length === 0,
    detail:
      keys.length === 0
        ? 'no attachment is stored in the filestore: nothing to check'
        : missing.length === 0
          ? `the ${keys.length} newest attachments' filestore objects all existed at ${at}`
          : `${missing.length} of the ${keys.length} newest attachments' filestore objects did not exist at ${at}, first ${missing[0]}`,
    figures: { sampled: keys.length, missing: missing.length, firstMissingKey: missing[0] ?? null },
  };
}

export async function validateRestore(input: ValidationInput): Promise<ValidationResult> {
  let connected: DrillCheck;
  try {
    connected = await connect(input.sql);
  } catch (err) {
    const check: DrillCheck = { name: 'connect', passed: false, detail: (err as Error).message ?? String(err), figures: {} };
    return { passed: false, checks: [check], newestData: { heartbeat: null, businessWrite: null } };
  }
  let newest: ValidationResult['newestData'] = { heartbeat: null, businessWrite: null };
  const checks = [
    connected,
    await check('odoo-schema', () => odooSchema(input.sql)),
    await check('installed-modules', () => installedModules(input.sql, input.expectedModules)),
    await check('business-rows', () => businessRows(input.sql)),
    await check('newest-data', async () => {
      const found = await newestData(input.sql, input.restorePoint);
      newest = found.newest;
      return found.check;
    }),
    await check('filestore', () => filestore(input)),
  ];
  return { passed: checks.every((c) => c.passed), checks, newestData: newest };
}
