/**
 * Writes the control plane's heartbeat into a tenant database through the RDS Data API: the newest
 * heartbeat a restore holds says how much a restore to that point would lose, whether or not the
 * tenant's users wrote anything. The table is created on the first write that finds it missing.
 */
import { ExecuteStatementCommand, type ExecuteStatementCommandOutput, type RDSDataClient, type SqlParameter } from '@aws-sdk/client-rds-data';
import { resourceFailed } from '#shared/lib/errors.ts';
import { HEARTBEAT_PRUNE_EVERY, heartbeatSql } from '../heartbeat-sql.ts';
import { hasName } from './aws-errors.ts';

export interface HeartbeatTarget {
  resourceArn: string;
  secretArn: string;
  database: string;
}

export interface Heartbeat {
  id: number;
  /** When the database says the row was written (ISO-8601 UTC). */
  at: string;
  /** Whether this write also pruned rows older than the retention. */
  pruned: boolean;
}

async function run(data: RDSDataClient, target: HeartbeatTarget, statement: { sql: string; parameters?: SqlParameter[] }): Promise<ExecuteStatementCommandOutput> {
  return data.send(new ExecuteStatementCommand({ resourceArn: target.resourceArn, secretArn: target.secretArn, database: target.database, sql: statement.sql, parameters: statement.parameters }));
}

/** PostgreSQL's "relation does not exist", as the Data API reports it. */
function missingTable(err: unknown): boolean {
  return hasName(err, 'DatabaseErrorException') && /SQLState: 42P01/.test((err as Error).message ?? '');
}

/** `2026-03-01 09:00:00.123456+00` (timestamptz as text) -> ISO-8601 UTC. */
export function timestamptzToIso(text: string): string {
  const at = new Date(text.trim().replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  if (Number.isNaN(at.getTime())) throw resourceFailed(`unreadable heartbeat time: ${text}`);
  return at.toISOString();
}

async function insert(data: RDSDataClient, target: HeartbeatTarget, writer: string): Promise<ExecuteStatementCommandOutput> {
  try {
    return await run(data, target, heartbeatSql.insert(writer));
  } catch (err) {
    if (!missingTable(err)) throw err;
    await run(data, target, heartbeatSql.createTable());
    return run(data, target, heartbeatSql.insert(writer));
  }
}

/** One heartbeat row; also prunes old rows when the new id is a multiple of 1440 (about daily). */
export async function writeHeartbeat(data: RDSDataClient, target: HeartbeatTarget, writer: string): Promise<Heartbeat> {
  const out = await insert(data, target, writer);
  const [idField, atField] = out.records?.[0] ?? [];
  const id = Number(idField?.longValue ?? idField?.stringValue);
  if (!Number.isFinite(id) || typeof atField?.stringValue !== 'string') throw resourceFailed(`the heartbeat insert into ${target.database} returned no row`);
  const pruned = id % HEARTBEAT_PRUNE_EVERY === 0;
  if (pruned) await run(data, target, heartbeatSql.prune());
  return { id, at: timestamptzToIso(atField.stringValue), pruned };
}

/**
 * The newest heartbeat a database holds, as an ISO time, or null when it holds none (no table, or
 * an empty one). Read on both sides of a failover: the old primary's newest that the new one lacks
 * is the data that did not arrive.
 */
export async function readNewestHeartbeat(data: RDSDataClient, target: HeartbeatTarget): Promise<string | null> {
  try {
    const out = await run(data, target, heartbeatSql.newest());
    const field = out.records?.[0]?.[0];
    return typeof field?.stringValue === 'string' ? timestamptzToIso(field.stringValue) : null;
  } catch (err) {
    if (missingTable(err)) return null;
    throw err;
  }
}
