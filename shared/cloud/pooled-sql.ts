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
};
