import { DatabaseErrorException, ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { timestamptzToIso, writeHeartbeat } from '#shared/cloud/adapters/heartbeat.ts';
import { heartbeatSql, heartbeatSqlPatterns } from '#shared/cloud/heartbeat-sql.ts';

const data = mockClient(RDSDataClient);
const target = {
  resourceArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:odoo-cell-a',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cell-a-master-AbCdEf',
  database: 'odoo_acme',
};
const inserted = (id: number, at = '2026-03-01 09:00:00.123456+00') => ({ records: [[{ longValue: id }, { stringValue: at }]] });
const missing = () => new DatabaseErrorException({ message: 'ERROR: relation "odoo_fleet_heartbeat" does not exist\n  Position: 13; SQLState: 42P01', $metadata: {} });
const sent = () => data.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input);

beforeEach(() => data.reset());

describe('Function: writeHeartbeat', () => {
  it('inserts one row with the writer as a parameter and returns its id and time in UTC', async () => {
    // prepare
    data.on(ExecuteStatementCommand).resolves(inserted(41));

    // act
    const beat = await writeHeartbeat(data as unknown as RDSDataClient, target, 'odoo-fleet-heartbeat');

    // assess
    expect(beat).toEqual({ id: 41, at: '2026-03-01T09:00:00.123Z', pruned: false });
    expect(sent()).toEqual([
      {
        ...target,
        sql: 'INSERT INTO odoo_fleet_heartbeat (at, writer) VALUES (now(), :writer) RETURNING id, at::text AS at',
        parameters: [{ name: 'writer', value: { stringValue: 'odoo-fleet-heartbeat' } }],
      },
    ]);
  });

  it('creates the table when PostgreSQL says it does not exist (42P01), then inserts once more', async () => {
    // prepare
    data.on(ExecuteStatementCommand, { sql: heartbeatSql.insert('w').sql }).rejectsOnce(missing()).resolves(inserted(1));
    data.on(ExecuteStatementCommand, { sql: heartbeatSql.createTable().sql }).resolves({});

    // act
    const beat = await writeHeartbeat(data as unknown as RDSDataClient, target, 'w');

    // assess
    expect(beat.id).toBe(1);
    expect(sent().map((i) => i.sql)).toEqual([heartbeatSql.insert('w').sql, heartbeatSql.createTable().sql, heartbeatSql.insert('w').sql]);
    expect(heartbeatSql.createTable().sql).toBe('CREATE TABLE IF NOT EXISTS odoo_fleet_heartbeat (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), writer text NOT NULL)');
  });

  it('does not retry other database errors, nor a second missing table', async () => {
    // prepare
    data.on(ExecuteStatementCommand, { sql: heartbeatSql.insert('w').sql }).rejects(missing());
    data.on(ExecuteStatementCommand, { sql: heartbeatSql.createTable().sql }).resolves({});

    // act
    const err = await writeHeartbeat(data as unknown as RDSDataClient, target, 'w').catch((e: Error) => e);

    // assess
    expect(err).toMatchObject({ name: 'DatabaseErrorException' });
    expect(sent()).toHaveLength(3);
  });

  it('prunes rows older than 7 days when the new id is a multiple of 1440, and only then', async () => {
    // prepare
    data.on(ExecuteStatementCommand, { sql: heartbeatSql.insert('w').sql }).resolvesOnce(inserted(2880)).resolvesOnce(inserted(2881));
    data.on(ExecuteStatementCommand, { sql: heartbeatSql.prune().sql }).resolves({ numberOfRecordsUpdated: 1440 });

    // act
    const first = await writeHeartbeat(data as unknown as RDSDataClient, target, 'w');
    const second = await writeHeartbeat(data as unknown as RDSDataClient, target, 'w');

    // assess
    expect([first.pruned, second.pruned]).toEqual([true, false]);
    expect(sent().map((i) => i.sql)).toEqual([heartbeatSql.insert('w').sql, "DELETE FROM odoo_fleet_heartbeat WHERE at < now() - interval '7 days'", heartbeatSql.insert('w').sql]);
  });

  it('refuses a writer name that is not a plain identifier', () => {
    expect(() => heartbeatSql.insert("x'); DROP TABLE res_users; --")).toThrow(/invalid heartbeat writer/);
  });

  it('builds statements the simulator patterns recognise', () => {
    expect(heartbeatSqlPatterns.insert.test(heartbeatSql.insert('w').sql)).toBe(true);
    expect(heartbeatSqlPatterns.createTable.test(heartbeatSql.createTable().sql)).toBe(true);
    expect(heartbeatSqlPatterns.prune.exec(heartbeatSql.prune().sql)?.[1]).toBe('7');
  });

  it('reads timestamptz text in any offset as UTC', () => {
    expect(timestamptzToIso('2026-03-01 10:00:00+01')).toBe('2026-03-01T09:00:00.000Z');
    expect(timestamptzToIso('2026-03-01 09:00:00.5+05:30')).toBe('2026-03-01T03:30:00.500Z');
  });
});
