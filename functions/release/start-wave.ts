/**
 * Start of a wave: its tenants are laid out in concurrency slots by `scheduleWave`, so at most
 * `maxConcurrency` tenants of the fleet and `maxConcurrencyPerCell` of one cell are upgraded at
 * once whatever the real durations turn out to be: each schedule slot runs its tenants one after
 * the other. An inline Map runs at most 40 iterations at once, so schedule slots are grouped into
 * at most `MAX_PARALLEL_SLOTS` workflow slots of `width` lanes each, a lane being one schedule
 * slot; a workflow slot runs its lanes side by side in batches of at most `BATCH_SIZE` tenants (one
 * child execution each, to keep execution histories small).
 *
 * The assignment (which tenant ids each batch upgrades, lane by lane) is stored on the wave item,
 * once: the workflow gets only slot and batch numbers, so its payload stays a few hundred bytes
 * whatever the wave's size, and each batch loads its ids (`load-batch.ts`). A replayed start reads
 * the stored assignment back, so a retried batch always upgrades the tenants the first attempt was given.
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
 * An inline Map state runs at most 40 iterations at once: no more workflow slots than that. It
 * also bounds what the workflow carries: at most 40 slots and, with at most 5,000 tenants, a few
 * dozen batch numbers.
 */
export const MAX_PARALLEL_SLOTS = 40;

/** Lanes per workflow slot, so that `maxConcurrency` lanes fit in `MAX_PARALLEL_SLOTS` slots. */
export const slotWidth = (maxConcurrency: number) => Math.max(1, Math.ceil(maxConcurrency / MAX_PARALLEL_SLOTS));

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
  const maxConcurrency = strategy.maxConcurrency;
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
    batches = (await repo.setWaveBatches(state.releaseId, state.wave, assignBatches(schedule.lanes, slotWidth(maxConcurrency)))).batches ?? [];
  }
  return slotsOf(batches);
});

/**
 * Schedule lanes sharing a schedule slot run one after the other, in the order the schedule starts
 * them; `width` schedule slots make one workflow slot (schedule slot s is lane s % width of
 * workflow slot s / width). A workflow slot's lanes are cut into batches of at most `BATCH_SIZE`
 * tenants, each lane contributing its next `BATCH_SIZE / width` tenants to each batch.
 */
export function assignBatches(lanes: { slot: number; startSeconds: number; tenantIds: string[] }[], width = 1): WaveBatch[] {
  const bySlot = new Map<number, string[]>();
  for (const lane of [...lanes].sort((a, b) => a.startSeconds - b.startSeconds || a.slot - b.slot)) {
    const ids = bySlot.get(lane.slot) ?? [];
    ids.push(...lane.tenantIds);
    bySlot.set(lane.slot, ids);
  }
  const groups = new Map<number, string[][]>();
  for (const [slot, ids] of [...bySlot.entries()].sort(([a], [b]) => a - b)) {
    const group = Math.floor(slot / width);
    groups.set(group, [...(groups.get(group) ?? []), ids]);
  }
  const chunk = Math.max(1, Math.floor(BATCH_SIZE / width));
  return [...groups.entries()].flatMap(([slot, sequences]) => {
    const count = Math.max(...sequences.map((ids) => Math.ceil(ids.length / chunk)));
    return Array.from({ length: count }, (_, batch) => {
      const parts = sequences.map((ids) => ids.slice(batch * chunk, (batch + 1) * chunk)).filter((p) => p.length > 0);
      return { slot, batch, tenantIds: parts.flat(), ...(parts.length > 1 ? { laneSizes: parts.map((p) => p.length) } : {}) };
    });
  });
}

/** The workflow's view of an assignment: per slot, its batch numbers; no tenant id. */
export function slotsOf(batches: WaveBatch[]): WaveSlots {
  const bySlot = new Map<number, number[]>();
  for (const b of batches) bySlot.set(b.slot, [...(bySlot.get(b.slot) ?? []), b.batch]);
  const slots = [...bySlot.entries()].sort(([a], [b]) => a - b).map(([slot, numbers]) => ({ slot, batches: numbers.sort((a, b) => a - b) }));
  return { maxConcurrency: Math.max(1, Math.min(MAX_PARALLEL_SLOTS, slots.length)), slots };
}
