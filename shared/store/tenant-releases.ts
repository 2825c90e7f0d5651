/**
 * Where each tenant stands in a release: one item per tenant under the release's partition.
 * Outcomes change only through `moveTenantOutcome`, which asks the outcome table
 * (release-tenant-outcome.ts), appends to the item's history, keeps the release's counts and
 * spends the wave's failure budget. Every write is version-conditional, so the per-tenant workflow
 * and an operator's decision cannot overwrite each other.
 *
 * Retries: a move whose target outcome already holds is a no-op that returns the item, and the
 * wave's failure is counted at most once per tenant. The counts on the release are an increment
 * after the item's write; a crash exactly between the two leaves them one off, which the per-tenant
 * items (the record the workflow decides from) never are.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { FAILURE_OUTCOMES } from '#shared/domain/circuit-breaker.ts';
import type { TenantRelease } from '#shared/domain/release-types.ts';
import {
  tenantOutcomeTransitions,
  transitionOutcome,
  type TenantOutcomeContext,
  type TenantOutcomeEvent,
  type TenantOutcomeStatus,
} from '#shared/domain/release-tenant-outcome.ts';
import { conflict, notFound } from '#shared/lib/errors.ts';
import { batchPut } from './batch-write.ts';
import { getItem, isConditionFailed, type Item, type StoreContext } from './dynamo.ts';
import { mapPage, queryPage, type Page, type PageRequest } from './query.ts';
import { TENANT_RELEASE_INTERNAL, releaseKeys, tenantReleaseItem, toTenantRelease } from './release-item.ts';
import { versionedReplace } from './versioned-update.ts';
import { addToCount, clearWaveFailure, recordWaveFailure, takeToken } from './releases.ts';

export interface TenantReleaseListQuery extends PageRequest {
  outcome?: TenantOutcomeStatus;
}

/** Concurrent writers (the workflow, an operator) are rare on one tenant item; a few re-reads settle them. */
const RACES = 3;

export async function getTenantRelease(ctx: StoreContext, releaseId: string, tenantId: string): Promise<TenantRelease | undefined> {
  const stored = await getItem(ctx, releaseKeys.tenant(releaseId, tenantId));
  return stored ? toTenantRelease(stored) : undefined;
}

async function requireStored(ctx: StoreContext, releaseId: string, tenantId: string): Promise<Item> {
  const stored = await getItem(ctx, releaseKeys.tenant(releaseId, tenantId));
  if (!stored) throw notFound(`Tenant ${tenantId} is not part of release ${releaseId}`);
  return stored;
}

export function listTenantReleases(ctx: StoreContext, releaseId: string, q: TenantReleaseListQuery = {}): Promise<Page<TenantRelease>> {
  const filter = q.outcome ? { expression: '#outcome = :outcome', names: { '#outcome': 'outcome' }, values: { ':outcome': q.outcome } } : undefined;
  return mapPage(
    queryPage(
      ctx,
      {
        scope: `release-tenants|${releaseId}|outcome=${q.outcome ?? ''}`,
        partitionValue: releaseKeys.partition(releaseId),
        sortKeyPrefix: releaseKeys.tenantPrefix,
        filter,
      },
      { limit: q.limit, cursor: q.cursor },
    ),
    toTenantRelease,
  );
}

/** Writes (or replaces) tenant items after re-planning: waves may have changed, outcomes have not. */
export async function putTenantReleases(ctx: StoreContext, releaseId: string, items: TenantRelease[]): Promise<void> {
  if (items.some((t) => t.releaseId !== releaseId)) throw new Error(`putTenantReleases: every item must belong to ${releaseId}`);
  await batchPut(ctx, items.map(tenantReleaseItem));
}

const staleTenant = (releaseId: string, tenantId: string, expected: number) =>
  conflict(`Tenant ${tenantId} of release ${releaseId} was changed by someone else (expected version ${expected})`, [{ path: 'version', message: 'is stale' }]);

/** Writes `next` over the stored item if it is still at `expectedVersion`; the decision token is left alone. */
async function writeVersioned(ctx: StoreContext, stored: Item, next: TenantRelease, expectedVersion: number): Promise<void> {
  const key = releaseKeys.tenant(next.releaseId, next.tenantId);
  await ctx.client.send(versionedReplace(ctx, key, stored, tenantReleaseItem(next), expectedVersion, TENANT_RELEASE_INTERNAL));
}

/**
 * Applies `mutate` to the tenant item at `expectedVersion` (Conflict when it moved on). The outcome
 * and its history are not the mutation's to change: `moveTenantOutcome` is.
 */
export async function updateTenantRelease(
  ctx: StoreContext,
  releaseId: string,
  tenantId: string,
  expectedVersion: number,
  mutate: (t: TenantRelease) => TenantRelease,
): Promise<TenantRelease> {
  const stored = await requireStored(ctx, releaseId, tenantId);
  const current = toTenantRelease(stored);
  if (current.version !== expectedVersion) throw staleTenant(releaseId, tenantId, expectedVersion);
  const draft = mutate(structuredClone(current));
  if (draft.outcome !== current.outcome || draft.history.length !== current.history.length) {
    throw new Error('updateTenantRelease cannot change the outcome; use moveTenantOutcome');
  }
  const next: TenantRelease = { ...draft, releaseId, tenantId, version: current.version + 1 };
  try {
    await writeVersioned(ctx, stored, next, expectedVersion);
  } catch (err) {
    if (isConditionFailed(err)) throw staleTenant(releaseId, tenantId, expectedVersion);
    throw err;
  }
  return next;
}

/** Outcomes an event can lead to, from any outcome: a replay finding one of them holding is a no-op. */
const targetsOf = (event: TenantOutcomeEvent) => new Set(tenantOutcomeTransitions.filter((t) => t.event === event).map((t) => t.to));

const isFailure = (o: TenantOutcomeStatus) => FAILURE_OUTCOMES.includes(o);

export async function moveTenantOutcome(
  ctx: StoreContext,
  releaseId: string,
  tenantId: string,
  event: TenantOutcomeEvent,
  patch: Partial<TenantRelease>,
  outcomeCtx: TenantOutcomeContext = {},
  at: string = ctx.now().toISOString(),
): Promise<TenantRelease> {
  for (let race = 1; ; race++) {
    const stored = await requireStored(ctx, releaseId, tenantId);
    const current = toTenantRelease(stored);
    const moved = transitionOutcome(current.outcome, event, outcomeCtx);
    if (!moved.ok) {
      if (targetsOf(event).has(current.outcome)) {
        // The same move, retried: make sure its failure was counted, change nothing else.
        if (isFailure(current.outcome)) await recordWaveFailure(ctx, releaseId, current.wave, tenantId);
        return current;
      }
      throw conflict(`Tenant ${tenantId} of release ${releaseId}: ${moved.reason}`, [{ path: 'outcome', message: current.outcome }]);
    }
    const reason = patch.reason ?? current.reason;
    const next: TenantRelease = {
      ...current,
      ...patch,
      releaseId,
      tenantId,
      wave: current.wave,
      outcome: moved.to,
      reason,
      history: [...current.history, { outcome: moved.to, at, ...(patch.reason ? { reason: patch.reason } : {}) }],
      version: current.version + 1,
    };
    try {
      await writeVersioned(ctx, stored, next, current.version);
    } catch (err) {
      if (isConditionFailed(err) && race < RACES) continue;
      if (isConditionFailed(err)) throw staleTenant(releaseId, tenantId, current.version);
      throw err;
    }
    if (moved.to !== current.outcome) await addToCount(ctx, releaseId, { [current.outcome]: -1, [moved.to]: 1 });
    if (isFailure(moved.to) && !isFailure(current.outcome)) await recordWaveFailure(ctx, releaseId, current.wave, tenantId);
    if (!isFailure(moved.to) && isFailure(current.outcome)) await clearWaveFailure(ctx, releaseId, current.wave, tenantId);
    return next;
  }
}

export async function setDecisionToken(ctx: StoreContext, releaseId: string, tenantId: string, token: string): Promise<void> {
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: releaseKeys.tenant(releaseId, tenantId),
        UpdateExpression: 'SET decisionToken = :token',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':token': token },
      }),
    );
  } catch (err) {
    if (isConditionFailed(err)) throw notFound(`Tenant ${tenantId} is not part of release ${releaseId}`);
    throw err;
  }
}

export function takeDecisionToken(ctx: StoreContext, releaseId: string, tenantId: string): Promise<string | undefined> {
  return takeToken(ctx, releaseKeys.tenant(releaseId, tenantId), 'decisionToken');
}
