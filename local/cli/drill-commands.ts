/**
 * The API calls of `odooctl drills ...` and `odooctl schedules ...`, how their answers are printed,
 * and the two commands that take more than one call: `drills get` (the API lists a tenant's drills;
 * one is found in that list) and `drills run --watch` (start, follow the operation, show the drill).
 */
import type { DrillRecord } from '#shared/domain/drill-types.ts';
import type { Operation } from '#shared/domain/types.ts';
import type { FireRecord, ScheduleStatus } from '#local/scheduler.ts';
import { CliError, type ApiCall } from './api-client.ts';
import type { DrillCommand } from './drill-args.ts';
import { formatDrill, formatDrillList, formatDrillStarted, formatScheduleRun, formatSchedules } from './format-drill.ts';
import { watchOperation } from './watch.ts';

type DrillPage = { items: DrillRecord[]; nextCursor?: string | null };
type ScheduleRun = { schedule: string } & FireRecord;

/** The largest page the API gives: the fewest calls to find one drill in a long history. */
const SEARCH_PAGE_SIZE = '100';

const drillsPath = (tenantId: string) => `/v1/tenants/${encodeURIComponent(tenantId)}/drills`;
const historyCall = (tenantId: string, query: Record<string, string | undefined>): ApiCall => ({ method: 'GET', path: drillsPath(tenantId), query });

export function drillCall(command: DrillCommand, io: { newKey(): string }): ApiCall {
  switch (command.kind) {
    case 'drills run':
      return {
        method: 'POST',
        path: drillsPath(command.tenantId),
        // No body asks for the latest restorable time.
        body: command.restoreTime === undefined ? undefined : { restoreTime: command.restoreTime },
        headers: { 'idempotency-key': command.idempotencyKey ?? io.newKey() },
      };
    case 'drills list':
      return historyCall(command.tenantId, command.query);
    case 'drills get':
      return historyCall(command.tenantId, { limit: SEARCH_PAGE_SIZE });
    case 'schedules list':
      return { method: 'GET', path: '/_local/schedules' };
    case 'schedules run':
      return { method: 'POST', path: `/_local/schedules/${encodeURIComponent(command.name)}/run` };
  }
}

export function renderDrill(command: DrillCommand, body: unknown): string {
  switch (command.kind) {
    case 'drills run':
      return formatDrillStarted(body as { drill: DrillRecord; operation: Operation });
    case 'drills list':
      return formatDrillList(command.tenantId, body as DrillPage);
    case 'drills get':
      return formatDrill(body as DrillRecord);
    case 'schedules list':
      return formatSchedules(body as { firing: boolean; now: string; schedules: ScheduleStatus[] });
    case 'schedules run':
      return formatScheduleRun(body as ScheduleRun);
  }
}

/** 1 when a schedule fired on demand failed to start its target; every other answer is 0. */
export const drillAnswerExitCode = (command: DrillCommand, body: unknown) =>
  command.kind === 'schedules run' && (body as ScheduleRun).result?.status === 'FAILED' ? 1 : 0;

/** 0 when the drill PASSED; 1 when it FAILED, BREACHED_TARGET, or has no outcome. */
export const drillExitCode = (d: DrillRecord) => (d.outcome === 'PASSED' ? 0 : 1);

export interface DrillIo {
  /** One API call; a refusal throws (as every command's does). */
  send(call: ApiCall): Promise<unknown>;
  out(text: string): void;
  sleep(ms: number): Promise<void>;
  newKey(): string;
  /** Print the API's JSON, nothing else. */
  json: boolean;
}

/** Whether the command is one of those `runDrillCommand` runs (the others are one call, one answer). */
export const isMultiCallDrillCommand = (c: { kind: string; watch?: boolean }): c is Extract<DrillCommand, { kind: 'drills get' | 'drills run' }> =>
  c.kind === 'drills get' || (c.kind === 'drills run' && c.watch === true);

/** The drill, looked for in the tenant's history page by page (newest first, so a recent one is on the first). */
export async function findDrill(send: DrillIo['send'], tenantId: string, drillId: string): Promise<DrillRecord> {
  let cursor: string | undefined;
  do {
    const page = (await send(historyCall(tenantId, { limit: SEARCH_PAGE_SIZE, cursor }))) as DrillPage;
    const found = page.items.find((d) => d.drillId === drillId);
    if (found) return found;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  throw new CliError(`Tenant ${tenantId} has no drill ${drillId}; odooctl drills list ${tenantId} lists them.`, 2);
}

export async function runDrillCommand(command: Extract<DrillCommand, { kind: 'drills get' | 'drills run' }>, io: DrillIo): Promise<number> {
  const show = (d: DrillRecord) => io.out(io.json ? JSON.stringify(d, null, 2) : formatDrill(d));
  if (command.kind === 'drills get') {
    show(await findDrill(io.send, command.tenantId, command.drillId));
    return 0;
  }
  const started = (await io.send(drillCall(command, io))) as { drill: DrillRecord; operation: Operation };
  const print = (text: string) => (io.json ? undefined : io.out(text));
  print(formatDrillStarted(started, true));
  const operationCall: ApiCall = { method: 'GET', path: `/v1/operations/${encodeURIComponent(started.operation.operationId)}` };
  await watchOperation({ fetchOperation: async () => (await io.send(operationCall)) as Operation, print, sleep: io.sleep });
  // The drill record is completed before its operation ends, so it holds the outcome by now.
  const drill = await findDrill(io.send, command.tenantId, started.drill.drillId);
  print('');
  show(drill);
  return drillExitCode(drill);
}
