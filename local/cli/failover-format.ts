/**
 * What `odooctl failovers ...` prints without `--json`: a failover as the incident record reads it
 * (what moved where and why, who asked and who approved, the units in the order they went, and per
 * tenant its outcome, each step's duration, RTO against its target, the data-loss window with the
 * basis it was measured on, and the readiness checks that failed), the history as a table, and the
 * short answers to start, approve and reject.
 */
import { failoverTransitions, FAILOVER_STATUSES, type FailoverStatus } from '#shared/domain/failover-lifecycle.ts';
import type { FailoverUnit } from '#shared/domain/failover-plan.ts';
import type { ReadinessCheck } from '#shared/domain/failover-readiness.ts';
import type { Failover, FailoverStepTiming, FailoverTenant, OldPrimary } from '#shared/domain/failover-types.ts';
import { pairs, seconds, table } from './format.ts';

export type FailoverView = { failover: Failover; tenants: FailoverTenant[] };

/** The statuses no event leaves, read from the lifecycle table so a new ending needs no change here. */
export const ENDING_STATUSES: readonly FailoverStatus[] = FAILOVER_STATUSES.filter((s) => !failoverTransitions.some((t) => t.from === s));
export const isEnding = (f: Failover) => ENDING_STATUSES.includes(f.status);

const modeText = (f: Failover) => (f.mode === 'planned' ? 'planned switchover' : 'unplanned failover');

function scopeText(f: Failover): string {
  if (f.scope === 'tenant') return `tenant ${f.tenantId ?? '?'}`;
  if (f.scope === 'cell') return `cell ${f.cell ?? '?'}`;
  return `every tenant active in ${f.fromRegion}`;
}

/** `fo-1 (cell cell-a, planned switchover, eu-west-1 -> eu-central-1)` */
export const failoverTitle = (f: Failover) => `${f.failoverId} (${scopeText(f)}, ${modeText(f)}, ${f.fromRegion} -> ${f.toRegion})`;

const statusText = (f: Failover) => (f.statusReason ? `${f.status}: ${f.statusReason}` : f.status);

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The commands that end an approval wait; the approver must be someone other than the requester. */
export const approvalHint = (f: Failover) =>
  `Waiting for approval by someone other than ${f.requestedBy}: odooctl failovers approve ${f.failoverId} --actor NAME ` +
  `(or odooctl failovers reject ${f.failoverId} --reason TEXT)`;

const BASIS_TEXT: Record<NonNullable<FailoverTenant['dataLossBasis']>, string> = {
  drained: 'drained: the switchover waited for zero replication lag, or restored a snapshot taken of the fenced primary',
  heartbeats: 'heartbeats: the newest on the old primary minus the newest on the promoted database',
  'replication-lag': 'replication lag read at promotion',
  'snapshot-age': 'age of the restored snapshot when the failover was asked for',
  unknown: 'no lag or heartbeat figure',
};

/** `3 s (heartbeats: ...)`; a window not measured yet says so rather than showing 0. */
function dataLossText(window: number | null | undefined, basis: FailoverTenant['dataLossBasis']): string {
  const figure = window === undefined ? 'not measured' : window === null ? 'unknown' : seconds(window);
  return basis ? `${figure} (${BASIS_TEXT[basis]})` : figure;
}

const rtoText = (s: number | undefined, target: number | undefined) =>
  `${s === undefined ? 'not measured' : seconds(s)}${target === undefined ? '' : ` (target ${seconds(target)})`}`;

const took = (from: string, to: string | undefined) => (to ? seconds(Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000)) : 'running');

function stepDetail(s: FailoverStepTiming): string {
  if (s.error) return `${s.error.code}: ${s.error.message}`;
  return Object.entries(s.detail ?? {})
    .map(([k, v]) => `${k} ${v === null ? 'none' : String(v)}`)
    .join(', ');
}

/** Failed checks only, blocking ones first: what refused the failover comes before what it would miss. */
export function failedChecks(checks: readonly ReadinessCheck[]): ReadinessCheck[] {
  return checks.filter((c) => !c.passed).sort((a, b) => Number(b.blocking) - Number(a.blocking));
}

const checkKind = (c: ReadinessCheck) => (c.blocking ? 'BLOCKING' : 'warning');

function readinessText(t: FailoverTenant): string | undefined {
  const r = t.readiness;
  if (!r) return undefined;
  const loss = r.expectedDataLossSeconds === null ? 'unknown' : seconds(r.expectedDataLossSeconds);
  const miss = r.wouldMiss.length ? `, would miss ${r.wouldMiss.join(', ')}` : '';
  return `${r.ready ? 'ready' : 'not ready'}, expected data loss ${loss}${miss}`;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `${by}${l}` : l))
    .join('\n');
}

function tenantBlock(t: FailoverTenant, rtoTarget: number | undefined): string {
  const head = `${t.tenantId}: ${t.reason ? `${t.outcome}: ${t.reason}` : t.outcome}`;
  const figures = pairs(
    [
      ['RTO', rtoText(t.rtoSeconds, rtoTarget)],
      ['Data loss', dataLossText(t.dataLossWindowSeconds, t.dataLossBasis)],
      ['Readiness', readinessText(t)],
    ],
    '  ',
  );
  const parts = [head, figures];
  const failed = failedChecks(t.readiness?.checks ?? []);
  if (failed.length) parts.push(indent(`Failed checks:\n${indent(table(['KIND', 'CHECK', 'DETAIL'], failed.map((c) => [checkKind(c), c.name, c.detail])), '  ')}`, '  '));
  parts.push(
    t.steps.length
      ? indent(table(['STEP', 'STATUS', 'TOOK', 'DETAIL'], t.steps.map((s) => [s.name, s.status, took(s.startedAt, s.endedAt), stepDetail(s)])), '  ')
      : '  No steps yet.',
  );
  return parts.join('\n');
}

function unitTitle(u: FailoverUnit, index: number, count: number): string {
  const what = u.kind === 'cell' ? `cell ${u.key.slice('cell:'.length)} (one shared database)` : `dedicated ${u.key.slice('tenant:'.length)}`;
  return `Unit ${index + 1} of ${count}: ${what}, ${u.criticality} criticality, RTO target ${seconds(u.rtoSeconds)}, ${plural(u.tenantIds.length, 'tenant')}`;
}

/**
 * The tenants under their units in the order the units go; a tenant's RTO target is its unit's
 * (the tightest of the unit's tenants: they are promoted together). Tenants in no unit (left out of
 * the plan) come last.
 */
function unitsText(v: FailoverView): string {
  const { units } = v.failover;
  const byUnit = new Map<string, FailoverTenant[]>();
  for (const t of v.tenants) byUnit.set(t.unit, [...(byUnit.get(t.unit) ?? []), t]);
  const order = (u: FailoverUnit) => (a: FailoverTenant, b: FailoverTenant) => u.tenantIds.indexOf(a.tenantId) - u.tenantIds.indexOf(b.tenantId) || a.tenantId.localeCompare(b.tenantId);
  const blocks = units.map((u, i) => {
    const tenants = (byUnit.get(u.key) ?? []).sort(order(u));
    const body = tenants.length ? tenants.map((t) => indent(tenantBlock(t, u.rtoSeconds), '  ')).join('\n\n') : `  ${u.tenantIds.join(', ')}: no record yet`;
    return `${unitTitle(u, i, units.length)}\n\n${body}`;
  });
  const planned = new Set(units.map((u) => u.key));
  const others = v.tenants.filter((t) => !planned.has(t.unit)).sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  if (others.length) blocks.push(`Not in a unit:\n\n${others.map((t) => indent(tenantBlock(t, undefined), '  ')).join('\n\n')}`);
  return blocks.length ? blocks.join('\n\n') : 'No units: no tenant was planned to move.';
}

function evidenceText(f: Failover): string {
  if (f.evidenceKey) return f.evidenceKey;
  return isEnding(f) ? 'none written' : 'not yet';
}

export function formatFailover(v: FailoverView): string {
  const f = v.failover;
  const head = pairs([
    ['Failover', failoverTitle(f)],
    ['Status', statusText(f)],
    ['Reason', f.reason],
    ['Requested', `${f.createdAt} by ${f.requestedBy}`],
    // A refusal's decision is its status reason: said once.
    ['Checks', f.decision === f.statusReason ? undefined : f.decision],
    ['Approved by', f.approvedBy && `${f.approvedBy}${f.approvedAt ? ` at ${f.approvedAt}` : ''}`],
    ['Forced', f.force ? 'yes: a lag that cannot drain to zero does not stop the switchover' : undefined],
    ['Widened', f.widened && `to cell ${f.widened.cell}: ${f.widened.reason}`],
    ['Started', f.startedAt],
    ['Ended', f.endedAt && `${f.endedAt}${f.startedAt ? ` (after ${took(f.startedAt, f.endedAt)})` : ''}`],
    ['Tenants', `${f.tenantCount} in ${plural(f.units.length, 'unit')}`],
    ['RTO', f.rtoSeconds === undefined ? (isEnding(f) ? 'not measured' : undefined) : `${seconds(f.rtoSeconds)} (requested to the last tenant verified)`],
    ['Data loss', f.dataLossWindowSeconds === undefined ? undefined : `${f.dataLossWindowSeconds === null ? 'unknown' : seconds(f.dataLossWindowSeconds)} (the largest tenant window)`],
    ['Evidence', evidenceText(f)],
    ['Execution', f.executionArn],
  ]);
  const approval = f.status === 'AWAITING_APPROVAL' ? `\n\n${approvalHint(f)}` : '';
  const left = f.skipped?.length ? `\n\nLeft out (in scope, not moved):\n${f.skipped.map((s) => `  ${s.tenantId}: ${s.reason}`).join('\n')}` : '';
  return `${head}${approval}\n\n${unitsText(v)}${left}${oldPrimariesText(f)}`;
}

const OLD_PRIMARY_TEXT: Record<OldPrimary['status'], string> = {
  PENDING: 'waiting for its region to answer and its snapshot',
  PRESERVED: 'snapshot kept',
  REBUILDING: 'being made the DR copy again',
  REPLICATED: 'the DR copy again: a planned failback can go',
};

/** What the failover left in the region it left, and whether the way back is open (the scheduled readiness run moves it on). */
function oldPrimariesText(f: Failover): string {
  if (!f.oldPrimaries?.length) return '';
  const line = (o: OldPrimary) =>
    `  ${o.clusterIdentifier} in ${o.region} (${o.unit}): ${o.status}, ${OLD_PRIMARY_TEXT[o.status]}${o.snapshotIdentifier ? `; snapshot ${o.snapshotIdentifier}` : ''}${o.lastError ? `; last error: ${o.lastError}` : ''}`;
  return `\n\nLeft behind (old primaries):\n${f.oldPrimaries.map(line).join('\n')}`;
}

const more = (nextCursor: string | null | undefined) => (nextCursor ? `\n\nMore: --cursor ${nextCursor}` : '');

export function formatFailoverList(page: { items: Failover[]; nextCursor?: string | null }): string {
  if (page.items.length === 0) return 'No failovers.';
  const scope = (f: Failover) => (f.scope === 'tenant' ? `tenant ${f.tenantId ?? '?'}` : f.scope === 'cell' ? `cell ${f.cell ?? '?'}` : 'region');
  const loss = (f: Failover) => (f.dataLossWindowSeconds === undefined ? '-' : f.dataLossWindowSeconds === null ? 'unknown' : seconds(f.dataLossWindowSeconds));
  const rows = page.items.map((f) => [
    f.failoverId,
    f.createdAt,
    scope(f),
    f.mode,
    `${f.fromRegion} -> ${f.toRegion}`,
    f.status,
    String(f.tenantCount),
    f.rtoSeconds === undefined ? '-' : seconds(f.rtoSeconds),
    loss(f),
    f.requestedBy,
  ]);
  return `${table(['FAILOVER', 'CREATED', 'SCOPE', 'MODE', 'REGIONS', 'STATUS', 'TENANTS', 'RTO', 'DATA LOSS', 'REQUESTED BY'], rows)}${more(page.nextCursor)}`;
}

/** What a requested failover is and what comes next: the approval it waits for, or how to follow it. */
export function formatFailoverStarted(v: FailoverView, watching = false): string {
  const f = v.failover;
  const lines = [`Failover ${failoverTitle(f)}: ${statusText(f)}`, `Tenants: ${f.tenantCount} in ${plural(f.units.length, 'unit')}`];
  if (f.widened) lines.push(`Widened to cell ${f.widened.cell}: ${f.widened.reason}`);
  if (f.status === 'AWAITING_APPROVAL') lines.push(approvalHint(f));
  if (!watching) lines.push(isEnding(f) ? `Its record: odooctl failovers get ${f.failoverId}` : `Follow it with: odooctl failovers watch ${f.failoverId}`);
  return lines.join('\n');
}

/** The answer to approve or reject. */
export function formatFailoverDecision(body: { failover: Failover }): string {
  const f = body.failover;
  const by = f.approvedBy ? ` (approved by ${f.approvedBy})` : '';
  const next = isEnding(f) ? `Its record: odooctl failovers get ${f.failoverId}` : `Follow it with: odooctl failovers watch ${f.failoverId}`;
  return `Failover ${f.failoverId}: ${statusText(f)}${by}\n${next}`;
}
