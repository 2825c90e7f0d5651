/** Shapes shared by the simulated services. */
import type { SimClock } from './clock.ts';
import type { SimService } from './errors.ts';

/** An SDK command output without the `$metadata` the middleware adds. */
export type Out<T> = Omit<T, '$metadata'>;

/** One operation of a simulated service: the SDK command input in, the output out. */
export type OperationHandler = (input: never, call: SimCall) => unknown;

export interface SimCall {
  service: SimService;
  region: string;
  operation: string;
  /** Sends the command on to the real backend (s3rver); only the S3 middleware provides it. */
  next?: (input?: object) => Promise<Record<string, unknown>>;
}

export interface ServiceSim {
  readonly operations: Record<string, OperationHandler>;
}

export interface SimContext {
  clock: SimClock;
  accountId: string;
}

export type Tags = Record<string, string>;

export const tagsFromList = (list: Array<{ Key?: string; Value?: string }> | undefined): Tags =>
  Object.fromEntries((list ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));

export const tagsToList = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** Random lower-case alphanumerics, for resource ids and ARN suffixes. */
export function randomId(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}
