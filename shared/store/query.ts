/**
 * One page of a Query, with the page semantics callers expect: at most `limit` records, and a
 * `nextCursor` exactly when more records match. DynamoDB applies `Limit` before a filter and may
 * hand back an empty last page; reading one record beyond the page and cutting the cursor at the
 * last record returned gives full pages and no empty tail, filtered or not.
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { validationError } from '#shared/lib/errors.ts';
import { decodeCursor, encodeCursor, type CursorScope } from './cursor.ts';
import type { Item, Key, StoreContext } from './dynamo.ts';
import { tableSchema, type IndexName } from './table-schema.ts';

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

/** Bounds the reads one page may cost when a filter rejects most of what it reads. */
const MAX_ROUNDS = 8;
/** Records read per round under a filter, so a selective filter does not cost one round trip per record. */
const FILTERED_BATCH = 100;

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw validationError('Invalid limit', [{ path: 'limit', message: `must be an integer from 1 to ${MAX_LIMIT}` }]);
  }
  return limit;
}

export interface PageQuery {
  /** Cursor identity: what distinguishes this query from every other. */
  scope: string;
  indexName?: IndexName;
  partitionValue: string;
  sortKeyPrefix?: string;
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
  newestFirst?: boolean;
}

function keyAttributes(indexName: IndexName | undefined): { partition: string; sort: string; all: string[] } {
  const table = [tableSchema.partitionKey, tableSchema.sortKey];
  if (!indexName) return { partition: tableSchema.partitionKey, sort: tableSchema.sortKey, all: table };
  const index = tableSchema.indexes.find((i) => i.indexName === indexName);
  if (!index) throw new Error(`Unknown index ${indexName}`);
  return { partition: index.partitionKey, sort: index.sortKey, all: [...table, index.partitionKey, index.sortKey] };
}

function startKeyOf(stored: Item, attributes: readonly string[]): Key {
  return Object.fromEntries(attributes.map((a) => [a, String(stored[a])]));
}

export async function queryPage(ctx: StoreContext, q: PageQuery, request: PageRequest = {}): Promise<Page<Item>> {
  const limit = pageLimit(request.limit);
  const attrs = keyAttributes(q.indexName);
  const cursorScope: CursorScope = { query: q.scope, keyAttributes: attrs.all, partition: { attribute: attrs.partition, value: q.partitionValue } };
  let startKey: Key | undefined = request.cursor === undefined ? undefined : decodeCursor(cursorScope, request.cursor);

  const names: Record<string, string> = { '#pk': attrs.partition, ...q.filter?.names };
  const values: Record<string, unknown> = { ':pk': q.partitionValue, ...q.filter?.values };
  let keyCondition = '#pk = :pk';
  if (q.sortKeyPrefix !== undefined) {
    names['#sk'] = attrs.sort;
    values[':skPrefix'] = q.sortKeyPrefix;
    keyCondition += ' AND begins_with(#sk, :skPrefix)';
  }

  const collected: Item[] = [];
  for (let round = 0; round < MAX_ROUNDS && collected.length <= limit; round++) {
    const wanted = limit + 1 - collected.length;
    const input: QueryCommandInput = {
      TableName: ctx.tableName,
      IndexName: q.indexName,
      KeyConditionExpression: keyCondition,
      FilterExpression: q.filter?.expression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: !q.newestFirst,
      Limit: q.filter ? Math.max(wanted, FILTERED_BATCH) : wanted,
      ExclusiveStartKey: startKey,
    };
    const res = await ctx.client.send(new QueryCommand(input));
    collected.push(...(res.Items ?? []));
    startKey = res.LastEvaluatedKey as Key | undefined;
    if (!startKey) break;
  }

  if (collected.length > limit) {
    const items = collected.slice(0, limit);
    return { items, nextCursor: encodeCursor(cursorScope, startKeyOf(items[limit - 1]!, attrs.all)) };
  }
  // A short page with a start key left: the round budget ran out; the cursor resumes where reading stopped.
  return startKey ? { items: collected, nextCursor: encodeCursor(cursorScope, startKey) } : { items: collected };
}

export async function mapPage<T>(page: Promise<Page<Item>>, convert: (stored: Item) => T): Promise<Page<T>> {
  const { items, nextCursor } = await page;
  return nextCursor ? { items: items.map(convert), nextCursor } : { items: items.map(convert) };
}

/** Every item of a paginated read, page after page until no cursor is left. */
export async function allPages<T>(read: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
