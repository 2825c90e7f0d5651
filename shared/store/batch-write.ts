/**
 * BatchWriteItem in DynamoDB's chunks of 25, with what the service leaves unprocessed sent again
 * (with a short backoff) until it is taken. Used where many items of one record are written at
 * once and none needs a condition: the waves and tenant items of a release.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Item, Key, StoreContext } from './dynamo.ts';

const CHUNK = 25;
const MAX_ROUNDS = 8;

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };

async function writeChunk(ctx: StoreContext, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_ROUNDS) throw Object.assign(new Error(`${pending.length} items were still unprocessed after ${MAX_ROUNDS} rounds`), { name: 'ProvisionedThroughputExceededException' });
    if (round > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** round));
    const res = await ctx.client.send(new BatchWriteCommand({ RequestItems: { [ctx.tableName]: pending } }));
    pending = (res.UnprocessedItems?.[ctx.tableName] ?? []) as WriteRequest[];
  }
}

async function writeAll(ctx: StoreContext, requests: WriteRequest[]): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += CHUNK) chunks.push(requests.slice(i, i + CHUNK));
  // A few chunks at a time: fast for thousands of items without a burst that only gets throttled.
  const lanes = 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, chunks.length) }, async () => {
      while (next < chunks.length) await writeChunk(ctx, chunks[next++]!);
    }),
  );
}

export function batchPut(ctx: StoreContext, items: Item[]): Promise<void> {
  return writeAll(ctx, items.map((Item) => ({ PutRequest: { Item } })));
}

export function batchDelete(ctx: StoreContext, keys: Key[]): Promise<void> {
  return writeAll(ctx, keys.map((Key) => ({ DeleteRequest: { Key } })));
}
