/**
 * Tenant records: creation with a unique host name, reads, and optimistic-locked updates that
 * append a change event. No transactions: the host name is claimed by its own item first and the
 * claim is taken back if the tenant cannot be written, so a rejected create leaves nothing behind.
 */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DrReadinessReport, Tenant } from '#shared/domain/types.ts';
import { conflict, notFound, validationError } from '#shared/lib/errors.ts';
import { appendChange, changedFields, changeEvent, type ChangeInput } from './changes.ts';
import { canonicalJson, getItem, isConditionFailed, keys, prune, type Item, type StoreContext } from './dynamo.ts';
import { lastChangeOf, tenantItem, toTenant, versionChangeId, withoutLease } from './tenant-item.ts';

/** Fields that identify a tenant or record its origin; an update that changes them is refused. */
const IMMUTABLE_FIELDS = ['tenantId', 'hostname', 'createdAt', 'createdBy'] as const;
/**
 * Attributes written only by their own conditional calls, never by an update of the record: the
 * lease, the drill lock, the last drill's summary and the failover readiness report (drills and
 * reports never change the tenant, so they never bump its version). An update neither writes nor
 * removes them, so it cannot undo one written meanwhile.
 */
export const OUT_OF_BAND_FIELDS = new Set(['lease', 'drillLock', 'lastDrill', 'drReadiness']);
/** Bookkeeping that changes on every write (or outside updates) and says nothing in a diff. */
const NOT_DIFFED = ['version', 'updatedAt', ...OUT_OF_BAND_FIELDS];

async function claimHost(ctx: StoreContext, tenant: Tenant): Promise<void> {
  try {
    await ctx.client.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: { ...keys.host(tenant.hostname), entity: 'HostClaim', hostname: tenant.hostname, tenantId: tenant.tenantId, claimedAt: ctx.now().toISOString() },
        // A retried create of the same tenant finds its own claim and goes on.
        ConditionExpression: 'attribute_not_exists(PK) OR tenantId = :tenantId',
        ExpressionAttributeValues: { ':tenantId': tenant.tenantId },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    throw conflict(`Host name ${tenant.hostname} is already used by another tenant`, [{ path: 'hostname', message: 'is taken' }]);
  }
}

async function releaseHost(ctx: StoreContext, tenant: Tenant): Promise<void> {
  try {
    await ctx.client.send(
      new DeleteCommand({
        TableName: ctx.tableName,
        Key: keys.host(tenant.hostname),
        ConditionExpression: 'tenantId = :tenantId',
        ExpressionAttributeValues: { ':tenantId': tenant.tenantId },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

export async function createTenant(ctx: StoreContext, tenant: Tenant, input: ChangeInput): Promise<void> {
  await claimHost(ctx, tenant);
  const event = changeEvent(
    tenant.tenantId,
    ctx.now().toISOString(),
    { ...input, type: input.type || 'TenantCreated', after: input.after ?? withoutLease(tenant) },
    versionChangeId(tenant.version),
  );
  try {
    await ctx.client.send(
      new PutCommand({ TableName: ctx.tableName, Item: tenantItem(tenant, event), ConditionExpression: 'attribute_not_exists(PK)' }),
    );
  } catch (err) {
    const existing = await getItem(ctx, keys.tenant(tenant.tenantId));
    // The SDK retried a put that had already succeeded (or the same create was replayed): this very tenant is there.
    if (existing && canonicalJson(toTenant(existing)) === canonicalJson(prune(tenant))) {
      // Its own event, not a second TenantCreated.
      await appendChange(ctx, lastChangeOf(existing) ?? event);
      return;
    }
    // Keep the claim only if it belongs to a tenant that exists with that host name.
    if (String(existing?.hostname ?? '').toLowerCase() !== tenant.hostname.toLowerCase()) await releaseHost(ctx, tenant);
    if (isConditionFailed(err)) throw conflict(`Tenant id ${tenant.tenantId} is already taken`, [{ path: 'tenantId', message: 'is taken' }]);
    throw err;
  }
  await appendChange(ctx, event);
}

export async function getTenant(ctx: StoreContext, tenantId: string): Promise<Tenant | undefined> {
  const stored = await getItem(ctx, keys.tenant(tenantId));
  return stored ? toTenant(stored) : undefined;
}

export async function requireTenant(ctx: StoreContext, tenantId: string): Promise<Tenant> {
  const tenant = await getTenant(ctx, tenantId);
  if (!tenant) throw notFound(`Tenant ${tenantId} not found`);
  return tenant;
}

function assertImmutableKept(before: Tenant, after: Tenant): void {
  const changed = IMMUTABLE_FIELDS.filter((f) => after[f] !== before[f]);
  if (changed.length > 0) {
    throw validationError('These tenant fields cannot change', changed.map((f) => ({ path: f, message: 'cannot be changed' })));
  }
}

/** An UpdateItem that sets every field of the new record and removes the ones it dropped, leaving the out-of-band fields alone. */
function replaceFieldsUpdate(ctx: StoreContext, tenantId: string, previous: Item, next: Item, expectedVersion: number) {
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':expectedVersion': expectedVersion };
  const sets: string[] = [];
  const removes: string[] = [];
  let i = 0;
  for (const [field, value] of Object.entries(next)) {
    if (OUT_OF_BAND_FIELDS.has(field) || field === 'PK' || field === 'SK') continue;
    names[`#f${i}`] = field;
    values[`:v${i}`] = value;
    sets.push(`#f${i} = :v${i}`);
    i++;
  }
  for (const field of Object.keys(previous)) {
    if (OUT_OF_BAND_FIELDS.has(field) || field in next) continue;
    names[`#f${i}`] = field;
    removes.push(`#f${i}`);
    i++;
  }
  return new UpdateCommand({
    TableName: ctx.tableName,
    Key: keys.tenant(tenantId),
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: 'attribute_exists(PK) AND #version = :expectedVersion',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
  });
}

const stale = (tenantId: string, expected: number, actual?: number) =>
  conflict(`Tenant ${tenantId} was changed by someone else (expected version ${expected}${actual === undefined ? '' : `, found ${actual}`})`, [
    { path: 'version', message: 'is stale' },
  ]);

/**
 * Applies `mutate` to the tenant at `expectedVersion`. The lease is not part of an update (only the
 * lease calls change it), so an update never undoes a lease taken meanwhile. A mutation that changes
 * nothing, with no before/after given, writes nothing and returns the tenant as it is.
 */
export function updateTenant(ctx: StoreContext, tenantId: string, expectedVersion: number, mutate: (t: Tenant) => Tenant, input: ChangeInput): Promise<Tenant> {
  return writeTenant(ctx, tenantId, expectedVersion, mutate, input);
}

/**
 * `updateTenant` at the version this call reads: what reading the tenant first and passing its
 * version does, with one read instead of two. A write landing between the read and this write
 * still makes it a Conflict.
 */
export function updateCurrentTenant(ctx: StoreContext, tenantId: string, mutate: (t: Tenant) => Tenant, input: ChangeInput): Promise<Tenant> {
  return writeTenant(ctx, tenantId, undefined, mutate, input);
}

async function writeTenant(
  ctx: StoreContext,
  tenantId: string,
  versionGiven: number | undefined,
  mutate: (t: Tenant) => Tenant,
  input: ChangeInput,
): Promise<Tenant> {
  const stored = await getItem(ctx, keys.tenant(tenantId));
  if (!stored) throw notFound(`Tenant ${tenantId} not found`);
  const current = toTenant(stored);
  const expectedVersion = versionGiven ?? current.version;
  if (current.version !== expectedVersion) throw stale(tenantId, expectedVersion, current.version);

  const draft = mutate(structuredClone(current));
  assertImmutableKept(current, draft);
  const diff = changedFields(current, draft, NOT_DIFFED);
  if (Object.keys(diff.after).length === 0 && input.before === undefined && input.after === undefined) return current;

  const at = ctx.now().toISOString();
  const next: Tenant = { ...withoutLease(draft), version: current.version + 1, updatedAt: at };
  const event = changeEvent(tenantId, at, { ...input, before: input.before ?? diff.before, after: input.after ?? diff.after }, versionChangeId(next.version));
  const previousChange = lastChangeOf(stored);
  if (previousChange) await appendChange(ctx, previousChange);

  let written: Item | undefined;
  try {
    const res = await ctx.client.send(replaceFieldsUpdate(ctx, tenantId, stored, tenantItem(next, event), expectedVersion));
    written = res.Attributes;
  } catch (err) {
    if (isConditionFailed(err)) throw stale(tenantId, expectedVersion);
    throw err;
  }
  await appendChange(ctx, event);
  return written ? toTenant(written) : { ...next, ...(current.lease ? { lease: current.lease } : {}) };
}

/**
 * Stores the tenant's failover readiness report, out of band: no version bump, no change event (it
 * is an observation, written every quarter hour). A report older than the one stored (a slow run
 * finishing after a newer one) is not written. Returns what the tenant now holds.
 */
export async function setDrReadiness(ctx: StoreContext, tenantId: string, report: DrReadinessReport): Promise<DrReadinessReport | undefined> {
  try {
    const res = await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'SET #report = :report',
        ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(#report) OR #report.#checkedAt <= :checkedAt)',
        ExpressionAttributeNames: { '#report': 'drReadiness', '#checkedAt': 'checkedAt' },
        ExpressionAttributeValues: { ':report': prune(report), ':checkedAt': report.checkedAt },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toTenant(res.Attributes ?? {}).drReadiness;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const stored = await getItem(ctx, keys.tenant(tenantId));
    if (!stored) throw notFound(`Tenant ${tenantId} not found`);
    return toTenant(stored).drReadiness;
  }
}
