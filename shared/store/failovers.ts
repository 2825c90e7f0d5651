/**
 * Failover records: the META item (the request, status, units, figures) and one item per tenant
 * (outcome, steps with timings, readiness, figures), under `FAILOVER#<id>`; listed newest first
 * through the collection index. No transactions: the tenant items are written first and the META
 * item last, conditionally, so a failover is listed only once all of it is there and a retried
 * creation finds its own failover instead of writing it twice. Both kinds change at their version.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Failover, FailoverTenant } from '#shared/domain/failover-types.ts';
import { conflict, notFound } from '#shared/lib/errors.ts';
import { batchPut } from './batch-write.ts';
import { canonicalJson, getItem, isConditionFailed, prune, stripInternal, type Item, type Key, type StoreContext } from './dynamo.ts';
import { mapPage, queryPage, type Page, type PageRequest } from './query.ts';
import { takeToken } from './releases.ts';
import { versionedReplace } from './versioned-update.ts';

const pk = (failoverId: string) => `FAILOVER#${failoverId}`;
export const failoverKeys = {
  failover: (failoverId: string): Key => ({ PK: pk(failoverId), SK: 'META' }),
  tenant: (failoverId: string, tenantId: string): Key => ({ PK: pk(failoverId), SK: `TENANT#${tenantId}` }),
  tenantPrefix: 'TENANT#',
  all: 'FAILOVERS#ALL',
};

const failoverItem = (f: Failover): Item => prune({ ...f, ...failoverKeys.failover(f.failoverId), GSI4PK: failoverKeys.all, GSI4SK: `${f.createdAt}#${f.failoverId}`, entity: 'Failover' });
const tenantItem = (t: FailoverTenant): Item => prune({ ...t, ...failoverKeys.tenant(t.failoverId, t.tenantId), entity: 'FailoverTenant' });
/** The approval wait's task token rides on the META item and never leaves the store. */
const toFailover = (stored: Item): Failover => {
  const { approvalToken: _token, ...rest } = stored;
  return stripInternal<Failover>(rest);
};
const toTenant = (stored: Item): FailoverTenant => stripInternal<FailoverTenant>(stored);

/** What makes a second creation "the same failover": a retry of the request, not another under a taken id. */
const sameRequest = (a: Failover, b: Failover) =>
  canonicalJson([a.requestedBy, a.scope, a.tenantId ?? null, a.cell ?? null, a.fromRegion, a.toRegion, a.mode, a.reason, a.force ?? false]) ===
  canonicalJson([b.requestedBy, b.scope, b.tenantId ?? null, b.cell ?? null, b.fromRegion, b.toRegion, b.mode, b.reason, b.force ?? false]);

export async function createFailover(ctx: StoreContext, failover: Failover, tenants: readonly FailoverTenant[]): Promise<Failover> {
  const existing = await getFailover(ctx, failover.failoverId);
  if (existing) {
    if (sameRequest(existing, failover)) return existing;
    throw conflict(`Failover ${failover.failoverId} already exists for another request`, [{ path: 'failoverId', message: 'is taken' }]);
  }
  await batchPut(ctx, tenants.map(tenantItem));
  try {
    await ctx.client.send(new PutCommand({ TableName: ctx.tableName, Item: failoverItem(failover), ConditionExpression: 'attribute_not_exists(PK)' }));
    return failover;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const winner = await getFailover(ctx, failover.failoverId);
    if (winner && sameRequest(winner, failover)) return winner;
    throw conflict(`Failover ${failover.failoverId} already exists for another request`, [{ path: 'failoverId', message: 'is taken' }]);
  }
}

export async function getFailover(ctx: StoreContext, failoverId: string): Promise<Failover | undefined> {
  const stored = await getItem(ctx, failoverKeys.failover(failoverId));
  return stored ? toFailover(stored) : undefined;
}

export async function requireFailover(ctx: StoreContext, failoverId: string): Promise<Failover> {
  const failover = await getFailover(ctx, failoverId);
  if (!failover) throw notFound(`Failover ${failoverId} not found`);
  return failover;
}

const ATTEMPTS = 5;

/** Applies `mutate` to the item as stored now, at its version; a racing write makes it read again. */
async function updateVersioned<T extends { version: number }>(
  ctx: StoreContext,
  key: Key,
  what: string,
  read: (i: Item) => T,
  write: (t: T) => Item,
  mutate: (t: T) => T,
  fixed: readonly (keyof T)[],
  untouched: readonly string[] = [],
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const stored = await getItem(ctx, key);
    if (!stored) throw notFound(`${what} not found`);
    const current = read(stored);
    const draft = mutate(structuredClone(current));
    for (const field of fixed) if (draft[field] !== current[field]) throw new Error(`${what}: ${String(field)} cannot change`);
    const next = write({ ...draft, version: current.version + 1, updatedAt: ctx.now().toISOString() });
    try {
      const res = await ctx.client.send(versionedReplace(ctx, key, stored, next, current.version, untouched));
      return read(res.Attributes ?? {});
    } catch (err) {
      if (!isConditionFailed(err) || attempt >= ATTEMPTS) throw err;
    }
  }
}

export function updateFailover(ctx: StoreContext, failoverId: string, mutate: (f: Failover) => Failover): Promise<Failover> {
  return updateVersioned(ctx, failoverKeys.failover(failoverId), `Failover ${failoverId}`, toFailover, failoverItem, mutate, ['failoverId', 'requestedBy', 'createdAt', 'mode', 'scope'], ['approvalToken']);
}

export async function getFailoverTenant(ctx: StoreContext, failoverId: string, tenantId: string): Promise<FailoverTenant | undefined> {
  const stored = await getItem(ctx, failoverKeys.tenant(failoverId, tenantId));
  return stored ? toTenant(stored) : undefined;
}

export function updateFailoverTenant(ctx: StoreContext, failoverId: string, tenantId: string, mutate: (t: FailoverTenant) => FailoverTenant): Promise<FailoverTenant> {
  return updateVersioned(ctx, failoverKeys.tenant(failoverId, tenantId), `Tenant ${tenantId} of failover ${failoverId}`, toTenant, tenantItem, mutate, ['failoverId', 'tenantId', 'unit']);
}

/** A failover's tenants, by tenant id. */
export function listFailoverTenants(ctx: StoreContext, failoverId: string, page: PageRequest = {}): Promise<Page<FailoverTenant>> {
  return mapPage(queryPage(ctx, { scope: `failover-tenants:${failoverId}`, partitionValue: pk(failoverId), sortKeyPrefix: failoverKeys.tenantPrefix }, page), toTenant);
}

/** Failovers, newest first. */
export function listFailovers(ctx: StoreContext, page: PageRequest = {}): Promise<Page<Failover>> {
  return mapPage(queryPage(ctx, { scope: 'failovers', indexName: 'ByCollection', partitionValue: failoverKeys.all, newestFirst: true }, page), toFailover);
}

/** Written by the approval wait when it starts waiting; taken (read and removed in one write) by whoever answers. */
export async function setFailoverApprovalToken(ctx: StoreContext, failoverId: string, token: string): Promise<void> {
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: failoverKeys.failover(failoverId),
        UpdateExpression: 'SET approvalToken = :token',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':token': token },
      }),
    );
  } catch (err) {
    if (isConditionFailed(err)) throw notFound(`Failover ${failoverId} not found`);
    throw err;
  }
}

export function takeFailoverApprovalToken(ctx: StoreContext, failoverId: string): Promise<string | undefined> {
  return takeToken(ctx, failoverKeys.failover(failoverId), 'approvalToken');
}
