import { CreateDBClusterCommand } from '@aws-sdk/client-rds';
import { DatabaseErrorException, ExecuteStatementCommand, type ExecuteStatementCommandInput } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pooledSql } from '#shared/cloud/pooled-sql.ts';
import { PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

const PASSWORD = 'Abcdefgh12345678XYZ';

describe('simulated RDS Data API on a cell cluster', () => {
  let h: SimHarness;
  let target: { resourceArn: string; secretArn: string };
  const run = (statement: { sql: string; parameters?: ExecuteStatementCommandInput['parameters'] }) =>
    h.provider.rdsData(PRIMARY).send(new ExecuteStatementCommand({ ...target, ...statement, database: 'postgres' }));

  beforeAll(async () => {
    h = await startSim();
    const cell = h.config.cells[0]!;
    target = { resourceArn: cell.auroraClusterArn, secretArn: cell.masterSecretArn };
  });
  afterAll(async () => h.stop());

  it('creates a role and a database owned by it, which the existence queries then find', async () => {
    // prepare
    const before = await run(pooledSql.databaseExists('odoo_acme'));

    // act
    await run(pooledSql.createRole('odoo_acme_app', PASSWORD));
    await run(pooledSql.createDatabase('odoo_acme', 'odoo_acme_app'));
    await run(pooledSql.revokePublicConnect('odoo_acme'));
    await run(pooledSql.setRolePassword('odoo_acme_app', PASSWORD));

    // assess
    expect(before.records).toEqual([]);
    expect((await run(pooledSql.roleExists('odoo_acme_app'))).records).toEqual([[{ longValue: 1 }]]);
    expect((await run(pooledSql.databaseExists('odoo_acme'))).records).toEqual([[{ longValue: 1 }]]);
    expect(h.sim.inventory().regions[PRIMARY]!.rds.databases['odoo-cell-a']).toContainEqual({ name: 'odoo_acme', owner: 'odoo_acme_app', initialised: false });
  });

  it('answers like PostgreSQL when the database already exists', async () => {
    const err = await rejection(run(pooledSql.createDatabase('odoo_acme', 'odoo_acme_app')));
    expect(err).toBeInstanceOf(DatabaseErrorException);
    expect(err.message).toMatch(/database "odoo_acme" already exists/);
  });

  it('will not drop a role that still owns a database, and drops are idempotent', async () => {
    // act
    const blocked = await rejection(run(pooledSql.dropRole('odoo_acme_app')));
    await run(pooledSql.terminateConnections('odoo_acme'));
    await run(pooledSql.dropDatabase('odoo_acme'));
    await run(pooledSql.dropDatabase('odoo_acme'));
    await run(pooledSql.dropRole('odoo_acme_app'));
    await run(pooledSql.dropRole('odoo_acme_app'));

    // assess
    expect(blocked.name).toBe('DatabaseErrorException');
    expect((await run(pooledSql.roleExists('odoo_acme_app'))).records).toEqual([]);
    expect((await run(pooledSql.databaseExists('odoo_acme'))).records).toEqual([]);
  });

  it('records the master as a member of a granted role, idempotently, until the role is dropped', async () => {
    // prepare
    const members = () => h.sim.region(PRIMARY).rdsData.masterMemberships(target.resourceArn);
    await run(pooledSql.createRole('odoo_beta_app', PASSWORD));

    // act
    const missing = await rejection(run(pooledSql.grantRoleToMaster('odoo_nobody_app')));
    await run(pooledSql.grantRoleToMaster('odoo_beta_app'));
    await run(pooledSql.grantRoleToMaster('odoo_beta_app'));
    const granted = members();
    await run(pooledSql.dropRole('odoo_beta_app'));

    // assess
    expect(missing).toBeInstanceOf(DatabaseErrorException);
    expect(missing.message).toMatch(/role "odoo_nobody_app" does not exist/);
    expect(granted).toEqual(['odoo_beta_app']);
    expect(members()).toEqual([]);
  });

  it('drops a database WITH (FORCE), and forgets that Odoo initialised it', async () => {
    // prepare
    await run(pooledSql.createRole('odoo_gamma_app', PASSWORD));
    await run(pooledSql.grantRoleToMaster('odoo_gamma_app'));
    await run(pooledSql.createDatabase('odoo_gamma', 'odoo_gamma_app'));
    h.sim.initialisedDatabases.set('odoo_gamma', { at: new Date(0) });

    // act
    await run(pooledSql.dropDatabase('odoo_gamma'));
    await run(pooledSql.dropDatabase('odoo_gamma'));
    await run(pooledSql.dropRole('odoo_gamma_app'));

    // assess
    expect(pooledSql.dropDatabase('odoo_gamma').sql).toBe('DROP DATABASE IF EXISTS "odoo_gamma" WITH (FORCE)');
    expect((await run(pooledSql.databaseExists('odoo_gamma'))).records).toEqual([]);
    expect(h.sim.initialisedDatabases.has('odoo_gamma')).toBe(false);
    expect((await run(pooledSql.roleExists('odoo_gamma_app'))).records).toEqual([]);
  });

  it('rejects an unknown secret, SQL it does not know, and a cluster that is not available', async () => {
    // prepare
    const created = await h.provider.rds(PRIMARY).send(
      new CreateDBClusterCommand({ DBClusterIdentifier: 'odoo-new', Engine: 'aurora-postgresql', MasterUsername: 'odoo_admin', ManageMasterUserPassword: true }),
    );
    const fresh = { resourceArn: created.DBCluster!.DBClusterArn!, secretArn: created.DBCluster!.MasterUserSecret!.SecretArn! };

    // act
    const badSecret = await rejection(h.provider.rdsData(PRIMARY).send(new ExecuteStatementCommand({ ...target, secretArn: `${target.secretArn}x`, sql: 'SELECT 1' })));
    const unknownSql = await rejection(run({ sql: 'DROP TABLE res_users' }));
    const notAvailable = await rejection(h.provider.rdsData(PRIMARY).send(new ExecuteStatementCommand({ ...fresh, ...pooledSql.roleExists('x') })));

    // assess
    expect(badSecret.name).toBe('BadRequestException');
    expect(unknownSql.name).toBe('BadRequestException');
    expect(notAvailable.name).toBe('BadRequestException');
  });
});
