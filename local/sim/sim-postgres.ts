/**
 * Real PostgreSQL for restored databases: one PGlite instance per process, started on first use
 * (about 4 s), each restored (cluster, database) kept as its own schema and materialised from its
 * frozen content on the first statement that reaches it. A statement runs in a transaction with
 * `search_path` set to that schema, so `current_schema()` is the restore's schema and
 * `current_database()` (shadowed in the schema) its database name. The Data API's `:name`
 * parameters become `$n`, and results come back as the Data API shapes them: `records` of typed
 * fields, or `formattedRecords` (a JSON string) for `formatRecordsAs: 'JSON'`.
 */
import { createHash } from 'node:crypto';
import type { ExecuteStatementCommandInput, ExecuteStatementCommandOutput, Field, SqlParameter } from '@aws-sdk/client-rds-data';
import type { PGlite, Results } from '@electric-sql/pglite';
import { awsError } from './errors.ts';
import { renderOdooSql, type RestoredContent } from './odoo-content.ts';
import type { Out } from './types.ts';

type Result = Out<ExecuteStatementCommandOutput>;

/** PostgreSQL's error as the Data API reports it. */
export function pgError(message: string, sqlState: string): Error {
  return awsError('rds-data', 'DatabaseErrorException', `ERROR: ${message}; SQLState: ${sqlState}`);
}

/**
 * `:name` -> `$n` outside string literals, quoted identifiers, comments and dollar quotes; `::`
 * casts are left alone. A name used twice is one parameter.
 */
export function toPositional(sql: string): { sql: string; names: string[] } {
  const names: string[] = [];
  let out = '';
  let i = 0;
  const copyUntil = (end: string, from: number) => {
    const j = sql.indexOf(end, from);
    const stop = j < 0 ? sql.length : j + end.length;
    out += sql.slice(i, stop);
    i = stop;
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    const rest = sql.slice(i);
    if (ch === "'") {
      // '' inside a literal is an escaped quote: keep going until a lone closing quote.
      let j = i + 1;
      while (j < sql.length && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '"') copyUntil('"', i + 1);
    else if (rest.startsWith('--')) copyUntil('\n', i);
    else if (rest.startsWith('/*')) copyUntil('*/', i + 2);
    else if (ch === '$' && /^\$[A-Za-z_]*\$/.test(rest)) {
      const tag = /^\$[A-Za-z_]*\$/.exec(rest)![0];
      copyUntil(tag, i + tag.length);
    } else if (ch === ':' && sql[i + 1] === ':') {
      out += '::';
      i += 2;
    } else if (ch === ':' && /^:[A-Za-z_][A-Za-z0-9_]*/.test(rest)) {
      const name = /^:([A-Za-z_][A-Za-z0-9_]*)/.exec(rest)![1]!;
      let n = names.indexOf(name);
      if (n < 0) n = names.push(name) - 1;
      out += `$${n + 1}`;
      i += name.length + 1;
    } else {
      out += ch;
      i++;
    }
  }
  return { sql: out, names };
}

function parameterValue(p: SqlParameter | undefined, name: string): unknown {
  const v = p?.value;
  if (!p || !v) throw awsError('rds-data', 'BadRequestException', `No value specified for parameter: ${name}`);
  if (v.isNull) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.longValue !== undefined) return v.longValue;
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.booleanValue !== undefined) return v.booleanValue;
  if (v.arrayValue !== undefined) throw awsError('rds-data', 'BadRequestException', 'Array parameters are not supported.');
  throw awsError('rds-data', 'BadRequestException', `Unsupported value for parameter: ${name}`);
}

const TEXT = (x: string) => x;
/** Types returned as PostgreSQL's text: timestamps, dates, numeric, int8, json, as the Data API does. */
const RAW_TEXT = Object.fromEntries([20, 114, 1082, 1083, 1114, 1184, 1266, 1700, 3802].map((oid) => [oid, TEXT]));
const LONG = new Set([20, 21, 23, 26]);
const DOUBLE = new Set([700, 701]);

function jsonValue(v: unknown, type: number): unknown {
  if (v === null || v === undefined) return null;
  if (LONG.has(type)) return Number(v);
  if (type === 1184 && typeof v === 'string') return v.replace(/\+00$/, '');
  return v;
}

function field(v: unknown, type: number): Field {
  if (v === null || v === undefined) return { isNull: true };
  if (type === 16) return { booleanValue: Boolean(v) };
  if (LONG.has(type)) return { longValue: Number(v) };
  if (DOUBLE.has(type)) return { doubleValue: Number(v) };
  return { stringValue: String(jsonValue(v, type)) };
}

function shape(res: Results<Record<string, unknown>>, format: ExecuteStatementCommandInput['formatRecordsAs'], metadata: boolean): Result {
  const fields = res.fields ?? [];
  const out: Result = { numberOfRecordsUpdated: res.affectedRows ?? 0 };
  if (fields.length === 0) return { ...out, generatedFields: [] };
  if (format === 'JSON') {
    out.formattedRecords = JSON.stringify(res.rows.map((row) => Object.fromEntries(fields.map((f) => [f.name, jsonValue(row[f.name], f.dataTypeID)]))));
  } else {
    out.records = res.rows.map((row) => fields.map((f) => field(row[f.name], f.dataTypeID)));
  }
  if (metadata) out.columnMetadata = fields.map((f) => ({ name: f.name, label: f.name, type: f.dataTypeID }));
  return out;
}

/** Figures of the shared instance, for the README and the bench. */
export interface SimPostgresStats {
  started: boolean;
  startMs?: number;
  schemas: number;
  materialisations: number;
  materialiseMs: number;
}

export class SimPostgres {
  private pg: Promise<PGlite> | undefined;
  private readonly schemas = new Map<string, Promise<void>>();
  private readonly stats_: SimPostgresStats = { started: false, schemas: 0, materialisations: 0, materialiseMs: 0 };

  /** The schema of one restored database: `r_<cluster resource id>_<hash of the database name>`. */
  static schemaName(clusterResourceId: string, database: string): string {
    const cluster = clusterResourceId.replace(/^cluster-/, '').toLowerCase().replace(/[^a-z0-9]/g, '');
    return `r_${cluster}_${createHash('sha1').update(database).digest('hex').slice(0, 8)}`;
  }

  stats(): SimPostgresStats {
    return { ...this.stats_, schemas: this.schemas.size };
  }

  /** Starts PostgreSQL now rather than on the first restored read (a test's setup, a benchmark's warm-up). */
  async ready(): Promise<void> {
    await this.instance();
  }

  private instance(): Promise<PGlite> {
    this.pg ??= (async () => {
      const started = performance.now();
      const { PGlite } = await import('@electric-sql/pglite');
      // The restored databases are tiny; PostgreSQL's default 128 MB of shared buffers is not needed.
      const pg = await PGlite.create({ postgresqlconf: 'shared_buffers = 16MB' });
      await pg.exec("SET TimeZone = 'UTC'");
      this.stats_.started = true;
      this.stats_.startMs = Math.round(performance.now() - started);
      return pg;
    })();
    return this.pg;
  }

  private materialise(schema: string, database: string, content: RestoredContent | undefined): Promise<void> {
    let done = this.schemas.get(schema);
    if (done) return done;
    done = (async () => {
      const pg = await this.instance();
      const started = performance.now();
      const body = content ? renderOdooSql(content) : '';
      // Shadowing current_database() needs pg_catalog after the schema in search_path, as below.
      await pg.transaction(async (tx) => {
        await tx.exec(
          `CREATE SCHEMA "${schema}";\nSET LOCAL search_path = "${schema}";\n` +
            `CREATE FUNCTION current_database() RETURNS name LANGUAGE sql IMMUTABLE AS $$ SELECT '${database.replace(/'/g, "''")}'::name $$;\n${body}`,
        );
      });
      this.stats_.materialisations++;
      this.stats_.materialiseMs += performance.now() - started;
    })();
    this.schemas.set(schema, done);
    done.catch(() => this.schemas.delete(schema));
    return done;
  }

  /** Runs one Data API statement on a restored database, materialising it first when needed. */
  async execute(
    target: { clusterResourceId: string; database: string; content: () => RestoredContent | undefined },
    input: Pick<ExecuteStatementCommandInput, 'sql' | 'parameters' | 'formatRecordsAs' | 'includeResultMetadata'>,
  ): Promise<Result> {
    const schema = SimPostgres.schemaName(target.clusterResourceId, target.database);
    await this.materialise(schema, target.database, target.content());
    const { sql, names } = toPositional(input.sql ?? '');
    const values = names.map((name) => parameterValue(input.parameters?.find((p) => p.name === name), name));
    const pg = await this.instance();
    let res: Results<Record<string, unknown>>;
    try {
      res = await pg.transaction(async (tx) => {
        await tx.exec(`SET LOCAL search_path = "${schema}", pg_catalog`);
        return tx.query<Record<string, unknown>>(sql, values, { parsers: RAW_TEXT });
      });
    } catch (err) {
      const e = err as { message?: string; code?: string };
      if (typeof e.code === 'string') throw pgError(e.message ?? 'error', e.code);
      throw err;
    }
    return shape(res, input.formatRecordsAs, input.includeResultMetadata ?? false);
  }

  /** Drops every schema of a cluster (it was deleted); nothing to do when none was materialised. */
  async dropCluster(clusterResourceId: string): Promise<void> {
    const prefix = SimPostgres.schemaName(clusterResourceId, '').slice(0, -8);
    const gone = [...this.schemas.keys()].filter((s) => s.startsWith(prefix));
    if (gone.length === 0) return;
    const pg = await this.instance();
    for (const schema of gone) {
      await this.schemas.get(schema)!.catch(() => undefined);
      this.schemas.delete(schema);
      await pg.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }

  /** Whether a restored database has been materialised (its first statement reached PostgreSQL). */
  isMaterialised(clusterResourceId: string, database: string): boolean {
    return this.schemas.has(SimPostgres.schemaName(clusterResourceId, database));
  }

  /** Whether a schema exists in PostgreSQL (for tests). */
  async schemaExists(schema: string): Promise<boolean> {
    if (!this.pg) return false;
    const pg = await this.pg;
    return (await pg.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rows.length > 0;
  }
}

/** The one instance of the process: PGlite is large, and restored clusters' schemas never collide. */
export const simPostgres = new SimPostgres();
