/**
 * The tenant's change history: immutable events under the tenant's partition, keyed by time so a
 * reverse Query reads them newest first. Writing one is put-if-absent, so a replayed write is a
 * no-op and history is never rewritten.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ChangeEvent } from '#shared/domain/types.ts';
import { canonicalJson, isConditionFailed, keys, prune, stripInternal, type StoreContext } from './dynamo.ts';
import { mapPage, queryPage, type Page, type PageRequest } from './query.ts';

/** What a caller says about a change; the store adds the tenant, id and time. */
export interface ChangeInput {
  actor: string;
  type: string;
  operationId?: string;
  executionArn?: string;
  before?: unknown;
  after?: unknown;
}

export function changeEvent(tenantId: string, at: string, input: ChangeInput, changeId: string = randomUUID()): ChangeEvent {
  return prune({
    tenantId,
    changeId,
    at,
    actor: input.actor,
    type: input.type,
    operationId: input.operationId,
    executionArn: input.executionArn,
    before: input.before,
    after: input.after,
  });
}

export async function appendChange(ctx: StoreContext, change: ChangeEvent): Promise<void> {
  const key = keys.change(change.tenantId, change.at, change.changeId);
  try {
    await ctx.client.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: { ...prune(change), ...key, entity: 'Change' },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

export function listChanges(ctx: StoreContext, tenantId: string, request: PageRequest = {}): Promise<Page<ChangeEvent>> {
  const { pk, skPrefix } = keys.changesOf(tenantId);
  return mapPage(
    queryPage(ctx, { scope: `changes|${tenantId}`, partitionValue: pk, sortKeyPrefix: skPrefix, newestFirst: true }, request),
    (stored) => stripInternal<ChangeEvent>(stored),
  );
}

/** The top-level fields that differ, as `before` and `after` halves; bookkeeping fields are left out. */
export function changedFields(before: object, after: object, ignore: readonly string[]): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const diff = { before: {} as Record<string, unknown>, after: {} as Record<string, unknown> };
  for (const field of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (ignore.includes(field) || canonicalJson(b[field]) === canonicalJson(a[field])) continue;
    diff.before[field] = b[field] ?? null;
    diff.after[field] = a[field] ?? null;
  }
  return diff;
}
