/**
 * The one-operation-per-tenant lease: a `lease` attribute on the tenant item, taken and renewed by
 * a conditional write, so two writers racing for it cannot both win. Expiry is compared as ISO
 * strings, which order like the times they hold. A lease is not a change to the tenant: it neither
 * bumps the version nor appends a change event.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Lease, Tenant } from '#shared/domain/types.ts';
import { AppError, notFound, validationError } from '#shared/lib/errors.ts';
import { getItem, isConditionFailed, keys, type StoreContext } from './dynamo.ts';
import { toTenant } from './tenant-item.ts';

/** Enough for a holder and a contender to settle a race that the re-read shows was already over. */
const MAX_ATTEMPTS = 3;

function leaseFor(ctx: StoreContext, owner: string, ttlSeconds: number): Lease {
  if (!owner) throw validationError('A lease needs an owner', [{ path: 'owner', message: 'is required' }]);
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw validationError('Invalid lease duration', [{ path: 'ttlSeconds', message: 'must be a positive number of seconds' }]);
  }
  return { owner, expiresAt: new Date(ctx.now().getTime() + ttlSeconds * 1000).toISOString() };
}

const leaseHeld = (tenantId: string, lease: Lease) =>
  new AppError('LeaseHeld', `Tenant ${tenantId} is held by operation ${lease.owner} until ${lease.expiresAt}`, [
    { path: 'lease.owner', message: lease.owner },
  ]);

async function writeLease(ctx: StoreContext, tenantId: string, lease: Lease, condition: string): Promise<Tenant | undefined> {
  const names = { '#lease': 'lease', '#owner': 'owner', '#expiresAt': 'expiresAt' };
  const values = { ':lease': lease, ':owner': lease.owner, ':now': ctx.now().toISOString() };
  const expression = `SET #lease = :lease ${condition}`;
  // DynamoDB refuses names and values the expressions do not use.
  const used = <T>(all: Record<string, T>) => Object.fromEntries(Object.entries(all).filter(([token]) => expression.includes(token)));
  try {
    const res = await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'SET #lease = :lease',
        ConditionExpression: `attribute_exists(PK) AND (${condition})`,
        ExpressionAttributeNames: used(names),
        ExpressionAttributeValues: used(values),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toTenant(res.Attributes ?? {});
  } catch (err) {
    if (isConditionFailed(err)) return undefined;
    throw err;
  }
}

/** Why a conditional lease write failed: no tenant, or someone else's live lease (undefined: it is free now, retry). */
async function refusal(ctx: StoreContext, tenantId: string, owner: string): Promise<AppError | undefined> {
  const stored = await getItem(ctx, keys.tenant(tenantId));
  if (!stored) return notFound(`Tenant ${tenantId} not found`);
  const lease = toTenant(stored).lease;
  if (lease && lease.owner !== owner && lease.expiresAt > ctx.now().toISOString()) return leaseHeld(tenantId, lease);
  return undefined;
}

const FREE_OR_MINE = 'attribute_not_exists(#lease) OR #lease.#owner = :owner OR #lease.#expiresAt <= :now';

/** Takes the lease if it is free, expired or already this owner's (then it is renewed). */
export async function acquireLease(ctx: StoreContext, tenantId: string, owner: string, ttlSeconds: number): Promise<Tenant> {
  for (let attempt = 1; ; attempt++) {
    const tenant = await writeLease(ctx, tenantId, leaseFor(ctx, owner, ttlSeconds), FREE_OR_MINE);
    if (tenant) return tenant;
    const error = await refusal(ctx, tenantId, owner);
    if (error || attempt >= MAX_ATTEMPTS) throw error ?? new AppError('Conflict', `Lease of tenant ${tenantId} is contended; try again`);
  }
}

/** Extends the owner's lease; an expired one is still the owner's until someone else takes it. */
export async function renewLease(ctx: StoreContext, tenantId: string, owner: string, ttlSeconds: number): Promise<Tenant> {
  const tenant = await writeLease(ctx, tenantId, leaseFor(ctx, owner, ttlSeconds), '#lease.#owner = :owner');
  if (tenant) return tenant;
  const stored = await getItem(ctx, keys.tenant(tenantId));
  if (!stored) throw notFound(`Tenant ${tenantId} not found`);
  const lease = toTenant(stored).lease;
  throw lease ? leaseHeld(tenantId, lease) : new AppError('LeaseHeld', `Tenant ${tenantId} has no lease held by ${owner}`);
}

/** Gives the lease back; does nothing if this owner does not hold it (already released, or taken over). */
export async function releaseLease(ctx: StoreContext, tenantId: string, owner: string): Promise<void> {
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'REMOVE #lease',
        ConditionExpression: '#lease.#owner = :owner',
        ExpressionAttributeNames: { '#lease': 'lease', '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}
