/** What `odooctl releases ...` prints without `--json`: a release, its waves and tenants, a plan. */
import type { ReleasePlan } from '#shared/domain/release-plan.ts';
import type { Release, ReleasePreview, TenantRelease } from '#shared/domain/release-types.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { pairs, seconds, table } from './format.ts';

/** A plan lists at most this many tenants; `--json` has them all. */
const MAX_TENANT_ROWS = 50;

const more = (nextCursor: string | null | undefined) => (nextCursor ? `\n\nMore: --cursor ${nextCursor}` : '');
const counts = (r: Pick<Release, 'counts'>) =>
  Object.entries(r.counts ?? {})
    .filter(([, n]) => n)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ') || 'none';

function wavesTable(r: Release): string {
  const rows = r.waves.map((w) => [String(w.index), String(w.ring), String(w.tenants), `${w.failures}/${w.failureBudget}`, w.status, seconds(w.predictedSeconds)]);
  return table(['WAVE', 'RING', 'TENANTS', 'FAILURES/BUDGET', 'STATUS', 'PREDICTED'], rows);
}

export function formatRelease(body: { release: Release; tenants: TenantRelease[]; nextCursor?: string | null }): string {
  const r = body.release;
  const head = pairs([
    ['Release', r.releaseId],
    ['Status', r.statusReason ? `${r.status}: ${r.statusReason}` : r.status],
    ['Image', r.image],
    ['Modules', r.modules.join(', ') || '(none)'],
    ['Emergency', r.emergency?.reason],
    ['Requested', `${r.createdAt} by ${r.requestedBy}`],
    ['Approved', r.approvedBy ? `${r.approvedAt ?? ''} by ${r.approvedBy}`.trim() : undefined],
    ['Deadline', r.deadline],
    ['Predicted', `${seconds(r.predictedSeconds)} (lower bound ${seconds(r.lowerBoundSeconds)})`],
    ['Tenants', counts(r)],
    ['Skipped', r.skipped.length ? `${r.skippedTotal ?? r.skipped.length} left out by the selection` : undefined],
    ['Rehearsals', r.rehearsals.length ? r.rehearsals.map((x) => `${x.moduleSetKey || '(no modules)'} on ${x.tenantId}: ${x.status}${x.upgradeSeconds ? ` in ${seconds(x.upgradeSeconds)}` : ''}`).join('; ') : undefined],
    ['Ended', r.endedAt],
  ]);
  const tenants = body.tenants.length
    ? table(['TENANT', 'WAVE', 'OUTCOME', 'OPERATION', 'REASON'], body.tenants.map((t) => [t.tenantId, String(t.wave), t.outcome, t.operationId ?? '', t.reason ?? '']))
    : 'No tenants on this page.';
  return `${head}\n\n${wavesTable(r)}\n\n${tenants}${more(body.nextCursor)}`;
}

export function formatReleaseList(page: { items: Release[]; nextCursor?: string | null }): string {
  if (page.items.length === 0) return 'No releases.';
  const rows = page.items.map((r) => [r.releaseId, r.status, r.image, String(r.waves.reduce((n, w) => n + w.tenants, 0)), r.createdAt, r.requestedBy]);
  return `${table(['RELEASE', 'STATUS', 'IMAGE', 'TENANTS', 'CREATED', 'BY'], rows)}${more(page.nextCursor)}`;
}

export function formatReleaseStarted(body: { release: Release }): string {
  const r = body.release;
  const tenants = r.waves.reduce((n, w) => n + w.tenants, 0);
  return [
    `Release ${r.releaseId}: ${r.status}, ${tenants} tenants in ${r.waves.length} waves, predicted ${seconds(r.predictedSeconds)}`,
    'It is rehearsed first, then waits for approval by someone other than you:',
    `  odooctl releases approve ${r.releaseId}`,
    `Follow it with: odooctl releases watch ${r.releaseId}`,
  ].join('\n');
}

function planTables(plan: ReleasePlan, windows: ReleasePreview['windows']): string {
  const waves = table(
    ['WAVE', 'RING', 'TENANTS', 'BUDGET', 'PREDICTED'],
    plan.waves.map((w) => [String(w.index), String(w.ring), String(w.tenants.length), String(w.failureBudget), seconds(w.predictedSeconds)]),
  );
  const all = plan.waves.flatMap((w) => w.tenants.map((t) => ({ wave: w.index, t })));
  const rows = all.slice(0, MAX_TENANT_ROWS).map(({ wave, t }) => {
    const win = windows[t.tenantId];
    return [t.tenantId, String(wave), t.cell ?? 'dedicated', seconds(t.predictedUpgradeSeconds), win ? `${win.decision}${win.until ? ` until ${win.until}` : ''}` : ''];
  });
  const tenants = table(['TENANT', 'WAVE', 'CELL', 'UPGRADE', 'WINDOW'], rows);
  const cut = all.length > rows.length ? `\n... and ${all.length - rows.length} more tenants (--json lists them all)` : '';
  return `${waves}\n\n${tenants}${cut}`;
}

export function formatPreview(preview: ReleasePreview): string {
  const { plan } = preview;
  const t = plan.totals;
  const head = [
    `Dry run: ${t.tenants} tenants in ${t.waves} waves (rings 0-3: ${t.tenantsByRing.join('/')}), ${t.skipped} skipped; nothing was changed.`,
    `Predicted ${seconds(t.predictedSeconds)} (lower bound ${seconds(t.lowerBoundSeconds)}).`,
  ];
  const waiting = Object.values(preview.windows).filter((w) => w.decision !== 'go').length;
  if (waiting) head.push(`${waiting} tenants cannot start now (see WINDOW).`);
  const skipped = plan.skipped.length ? `\n\nSkipped:\n${plan.skipped.slice(0, MAX_TENANT_ROWS).map((s) => `  - ${s.tenantId}: ${s.reason}`).join('\n')}` : '';
  return `${head.join('\n')}\n\n${planTables(plan, preview.windows)}${skipped}`;
}

export function formatReleaseControl(body: { release: Release }): string {
  const r = body.release;
  return `Release ${r.releaseId}: ${r.status}${r.statusReason ? ` (${r.statusReason})` : ''}`;
}

export function formatDecision(body: { tenant: TenantRelease }): string {
  const t = body.tenant;
  return `Tenant ${t.tenantId} in release ${t.releaseId}: ${t.decision ? `decided ${t.decision.choice} by ${t.decision.by}` : 'no decision'} (outcome ${t.outcome})`;
}

export function formatCalendar(t: Tenant): string {
  const cal = t.releaseCalendar;
  if (!cal) return `Tenant ${t.tenantId} has no release calendar: releases may start at any time.`;
  const windows = cal.windows.map((w) => `  - ${w.days.join(',')} ${w.start}-${w.end} ${w.timeZone}`);
  const freezes = cal.freezes.map((f) => `  - ${f.kind}: ${f.reason}`);
  return [`Release calendar of ${t.tenantId}:`, 'Windows:', ...(windows.length ? windows : ['  (none: only rollbacks and emergencies)']), ...(freezes.length ? ['Freezes:', ...freezes] : [])].join('\n');
}
