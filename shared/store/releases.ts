/**
 * Release records: the META item (the release, its status and counts), one item per wave and one
 * per tenant (tenant-releases.ts). No transactions: the waves and tenant items are written first
 * and the META item last, conditionally, so a release is listed only once all of it is there, and
 * a retried creation finds its own release instead of writing it twice.
 *
 * `counts` on the META item is changed only by atomic per-outcome increments (moveTenantOutcome);
 * `updateRelease` never writes it, so a status change cannot undo a count made meanwhile.
 */
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ReleaseStatus } from '#shared/domain/release-lifecycle.ts';
import type { Release, ReleaseWave, TenantRelease, WaveBatch } from '#shared/domain/release-types.ts';
import { conflict, notFound } from '#shared/lib/errors.ts';
import { batchDelete, batchPut } from './batch-write.ts';
import { canonicalJson, getItem, isConditionFailed, prune, type Item, type StoreContext } from './dynamo.ts';
import { mapPage, queryPage, type Page, type PageRequest } from './query.ts';
import { versionedReplace } from './versioned-update.ts';
import {
  RELEASE_INTERNAL,
  releaseIndexKeys,
  releaseItem,
  releaseKeys,
  releasePartitions,
  tenantReleaseItem,
  toRelease,
  toWave,
  waveItem,
} from './release-item.ts';

export interface ReleaseListQuery extends PageRequest {
  status?: ReleaseStatus;
}

/** What makes a second creation "the same release": a retry of the request, not another release under a taken id. */
const sameRequest = (a: Release, b: Release) =>
  canonicalJson([a.requestedBy, a.image, a.modules, a.selector, a.strategy, a.emergency ?? null]) ===
  canonicalJson([b.requestedBy, b.image, b.modules, b.selector, b.strategy, b.emergency ?? null]);

export async function createRelease(ctx: StoreContext, release: Release, waves: ReleaseWave[], tenants: TenantRelease[]): Promise<void> {
  const existing = await getRelease(ctx, release.releaseId);
  if (existing) {
    // The waves and tenant items were written before this META item; the workflow may be changing them now.
    if (sameRequest(existing, release)) return;
    throw conflict(`Release ${release.releaseId} already exists for another request`, [{ path: 'releaseId', message: 'is taken' }]);
  }
  await batchPut(ctx, [...waves.map(waveItem), ...tenants.map(tenantReleaseItem)]);
  try {
    await ctx.client.send(new PutCommand({ TableName: ctx.tableName, Item: releaseItem(release), ConditionExpression: 'attribute_not_exists(PK)' }));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const winner = await getRelease(ctx, release.releaseId);
    if (winner && sameRequest(winner, release)) return;
    throw conflict(`Release ${release.releaseId} already exists for another request`, [{ path: 'releaseId', message: 'is taken' }]);
  }
}

export async function getRelease(ctx: StoreContext, releaseId: string): Promise<Release | undefined> {
  const stored = await getItem(ctx, releaseKeys.release(releaseId));
  return stored ? toRelease(stored) : undefined;
}

export async function requireRelease(ctx: StoreContext, releaseId: string): Promise<Release> {
  const release = await getRelease(ctx, releaseId);
  if (!release) throw notFound(`Release ${releaseId} not found`);
  return release;
}

const staleRelease = (releaseId: string, expected: number, actual?: number) =>
  conflict(`Release ${releaseId} was changed by someone else (expected version ${expected}${actual === undefined ? '' : `, found ${actual}`})`, [
    { path: 'version', message: 'is stale' },
  ]);

/** Fields an update never writes: the keys, the counts (atomic increments only) and the task token. */
const NOT_REPLACED = ['counts', ...RELEASE_INTERNAL];
const IMMUTABLE = ['releaseId', 'requestedBy', 'createdAt'] as const;

/** Applies `mutate` to the release at `expectedVersion`; Conflict when someone changed it first. */
export async function updateRelease(ctx: StoreContext, releaseId: string, expectedVersion: number, mutate: (r: Release) => Release): Promise<Release> {
  const stored = await getItem(ctx, releaseKeys.release(releaseId));
  if (!stored) throw notFound(`Release ${releaseId} not found`);
  const current = toRelease(stored);
  if (current.version !== expectedVersion) throw staleRelease(releaseId, expectedVersion, current.version);
  const draft = mutate(structuredClone(current));
  for (const field of IMMUTABLE) if (draft[field] !== current[field]) throw new Error(`updateRelease cannot change ${field}`);
  const next: Item = prune({
    ...draft,
    ...releaseIndexKeys(draft),
    version: current.version + 1,
    updatedAt: ctx.now().toISOString(),
  });

  try {
    const res = await ctx.client.send(versionedReplace(ctx, releaseKeys.release(releaseId), stored, next, expectedVersion, NOT_REPLACED));
    return toRelease(res.Attributes ?? {});
  } catch (err) {
    if (isConditionFailed(err)) throw staleRelease(releaseId, expectedVersion);
    throw err;
  }
}

/** Releases newest first, all of them or those in one status. */
export function listReleases(ctx: StoreContext, q: ReleaseListQuery = {}): Promise<Page<Release>> {
  const request = { limit: q.limit, cursor: q.cursor };
  const query = q.status
    ? { scope: `releases|status=${q.status}`, indexName: 'ByStatus' as const, partitionValue: releasePartitions.status(q.status) }
    : { scope: 'releases|', indexName: 'ByCollection' as const, partitionValue: releasePartitions.all };
  return mapPage(queryPage(ctx, { ...query, newestFirst: true }, request), toRelease);
}

/** Adds `delta` to the release's count of `outcome`; atomic, and no version bump (counts are not a decision). */
export async function addToCount(ctx: StoreContext, releaseId: string, changes: Partial<Record<string, number>>): Promise<void> {
  const entries = Object.entries(changes).filter(([, d]) => d);
  if (entries.length === 0) return;
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: releaseKeys.release(releaseId),
        UpdateExpression: `SET ${entries.map((_, i) => `#counts.#o${i} = if_not_exists(#counts.#o${i}, :zero) + :d${i}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#counts': 'counts', ...Object.fromEntries(entries.map(([o], i) => [`#o${i}`, o])) },
        ExpressionAttributeValues: { ':zero': 0, ...Object.fromEntries(entries.map(([, d], i) => [`:d${i}`, d])) },
      }),
    );
  } catch (err) {
    if (isConditionFailed(err)) throw notFound(`Release ${releaseId} not found`);
    throw err;
  }
}

// Task tokens: written by the workflow when it starts waiting, taken (read and removed in one
// write) by whoever answers, so two answers cannot both use one token.

export async function setApprovalToken(ctx: StoreContext, releaseId: string, token: string): Promise<void> {
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: releaseKeys.release(releaseId),
        UpdateExpression: 'SET approvalToken = :token',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':token': token },
      }),
    );
  } catch (err) {
    if (isConditionFailed(err)) throw notFound(`Release ${releaseId} not found`);
    throw err;
  }
}

export async function takeToken(ctx: StoreContext, key: Item, attribute: string): Promise<string | undefined> {
  try {
    const res = await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: key,
        UpdateExpression: 'REMOVE #token',
        ConditionExpression: 'attribute_exists(#token)',
        ExpressionAttributeNames: { '#token': attribute },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    return res.Attributes?.[attribute] as string | undefined;
  } catch (err) {
    if (isConditionFailed(err)) return undefined;
    throw err;
  }
}

export function takeApprovalToken(ctx: StoreContext, releaseId: string): Promise<string | undefined> {
  return takeToken(ctx, releaseKeys.release(releaseId), 'approvalToken');
}

// Waves

export async function getWave(ctx: StoreContext, releaseId: string, index: number): Promise<ReleaseWave | undefined> {
  const stored = await getItem(ctx, releaseKeys.wave(releaseId, index));
  return stored ? toWave(stored) : undefined;
}

async function waveIndexes(ctx: StoreContext, releaseId: string): Promise<number[]> {
  const indexes: number[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const res = await ctx.client.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': releaseKeys.partition(releaseId), ':prefix': releaseKeys.wavePrefix },
        ProjectionExpression: '#index',
        ExpressionAttributeNames: { '#index': 'index' },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of res.Items ?? []) indexes.push(Number(item.index));
    startKey = res.LastEvaluatedKey;
  } while (startKey);
  return indexes;
}

/** Replaces the release's waves (after re-planning): the new ones are written, waves past the new last one deleted. */
export async function putWaves(ctx: StoreContext, releaseId: string, waves: ReleaseWave[]): Promise<void> {
  if (waves.some((w) => w.releaseId !== releaseId)) throw new Error(`putWaves: every wave must belong to ${releaseId}`);
  const kept = new Set(waves.map((w) => w.index));
  const stale = (await waveIndexes(ctx, releaseId)).filter((i) => !kept.has(i));
  await batchPut(ctx, waves.map(waveItem));
  await batchDelete(ctx, stale.map((i) => releaseKeys.wave(releaseId, i)));
}

/**
 * Records where the wave's tenants run, once: the first assignment written stays (a replayed wave
 * start reads it back instead of laying the wave out again), so every batch a retry starts loads
 * the same tenants. Returns the wave as stored.
 */
export async function setWaveBatches(ctx: StoreContext, releaseId: string, index: number, batches: WaveBatch[]): Promise<ReleaseWave> {
  return updateWaveOrRead(ctx, releaseId, index, {
    UpdateExpression: 'SET batches = :batches',
    ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(batches)',
    ExpressionAttributeValues: { ':batches': batches },
  });
}

/**
 * A conditional update of a wave item returning the wave after it; when the condition refuses it
 * (the change was made already), the wave as it stands. A missing wave is NotFound.
 */
async function updateWaveOrRead(
  ctx: StoreContext,
  releaseId: string,
  index: number,
  update: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> },
): Promise<ReleaseWave> {
  try {
    const res = await ctx.client.send(new UpdateCommand({ TableName: ctx.tableName, Key: releaseKeys.wave(releaseId, index), ...update, ReturnValues: 'ALL_NEW' }));
    return toWave(res.Attributes ?? {});
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const wave = await getWave(ctx, releaseId, index);
    if (!wave) throw notFound(`Wave ${index} of release ${releaseId} not found`);
    return wave;
  }
}

/**
 * Counts a failure against the wave's budget: an atomic increment. With the tenant named, the
 * tenant is counted at most once (a set of failed tenants guards the increment), so a retried
 * outcome change cannot spend the budget twice.
 */
export async function recordWaveFailure(ctx: StoreContext, releaseId: string, index: number, tenantId?: string): Promise<ReleaseWave> {
  // Refused: this tenant was counted already.
  return updateWaveOrRead(ctx, releaseId, index, {
    UpdateExpression: tenantId ? 'ADD failures :one, failedTenants :tenant' : 'ADD failures :one',
    ConditionExpression: tenantId ? 'attribute_exists(PK) AND NOT contains(failedTenants, :tenantId)' : 'attribute_exists(PK)',
    ExpressionAttributeValues: { ':one': 1, ...(tenantId ? { ':tenant': new Set([tenantId]), ':tenantId': tenantId } : {}) },
  });
}

/** Takes a tenant's failure back (a human kept the new version): it no longer counts against the budget. */
export async function clearWaveFailure(ctx: StoreContext, releaseId: string, index: number, tenantId: string): Promise<void> {
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: releaseKeys.wave(releaseId, index),
        UpdateExpression: 'ADD failures :minusOne DELETE failedTenants :tenant',
        ConditionExpression: 'contains(failedTenants, :tenantId)',
        ExpressionAttributeValues: { ':minusOne': -1, ':tenant': new Set([tenantId]), ':tenantId': tenantId },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}
