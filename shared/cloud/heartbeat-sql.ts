/**
 * The heartbeat the control plane writes into every tenant database, so a restore drill can tell
 * how recent the newest committed data of a restore is even when the tenant's users wrote nothing:
 * one row per write in `odoo_fleet_heartbeat`, which Odoo never touches. The table is made on the
 * first write that finds it missing, and rows older than a week are pruned about once a day. The
 * simulated cloud parses exactly these forms (`heartbeatSqlPatterns`).
 */
export const HEARTBEAT_TABLE = 'odoo_fleet_heartbeat';

/** Who wrote a heartbeat, e.g. `odoo-fleet-heartbeat`: letters, digits, `-`, `_`, `.`, `/`, `@`. */
const WRITER = /^[A-Za-z0-9._/@-]{1,100}$/;

/** Days of heartbeats kept; a drill only ever needs the newest. */
export const HEARTBEAT_RETENTION_DAYS = 7;

/** Prune when the new row's id is a multiple of this: about daily at one heartbeat a minute. */
export const HEARTBEAT_PRUNE_EVERY = 1440;

export const heartbeatSql = {
  /** The new row's id and time (`timestamptz` as text, in the session's zone: UTC on Aurora). */
  insert: (writer: string) => {
    if (!WRITER.test(writer)) throw new Error(`invalid heartbeat writer: ${writer}`);
    return {
      sql: `INSERT INTO ${HEARTBEAT_TABLE} (at, writer) VALUES (now(), :writer) RETURNING id, at::text AS at`,
      parameters: [{ name: 'writer', value: { stringValue: writer } }],
    };
  },
  createTable: () => ({
    sql: `CREATE TABLE IF NOT EXISTS ${HEARTBEAT_TABLE} (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), writer text NOT NULL)`,
  }),
  prune: () => ({ sql: `DELETE FROM ${HEARTBEAT_TABLE} WHERE at < now() - interval '${HEARTBEAT_RETENTION_DAYS} days'` }),
  /** The newest heartbeat a database holds (NULL when none): one side of a failover's data-loss window. */
  newest: () => ({ sql: `SELECT max(at)::text AS newest FROM ${HEARTBEAT_TABLE}` }),
};

/** Statement shapes the simulator recognises, derived from the builders above. */
export const heartbeatSqlPatterns = {
  insert: /^INSERT INTO odoo_fleet_heartbeat \(at, writer\) VALUES \(now\(\), :writer\) RETURNING id, at::text AS at$/,
  createTable: /^CREATE TABLE IF NOT EXISTS odoo_fleet_heartbeat \(id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now\(\), writer text NOT NULL\)$/,
  prune: /^DELETE FROM odoo_fleet_heartbeat WHERE at < now\(\) - interval '(\d+) days'$/,
  newest: /^SELECT max\(at\)::text AS newest FROM odoo_fleet_heartbeat$/,
};
