/**
 * Operation ids. They end up inside Step Functions execution names (`{tenantId}-{op}-{operationId}`,
 * 80 characters at most), so they use only lower-case letters, digits and one dash, and stay
 * 29 characters long.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Crockford's base 32, lower-cased: no i, l, o or u, so ids read back unambiguously. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

function encodeTime(ms: number): string {
  let out = '';
  let rest = Math.floor(ms);
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeBytes(bytes: Uint8Array, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) out += ALPHABET[bytes[i % bytes.length]! % 32];
  return out;
}

/** A new operation id that sorts by creation time (ULID layout: 10 time characters, 16 random). */
export function newOperationId(now: Date = new Date()): string {
  return `op-${encodeTime(now.getTime())}${encodeBytes(randomBytes(RANDOM_CHARS), RANDOM_CHARS)}`;
}

/**
 * The operation id of an idempotent request: the same caller, Idempotency-Key and first sighting
 * of that key always name the same operation, so a retried request finds, and never duplicates,
 * what the first one started. It still sorts by time, like every other operation id.
 */
export function idempotentOperationId(actor: string, idempotencyKey: string, firstSeenAt: Date): string {
  const digest = createHash('sha256').update(`${actor}\n${idempotencyKey}\n${firstSeenAt.toISOString()}`).digest();
  return `op-${encodeTime(firstSeenAt.getTime())}${encodeBytes(digest, RANDOM_CHARS)}`;
}

/**
 * The failover id of an execution started without one (from the Step Functions console): derived
 * from the execution, so a retried first state finds the failover it recorded instead of a second.
 */
export function failoverIdFor(executionArn: string): string {
  const digest = createHash('sha256').update(executionArn).digest();
  return `fo-${encodeBytes(digest, TIME_CHARS + RANDOM_CHARS)}`;
}

/** A new failover id, sorting by creation time like operation ids. */
export function newFailoverId(now: Date = new Date()): string {
  return `fo-${encodeTime(now.getTime())}${encodeBytes(randomBytes(RANDOM_CHARS), RANDOM_CHARS)}`;
}
