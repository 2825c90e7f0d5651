/**
 * Cell membership for capacity. A cell's members are a string set on one item, and the capacity
 * check is the condition of the same update that adds the member: two placements racing for the
 * last slot cannot both get it. Adding and removing a member are idempotent per tenant.
 */
import { BatchGetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { validationError } from '#shared/lib/errors.ts';
import { getItem, isConditionFailed, keys, type Key, type StoreContext } from './dynamo.ts';

const BATCH_GET_LIMIT = 100;
const MAX_UNPROCESSED_ROUNDS = 5;

const membersOf = (stored: Record<string, unknown>) => (stored.members instanceof Set ? stored.members.size : 0);

/** Tenants per cell; 0 for a cell that has none (or is unknown). */
export async function cellLoads(ctx: StoreContext, cellIds: string[]): Promise<Record<string, number>> {
  const ids = [...new Set(cellIds)];
  const loads: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
  const idByPartition = new Map(ids.map((id) => [keys.cell(id).PK, id]));
  for (let i = 0; i < ids.length; i += BATCH_GET_LIMIT) {
    let pending: Key[] = ids.slice(i, i + BATCH_GET_LIMIT).map((id) => keys.cell(id));
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_UNPROCESSED_ROUNDS) throw Object.assign(new Error('Cell loads could not be read'), { name: 'ThrottlingException' });
      if (round > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
      const res = await ctx.client.send(
        new BatchGetCommand({ RequestItems: { [ctx.tableName]: { Keys: pending, ConsistentRead: true, ProjectionExpression: 'PK, members' } } }),
      );
      for (const stored of res.Responses?.[ctx.tableName] ?? []) {
        const id = idByPartition.get(String(stored.PK));
        if (id !== undefined) loads[id] = membersOf(stored);
      }
      pending = (res.UnprocessedKeys?.[ctx.tableName]?.Keys as Key[] | undefined) ?? [];
    }
  }
  return loads;
}

/** Takes a slot in the cell for the tenant; true if it has one (now or already), false if the cell is full. */
export async function reserveCellSlot(ctx: StoreContext, cellId: string, tenantId: string, capacity: number): Promise<boolean> {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw validationError('Invalid cell capacity', [{ path: 'capacity', message: 'must be a positive integer' }]);
  }
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.cell(cellId),
        UpdateExpression: 'ADD members :tenant SET entity = :entity',
        ConditionExpression: 'attribute_not_exists(members) OR size(members) < :capacity OR contains(members, :tenantId)',
        ExpressionAttributeValues: { ':tenant': new Set([tenantId]), ':tenantId': tenantId, ':capacity': capacity, ':entity': 'Cell' },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}

export async function releaseCellSlot(ctx: StoreContext, cellId: string, tenantId: string): Promise<void> {
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.cell(cellId),
        UpdateExpression: 'DELETE members :tenant',
        // Without it, releasing from an unknown cell would create an empty cell item.
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':tenant': new Set([tenantId]) },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/**
 * The region a cell's database is active in, when a failover moved it (absent: the cell's home
 * region). Written by the failover that moves the cell; read when a tenant is placed on the cell,
 * so a new tenant of a failed-over cell is provisioned where its database now takes writes.
 */
export async function setCellActiveRegion(ctx: StoreContext, cellId: string, region: string, since: string = new Date().toISOString()): Promise<void> {
  await ctx.client.send(
    new UpdateCommand({
      TableName: ctx.tableName,
      Key: keys.cell(cellId),
      UpdateExpression: 'SET activeRegion = :region, activeSince = :since, entity = :entity',
      ExpressionAttributeValues: { ':region': region, ':since': since, ':entity': 'Cell' },
    }),
  );
}

/**
 * Since when the cell's database has been active where it is: a snapshot taken before that is of a
 * cluster the failover left, not of the one serving now (absent: never moved).
 */
export async function cellActiveSince(ctx: StoreContext, cellId: string): Promise<string | undefined> {
  const stored = await getItem(ctx, keys.cell(cellId));
  return typeof stored?.activeSince === 'string' ? stored.activeSince : undefined;
}

export async function cellActiveRegion(ctx: StoreContext, cellId: string): Promise<string | undefined> {
  const stored = await getItem(ctx, keys.cell(cellId));
  return typeof stored?.activeRegion === 'string' ? stored.activeRegion : undefined;
}

/**
 * Where a backup-restore cell's snapshot copies stand in the region a failover would restore it in,
 * as the job that keeps them last saw it: what a restore there would get back, and why it may be
 * falling behind. Written by that region's job only (the one the copies go into).
 */
export interface CellDrSnapshots {
  /** The region holding the copies. */
  region: string;
  /** Source creation time of the newest available copy: the data a restore there would get back. */
  newestCopyAt?: string;
  newestCopyIdentifier?: string;
  /** A newer copy still on its way. */
  copying?: string;
  lastRunAt: string;
  /** What the last run could not do (absent when it did all it had to). */
  lastError?: string;
}

export async function setCellDrSnapshots(ctx: StoreContext, cellId: string, record: CellDrSnapshots): Promise<void> {
  await ctx.client.send(
    new UpdateCommand({
      TableName: ctx.tableName,
      Key: keys.cell(cellId),
      UpdateExpression: 'SET drSnapshots = :record, entity = :entity',
      ExpressionAttributeValues: { ':record': record, ':entity': 'Cell' },
    }),
  );
}

export async function cellDrSnapshots(ctx: StoreContext, cellId: string): Promise<CellDrSnapshots | undefined> {
  const stored = await getItem(ctx, keys.cell(cellId));
  const record = stored?.drSnapshots;
  return record && typeof record === 'object' ? (record as CellDrSnapshots) : undefined;
}
