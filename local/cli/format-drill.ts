/**
 * What `odooctl drills ...` and `odooctl schedules ...` print without `--json`: a drill as an
 * auditor reads it (outcome and why, RTO and RPO against the tenant's targets, the restore point,
 * every check, the evidence, whether anything was left behind), the history as a table, and the
 * local control plane's schedules.
 */
import type { DrillRecord } from '#shared/domain/drill-types.ts';
import type { Operation } from '#shared/domain/types.ts';
import type { FireRecord, ScheduleStatus, ScheduleTarget } from '#local/scheduler.ts';
import { pairs, seconds, table } from './format.ts';

const more = (nextCursor: string | null | undefined) => (nextCursor ? `\n\nMore: --cursor ${nextCursor}` : '');

/** `14 s (target 8 h)`; a figure is absent when the drill never got that far (or found no data). */
const againstTarget = (s: number | undefined, target: number) => `${s === undefined ? 'not measured' : seconds(s)} (target ${seconds(target)})`;

/** Until the drill is COMPLETED its resources may still exist: `no` would say they were left behind. */
const cleanedUp = (d: DrillRecord) => (d.status !== 'COMPLETED' ? 'not yet' : d.cleanedUp ? 'yes' : 'no');

function restorePoint(d: DrillRecord): string {
  if (!d.restorePoint) return d.status === 'REQUESTED' ? 'the latest restorable time, not read yet' : 'not recorded';
  return `${d.restorePoint} (${d.restorePointKind === 'chosen' ? 'chosen' : 'latest restorable'})`;
}

function restoredTo(d: DrillRecord): string | undefined {
  const t = d.target;
  return t && `cluster ${t.clusterIdentifier}, database ${t.databaseName}, in ${t.region} (from ${t.sourceClusterIdentifier})`;
}

function newestData(d: DrillRecord): string | undefined {
  const n = d.newestData;
  return n && `heartbeat ${n.heartbeat ?? 'none'}, business write ${n.businessWrite ?? 'none'}`;
}

function checksTable(d: DrillRecord): string {
  if (d.checks.length === 0) return 'No checks ran.';
  return table(['CHECK', 'RESULT', 'DETAIL'], d.checks.map((c) => [c.name, c.passed ? 'pass' : 'FAIL', c.detail]));
}

export function formatDrill(d: DrillRecord): string {
  const head = pairs([
    ['Drill', `${d.drillId} of ${d.tenantId} (${d.trigger}, requested by ${d.requestedBy})`],
    ['Status', d.status],
    ['Outcome', d.outcome && (d.reason ? `${d.outcome}: ${d.reason}` : d.outcome)],
    ['Tenant', `${d.criticality} criticality, ${d.model}`],
    ['Started', d.startedAt],
    ['Ended', d.endedAt && `${d.endedAt} (after ${seconds((Date.parse(d.endedAt) - Date.parse(d.startedAt)) / 1000)})`],
    ['Restore point', restorePoint(d)],
    ['Restored to', restoredTo(d)],
    ['RTO', againstTarget(d.rtoSeconds, d.targetRtoSeconds)],
    ['RPO', againstTarget(d.rpoSeconds, d.targetRpoSeconds)],
    ['Newest data', newestData(d)],
    ['Evidence', d.evidenceKey ?? (d.status === 'COMPLETED' ? 'none written' : 'not yet')],
    ['Cleaned up', cleanedUp(d)],
    ['Swept', d.sweptAt && `${d.sweptAt} (the sweeper removed what the drill left behind)`],
    ['Operation', d.operationId],
  ]);
  const teardown = !d.cleanedUp && d.teardown && Object.keys(d.teardown).length ? `\n\nTeardown:\n${pairs(Object.entries(d.teardown), '  ')}` : '';
  return `${head}\n\n${checksTable(d)}${teardown}`;
}

export function formatDrillList(tenantId: string, page: { items: DrillRecord[]; nextCursor?: string | null }): string {
  if (page.items.length === 0) return `No drills of ${tenantId}.`;
  const figure = (s: number | undefined, target: number) => `${s === undefined ? '-' : seconds(s)} / ${seconds(target)}`;
  const rows = page.items.map((d) => [d.drillId, d.startedAt, d.trigger, d.outcome ?? d.status, figure(d.rtoSeconds, d.targetRtoSeconds), figure(d.rpoSeconds, d.targetRpoSeconds), cleanedUp(d)]);
  return `${table(['DRILL', 'STARTED', 'TRIGGER', 'OUTCOME', 'RTO/TARGET', 'RPO/TARGET', 'CLEANED UP'], rows)}${more(page.nextCursor)}`;
}

/** What a started drill is; the ways to follow it unless it is being watched already. */
export function formatDrillStarted(started: { drill: DrillRecord; operation: Operation }, watching = false): string {
  const { drill: d, operation: op } = started;
  const point = d.restorePoint ? `restore point ${d.restorePoint}` : 'restore point the latest restorable time';
  const lines = [
    `Drill ${d.drillId} of ${d.tenantId}: ${d.status}, ${point}, targets RTO ${seconds(d.targetRtoSeconds)} and RPO ${seconds(d.targetRpoSeconds)}`,
    `Operation ${op.operationId}: ${op.type} ${op.status}`,
  ];
  if (!watching) lines.push(`Follow it with: odooctl operations watch ${op.operationId}`, `Its result: odooctl drills get ${d.tenantId} ${d.drillId}`);
  return lines.join('\n');
}

function targetText(t: ScheduleTarget): string {
  return t.type === 'stateMachine' ? `state machine ${t.stateMachineName}` : `function ${t.handler}`;
}

function fireResult(f: FireRecord): string {
  const r = f.result;
  if (!r) return 'running';
  if (r.status === 'STARTED') return `started ${r.executionName}`;
  if (r.status === 'SUCCEEDED') return 'succeeded';
  return `failed: ${r.error}: ${r.message}`;
}

function lastFireText(f: FireRecord | null): string {
  if (!f) return '-';
  const missed = f.missed ? `, ${f.missed} missed` : '';
  return `${f.firedAt} (${f.trigger}${missed}) ${fireResult(f)}`;
}

export function formatSchedules(body: { firing: boolean; now: string; schedules: ScheduleStatus[] }): string {
  const how = body.firing ? 'schedules fire on the clock' : 'schedules fire only when run (npm start with LOCAL_SCHEDULES=1 fires them on the clock)';
  const head = `Clock ${body.now}; ${how}.`;
  if (body.schedules.length === 0) return `${head}\n\nNo schedules.`;
  const rows = body.schedules.map((s) => [s.name, s.expression, s.state, targetText(s.target), s.nextFire ?? '-', lastFireText(s.lastFire)]);
  return `${head}\n\n${table(['SCHEDULE', 'EXPRESSION', 'STATE', 'TARGET', 'NEXT FIRE', 'LAST FIRE'], rows)}`;
}

/** A Lambda's answer is shown up to this many characters; `--json` has all of it. */
const MAX_OUTPUT_CHARS = 300;

export function formatScheduleRun(body: { schedule: string } & FireRecord): string {
  const lines = [`Schedule ${body.schedule} fired at ${body.firedAt}: ${fireResult(body)}`];
  const r = body.result;
  if (r?.status === 'STARTED') lines.push(`Execution: ${r.executionArn}`);
  if (r?.status === 'SUCCEEDED') {
    const output = JSON.stringify(r.output);
    lines.push(`Output: ${output.length > MAX_OUTPUT_CHARS ? `${output.slice(0, MAX_OUTPUT_CHARS - 1)}… (--json for all of it)` : output}`);
  }
  return lines.join('\n');
}
