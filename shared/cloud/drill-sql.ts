/**
 * The read-only SQL a restore drill validates a restored Odoo database with. Every statement reads
 * the database's own schema (`current_schema()`: `public` in a real Odoo database, the restore's
 * schema in the simulated cloud), and a table that may be missing is read through `query_to_xml`
 * only when the catalogue lists it, so a missing table never fails the statement (the same trick
 * as `pooledSql.newestWrite`). Lists travel as one comma-separated parameter: the Data API takes no
 * array parameters. Times come back as ISO-8601 UTC text, whatever the driver does with timestamps.
 */
import type { SqlParameter } from '@aws-sdk/client-rds-data';
import { HEARTBEAT_TABLE } from './heartbeat-sql.ts';
import { ident } from './pooled-sql.ts';

export interface Statement {
  sql: string;
  parameters?: SqlParameter[];
}

/** The tables without which a database is not an Odoo database. */
export const ODOO_SCHEMA_TABLES = ['ir_module_module', 'res_users', 'res_partner', 'res_company', 'ir_attachment'] as const;
/** Tables every Odoo database has rows in from its initialisation on: an empty one means data was lost. */
export const KEY_TABLES = ['res_users', 'res_partner', 'res_company'] as const;
/** Business tables whose row counts are reported, never judged: a young tenant may have no orders. */
export const REPORTED_TABLES = ['sale_order', 'account_move', 'stock_picking', 'product_template', 'purchase_order'] as const;

/** `timestamp` (Odoo's UTC without a zone) -> `2026-03-01T09:00:00.000Z`. */
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

function list(name: string, items: readonly string[]): SqlParameter[] {
  for (const i of items) ident(i);
  return [{ name, value: { stringValue: items.join(',') } }];
}

export const drillSql = {
  connect: (): Statement => ({ sql: 'SELECT current_database() AS database, version() AS version' }),

  /** Which of the named tables exist. */
  tablesPresent: (tables: readonly string[]): Statement => ({
    sql: "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ANY(string_to_array(:tables, ',')) ORDER BY table_name",
    parameters: list('tables', tables),
  }),

  /** How many modules are installed, and which of the expected ones are not (comma-separated, or NULL). */
  moduleStates: (modules: readonly string[]): Statement => ({
    sql:
      "SELECT (SELECT count(*) FROM ir_module_module WHERE state = 'installed') AS installed, " +
      "(SELECT string_agg(m, ',' ORDER BY m) FROM unnest(string_to_array(:modules, ',')) AS m " +
      "WHERE NOT EXISTS (SELECT 1 FROM ir_module_module i WHERE i.name = m AND i.state = 'installed')) AS missing",
    parameters: list('modules', modules),
  }),

  /** Row counts of those of the named tables that exist. */
  rowCounts: (tables: readonly string[]): Statement => ({
    sql:
      "SELECT t.table_name AS name, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', t.table_schema, t.table_name), false, true, '')))[1]::text::bigint AS rows " +
      "FROM information_schema.tables t WHERE t.table_schema = current_schema() AND t.table_name = ANY(string_to_array(:tables, ',')) ORDER BY t.table_name",
    parameters: list('tables', tables),
  }),

  /** The newest `write_date` over those of the named tables that exist, or NULL. */
  newestWrite: (tables: readonly string[]): Statement => ({
    sql:
      `SELECT to_char(max((xpath('/row/newest/text()', query_to_xml(format('SELECT max(write_date) AS newest FROM %I.%I', c.table_schema, c.table_name), false, true, '')))[1]::text::timestamp), ${ISO}) AS newest ` +
      "FROM information_schema.columns c WHERE c.table_schema = current_schema() AND c.column_name = 'write_date' AND c.table_name = ANY(string_to_array(:tables, ','))",
    parameters: list('tables', tables),
  }),

  /** The newest heartbeat: no row when the table does not exist, NULL when it is empty. */
  newestHeartbeat: (): Statement => ({
    sql:
      `SELECT to_char((xpath('/row/newest/text()', query_to_xml(format('SELECT max(at) AS newest FROM %I.%I', t.table_schema, t.table_name), false, true, '')))[1]::text::timestamptz AT TIME ZONE 'UTC', ${ISO}) AS newest ` +
      `FROM information_schema.tables t WHERE t.table_schema = current_schema() AND t.table_name = '${HEARTBEAT_TABLE}'`,
  }),

  /** The newest attachments stored in the filestore (not URLs, not kept in the database). */
  attachmentSample: (limit: number): Statement => {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`invalid attachment sample: ${limit}`);
    return {
      sql: "SELECT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL AND type = 'binary' ORDER BY id DESC LIMIT :limit",
      parameters: [{ name: 'limit', value: { longValue: limit } }],
    };
  },
};
