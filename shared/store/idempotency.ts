/**
 * First answers to `Idempotency-Key`s, per actor. The record is put only if absent (or expired),
 * so two concurrent requests with the same key cannot both start work. DynamoDB's TTL deletes
 * expired records lazily (and dynalite never does), so expiry is also checked on every read and write.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conflict } from '#shared/lib/errors.ts';
import { getItem, isConditionFailed, keys, prune, stripInternal, type Item, type StoreContext } from './dynamo.ts';
import { tableSchema } from './table-schema.ts';

export interface IdempotencyRecord {
  actor: string;
  key: string;
  /** Hash of the request body: the same key with another body is a conflict, decided by the caller. */
  requestHash: string;
  status: 'IN_PROGRESS' | 'COMPLETED';
  response?: { statusCode: number; body: unknown };
  createdAt: string;
  /** ISO time after which the record no longer counts. */
  expiresAt: string;
  /** The same instant in epoch seconds, for DynamoDB's TTL. */
  ttl: number;
}

const toRecord = (stored: Item) => stripInternal<IdempotencyRecord>(stored, [tableSchema.ttlAttribute]);

const live = (ctx: StoreContext, rec: IdempotencyRecord | undefined) =>
  rec && rec.expiresAt > ctx.now().toISOString() ? rec : undefined;

export async function getIdempotency(ctx: StoreContext, actor: string, key: string): Promise<IdempotencyRecord | undefined> {
  const stored = await getItem(ctx, keys.idempotency(actor, key));
  return live(ctx, stored ? toRecord(stored) : undefined);
}

/** Stores `rec` unless a live record holds the key; then returns that one, and the caller replays or refuses. */
export async function putIdempotency(ctx: StoreContext, rec: IdempotencyRecord): Promise<IdempotencyRecord> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await ctx.client.send(
        new PutCommand({
          TableName: ctx.tableName,
          Item: { ...prune(rec), ...keys.idempotency(rec.actor, rec.key), entity: 'Idempotency' },
          ConditionExpression: 'attribute_not_exists(PK) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': ctx.now().toISOString() },
        }),
      );
      return rec;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
    const existing = await getIdempotency(ctx, rec.actor, rec.key);
    if (existing) return existing;
  }
  throw conflict(`Idempotency key ${rec.key} is contended; try again`);
}

/** Stores the answer to replay. Does nothing if the record is gone: the work is done and must not fail now. */
export async function completeIdempotency(
  ctx: StoreContext,
  actor: string,
  key: string,
  response: { statusCode: number; body: unknown },
): Promise<void> {
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.idempotency(actor, key),
        UpdateExpression: 'SET #status = :completed, #response = :response',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
        ExpressionAttributeValues: { ':completed': 'COMPLETED', ':response': prune(response) },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}
