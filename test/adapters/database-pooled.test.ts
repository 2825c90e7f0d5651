import { DatabaseResumingException, ExecuteStatementCommand, RDSDataClient, type ExecuteStatementCommandInput } from '@aws-sdk/client-rds-data';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { dropPooledDatabase, ensurePooledDatabase } from '#shared/cloud/adapters/database-pooled.ts';
import { pooledSql, pooledSqlPatterns } from '#shared/cloud/pooled-sql.ts';

const data = mockClient(RDSDataClient);
const sm = mockClient(SecretsManagerClient);
const cell = {
  id: 'cell-1',
  auroraClusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:cell-1',
  masterSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cell-1-master-AbCdEf',
  endpoint: 'cell-1.cluster-abc.eu-west-1.rds.amazonaws.com',
};
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:odoo/acme/db-XyZ123';
const input = { cell, tenantId: 'acme', operationId: 'op-0001', namePrefix: 'odoo' };

/** A cell cluster as far as these statements can tell: its roles, databases and role passwords. */
function fakePostgres(initial: { roles?: string[]; databases?: string[] } = {}) {
  const roles = new Map<string, string>((initial.roles ?? []).map((r) => [r, 'old']));
  const databases = new Set(initial.databases ?? []);
  const revoked = new Set<string>();
  const masterMemberOf = new Set<string>();
  data.on(ExecuteStatementCommand).callsFake((req: ExecuteStatementCommandInput) => {
    const sql = req.sql ?? '';
    const param = req.parameters?.[0]?.value?.stringValue ?? '';
    let m: RegExpMatchArray | null;
    if (pooledSqlPatterns.roleExists.test(sql)) return { records: roles.has(param) ? [[{ longValue: 1 }]] : [] };
    if (pooledSqlPatterns.databaseExists.test(sql)) return { records: databases.has(param) ? [[{ longValue: 1 }]] : [] };
    if ((m = sql.match(pooledSqlPatterns.createRole))) roles.set(m[1]!, sql.split("'")[1]!);
    else if ((m = sql.match(pooledSqlPatterns.setRolePassword))) roles.set(m[1]!, sql.split("'")[1]!);
    else if ((m = sql.match(pooledSqlPatterns.grantRoleToMaster))) masterMemberOf.add(m[1]!);
    else if ((m = sql.match(pooledSqlPatterns.createDatabase))) {
      // PostgreSQL 16: only a member of the owner role may create a database owned by it.
      if (!masterMemberOf.has(m[2]!)) throw Object.assign(new Error(`ERROR: must be able to SET ROLE "${m[2]}"`), { name: 'DatabaseErrorException' });
      databases.add(m[1]!);
    }
    else if ((m = sql.match(pooledSqlPatterns.revokePublicConnect))) revoked.add(m[1]!);
    else if ((m = sql.match(pooledSqlPatterns.dropDatabase))) databases.delete(m[1]!);
    else if ((m = sql.match(pooledSqlPatterns.dropRole))) roles.delete(m[1]!);
    return { records: [] };
  });
  return { roles, databases, revoked, masterMemberOf };
}

const statements = () => data.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input.sql);

beforeEach(() => {
  data.reset();
  sm.reset();
});

describe('ensurePooledDatabase', () => {
  it('creates the secret, the login role and a private database on the cell cluster', async () => {
    // prepare
    const pg = fakePostgres();
    sm.on(DescribeSecretCommand).rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
    sm.on(CreateSecretCommand).resolves({ ARN: SECRET_ARN });

    // act
    const result = await ensurePooledDatabase(new RDSDataClient({}), new SecretsManagerClient({}), input);

    // assess
    expect(result).toEqual({ databaseName: 'odoo_acme', roleName: 'odoo_acme_app', secretArn: SECRET_ARN, created: { role: true, database: true } });
    const secret = JSON.parse(sm.commandCalls(CreateSecretCommand)[0]!.args[0].input.SecretString!);
    expect(secret).toEqual({ username: 'odoo_acme_app', password: expect.stringMatching(/^[A-Za-z0-9]{32}$/), host: cell.endpoint, port: 5432, dbname: 'odoo_acme' });
    expect(sm).toHaveReceivedCommandWith(CreateSecretCommand, { Name: 'odoo/acme/db', Tags: expect.arrayContaining([{ Key: 'odoo:tenant', Value: 'acme' }]) });
    expect(pg.roles.get('odoo_acme_app')).toBe(secret.password);
    expect(pg.databases.has('odoo_acme')).toBe(true);
    expect(pg.revoked.has('odoo_acme')).toBe(true);
    expect(data).toHaveReceivedCommandWith(ExecuteStatementCommand, {
      resourceArn: cell.auroraClusterArn,
      secretArn: cell.masterSecretArn,
      database: 'postgres',
      sql: pooledSql.createDatabase('odoo_acme', 'odoo_acme_app').sql,
    });
  });

  it('makes the master a member of the new role before creating the database it owns, in this order', async () => {
    // prepare
    const pg = fakePostgres();
    sm.on(DescribeSecretCommand).rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
    sm.on(CreateSecretCommand).resolves({ ARN: SECRET_ARN });

    // act
    await ensurePooledDatabase(new RDSDataClient({}), new SecretsManagerClient({}), input);

    // assess
    const password = JSON.parse(sm.commandCalls(CreateSecretCommand)[0]!.args[0].input.SecretString!).password as string;
    expect(statements()).toEqual([
      pooledSql.roleExists('odoo_acme_app').sql,
      pooledSql.createRole('odoo_acme_app', password).sql,
      'GRANT "odoo_acme_app" TO CURRENT_USER',
      pooledSql.databaseExists('odoo_acme').sql,
      'CREATE DATABASE "odoo_acme" OWNER "odoo_acme_app"',
      'REVOKE CONNECT ON DATABASE "odoo_acme" FROM PUBLIC',
    ]);
    expect([...pg.masterMemberOf]).toEqual(['odoo_acme_app']);
  });

  it('converges after a crash: resets the existing role to the stored password and creates nothing twice', async () => {
    const pg = fakePostgres({ roles: ['odoo_acme_app'], databases: ['odoo_acme'] });
    sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN });
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({
      SecretString: JSON.stringify({ username: 'odoo_acme_app', password: 'StoredPassword1234', host: 'h', port: 5432, dbname: 'odoo_acme' }),
    });

    const result = await ensurePooledDatabase(new RDSDataClient({}), new SecretsManagerClient({}), input);

    expect(result.created).toEqual({ role: false, database: false });
    expect(pg.roles.get('odoo_acme_app')).toBe('StoredPassword1234');
    expect(sm).not.toHaveReceivedCommand(CreateSecretCommand);
    expect(statements().some((s) => s?.startsWith('CREATE'))).toBe(false);
    // A database made before a crash still gets its PUBLIC connect revoked.
    expect(pg.revoked.has('odoo_acme')).toBe(true);
  });

  it('sets the password instead when a concurrent attempt created the role first', async () => {
    const pg = fakePostgres();
    sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN });
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: 'StoredPassword1234' }) });
    data.on(ExecuteStatementCommand, { sql: pooledSql.createRole('odoo_acme_app', 'StoredPassword1234').sql }).callsFake(() => {
      pg.roles.set('odoo_acme_app', 'theirs');
      throw Object.assign(new Error('ERROR: role "odoo_acme_app" already exists'), { name: 'DatabaseErrorException' });
    });

    const result = await ensurePooledDatabase(new RDSDataClient({}), new SecretsManagerClient({}), input);

    expect(result.created.role).toBe(false);
    expect(pg.roles.get('odoo_acme_app')).toBe('StoredPassword1234');
  });

  it('lets DatabaseResumingException propagate so Step Functions retries it', async () => {
    sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN });
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: 'StoredPassword1234' }) });
    data.on(ExecuteStatementCommand).rejects(new DatabaseResumingException({ message: 'resuming', $metadata: {} }));

    await expect(ensurePooledDatabase(new RDSDataClient({}), new SecretsManagerClient({}), input)).rejects.toMatchObject({
      name: 'DatabaseResumingException',
    });
  });

  it('needs a writer endpoint to write into the credentials', async () => {
    await expect(
      ensurePooledDatabase(new RDSDataClient({}), new SecretsManagerClient({}), { ...input, cell: { ...cell, endpoint: undefined } }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    expect(sm).not.toHaveReceivedAnyCommand();
  });
});

describe('dropPooledDatabase', () => {
  it('terminates connections, force-drops the database, then drops the role, then the secret', async () => {
    const pg = fakePostgres({ roles: ['odoo_acme_app', 'other_app'], databases: ['odoo_acme', 'other'] });
    sm.on(DeleteSecretCommand).resolves({});

    const result = await dropPooledDatabase(new RDSDataClient({}), new SecretsManagerClient({}), { cell, tenantId: 'acme', namePrefix: 'odoo' });

    expect(result).toEqual({ database: 'dropped', role: 'dropped', secret: 'deleted' });
    expect([...pg.databases]).toEqual(['other']);
    expect([...pg.roles.keys()]).toEqual(['other_app']);
    expect(statements()).toEqual([
      pooledSql.databaseExists('odoo_acme').sql,
      pooledSql.terminateConnections('odoo_acme').sql,
      'DROP DATABASE IF EXISTS "odoo_acme" WITH (FORCE)',
      pooledSql.roleExists('odoo_acme_app').sql,
      'DROP ROLE IF EXISTS "odoo_acme_app"',
    ]);
    expect(sm).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: 'odoo/acme/db', ForceDeleteWithoutRecovery: true });
  });

  it('reports absent for what is already gone and drops nothing', async () => {
    fakePostgres();
    sm.on(DeleteSecretCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));

    const result = await dropPooledDatabase(new RDSDataClient({}), new SecretsManagerClient({}), { cell, tenantId: 'acme' });

    expect(result).toEqual({ database: 'absent', role: 'absent', secret: 'absent' });
    expect(statements().some((s) => s?.startsWith('DROP'))).toBe(false);
  });
});
