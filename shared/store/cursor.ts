/**
 * Pagination cursors. A cursor is opaque to callers: base64url JSON holding DynamoDB's start key,
 * the query it belongs to and a checksum. It is validated before it reaches DynamoDB, so a
 * truncated, edited or foreign cursor (another index, another filter, another tenant) is a
 * ValidationError on `cursor` rather than an SDK error or, worse, a page of another query.
 * There is no secret in it, so it needs no signature: the key only names records the caller may list.
 */
import { createHash } from 'node:crypto';
import { validationError } from '#shared/lib/errors.ts';
import { canonicalJson, type Key } from './dynamo.ts';

const VERSION = 1;
const MAX_CURSOR_LENGTH = 2048;

export interface CursorScope {
  /** Identifies the query: index, partition and filters. */
  query: string;
  /** The attributes a start key of this query has: table keys, plus the index keys on an index. */
  keyAttributes: readonly string[];
  /** The partition the query reads; a start key outside it is rejected. */
  partition: { attribute: string; value: string };
}

const checksum = (query: string, key: Key) =>
  createHash('sha256').update(`${VERSION}\n${query}\n${canonicalJson(key)}`).digest('base64url').slice(0, 16);

export function encodeCursor(scope: CursorScope, key: Key): string {
  const body = { v: VERSION, q: scope.query, k: key, c: checksum(scope.query, key) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

const invalid = (message: string) => validationError('Invalid cursor', [{ path: 'cursor', message }]);

export function decodeCursor(scope: CursorScope, cursor: string): Key {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid('is not a cursor returned by this list');
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not a cursor returned by this list');
  }
  if (!body || typeof body !== 'object') throw invalid('is not a cursor returned by this list');
  const { v, q, k, c } = body as { v?: unknown; q?: unknown; k?: unknown; c?: unknown };
  if (v !== VERSION) throw invalid('was made by another version of this API');
  if (q !== scope.query) throw invalid('belongs to another query (other filters or collection)');
  if (!k || typeof k !== 'object' || Array.isArray(k)) throw invalid('is damaged');
  const entries = Object.entries(k);
  const expected = [...scope.keyAttributes].sort();
  const actual = entries.map(([name]) => name).sort();
  if (canonicalJson(actual) !== canonicalJson(expected) || entries.some(([, value]) => typeof value !== 'string' || value.length === 0)) {
    throw invalid('is damaged');
  }
  const key = k as Key;
  if (c !== checksum(scope.query, key)) throw invalid('is damaged');
  if (key[scope.partition.attribute] !== scope.partition.value) throw invalid('belongs to another query (other filters or collection)');
  return key;
}
