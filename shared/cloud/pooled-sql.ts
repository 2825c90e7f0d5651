/**
 * The SQL a pooled tenant's database and role are made and removed with, sent through the RDS
 * Data API to the cell's Aurora cluster. DDL cannot take bind parameters, so identifiers are
 * checked against a strict pattern before they are quoted, and passwords come only from our own
 * alphanumeric generator. The simulated cloud parses exactly these forms.
 */
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const PASSWORD = /^[A-Za-z0-9]{16,128}$/;

export function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}

function password(pw: string): string {
  if (!PASSWORD.test(pw)) throw new Error('password must be 16-128 alphanumeric characters');
  return `'${pw}'`;
}

export const pooledSql = {
  roleExists: (role: string) => ({ sql: 'SELECT 1 FROM pg_roles WHERE rolname = :name', parameters: [{ name: 'name', value: { stringValue: role } }] }),
  databaseExists: (db: string) => ({ sql: 'SELECT 1 FROM pg_database WHERE datname = :name', parameters: [{ name: 'name', value: { stringValue: db } }] }),
  createRole: (role: string, pw: string) => ({ sql: `CREATE ROLE ${ident(role)} LOGIN PASSWORD ${password(pw)}` }),
  setRolePassword: (role: string, pw: string) => ({ sql: `ALTER ROLE ${ident(role)} WITH LOGIN PASSWORD ${password(pw)}` }),
  /**
   * PostgreSQL 16 lets a non-superuser (the RDS master) create a database owned by a role, and drop
   * it, only when it is a member of that role. Granting an existing membership only notices.
   */
  grantRoleToMaster: (role: string) => ({ sql: `GRANT ${ident(role)} TO CURRENT_USER` }),
  createDatabase: (db: string, owner: string) => ({ sql: `CREATE DATABASE ${ident(db)} OWNER ${ident(owner)}` }),
  revokePublicConnect: (db: string) => ({ sql: `REVOKE CONNECT ON DATABASE ${ident(db)} FROM PUBLIC` }),
  terminateConnections: (db: string) => ({
    sql: 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()',
    parameters: [{ name: 'name', value: { stringValue: db } }],
  }),
  // FORCE (PostgreSQL 13+): a connection that comes back after terminateConnections cannot fail the drop.
  dropDatabase: (db: string) => ({ sql: `DROP DATABASE IF EXISTS ${ident(db)} WITH (FORCE)` }),
  dropRole: (role: string) => ({ sql: `DROP ROLE IF EXISTS ${ident(role)}` }),
  /**
   * A whole-database copy on the same cluster, the pooled tenant's pre-change copy. PostgreSQL
   * refuses while anyone is connected to the template, so connections are terminated first; the
   * master may use a database it does not own as template because it is a member of the owner.
   */
  copyDatabase: (db: string, template: string, owner: string) => ({ sql: `CREATE DATABASE ${ident(db)} TEMPLATE ${ident(template)} OWNER ${ident(owner)}` }),
  renameDatabase: (from: string, to: string) => ({ sql: `ALTER DATABASE ${ident(from)} RENAME TO ${ident(to)}` }),
  /**
   * The newest `write_date` (Odoo's UTC timestamp of a row's last change) over the named tables
   * that exist in the database, as text, or NULL when none has a row. A module that is not installed
   * has no table, and naming a missing table fails the whole statement, so each table is read through
   * `query_to_xml` only when the catalogue lists it. Table names travel as one comma-separated
   * parameter: the Data API takes no array parameters.
   */
  newestWrite: (tables: readonly string[]) => {
    for (const t of tables) ident(t);
    return {
      sql:
        "SELECT max((xpath('/row/newest/text()', query_to_xml(format('SELECT max(write_date) AS newest FROM %I', c.table_name), false, true, '')))[1]::text::timestamp)::text AS newest " +
        "FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.column_name = 'write_date' AND c.table_name = ANY(string_to_array(:tables, ','))",
      parameters: [{ name: 'tables', value: { stringValue: tables.join(',') } }],
    };
  },
};

/** Statement shapes the simulator recognises, derived from the builders above. */
export const pooledSqlPatterns = {
  roleExists: /^SELECT 1 FROM pg_roles WHERE rolname = :name$/,
  databaseExists: /^SELECT 1 FROM pg_database WHERE datname = :name$/,
  createRole: /^CREATE ROLE "([a-z0-9_]+)" LOGIN PASSWORD '[A-Za-z0-9]+'$/,
  setRolePassword: /^ALTER ROLE "([a-z0-9_]+)" WITH LOGIN PASSWORD '[A-Za-z0-9]+'$/,
  grantRoleToMaster: /^GRANT "([a-z0-9_]+)" TO CURRENT_USER$/,
  createDatabase: /^CREATE DATABASE "([a-z0-9_]+)" OWNER "([a-z0-9_]+)"$/,
  revokePublicConnect: /^REVOKE CONNECT ON DATABASE "([a-z0-9_]+)" FROM PUBLIC$/,
  terminateConnections: /^SELECT pg_terminate_backend\(pid\) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid\(\)$/,
  dropDatabase: /^DROP DATABASE IF EXISTS "([a-z0-9_]+)" WITH \(FORCE\)$/,
  dropRole: /^DROP ROLE IF EXISTS "([a-z0-9_]+)"$/,
  copyDatabase: /^CREATE DATABASE "([a-z0-9_]+)" TEMPLATE "([a-z0-9_]+)" OWNER "([a-z0-9_]+)"$/,
  renameDatabase: /^ALTER DATABASE "([a-z0-9_]+)" RENAME TO "([a-z0-9_]+)"$/,
  newestWrite: /^SELECT max\(\(xpath\('\/row\/newest\/text\(\)', query_to_xml\(format\('SELECT max\(write_date\) AS newest FROM %I', c\.table_name\).* AND c\.table_name = ANY\(string_to_array\(:tables, ','\)\)$/,
};
