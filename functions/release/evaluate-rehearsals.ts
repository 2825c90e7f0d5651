/**
 * After the rehearsals: any rehearsal that did not pass rejects the release with its reason, before
 * any production change. Otherwise the release is planned again with the upgrade times the
 * rehearsals measured (per module set), over the same tenants, so waves and their predicted
 * durations are what the approver sees; then it waits for approval.
 */
import { releasedModuleSetKey } from '#shared/domain/release-artifact.ts';
import { DEFAULT_PREDICTED_UPGRADE_SECONDS, planRelease, type ReleasePlan } from '#shared/domain/release-plan.ts';
import { plannedWaveRecords, plannedWaveSummaries, type Release, type TenantRelease } from '#shared/domain/release-types.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import { allTenantReleases, skipWaitingTenants } from '#shared/lib/release-tenants.ts';

export interface RolloutDecision {
  proceed: boolean;
  waves: number[];
}

const PROCEEDING = new Set(['AWAITING_APPROVAL', 'ROLLING_OUT', 'PAUSED']);

function rehearsalFailures(release: Release): string | null {
  if (release.rehearsals.length === 0) return 'no rehearsal was run';
  const failed = release.rehearsals.filter((r) => r.status !== 'PASSED');
  if (failed.length === 0) return null;
  const why = failed.map((r) => {
    const set = r.moduleSetKey || '(no modules)';
    const detail = r.status === 'FAILED' ? (r.reason ?? 'failed') : `did not finish (${r.status})`;
    return `module set ${set} on a copy of ${r.tenantId}: ${detail}`;
  });
  return `rehearsal failed: ${why.join('; ')}`;
}

export const handler = releaseStep<{ releaseId: string; actor: string }, RolloutDecision>(async ({ state, repo, now, release: load, updateRelease }) => {
  const release = await load();
  if (PROCEEDING.has(release.status)) return { proceed: true, waves: release.waves.map((w) => w.index) };
  if (release.status !== 'REHEARSING') return { proceed: false, waves: [] };

  const failure = rehearsalFailures(release);
  if (failure) {
    await updateRelease((r) => ({ ...r, statusReason: failure, endedAt: now().toISOString() }), 'RehearsalFailed');
    return { proceed: false, waves: [] };
  }

  const items = (await allTenantReleases(repo, state.releaseId)).filter((i) => i.outcome !== 'SKIPPED');
  const tenants: Tenant[] = [];
  for (const item of items) {
    const tenant = await repo.getTenant(item.tenantId);
    if (tenant) tenants.push(tenant);
  }
  if (tenants.length === 0) {
    await updateRelease((r) => ({ ...r, statusReason: 'no selected tenant is left to release', endedAt: now().toISOString() }), 'RehearsalFailed');
    return { proceed: false, waves: [] };
  }

  const predicted = Object.fromEntries(release.rehearsals.map((r) => [r.moduleSetKey, r.upgradeSeconds ?? DEFAULT_PREDICTED_UPGRADE_SECONDS]));
  // Planned on the module sets the tenants will have, the keys the rehearsals were run for.
  const plan = planRelease({
    tenants: tenants.map((t) => ({ ...t, release: { ...t.release, modules: releasedModuleSetKey(t.release.modules, release.modules).split(',').filter(Boolean) } })),
    selector: { tenantIds: tenants.map((t) => t.tenantId) },
    strategy: release.strategy,
    predictedUpgradeSeconds: predicted,
    now: now(),
  });

  const leftOut = new Set(plan.skipped.map((s) => s.tenantId));
  for (const s of plan.skipped) {
    await skipWaitingTenants(repo, release, items.filter((i) => i.tenantId === s.tenantId), s.reason, now());
  }
  await repo.putWaves(state.releaseId, plannedWaveRecords(state.releaseId, plan));
  await repo.putTenantReleases(state.releaseId, replanned(items.filter((i) => !leftOut.has(i.tenantId)), plan));

  const updated = await updateRelease(
    (r) => ({
      ...r,
      waves: plannedWaveSummaries(plan),
      skipped: [...r.skipped, ...plan.skipped.filter((s) => !r.skipped.some((k) => k.tenantId === s.tenantId))],
      predictedSeconds: plan.totals.predictedSeconds,
      lowerBoundSeconds: plan.totals.lowerBoundSeconds,
    }),
    'RehearsalPassed',
  );
  return { proceed: PROCEEDING.has(updated.status), waves: updated.waves.map((w) => w.index) };
});



function replanned(items: TenantRelease[], plan: ReleasePlan): TenantRelease[] {
  const placed = new Map(plan.waves.flatMap((w) => w.tenants.map((t) => [t.tenantId, { wave: w.index, t }] as const)));
  return items.flatMap((item) => {
    const p = placed.get(item.tenantId);
    if (!p) return [];
    return [{ ...item, wave: p.wave, ring: p.t.ring, cell: p.t.cell, predictedUpgradeSeconds: p.t.predictedUpgradeSeconds, version: item.version + 1 }];
  });
}
