/**
 * The plan of a staged release: which tenants, in which waves, in what order, how many failures
 * each wave tolerates and how long it should take. Pure: the same tenants and request give the same
 * plan, and a dry run shows exactly what a release would do.
 *
 * Rings: ring 0 holds the tenants tagged `canary` or `internal`, then ring 1 the low-criticality
 * tenants, ring 2 standard and ring 3 critical. A ring completes before the next one starts.
 *
 * Waves: the sizes (default 1, 5 %, 25 %, rest) cut the whole ordered list of selected tenants,
 * percentages being of all tenants selected, and a cut that spans a ring boundary is split there
 * into two waves. Sizes therefore grow across the release as a whole, not again in every ring
 * (which would add four bakes per ring), while no wave ever mixes rings; ring 0 is usually smaller
 * than the first sizes and completes in the first waves. Without a final `rest`, the last size
 * repeats until every tenant has a wave.
 *
 * Within a ring, each cell's tenants are spread evenly over the ring's order, so every wave takes
 * its share of every cell: early waves sample many cells, and no late wave is left with one cell's
 * backlog, which the per-cell cap would serialize. Dedicated tenants are spread as one group.
 */
import { validationError, type ErrorDetail } from '#shared/lib/errors.ts';
import { waveFailureBudget } from './circuit-breaker.ts';
import { scheduleWave, spreadByCell, waveLowerBoundSeconds } from './release-schedule.ts';
import { resolveStrategy, strategyProblems, waveSizeOf, type ReleaseStrategy, type ResolvedStrategy } from './release-strategy.ts';
import { selectionProblems, selectTenants, type ReleaseSelector, type SkippedTenant } from './release-selection.ts';
import type { Criticality, Tenant } from './types.ts';

export type { ReleaseSelector, SkippedTenant } from './release-selection.ts';

export type PlanTenant = Pick<Tenant, 'tenantId' | 'status' | 'profile' | 'odooVersion' | 'tags' | 'placement' | 'release'>;

export type Ring = 0 | 1 | 2 | 3;

/** Tags (matched case-insensitively) that put a tenant in ring 0. */
export const RING_ZERO_TAGS: readonly string[] = Object.freeze(['canary', 'internal']);
const RING_BY_CRITICALITY: Readonly<Record<Criticality, Ring>> = { low: 1, standard: 2, critical: 3 };

/** Used for a tenant whose module set has no prediction (and no `*` entry). */
export const DEFAULT_PREDICTED_UPGRADE_SECONDS = 900;

/**
 * Predicted upgrade time in seconds: one figure for every tenant, or one per module set
 * (`moduleSetKey`), typically from rehearsals, with `*` for the sets not listed.
 */
export type PredictedUpgradeSeconds = number | Readonly<Record<string, number>>;

export interface PlanReleaseInput {
  tenants: readonly PlanTenant[];
  selector?: ReleaseSelector;
  strategy?: ReleaseStrategy;
  predictedUpgradeSeconds?: PredictedUpgradeSeconds;
  now: Date | string;
}

export interface PlannedTenant {
  tenantId: string;
  /** Null for a dedicated tenant: it is its own failure domain. */
  cell: string | null;
  criticality: Criticality;
  ring: Ring;
  /** Whole seconds, rounded up. */
  predictedUpgradeSeconds: number;
}

export interface PlannedWave {
  index: number;
  ring: Ring;
  /** Round-robin by cell: tenants sharing a cell are as far apart as they can be. */
  tenants: PlannedTenant[];
  /** Tenants that may fail before the circuit breaker halts the release (0 in ring 0). */
  failureBudget: number;
  /** Scheduled upgrades under the strategy's caps, plus one bake (release-schedule.ts). */
  predictedSeconds: number;
}

export interface ReleasePlan {
  plannedAt: string;
  strategy: ResolvedStrategy;
  waves: PlannedWave[];
  /** Tenants the selector named or matched that the release leaves alone, by tenant id. */
  skipped: SkippedTenant[];
  totals: {
    tenants: number;
    skipped: number;
    waves: number;
    /** Tenants per ring, ring 0 first. */
    tenantsByRing: [number, number, number, number];
    /** Upgrade seconds of every tenant added up. */
    upgradeSeconds: number;
    predictedSeconds: number;
    /** No schedule under the strategy's caps can be shorter (release-schedule.ts). */
    lowerBoundSeconds: number;
  };
}

export function planRelease(input: PlanReleaseInput): ReleasePlan {
  const problems = [
    ...selectionProblems(input.tenants, input.selector),
    ...strategyProblems(input.strategy),
    ...predictionProblems(input.predictedUpgradeSeconds),
  ];
  const plannedAt = new Date(input.now);
  if (Number.isNaN(plannedAt.getTime())) problems.push({ path: 'now', message: 'must be a date' });
  if (problems.length > 0) throw validationError('invalid release plan request', problems);

  const strategy = resolveStrategy(input.strategy);
  const { selected, skipped } = selectTenants(input.tenants, input.selector);
  const ordered = orderByRing(selected.map((t) => plannedTenant(t, input.predictedUpgradeSeconds)));
  const waves = cutIntoWaves(ordered, strategy).map((tenants, index) => plannedWave(index, tenants, strategy));

  const tenantsByRing: [number, number, number, number] = [0, 0, 0, 0];
  for (const t of ordered) tenantsByRing[t.ring] += 1;
  return {
    plannedAt: plannedAt.toISOString(),
    strategy,
    waves,
    skipped,
    totals: {
      tenants: ordered.length,
      skipped: skipped.length,
      waves: waves.length,
      tenantsByRing,
      upgradeSeconds: ordered.reduce((s, t) => s + t.predictedUpgradeSeconds, 0),
      predictedSeconds: waves.reduce((s, w) => s + w.predictedSeconds, 0),
      lowerBoundSeconds: waves.reduce((s, w) => s + waveLowerBoundSeconds(w, strategy), 0),
    },
  };
}

/** The key of a module set: its modules sorted and joined by commas (`account,sale,stock`). */
export function moduleSetKey(modules: readonly string[]): string {
  return [...new Set(modules)].sort().join(',');
}

export function ringOf(tenant: Pick<PlanTenant, 'tags' | 'profile'>): Ring {
  const ringZero = (tenant.tags ?? []).some((tag) => RING_ZERO_TAGS.includes(tag.toLowerCase()));
  return ringZero ? 0 : RING_BY_CRITICALITY[tenant.profile.criticality];
}

export function predictedUpgradeSecondsOf(modules: readonly string[], predicted: PredictedUpgradeSeconds | undefined): number {
  if (predicted === undefined) return DEFAULT_PREDICTED_UPGRADE_SECONDS;
  if (typeof predicted === 'number') return Math.ceil(predicted);
  const key = moduleSetKey(modules);
  const seconds = Object.hasOwn(predicted, key) ? predicted[key] : Object.hasOwn(predicted, '*') ? predicted['*'] : undefined;
  return Math.ceil(seconds ?? DEFAULT_PREDICTED_UPGRADE_SECONDS);
}

function predictionProblems(predicted: PredictedUpgradeSeconds | undefined): ErrorDetail[] {
  const isSeconds = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  const message = 'must be a number of seconds, 0 or more';
  if (predicted === undefined) return [];
  if (typeof predicted === 'number') return isSeconds(predicted) ? [] : [{ path: 'predictedUpgradeSeconds', message }];
  if (predicted === null || typeof predicted !== 'object' || Array.isArray(predicted)) {
    return [{ path: 'predictedUpgradeSeconds', message: 'must be a number of seconds or a map of module set to seconds' }];
  }
  return Object.entries(predicted)
    .filter(([, seconds]) => !isSeconds(seconds))
    .map(([key]) => ({ path: `predictedUpgradeSeconds.${key}`, message }));
}

function plannedTenant(t: PlanTenant, predicted: PredictedUpgradeSeconds | undefined): PlannedTenant {
  return {
    tenantId: t.tenantId,
    cell: t.placement.model === 'pooled' ? (t.placement.cell ?? null) : null,
    criticality: t.profile.criticality,
    ring: ringOf(t),
    predictedUpgradeSeconds: predictedUpgradeSecondsOf(t.release?.modules ?? [], predicted),
  };
}

/** Ring by ring; within a ring, every cell's tenants spread evenly over the ring's order. */
function orderByRing(tenants: PlannedTenant[]): PlannedTenant[] {
  const rings: PlannedTenant[][] = [[], [], [], []];
  for (const t of tenants) rings[t.ring]!.push(t);
  return rings.flatMap(spreadEvenly);
}

/**
 * The k-th of a group's n tenants sits at (k + 1/2) / n of the ring, so a group of 6 and a group of
 * 3 interleave as a a b a a b a a b. Positions are compared as exact fractions.
 */
function spreadEvenly(tenants: PlannedTenant[]): PlannedTenant[] {
  const groups = new Map<string, PlannedTenant[]>();
  for (const t of tenants) {
    const key = t.cell ?? '';
    const group = groups.get(key);
    if (group) group.push(t);
    else groups.set(key, [t]);
  }
  const positioned = [...groups.entries()].flatMap(([key, members]) =>
    members.sort((a, b) => compare(a.tenantId, b.tenantId)).map((t, k) => ({ t, key, odd: 2 * k + 1, n: members.length })),
  );
  positioned.sort((a, b) => a.odd * b.n - b.odd * a.n || compare(a.key, b.key) || compare(a.t.tenantId, b.t.tenantId));
  return positioned.map((p) => p.t);
}

function cutIntoWaves(ordered: PlannedTenant[], strategy: ResolvedStrategy): PlannedTenant[][] {
  const waves: PlannedTenant[][] = [];
  const sizes = strategy.waves;
  let position = 0;
  for (let i = 0; position < ordered.length; i++) {
    const size = waveSizeOf(sizes[Math.min(i, sizes.length - 1)]!, ordered.length);
    const end = Math.min(position + size, ordered.length);
    while (position < end) {
      const ring = ordered[position]!.ring;
      let stop = position;
      while (stop < end && ordered[stop]!.ring === ring) stop++;
      waves.push(ordered.slice(position, stop));
      position = stop;
    }
  }
  return waves;
}

function plannedWave(index: number, tenants: PlannedTenant[], strategy: ResolvedStrategy): PlannedWave {
  const ring = tenants[0]!.ring;
  return {
    index,
    ring,
    tenants: spreadByCell(tenants),
    failureBudget: waveFailureBudget({ tenantCount: tenants.length, includesRing0: ring === 0, maxFailurePercent: strategy.maxFailurePercent }),
    predictedSeconds: scheduleWave({ tenants }, strategy).predictedSeconds,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
