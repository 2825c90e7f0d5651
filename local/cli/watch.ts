/**
 * `odooctl operations watch`: polls the operation and prints each step as it starts and ends, with
 * the seconds since the operation was requested (taken from the records' own times, so the output
 * is the same however late the poll sees it).
 */
import type { Operation, OperationStep } from '#shared/domain/types.ts';

export const POLL_INTERVAL_MS = 500;
export const TERMINAL_STATUSES = ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const;

const elapsed = (op: Operation, at: string | undefined) =>
  `[+${Math.max(0, (Date.parse(at ?? op.updatedAt) - Date.parse(op.createdAt)) / 1000).toFixed(1).padStart(6)}s]`;

function ended(op: Operation, s: OperationStep): string {
  const took = s.endedAt ? ` in ${((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1)} s` : '';
  // A step runs again when it is retried and on every poll of its wait loop; the record cannot
  // tell the two apart, so the count is given under the neutral name, once, at the end.
  const invocations = s.attempts > 1 ? ` (${s.attempts} invocations)` : '';
  const mark = s.status === 'SUCCEEDED' ? '✓' : s.status === 'SKIPPED' ? '-' : '✗';
  const why = s.error ? `: ${s.error.code}: ${s.error.message}` : '';
  return `${elapsed(op, s.endedAt)} ${mark} ${s.name} ${s.status.toLowerCase()}${took}${invocations}${why}`;
}

/** The lines that tell what happened between two polls of the same operation (`before` undefined: the first poll). */
export function progressLines(before: Operation | undefined, now: Operation): string[] {
  const lines: string[] = [];
  if (!before) lines.push(`${now.type} of ${now.tenantId} (${now.operationId}): ${now.status}`);
  for (const step of now.steps) {
    const was = before?.steps.find((s) => s.name === step.name);
    // A step that had ended and runs again: a redrive, or a compensation going back over it.
    const reopened = was !== undefined && was.status !== 'RUNNING' && step.status === 'RUNNING';
    if (!was) lines.push(`${elapsed(now, step.startedAt)} ▶ ${step.name} started`);
    if (reopened) lines.push(`${elapsed(now, now.updatedAt)} ▶ ${step.name} started again (invocation ${step.attempts})`);
    if (step.status !== 'RUNNING' && (!was || was.status === 'RUNNING')) lines.push(ended(now, step));
  }
  if (before && before.status !== now.status) lines.push(`${elapsed(now, now.endedAt ?? now.updatedAt)} operation ${now.status}`);
  if (now.status === 'FAILED' && now.error) lines.push(`Error: ${now.error.code}: ${now.error.message}`);
  return lines;
}

export const isTerminal = (op: Operation) => (TERMINAL_STATUSES as readonly string[]).includes(op.status);

/** 0 when the operation succeeded, 1 when it failed or was cancelled. */
export const exitCodeOf = (op: Operation) => (op.status === 'SUCCEEDED' ? 0 : 1);

export interface WatchIo {
  fetchOperation(): Promise<Operation>;
  print(line: string): void;
  sleep(ms: number): Promise<void>;
}

export async function watchOperation(io: WatchIo, intervalMs = POLL_INTERVAL_MS): Promise<number> {
  let before: Operation | undefined;
  for (;;) {
    const now = await io.fetchOperation();
    for (const line of progressLines(before, now)) io.print(line);
    if (isTerminal(now)) return exitCodeOf(now);
    before = now;
    await io.sleep(intervalMs);
  }
}
