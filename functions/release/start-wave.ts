/**
 * Start of a wave: its tenants are laid out in concurrency slots by `scheduleWave`, so at most
 * `maxConcurrency` tenants of the fleet and `maxConcurrencyPerCell` of one cell are upgraded at
 * once whatever the real durations turn out to be. Each slot runs its tenants one after the other,
 * in batches of at most 250 (one child execution each, to keep execution histories small).
 *
 * The assignment (which tenant ids each batch upgrades) is stored on the wave item, once: the
 * workflow gets only slot and batch numbers, so its payload stays a few hundred bytes whatever the
 * wave's size, and each batch loads its ids (`load-batch.ts`). A replayed start reads the stored
 * assignment back, so a retried batch always upgrades the tenants the first attempt was given.
 *
 * A release that halted, was aborted or otherwise ended starts no more waves: the wave's tenants
 * not started are skipped with the reason, and no slot is returned.
 */
import { DEFAULT_PREDICTED_UPGRADE_SECONDS } from '#shared/domain/release-plan.ts';
import { scheduleWave } from '#shared/domain/release-schedule.ts';
import type { Release, ReleaseWaveSummary, WaveBatch } from '#shared/domain/release-types.ts';
import { notFound } from '#shared/lib/errors.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import { allTenantReleases, skipWaitingTenants } from '#shared/lib/release-tenants.ts';

export const BATCH_SIZE = 250;
/**
 * An inline Map state runs at most 40 iterations at once, so no more slots than that are laid out
 * (a strategy asking for more gets 40). It also bounds what the workflow carries: at most 40 slots
 * and, with at most 5,000 tenants, a few dozen batch numbers.
 */
export const MAX_PARALLEL_SLOTS = 40;

/** What the workflow carries: numbers only, never tenant ids. */
export interface WaveSlots {
  maxConcurrency: number;
  /** Per slot, its batch numbers in the order they run. */
  slots: { slot: number; batches: number[] }[];
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

  const strategy = release.strategy;
  const maxConcurrency = Math.min(strategy.maxConcurrency, MAX_PARALLEL_SLOTS);
  let batches = wave.batches;
  if (!batches) {
    const byId = new Map(items.map((i) => [i.tenantId, i]));
    const schedule = scheduleWave(
      {
        tenants: wave.tenantIds.map((tenantId) => ({
          tenantId,
          cell: byId.get(tenantId)?.cell ?? null,
          predictedUpgradeSeconds: byId.get(tenantId)?.predictedUpgradeSeconds ?? DEFAULT_PREDICTED_UPGRADE_SECONDS,
        })),
      },
      { maxConcurrency, maxConcurrencyPerCell: strategy.maxConcurrencyPerCell, bakeSeconds: strategy.bakeSeconds },
    );
    // The first assignment written wins: a concurrent or replayed start gets that one back.
    batches = (await repo.setWaveBatches(state.releaseId, state.wave, assignBatches(schedule.lanes))).batches ?? [];
  }
  return slotsOf(batches, maxConcurrency);
});

/**
 * Lanes sharing a slot run one after the other, in the order the schedule starts them; each slot's
 * tenants are cut into batches of `BATCH_SIZE`.
 */
export function assignBatches(lanes: { slot: number; startSeconds: number; tenantIds: string[] }[]): WaveBatch[] {
  const bySlot = new Map<number, string[]>();
  for (const lane of [...lanes].sort((a, b) => a.startSeconds - b.startSeconds || a.slot - b.slot)) {
    const ids = bySlot.get(lane.slot) ?? [];
    ids.push(...lane.tenantIds);
    bySlot.set(lane.slot, ids);
  }
  return [...bySlot.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([slot, tenantIds]) =>
      Array.from({ length: Math.ceil(tenantIds.length / BATCH_SIZE) }, (_, batch) => ({ slot, batch, tenantIds: tenantIds.slice(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE) })),
    );
}

/** The workflow's view of an assignment: per slot, its batch numbers; no tenant id. */
export function slotsOf(batches: WaveBatch[], maxConcurrency: number): WaveSlots {
  const bySlot = new Map<number, number[]>();
  for (const b of batches) bySlot.set(b.slot, [...(bySlot.get(b.slot) ?? []), b.batch]);
  const slots = [...bySlot.entries()].sort(([a], [b]) => a - b).map(([slot, numbers]) => ({ slot, batches: numbers.sort((a, b) => a - b) }));
  return { maxConcurrency: Math.max(1, Math.min(maxConcurrency, slots.length)), slots };
}
