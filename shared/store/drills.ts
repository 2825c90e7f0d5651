/**
 * Drill records and the two attributes drills keep on the tenant item. A drill is one item under
 * its tenant (`TENANT#<id>` / `DRILL#<drillId>`; drill ids are operation ids, which sort by time, so
 * the newest drills come first by reverse query). The tenant item holds `drillLock` (the drill
 * running, so two drills of a tenant never overlap, independent of the operation lease that
 * releases and failovers take) and `lastDrill` (the newest finished drill, with when the tenant was
 * last proven restorable). Both are written by their own conditional updates, never by a tenant
 * update, so a drill never changes the tenant's version and never races a release's writes.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DrillRecord, LastDrill } from '#shared/domain/drill-types.ts';
import { AppError, conflict, notFound } from '#shared/lib/errors.ts';
import { getItem, isConditionFailed, keys, prune, stripInternal, type Item, type Key, type StoreContext } from './dynamo.ts';
import { mapPage, queryPage, type Page, type PageRequest } from './query.ts';
import { toTenant } from './tenant-item.ts';
import { versionedReplace } from './versioned-update.ts';

export const drillKeys = {
  drill: (tenantId: string, drillId: string): Key => ({ PK: `TENANT#${tenantId}`, SK: `DRILL#${drillId}` }),
  prefix: 'DRILL#',
};

type StoredDrill = DrillRecord & { version: number };

const drillItem = (d: StoredDrill): Item => prune({ ...d, ...drillKeys.drill(d.tenantId, d.drillId), entity: 'Drill' });
const toDrill = (stored: Item): DrillRecord => {
  const { version: _version, ...rest } = stripInternal<StoredDrill>(stored);
  return rest;
};

/** Writes a new drill; a retry of the same drill (same id) finds it and writes nothing. */
export async function createDrill(ctx: StoreContext, drill: DrillRecord): Promise<DrillRecord> {
  try {
    await ctx.client.send(new PutCommand({ TableName: ctx.tableName, Item: drillItem({ ...drill, version: 1 }), ConditionExpression: 'attribute_not_exists(PK)' }));
    return drill;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const existing = await getDrill(ctx, drill.tenantId, drill.drillId);
    if (!existing) throw err;
    return existing;
  }
}

export async function getDrill(ctx: StoreContext, tenantId: string, drillId: string): Promise<DrillRecord | undefined> {
  const stored = await getItem(ctx, drillKeys.drill(tenantId, drillId));
  return stored ? toDrill(stored) : undefined;
}

export async function requireDrill(ctx: StoreContext, tenantId: string, drillId: string): Promise<DrillRecord> {
  const drill = await getDrill(ctx, tenantId, drillId);
  if (!drill) throw notFound(`Drill ${drillId} of tenant ${tenantId} not found`);
  return drill;
}

const UPDATE_ATTEMPTS = 5;

/** Applies `mutate` to the drill as stored now, at its version; a racing write makes it read again. */
export async function updateDrill(ctx: StoreContext, tenantId: string, drillId: string, mutate: (d: DrillRecord) => DrillRecord): Promise<DrillRecord> {
  for (let attempt = 1; ; attempt++) {
    const key = drillKeys.drill(tenantId, drillId);
    const stored = await getItem(ctx, key);
    if (!stored) throw notFound(`Drill ${drillId} of tenant ${tenantId} not found`);
    const version = Number(stored.version ?? 1);
    const next = mutate(toDrill(stored));
    if (next.drillId !== drillId || next.tenantId !== tenantId) throw new Error('a drill update cannot change its ids');
    try {
      const res = await ctx.client.send(versionedReplace(ctx, key, stored, drillItem({ ...next, version: version + 1 }), version, []));
      return toDrill(res.Attributes ?? {});
    } catch (err) {
      if (!isConditionFailed(err) || attempt >= UPDATE_ATTEMPTS) throw err;
    }
  }
}

/** A tenant's drills, newest first. */
export function listDrills(ctx: StoreContext, tenantId: string, page: PageRequest = {}): Promise<Page<DrillRecord>> {
  return mapPage(queryPage(ctx, { scope: `drills:${tenantId}`, partitionValue: `TENANT#${tenantId}`, sortKeyPrefix: drillKeys.prefix, newestFirst: true }, page), toDrill);
}

export const drillRunning = (tenantId: string, lock: { drillId: string; expiresAt: string }) =>
  conflict(`Tenant ${tenantId} already has drill ${lock.drillId} running (until ${lock.expiresAt} at the latest); two drills of one tenant never overlap`, [
    { path: 'drillLock.drillId', message: lock.drillId },
  ]);

/**
 * Takes the tenant's drill lock for `drillId` when it is free, expired or already this drill's.
 * Refused with a Conflict naming the running drill; NotFound for an unknown tenant.
 */
export async function acquireDrillLock(ctx: StoreContext, tenantId: string, drillId: string, ttlSeconds: number): Promise<void> {
  const now = ctx.now();
  const lock = { drillId, expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString() };
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'SET #lock = :lock',
        ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(#lock) OR #lock.#drill = :drill OR #lock.#expires <= :now)',
        ExpressionAttributeNames: { '#lock': 'drillLock', '#drill': 'drillId', '#expires': 'expiresAt' },
        ExpressionAttributeValues: { ':lock': lock, ':drill': drillId, ':now': now.toISOString() },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const stored = await getItem(ctx, keys.tenant(tenantId));
    if (!stored) throw notFound(`Tenant ${tenantId} not found`);
    const held = toTenant(stored).drillLock;
    if (held) throw drillRunning(tenantId, held);
    throw new AppError('Conflict', `The drill lock of tenant ${tenantId} changed meanwhile; try again`);
  }
}

/** Gives the lock back, when this drill still holds it. */
export async function releaseDrillLock(ctx: StoreContext, tenantId: string, drillId: string): Promise<void> {
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'REMOVE #lock',
        ConditionExpression: 'attribute_exists(PK) AND #lock.#drill = :drill',
        ExpressionAttributeNames: { '#lock': 'drillLock', '#drill': 'drillId' },
        ExpressionAttributeValues: { ':drill': drillId },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/**
 * Records a finished drill as the tenant's last, unless a newer drill was recorded already (an old
 * drill's late retry must not hide a newer one). Returns what the tenant now holds.
 */
export async function recordLastDrill(ctx: StoreContext, tenantId: string, last: LastDrill): Promise<LastDrill | null> {
  try {
    const res = await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'SET #last = :last',
        ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(#last) OR attribute_type(#last, :null) OR #last.#drill <= :drill)',
        ExpressionAttributeNames: { '#last': 'lastDrill', '#drill': 'drillId' },
        ExpressionAttributeValues: { ':last': prune(last), ':drill': last.drillId, ':null': 'NULL' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toTenant(res.Attributes ?? {}).lastDrill ?? null;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const stored = await getItem(ctx, keys.tenant(tenantId));
    if (!stored) throw notFound(`Tenant ${tenantId} not found`);
    return toTenant(stored).lastDrill ?? null;
  }
}
