/**
 * Start of a wave: its tenants are laid out in concurrency slots by `scheduleWave`, so at most
 * `maxConcurrency` tenants of the fleet and `maxConcurrencyPerCell` of one cell are upgraded at
 * once whatever the real durations turn out to be. Each slot runs its tenants one after the other,
 * in batches of at most 250 (one child execution each, to keep execution histories small).
 *
 * A release that halted, was aborted or otherwise ended starts no more waves: the wave's tenants
 * not started are skipped with the reason, and no slot is returned.
 */
import { DEFAULT_PREDICTED_UPGRADE_SECONDS } from '#shared/domain/release-plan.ts';
import { scheduleWave } from '#shared/domain/release-schedule.ts';
import type { Release, ReleaseWaveSummary } from '#shared/domain/release-types.ts';
import { notFound } from '#shared/lib/errors.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import { allTenantReleases, skipWaitingTenants } from '#shared/lib/release-tenants.ts';

export const BATCH_SIZE = 250;

export interface WaveSlots {
  maxConcurrency: number;
  slots: { slot: number; batches: { batch: number; tenantIds: string[] }[] }[];
}

type State = { releaseId: string; actor: string; wave: number };

const STOPPED = new Set<Release['status']>(['HALTED', 'ABORTED', 'REJECTED', 'FAILED']);

const withWave = (r: Release, index: number, change: Partial<ReleaseWaveSummary>): Release => ({
  ...r,
  waves: r.waves.map((w) => (w.index === index ? { ...w, ...change } : w)),
});

export const handler = releaseStep<State, WaveSlots>(async ({ state, repo, now, release: load, updateRelease }) => {
  const release = await load();
  const wave = await repo.getWave(state.releaseId, state.wave);
  if (!wave) throw notFound(`Wave ${state.wave} of release ${state.releaseId} not found`);
  const items = await allTenantReleases(repo, state.releaseId, { wave: state.wave });

  if (STOPPED.has(release.status)) {
    const reason = `release ${release.status} before wave ${state.wave} started${release.statusReason ? `: ${release.statusReason}` : ''}`;
    await skipWaitingTenants(repo, release, items, reason, now());
    const summary = release.waves.find((w) => w.index === state.wave);
    if (summary && summary.status === 'PENDING') await updateRelease((r) => withWave(r, state.wave, { status: 'SKIPPED', endedAt: now().toISOString() }));
    return { maxConcurrency: 1, slots: [] };
  }

  const started = (r: Release) => {
    const summary = r.waves.find((w) => w.index === state.wave);
    return withWave(r, state.wave, { status: 'RUNNING', startedAt: summary?.startedAt ?? now().toISOString() });
  };
  // A paused release still lays the wave out; each tenant's gate then waits for the resume.
  await updateRelease(started, release.status === 'ROLLING_OUT' ? 'WaveStarted' : undefined);

  const byId = new Map(items.map((i) => [i.tenantId, i]));
  const strategy = release.strategy;
  const schedule = scheduleWave(
    {
      tenants: wave.tenantIds.map((tenantId) => ({
        tenantId,
        cell: byId.get(tenantId)?.cell ?? null,
        predictedUpgradeSeconds: byId.get(tenantId)?.predictedUpgradeSeconds ?? DEFAULT_PREDICTED_UPGRADE_SECONDS,
      })),
    },
    { maxConcurrency: strategy.maxConcurrency, maxConcurrencyPerCell: strategy.maxConcurrencyPerCell, bakeSeconds: strategy.bakeSeconds },
  );
  return slotsOf(schedule.lanes, strategy.maxConcurrency);
});

/** Lanes sharing a slot run one after the other, in the order the schedule starts them. */
export function slotsOf(lanes: { slot: number; startSeconds: number; tenantIds: string[] }[], maxConcurrency: number): WaveSlots {
  const bySlot = new Map<number, string[]>();
  for (const lane of [...lanes].sort((a, b) => a.startSeconds - b.startSeconds || a.slot - b.slot)) {
    const ids = bySlot.get(lane.slot) ?? [];
    ids.push(...lane.tenantIds);
    bySlot.set(lane.slot, ids);
  }
  const slots = [...bySlot.entries()]
    .sort(([a], [b]) => a - b)
    .map(([slot, tenantIds]) => ({
      slot,
      batches: Array.from({ length: Math.ceil(tenantIds.length / BATCH_SIZE) }, (_, batch) => ({ batch, tenantIds: tenantIds.slice(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE) })),
    }));
  return { maxConcurrency: Math.max(1, Math.min(maxConcurrency, slots.length)), slots };
}
