/**
 * The API calls of `odooctl failovers ...`, how their answers are printed, and the two commands that
 * take more than one call: `failovers watch` and `failovers start --watch` (start, then follow the
 * failover to its end and show its record).
 */
import type { Failover } from '#shared/domain/failover-types.ts';
import type { ApiCall } from './api-client.ts';
import type { FailoverCommand } from './failover-args.ts';
import { formatFailover, formatFailoverDecision, formatFailoverList, formatFailoverStarted, isEnding, type FailoverView } from './failover-format.ts';
import { failoverExitCode, watchFailover } from './failover-watch.ts';

const failoverPath = (id: string) => `/v1/failovers/${encodeURIComponent(id)}`;
const getCall = (id: string): ApiCall => ({ method: 'GET', path: failoverPath(id) });

export function failoverCall(command: FailoverCommand, io: { newKey(): string }): ApiCall {
  const key = (given?: string) => ({ 'idempotency-key': given ?? io.newKey() });
  switch (command.kind) {
    case 'failovers start':
      return { method: 'POST', path: '/v1/failovers', body: command.body, headers: key(command.idempotencyKey) };
    case 'failovers approve':
      return { method: 'POST', path: `${failoverPath(command.failoverId)}/approve`, body: {}, headers: key(command.idempotencyKey) };
    case 'failovers reject':
      return { method: 'POST', path: `${failoverPath(command.failoverId)}/reject`, body: { reason: command.reason }, headers: key(command.idempotencyKey) };
    case 'failovers get':
    case 'failovers watch':
      return getCall(command.failoverId);
    case 'failovers list':
      return { method: 'GET', path: '/v1/failovers', query: command.query };
  }
}

export function renderFailover(command: FailoverCommand, body: unknown): string {
  switch (command.kind) {
    case 'failovers start':
      return formatFailoverStarted(body as FailoverView);
    case 'failovers approve':
    case 'failovers reject':
      return formatFailoverDecision(body as { failover: Failover });
    case 'failovers get':
    case 'failovers watch':
      return formatFailover(body as FailoverView);
    case 'failovers list':
      return formatFailoverList(body as { items: Failover[]; nextCursor?: string | null });
  }
}

/**
 * 1 when a start is answered with a failover that has already ended without succeeding (refused by
 * its checks); every other single answer is 0.
 */
export function failoverAnswerExitCode(command: FailoverCommand, body: unknown): number {
  if (command.kind !== 'failovers start') return 0;
  const f = (body as FailoverView).failover;
  return isEnding(f) && f.status !== 'SUCCEEDED' ? 1 : 0;
}

/** Whether the command is one of those `runFailoverWatch` runs (the others are one call, one answer). */
export const isFailoverWatchCommand = (c: { kind: string; watch?: boolean }): c is Extract<FailoverCommand, { kind: 'failovers watch' | 'failovers start' }> =>
  c.kind === 'failovers watch' || (c.kind === 'failovers start' && c.watch === true);

export interface FailoverIo {
  /** One API call; a refusal throws (as every command's does). */
  send(call: ApiCall): Promise<unknown>;
  out(text: string): void;
  sleep(ms: number): Promise<void>;
  newKey(): string;
  /** Print the API's JSON of the ended failover, nothing else. */
  json: boolean;
}

export async function runFailoverWatch(command: Extract<FailoverCommand, { kind: 'failovers watch' | 'failovers start' }>, io: FailoverIo): Promise<number> {
  const print = (text: string) => (io.json ? undefined : io.out(text));
  let started: FailoverView | undefined;
  let failoverId: string;
  if (command.kind === 'failovers start') {
    started = (await io.send(failoverCall(command, io))) as FailoverView;
    print(formatFailoverStarted(started, true));
    failoverId = started.failover.failoverId;
  } else {
    failoverId = command.failoverId;
  }
  const call = getCall(failoverId);
  const last = await watchFailover({ fetchFailover: async () => (await io.send(call)) as FailoverView, print, sleep: io.sleep }, started);
  print('');
  io.out(io.json ? JSON.stringify(last, null, 2) : formatFailover(last));
  return failoverExitCode(last);
}
