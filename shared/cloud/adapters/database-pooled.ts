/**
 * A pooled tenant's database and login role on its cell's Aurora cluster, through the RDS Data API
 * as the cluster's master user. Each piece is looked at before it is made, so a step that crashed
 * half-way converges on retry: the credentials secret is generated once and is the truth, and an
 * existing role gets the secret's password again. `DatabaseResumingException` (a paused
 * Serverless cluster waking up) propagates for Step Functions to retry.
 */
import { ExecuteStatementCommand, type RDSDataClient, type SqlParameter } from '@aws-sdk/client-rds-data';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CellConfig } from '#shared/domain/fleet-config.ts';
import { names, resourceTags } from '#shared/domain/names.ts';
import { resourceFailed, validationError } from '#shared/lib/errors.ts';
import { pooledSql } from '../pooled-sql.ts';
import { deleteSecret, ensureSecret, generatePassword, readSecretJson, type ReplicaRegion } from './secrets.ts';

export const POSTGRES_PORT = 5432;

export type PooledCell = Pick<CellConfig, 'auroraClusterArn' | 'masterSecretArn'> & Partial<Pick<CellConfig, 'id' | 'endpoint'>>;

export interface EnsurePooledDatabaseInput {
  cell: PooledCell;
  tenantId: string;
  operationId: string;
  namePrefix?: string;
  /** Writer endpoint written into the tenant's secret; `cell.endpoint` when absent. */
  endpoint?: string;
  /** Regions that keep a replica of the tenant's credentials: the DR region of a cell with a DR copy. */
  replicaRegions?: ReplicaRegion[];
}

export interface PooledDatabase {
  databaseName: string;
  roleName: string;
  secretArn: string;
  created: { role: boolean; database: boolean };
}

/** What the tenant's database secret holds (the shape RDS itself uses for its secrets). */
export interface TenantDbSecret {
  username: string;
  password: string;
  host: string;
  port: number;
  dbname: string;
}

type Statement = { sql: string; parameters?: SqlParameter[] };

async function execute(data: RDSDataClient, cell: PooledCell, statement: Statement) {
  return data.send(
    new ExecuteStatementCommand({
      resourceArn: cell.auroraClusterArn,
      secretArn: cell.masterSecretArn,
      database: 'postgres',
      sql: statement.sql,
      parameters: statement.parameters,
    }),
  );
}

async function exists(data: RDSDataClient, cell: PooledCell, statement: Statement): Promise<boolean> {
  const out = await execute(data, cell, statement);
  return (out.records?.length ?? 0) > 0;
}

/** PostgreSQL's "already exists" (SQLSTATE 42710 / 42P04) after a concurrent create won the race. */
function alreadyExists(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /already exists/i.test(message);
}

export async function ensurePooledDatabase(data: RDSDataClient, sm: SecretsManagerClient, input: EnsurePooledDatabaseInput): Promise<PooledDatabase> {
  const { cell, tenantId, operationId, namePrefix } = input;
  const host = input.endpoint ?? cell.endpoint;
  if (!host) throw validationError(`the writer endpoint of cell ${cell.id ?? cell.auroraClusterArn} is unknown`);
  const databaseName = names.databaseName(tenantId);
  const roleName = names.roleName(tenantId);

  let generated: TenantDbSecret | undefined;
  const secret = await ensureSecret(sm, {
    name: names.dbSecretName(tenantId, namePrefix),
    tags: resourceTags(tenantId, operationId, cell.id ? { 'odoo:cell': cell.id } : {}),
    description: `PostgreSQL login of tenant ${tenantId}`,
    replicaRegions: input.replicaRegions,
    generate: () => {
      generated = { username: roleName, password: generatePassword(32), host, port: POSTGRES_PORT, dbname: databaseName };
      return { ...generated };
    },
  });
  const credentials = secret.created && generated ? generated : await readSecretJson<Partial<TenantDbSecret>>(sm, secret.arn);
  if (typeof credentials.password !== 'string') throw resourceFailed(`secret ${names.dbSecretName(tenantId, namePrefix)} holds no password`);
  const password = credentials.password;

  let roleCreated = false;
  if (await exists(data, cell, pooledSql.roleExists(roleName))) {
    await execute(data, cell, pooledSql.setRolePassword(roleName, password));
  } else {
    try {
      await execute(data, cell, pooledSql.createRole(roleName, password));
      roleCreated = true;
    } catch (err) {
      if (!alreadyExists(err)) throw err;
      await execute(data, cell, pooledSql.setRolePassword(roleName, password));
    }
  }

  // Every time, like the REVOKE below: the master must stay a member of the owner role to create
  // the database and, later, to drop it (PostgreSQL 16).
  await execute(data, cell, pooledSql.grantRoleToMaster(roleName));

  let databaseCreated = false;
  if (!(await exists(data, cell, pooledSql.databaseExists(databaseName)))) {
    try {
      await execute(data, cell, pooledSql.createDatabase(databaseName, roleName));
      databaseCreated = true;
    } catch (err) {
      if (!alreadyExists(err)) throw err;
    }
  }
  // Every time, not only after a create: a crash between CREATE and REVOKE must not leave the
  // database open to every role of the cell.
  await execute(data, cell, pooledSql.revokePublicConnect(databaseName));

  return { databaseName, roleName, secretArn: secret.arn, created: { role: roleCreated, database: databaseCreated } };
}

export interface DropPooledDatabaseInput {
  cell: PooledCell;
  tenantId: string;
  namePrefix?: string;
}

export interface DroppedPooledDatabase {
  database: 'dropped' | 'absent';
  role: 'dropped' | 'absent';
  secret: 'deleted' | 'absent';
}

/** Database first (its owner cannot be dropped before it), then the role, then the credentials. */
export async function dropPooledDatabase(data: RDSDataClient, sm: SecretsManagerClient, input: DropPooledDatabaseInput): Promise<DroppedPooledDatabase> {
  const { cell, tenantId, namePrefix } = input;
  const databaseName = names.databaseName(tenantId);
  const roleName = names.roleName(tenantId);

  let database: DroppedPooledDatabase['database'] = 'absent';
  if (await exists(data, cell, pooledSql.databaseExists(databaseName))) {
    await execute(data, cell, pooledSql.terminateConnections(databaseName));
    await execute(data, cell, pooledSql.dropDatabase(databaseName));
    database = 'dropped';
  }

  let role: DroppedPooledDatabase['role'] = 'absent';
  if (await exists(data, cell, pooledSql.roleExists(roleName))) {
    await execute(data, cell, pooledSql.dropRole(roleName));
    role = 'dropped';
  }

  const secret = await deleteSecret(sm, names.dbSecretName(tenantId, namePrefix));
  return { database, role, secret };
}
