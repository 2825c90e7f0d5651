/**
 * What an Odoo database of the simulated cloud holds, kept small: its installed modules, a
 * company, users and partners, a few business rows whose `write_date`s run from its
 * initialisation up to its newest write, the control plane's heartbeats, and the attachments whose
 * files are in the tenant's filestore. Production databases keep only what cannot be derived (the
 * heartbeat log, which attachments were written); a restore freezes the content as of its point
 * (`freezeContent`), and the Data API materialises that, on first use, as real tables in PGlite
 * (`renderOdooSql`). At most ~50 rows a table, so a fleet-scale drill run stays cheap.
 */
import { createHash } from 'node:crypto';

/** Installed in every Odoo database besides what the init Job asked for. */
export const DEFAULT_MODULES = ['base', 'web', 'mail'] as const;

/** The few dependencies Odoo pulls in for the modules the fleet installs: extra installed modules are normal. */
const DEPENDENCIES: Record<string, string[]> = {
  sale: ['product', 'sales_team', 'account'],
  purchase: ['product', 'account'],
  stock: ['product'],
  account: ['product'],
  crm: ['sales_team'],
  project: ['portal'],
};

/** Business tables and the module that makes them. */
const BUSINESS_TABLES: Array<{ table: string; module: string; label: string }> = [
  { table: 'product_template', module: 'product', label: 'Product' },
  { table: 'sale_order', module: 'sale', label: 'S' },
  { table: 'account_move', module: 'account', label: 'INV/' },
  { table: 'stock_picking', module: 'stock', label: 'WH/OUT/' },
  { table: 'purchase_order', module: 'purchase', label: 'P' },
];

/** Heartbeats kept per production database: the newest, a bit more than two days at one a minute. */
export const HEARTBEATS_KEPT = 3000;
/** Rows materialised per table. */
const ROWS = { customers: 8, users: 3, business: 5, heartbeats: 50 } as const;
/** Attachments Odoo's initialisation leaves in the filestore. */
export const INITIAL_ATTACHMENTS = 5;
/** The `stale-restore` fault: the restore comes back missing this much of the newest data. */
export const STALE_BY_MS = 2 * 3_600_000;

// ---------------------------------------------------------------------------------------------
// Production: heartbeats and the filestore

/** The heartbeat table of a production database, newest last; ids run on from `firstId`. */
export interface HeartbeatLog {
  table: boolean;
  firstId: number;
  at: number[];
  writers: string[];
}

export const emptyHeartbeatLog = (): HeartbeatLog => ({ table: false, firstId: 1, at: [], writers: [] });

/** Records one heartbeat row and returns its id; only the newest `HEARTBEATS_KEPT` are kept. */
export function appendHeartbeat(log: HeartbeatLog, at: number, writer: string): number {
  log.at.push(at);
  log.writers.push(writer);
  const id = log.firstId + log.at.length - 1;
  const excess = log.at.length - HEARTBEATS_KEPT;
  if (excess > 0) dropOldest(log, excess);
  return id;
}

/** Deletes heartbeats older than `before`; returns how many. */
export function pruneHeartbeats(log: HeartbeatLog, before: number): number {
  let n = 0;
  while (n < log.at.length && log.at[n]! < before) n++;
  dropOldest(log, n);
  return n;
}

function dropOldest(log: HeartbeatLog, n: number): void {
  log.at.splice(0, n);
  log.writers.splice(0, n);
  log.firstId += n;
}

export interface Attachment {
  storeFname: string;
  name: string;
  mimetype: string;
  size: number;
  createdAt: number;
}

/** A production database's filestore, as Odoo's initialisation wrote it. */
export interface FilestoreRecord {
  bucket: string;
  prefix: string;
  attachments: Attachment[];
  /** The objects were deleted for good (the `missing-attachments` fault): never written again. */
  lost?: boolean;
}

/** The newest business `write_date` of restored content (initialisation counts), or null when it holds no Odoo data. */
export function newestWriteOf(c: RestoredContent | undefined): number | null {
  if (c?.initialisedAt === undefined) return null;
  return Math.max(c.initialisedAt, ...Object.values(c.writes).flat());
}

/** The attachments initialisation makes, named as Odoo names stored files: `<sha1[0:2]>/<sha1>`. */
export function initialAttachments(databaseName: string, createdAt: number, count = INITIAL_ATTACHMENTS): Attachment[] {
  return Array.from({ length: count }, (_, i) => {
    const sha = createHash('sha1').update(`${databaseName}:attachment:${i}`).digest('hex');
    return { storeFname: `${sha.slice(0, 2)}/${sha}`, name: `document-${i + 1}.pdf`, mimetype: 'application/pdf', size: 64 + i, createdAt };
  });
}

/** The small body of an attachment's filestore object. */
export const attachmentBody = (databaseName: string, a: Attachment) => `%PDF-1.4 simulated attachment ${a.name} of ${databaseName}\n`.padEnd(a.size, ' ');

// ---------------------------------------------------------------------------------------------
// A restore: the content as of its point

/** What injected drill faults take away from one restored database. */
export interface RestoreEffects {
  stale?: boolean;
  missingModule?: boolean;
  emptyTables?: boolean;
  /** Acted on by the filestore, not the content: the database still names its attachments. */
  missingAttachments?: boolean;
}

export interface FreezeInput {
  databaseName: string;
  /** The restore point (epoch ms). */
  point: number;
  /** When Odoo initialised the database; absent when it never was. */
  initialisedAt?: number;
  /** Modules of its initialisation and of its last upgrade. */
  modules: string[];
  /** The newest business write the tenant's users made, as known when restoring. */
  newestWrite: number | null;
  /** The restored database's heartbeat log, as `heartbeatsAsOf` cut it from the source's at the point. */
  heartbeats?: HeartbeatLog;
  attachments: Attachment[];
  effects?: RestoreEffects;
}

/**
 * What a restore request freezes of a database at once: everything but the users' newest write and
 * the filestore, which take a look across the tenant's workloads and are settled when the restored
 * database is first read (a cell restore brings back every tenant's database; one is read). The
 * heartbeats travel as the restored database's own heartbeat log (`heartbeatsAsOf`).
 */
export type PendingContent = Omit<FreezeInput, 'newestWrite' | 'attachments' | 'heartbeats'>;

/** The heartbeats a restore to `point` can hold: the newest few at or before it (cheap on a long log). */
export function heartbeatsAsOf(log: HeartbeatLog | undefined, point: number, stale = false): HeartbeatLog | undefined {
  if (!log) return undefined;
  const limit = stale ? point - STALE_BY_MS : point;
  let end = log.at.length;
  while (end > 0 && log.at[end - 1]! > limit) end--;
  const start = Math.max(0, end - ROWS.heartbeats);
  return { table: log.table, firstId: log.firstId + start, at: log.at.slice(start, end), writers: log.writers.slice(start, end) };
}

/** One restored database's content, small and self-contained: what `renderOdooSql` materialises. */
export interface RestoredContent {
  databaseName: string;
  point: number;
  /** Undefined when the database held no Odoo data at the point: it is materialised empty. */
  initialisedAt?: number;
  modules: Array<{ name: string; installed: boolean }>;
  /** `write_date`s of business rows, one list per table; partners' include the customers. */
  writes: Record<string, number[]>;
  heartbeatTable: boolean;
  heartbeats: Array<{ id: number; at: number; writer: string }>;
  attachments: Attachment[];
  emptyTables: string[];
}

/** `n` instants from `from` to `to`, the last one `to`. */
function spread(from: number, to: number, n: number): number[] {
  if (to <= from) return Array.from({ length: n }, () => from);
  return Array.from({ length: n }, (_, i) => Math.round(from + ((to - from) * (i + 1)) / n));
}

function installedModules(modules: string[]): string[] {
  const out = new Set<string>(DEFAULT_MODULES);
  const add = (m: string) => {
    if (out.has(m)) return;
    out.add(m);
    for (const d of DEPENDENCIES[m] ?? []) add(d);
  };
  for (const m of modules) add(m);
  return [...out].sort();
}

/** The content of a database restored to `point`, with the injected faults' effects. */
export function freezeContent(input: FreezeInput): RestoredContent {
  const effects = input.effects ?? {};
  const empty: RestoredContent = { databaseName: input.databaseName, point: input.point, modules: [], writes: {}, heartbeatTable: false, heartbeats: [], attachments: [], emptyTables: [] };
  if (input.initialisedAt === undefined || input.initialisedAt > input.point) return empty;
  // A stale restore lacks the newest rows and heartbeats; what initialisation made stays, or it would not be an Odoo database.
  const dataPoint = effects.stale ? input.point - STALE_BY_MS : input.point;
  const init = input.initialisedAt;
  const installed = installedModules(input.modules);
  const missing = effects.missingModule ? ([...input.modules].reverse().find((m) => m !== 'base') ?? 'base') : undefined;
  const upTo = (times: number[]) => times.filter((t) => t <= dataPoint);
  const newest = Math.max(init, input.newestWrite ?? init);
  const writes: Record<string, number[]> = { res_partner: upTo(spread(init, newest, ROWS.customers)) };
  for (const b of BUSINESS_TABLES) if (installed.includes(b.module)) writes[b.table] = upTo(spread(init, newest, ROWS.business));
  const log = input.heartbeats;
  const heartbeats: RestoredContent['heartbeats'] = [];
  if (log) {
    for (let i = log.at.length - 1; i >= 0 && heartbeats.length < ROWS.heartbeats; i--) heartbeats.unshift({ id: log.firstId + i, at: log.at[i]!, writer: log.writers[i]! });
  }
  return {
    databaseName: input.databaseName,
    point: input.point,
    initialisedAt: init,
    modules: installed.map((name) => ({ name, installed: name !== missing })),
    writes,
    heartbeatTable: log?.table ?? false,
    heartbeats,
    attachments: input.attachments.filter((a) => a.createdAt <= input.point),
    emptyTables: effects.emptyTables ? ['res_partner'] : [],
  };
}

// ---------------------------------------------------------------------------------------------
// Materialisation: the content as SQL, run inside the restore's own schema

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** Odoo's `write_date`: UTC without a zone. */
const ts = (ms: number) => lit(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''));
const tstz = (ms: number) => lit(new Date(ms).toISOString());

function insert(table: string, columns: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')};\n`;
}

const AUDIT = 'create_date timestamp, write_date timestamp';

/**
 * The statements that create the restored database's tables and rows, in the current schema (the
 * caller sets `search_path`). Table and column names follow Odoo's, reduced to what is checked.
 */
export function renderOdooSql(c: RestoredContent): string {
  let sql = '';
  if (c.heartbeatTable) {
    sql += 'CREATE TABLE odoo_fleet_heartbeat (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), writer text NOT NULL);\n';
    sql += insert('odoo_fleet_heartbeat', ['id', 'at', 'writer'], c.heartbeats.map((h) => [String(h.id), tstz(h.at), lit(h.writer)]));
    if (c.heartbeats.length > 0) sql += `SELECT setval(pg_get_serial_sequence('odoo_fleet_heartbeat', 'id'), ${c.heartbeats.at(-1)!.id});\n`;
  }
  if (c.initialisedAt === undefined) return sql;
  const init = c.initialisedAt;
  const tenant = c.databaseName.replace(/^odoo_/, '');
  const keep = (table: string, rows: string[][]) => (c.emptyTables.includes(table) ? [] : rows);

  sql += `CREATE TABLE ir_module_module (id serial PRIMARY KEY, name varchar NOT NULL UNIQUE, state varchar, latest_version varchar, ${AUDIT});\n`;
  sql += insert('ir_module_module', ['name', 'state', 'latest_version', 'create_date', 'write_date'], c.modules.map((m) => [lit(m.name), lit(m.installed ? 'installed' : 'uninstalled'), lit('17.0.1.0'), ts(init), ts(init)]));

  sql += `CREATE TABLE res_company (id serial PRIMARY KEY, name varchar NOT NULL, partner_id integer, currency_id integer, ${AUDIT});\n`;
  sql += insert('res_company', ['name', 'partner_id', 'currency_id', 'create_date', 'write_date'], [[lit(`${tenant} company`), '1', '1', ts(init), ts(init)]]);

  const users = ['admin', ...Array.from({ length: ROWS.users }, (_, i) => `user${i + 1}@${tenant}.example`)];
  const customerWrites = c.writes.res_partner ?? [];
  const partners: string[][] = [
    [lit(`${tenant} company`), 'true', 'NULL', ts(init), ts(init)],
    ...users.map((u) => [lit(u === 'admin' ? 'Administrator' : u.split('@')[0]!), 'false', lit(u === 'admin' ? `admin@${tenant}.example` : u), ts(init), ts(init)]),
    ...customerWrites.map((w, i) => [lit(`Customer ${i + 1}`), 'true', lit(`customer${i + 1}@example.com`), ts(init), ts(w)]),
  ];
  sql += `CREATE TABLE res_partner (id serial PRIMARY KEY, name varchar, is_company boolean, email varchar, active boolean DEFAULT true, company_id integer DEFAULT 1, ${AUDIT});\n`;
  sql += insert('res_partner', ['name', 'is_company', 'email', 'create_date', 'write_date'], keep('res_partner', partners));

  sql += `CREATE TABLE res_users (id serial PRIMARY KEY, login varchar NOT NULL UNIQUE, partner_id integer, company_id integer DEFAULT 1, active boolean DEFAULT true, ${AUDIT});\n`;
  sql += insert('res_users', ['login', 'partner_id', 'create_date', 'write_date'], keep('res_users', users.map((u, i) => [lit(u), String(i + 2), ts(init), ts(init)])));

  sql += `CREATE TABLE ir_attachment (id serial PRIMARY KEY, name varchar NOT NULL, res_model varchar, res_id integer, type varchar NOT NULL DEFAULT 'binary', url varchar, store_fname varchar, file_size integer, mimetype varchar, checksum varchar, ${AUDIT});\n`;
  const attachments: string[][] = [
    // A link kept as a URL has no file: the filestore check must skip it.
    [lit('Odoo documentation'), lit('res.company'), '1', lit('url'), lit('https://www.odoo.com/documentation'), 'NULL', 'NULL', 'NULL', 'NULL', ts(init), ts(init)],
    ...c.attachments.map((a) => [lit(a.name), lit('res.partner'), '1', lit('binary'), 'NULL', lit(a.storeFname), String(a.size), lit(a.mimetype), lit(a.storeFname.split('/')[1] ?? a.storeFname), ts(a.createdAt), ts(a.createdAt)]),
  ];
  sql += insert('ir_attachment', ['name', 'res_model', 'res_id', 'type', 'url', 'store_fname', 'file_size', 'mimetype', 'checksum', 'create_date', 'write_date'], keep('ir_attachment', attachments));

  for (const b of BUSINESS_TABLES) {
    const writes = c.writes[b.table];
    if (!writes) continue;
    sql += `CREATE TABLE ${b.table} (id serial PRIMARY KEY, name varchar, partner_id integer, company_id integer DEFAULT 1, ${AUDIT});\n`;
    sql += insert(b.table, ['name', 'partner_id', 'create_date', 'write_date'], keep(b.table, writes.map((w, i) => [lit(`${b.label}${String(i + 1).padStart(5, '0')}`), '6', ts(Math.min(w, init)), ts(w)])));
  }
  return sql;
}
