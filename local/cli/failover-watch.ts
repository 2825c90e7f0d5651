/**
 * `odooctl failovers watch` (and `failovers start --watch`): polls the failover and prints what
 * changed since the last poll: its status, each tenant's steps as they start and end, each tenant's
 * outcome with its figures. Times are the seconds since the failover was requested, taken from the
 * records, so the output is the same however late a poll sees a change.
 *
 * An approval wait does not end the watch: the hint to approve is printed once and the watch goes
 * on until an ending status, so the requester sees the failover run as soon as someone approves
 * it, and only a SUCCEEDED failover exits 0.
 */
import type { FailoverStepTiming, FailoverTenant } from '#shared/domain/failover-types.ts';
import { approvalHint, isEnding, type FailoverView } from './failover-format.ts';
import { seconds } from './format.ts';

export const FAILOVER_POLL_INTERVAL_MS = 1000;

const FINAL_OUTCOMES: readonly FailoverTenant['outcome'][] = ['SUCCEEDED', 'FAILED', 'SKIPPED'];

function clock(v: FailoverView) {
  const origin = Date.parse(v.failover.createdAt);
  return (at: string | undefined) => `[+${Math.max(0, (Date.parse(at ?? v.failover.updatedAt) - origin) / 1000).toFixed(1).padStart(6)}s]`;
}

function stepEnded(s: FailoverStepTiming): string {
  const took = s.endedAt ? ` in ${((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1)} s` : '';
  const mark = s.status === 'SUCCEEDED' ? '✓' : s.status === 'SKIPPED' ? '-' : '✗';
  const why = s.error ? `: ${s.error.code}: ${s.error.message}` : '';
  return `${mark} ${s.name} ${s.status.toLowerCase()}${took}${why}`;
}

function outcomeLine(t: FailoverTenant): string {
  if (t.outcome !== 'SUCCEEDED') return `${t.tenantId} ${t.outcome}${t.reason ? `: ${t.reason}` : ''}`;
  const rto = t.rtoSeconds === undefined ? 'RTO not measured' : `RTO ${seconds(t.rtoSeconds)}`;
  const loss = t.dataLossWindowSeconds === undefined || t.dataLossWindowSeconds === null ? 'unknown' : seconds(t.dataLossWindowSeconds);
  return `${t.tenantId} SUCCEEDED: ${rto}, data loss ${loss}${t.dataLossBasis ? ` (${t.dataLossBasis})` : ''}`;
}

/** Tenants in the order their units go, then by id. */
function inUnitOrder(v: FailoverView): FailoverTenant[] {
  const rank = new Map(v.failover.units.map((u, i) => [u.key, i]));
  const at = (t: FailoverTenant) => rank.get(t.unit) ?? Number.MAX_SAFE_INTEGER;
  return [...v.tenants].sort((a, b) => at(a) - at(b) || a.tenantId.localeCompare(b.tenantId));
}

/**
 * The lines that tell what happened between two polls of the same failover (`before` undefined: the
 * first poll). The tenants' steps are told in the order they happened, across tenants (the units of
 * a wave run side by side); an ending status comes after what led to it.
 */
export function failoverProgressLines(before: FailoverView | undefined, now: FailoverView): string[] {
  const f = now.failover;
  const time = clock(now);
  const status = `${f.status}${f.statusReason ? `: ${f.statusReason}` : ''}`;
  const changed = before !== undefined && before.failover.status !== f.status;
  const lines: string[] = [];
  if (!before) lines.push(`Failover ${f.failoverId}: ${status}`);
  else if (changed && !isEnding(f)) lines.push(`${time(f.updatedAt)} failover ${status}`);
  if (f.status === 'AWAITING_APPROVAL' && before?.failover.status !== 'AWAITING_APPROVAL') lines.push(approvalHint(f));
  const events: { at: string | undefined; text: string }[] = [];
  for (const t of inUnitOrder(now)) {
    const was = before?.tenants.find((x) => x.tenantId === t.tenantId);
    for (const s of t.steps) {
      const stepWas = was?.steps.find((x) => x.name === s.name);
      if (!stepWas) events.push({ at: s.startedAt, text: `${t.tenantId} ▶ ${s.name} started` });
      else if (stepWas.status !== 'RUNNING' && s.status === 'RUNNING') events.push({ at: s.startedAt, text: `${t.tenantId} ▶ ${s.name} started again` });
      if (s.status !== 'RUNNING' && (!stepWas || stepWas.status === 'RUNNING')) events.push({ at: s.endedAt, text: `${t.tenantId} ${stepEnded(s)}` });
    }
    if (FINAL_OUTCOMES.includes(t.outcome) && was?.outcome !== t.outcome) events.push({ at: t.updatedAt, text: outcomeLine(t) });
  }
  const ms = (at: string | undefined) => Date.parse(at ?? f.updatedAt);
  // A stable sort: events at the same time keep the units' order.
  for (const e of events.sort((a, b) => ms(a.at) - ms(b.at))) lines.push(`${time(e.at)} ${e.text}`);
  if (changed && isEnding(f)) lines.push(`${time(f.endedAt)} failover ${status}`);
  return lines;
}

/** 0 when the failover SUCCEEDED; 1 when it ended otherwise (partly succeeded, failed, refused, rejected). */
export const failoverExitCode = (v: FailoverView) => (v.failover.status === 'SUCCEEDED' ? 0 : 1);

export interface FailoverWatchIo {
  fetchFailover(): Promise<FailoverView>;
  print(line: string): void;
  sleep(ms: number): Promise<void>;
}

/**
 * Polls until an ending status; returns the last view seen (the whole record, for the report that
 * follows). `seen` is what was shown already (the answer to the start), so only changes follow it.
 */
export async function watchFailover(io: FailoverWatchIo, seen?: FailoverView, intervalMs = FAILOVER_POLL_INTERVAL_MS): Promise<FailoverView> {
  let before = seen;
  for (;;) {
    const now = await io.fetchFailover();
    for (const line of failoverProgressLines(before, now)) io.print(line);
    if (isEnding(now.failover)) return now;
    before = now;
    await io.sleep(intervalMs);
  }
}
