/**
 * When each tenant of a wave is upgraded, under two caps: at most `maxConcurrency` tenants at once
 * across the fleet, and at most `maxConcurrencyPerCell` at once in one cell (a cell's tenants share
 * an Aurora cluster and a node pool: one failure domain). A dedicated tenant is its own domain.
 *
 * The schedule is made of lanes: a lane is a run of tenants of one cell, upgraded one after the
 * other, and a cell never has more lanes than its cap. Lanes are then list-scheduled, longest first,
 * on `maxConcurrency` slots. Both caps therefore hold by construction whatever the real durations
 * turn out to be, so a workflow can run the lanes as they are (a Map over lanes with
 * `MaxConcurrency`, each lane a sequence) and get the predicted schedule, or a close one.
 *
 * A tenant holds its slot for its upgrade (pre-flight, maintenance, upgrade Job, roll to the new
 * image) and bakes after it without holding one: baking tenants load neither the cell's database
 * nor the control plane. A wave therefore ends one bake after its last upgrade.
 */
import { validationError } from '#shared/lib/errors.ts';
import type { PlannedTenant, PlannedWave, ReleasePlan } from './release-plan.ts';
import { resolveStrategy, strategyProblems, type ReleaseStrategy } from './release-strategy.ts';

export interface ScheduleOptions {
  maxConcurrency: number;
  maxConcurrencyPerCell: number;
  /** @default 0 */
  bakeSeconds?: number;
}

export interface ScheduledLane {
  lane: number;
  /** The concurrency slot the lane runs in, 0 to maxConcurrency - 1. */
  slot: number;
  cell: string | null;
  /** In the order they are upgraded. */
  tenantIds: string[];
  startSeconds: number;
  endSeconds: number;
}

export interface ScheduledTenant {
  tenantId: string;
  cell: string | null;
  lane: number;
  slot: number;
  /** Seconds from the start of the wave. */
  startSeconds: number;
  /** End of the upgrade; the tenant then bakes. */
  endSeconds: number;
}

export interface WaveSchedule {
  /** In the order a workflow should start them. */
  lanes: ScheduledLane[];
  /** Every tenant of the wave, by start time (ties by slot). */
  tenants: ScheduledTenant[];
  /** End of the last upgrade. */
  makespanSeconds: number;
  /** Makespan plus one bake; 0 for an empty wave. */
  predictedSeconds: number;
}

type WaveTenant = Pick<PlannedTenant, 'tenantId' | 'cell' | 'predictedUpgradeSeconds'>;

/**
 * The wave's tenants grouped by failure domain: each group longest first (ties by tenant id),
 * groups by most work first (ties by key). A dedicated tenant is a group of its own.
 */
export function failureDomains<T extends WaveTenant>(tenants: readonly T[]): T[][] {
  const byKey = new Map<string, T[]>();
  for (const t of tenants) {
    const key = t.cell === null ? `tenant:${t.tenantId}` : `cell:${t.cell}`;
    const group = byKey.get(key);
    if (group) group.push(t);
    else byKey.set(key, [t]);
  }
  const groups = [...byKey.entries()].map(([key, members]) => ({
    key,
    members: members.sort(longestFirst),
    work: sum(members.map((m) => m.predictedUpgradeSeconds)),
  }));
  groups.sort((a, b) => b.work - a.work || compare(a.key, b.key));
  return groups.map((g) => g.members);
}

/** Round-robin over failure domains, so that tenants sharing a cell are as far apart as they can be. */
export function spreadByCell<T extends WaveTenant>(tenants: readonly T[]): T[] {
  const ranked = failureDomains(tenants).flatMap((members, group) => members.map((t, round) => ({ t, round, group })));
  ranked.sort((a, b) => a.round - b.round || a.group - b.group);
  return ranked.map((r) => r.t);
}

export function scheduleWave(wave: { tenants: readonly WaveTenant[] }, options: ScheduleOptions): WaveSchedule {
  const { maxConcurrency, maxConcurrencyPerCell, bakeSeconds = 0 } = options;
  const problems = strategyProblems({ maxConcurrency, maxConcurrencyPerCell, bakeSeconds });
  if (problems.length > 0) throw validationError('invalid schedule options', problems);

  const perCell = Math.min(maxConcurrencyPerCell, maxConcurrency);
  const lanes = failureDomains(wave.tenants)
    .flatMap((members) => splitIntoLanes(members, perCell))
    .sort((a, b) => b.work - a.work || compare(a.members[0]!.tenantId, b.members[0]!.tenantId));

  const slots = new MinHeap<{ slot: number; freeAt: number }>((a, b) => a.freeAt - b.freeAt || a.slot - b.slot);
  for (let slot = 0; slot < Math.min(maxConcurrency, lanes.length); slot++) slots.push({ slot, freeAt: 0 });

  const scheduledLanes: ScheduledLane[] = [];
  const scheduledTenants: ScheduledTenant[] = [];
  lanes.forEach(({ members, work }, lane) => {
    const free = slots.pop()!;
    let at = free.freeAt;
    for (const t of members) {
      scheduledTenants.push({ tenantId: t.tenantId, cell: t.cell, lane, slot: free.slot, startSeconds: at, endSeconds: at + t.predictedUpgradeSeconds });
      at += t.predictedUpgradeSeconds;
    }
    const cell = members[0]!.cell;
    scheduledLanes.push({ lane, slot: free.slot, cell, tenantIds: members.map((m) => m.tenantId), startSeconds: free.freeAt, endSeconds: free.freeAt + work });
    slots.push({ slot: free.slot, freeAt: free.freeAt + work });
  });

  scheduledTenants.sort((a, b) => a.startSeconds - b.startSeconds || a.slot - b.slot);
  const makespanSeconds = scheduledLanes.reduce((end, l) => Math.max(end, l.endSeconds), 0);
  return {
    lanes: scheduledLanes,
    tenants: scheduledTenants,
    makespanSeconds,
    predictedSeconds: wave.tenants.length === 0 ? 0 : makespanSeconds + bakeSeconds,
  };
}

/**
 * No schedule respecting the caps can finish a wave sooner than this: its longest tenant, its total
 * work shared by every slot, or its busiest cell's work shared by that cell's slots; then one bake.
 */
export function waveLowerBoundSeconds(wave: { tenants: readonly WaveTenant[] }, options: ScheduleOptions): number {
  if (wave.tenants.length === 0) return 0;
  const { maxConcurrency, maxConcurrencyPerCell, bakeSeconds = 0 } = options;
  const perCell = Math.min(maxConcurrencyPerCell, maxConcurrency);
  let longest = 0;
  let total = 0;
  const cellWork = new Map<string, number>();
  for (const t of wave.tenants) {
    longest = Math.max(longest, t.predictedUpgradeSeconds);
    total += t.predictedUpgradeSeconds;
    if (t.cell !== null) cellWork.set(t.cell, (cellWork.get(t.cell) ?? 0) + t.predictedUpgradeSeconds);
  }
  let busiestCell = 0;
  for (const work of cellWork.values()) busiestCell = Math.max(busiestCell, work);
  return Math.max(longest, total / maxConcurrency, busiestCell / perCell) + bakeSeconds;
}

/**
 * The release's makespan lower bound: waves run one after the other, each no faster than its own
 * bound. Uses the plan's strategy unless another is given (e.g. to ask what more concurrency buys),
 * whose missing fields take the defaults, not the plan's figures.
 */
export function lowerBoundSeconds(plan: Pick<ReleasePlan, 'waves' | 'strategy'>, strategy?: ReleaseStrategy): number {
  const effective = strategy ? resolveStrategy(strategy) : plan.strategy;
  return sum(plan.waves.map((w: PlannedWave) => waveLowerBoundSeconds(w, effective)));
}

interface Lane<T> {
  members: T[];
  work: number;
}

/** A cell's tenants (longest first) dealt into at most `cap` lanes, each to the least loaded lane. */
function splitIntoLanes<T extends WaveTenant>(members: T[], cap: number): Lane<T>[] {
  if (members[0]!.cell === null || cap === 1) return [{ members, work: sum(members.map((m) => m.predictedUpgradeSeconds)) }];
  const lanes: (Lane<T> & { index: number })[] = [];
  // Fewest tenants breaks ties, so tenants predicted at 0 s are dealt out too.
  const loads = new MinHeap<Lane<T> & { index: number }>(
    (a, b) => a.work - b.work || a.members.length - b.members.length || a.index - b.index,
  );
  for (let index = 0; index < Math.min(cap, members.length); index++) {
    const lane = { members: [], work: 0, index };
    lanes.push(lane);
    loads.push(lane);
  }
  for (const t of members) {
    const lane = loads.pop()!;
    lane.members.push(t);
    lane.work += t.predictedUpgradeSeconds;
    loads.push(lane);
  }
  return lanes;
}

class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => number) {}

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.before(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && this.before(items[left]!, items[smallest]!) < 0) smallest = left;
      if (right < items.length && this.before(items[right]!, items[smallest]!) < 0) smallest = right;
      if (smallest === i) return top;
      [items[i], items[smallest]] = [items[smallest]!, items[i]!];
      i = smallest;
    }
  }
}

function longestFirst(a: WaveTenant, b: WaveTenant): number {
  return b.predictedUpgradeSeconds - a.predictedUpgradeSeconds || compare(a.tenantId, b.tenantId);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0);
}
