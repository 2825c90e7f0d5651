/**
 * The contract's `Idempotency-Key`: the same key and request within 24 h answer what the first
 * request answered and start nothing new; the same key with another request is a 409.
 *
 * The key is recorded (per caller) before any other write and names the operation the request
 * starts. A request that crashed half-way, or was rejected, leaves its record IN_PROGRESS; the
 * same request again runs the same steps for the same operation, and every step of the flows
 * accepts finding its own earlier work, so the retry converges instead of starting twice. Only a
 * successful answer is stored for replay, so a retry after a rejection is judged afresh.
 */
import { createHash } from 'node:crypto';
import { conflict } from '#shared/lib/errors.ts';
import type { ApiReply } from '#shared/lib/http.ts';
import { idempotentOperationId, newOperationId } from '#shared/lib/ids.ts';
import { canonicalJson } from '#shared/store/dynamo.ts';
import type { FleetRepository } from '#shared/store/repository.ts';

export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

export interface IdempotentRequest {
  actor: string;
  key?: string;
  /** What makes two requests "the same": method, path and parsed body. */
  fingerprint: { method: string; path: string; body?: unknown };
}

/** How the flow runs: under which operation id, and whether an earlier attempt may have done part of it. */
export interface Attempt {
  operationId: string;
  /** True when an earlier request with this key got as far as recording it. */
  resumed: boolean;
  /** True when the caller can retry with the same key (and so converge on this operation). */
  keyed: boolean;
}

/** The same JSON, whatever its key order or spacing, hashes the same. */
export const requestHash = (fingerprint: IdempotentRequest['fingerprint']) => createHash('sha256').update(canonicalJson(fingerprint)).digest('hex');

export async function idempotent(
  repo: FleetRepository,
  request: IdempotentRequest,
  run: (attempt: Attempt) => Promise<ApiReply>,
  now: () => Date = () => new Date(),
): Promise<ApiReply> {
  const { actor, key } = request;
  if (!key) return run({ operationId: newOperationId(now()), resumed: false, keyed: false });

  const hash = requestHash(request.fingerprint);
  const at = now();
  const expires = new Date(at.getTime() + IDEMPOTENCY_WINDOW_SECONDS * 1000);
  const candidate = {
    actor,
    key,
    requestHash: hash,
    status: 'IN_PROGRESS' as const,
    createdAt: at.toISOString(),
    expiresAt: expires.toISOString(),
    ttl: Math.floor(expires.getTime() / 1000),
  };
  // The store hands back `candidate` itself when it recorded it, or the live record holding the key.
  const record = await repo.putIdempotency(candidate);
  if (record.requestHash !== hash) {
    throw conflict('This Idempotency-Key was already used with another request', [
      { path: 'Idempotency-Key', message: `was used for another request at ${record.createdAt}; use a new key for a new request` },
    ]);
  }
  if (record.status === 'COMPLETED' && record.response) return record.response;

  const operationId = idempotentOperationId(actor, key, new Date(record.createdAt));
  const reply = await run({ operationId, resumed: record !== candidate, keyed: true });
  if (reply.statusCode < 300) await repo.completeIdempotency(actor, key, reply);
  return reply;
}
