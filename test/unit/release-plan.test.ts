import { describe, it, expect } from 'vitest';
import { DEFAULT_MAX_FAILURE_PERCENT } from '#shared/domain/circuit-breaker.ts';
import {
  DEFAULT_PREDICTED_UPGRADE_SECONDS,
  moduleSetKey,
  planRelease,
  type PlanReleaseInput,
  type PlanTenant,
  type PlannedWave,
  type ReleasePlan,
} from '#shared/domain/release-plan.ts';
import { lowerBoundSeconds, scheduleWave, waveLowerBoundSeconds, type WaveSchedule } from '#shared/domain/release-schedule.ts';
import { DEFAULT_RELEASE_STRATEGY, waveSizeOf, type ReleaseStrategy } from '#shared/domain/release-strategy.ts';
import type { Criticality, TenantStatus } from '#shared/domain/types.ts';

const now = '2025-03-02T01:00:00.000Z';

interface TenantOptions {
  criticality?: Criticality;
  status?: TenantStatus;
  /** Null for a dedicated tenant. */
  cell?: string | null;
  tags?: string[];
  odooVersion?: string;
  modules?: string[];
}

function tenant(tenantId: string, o: TenantOptions = {}): PlanTenant {
  const cell = o.cell === undefined ? 'cell-a' : o.cell;
  return {
    tenantId,
    status: o.status ?? 'ACTIVE',
    profile: { criticality: o.criticality ?? 'standard', customization: 'light', compliance: [], expectedUsers: 20 },
    odooVersion: o.odooVersion ?? '17.0',
    tags: o.tags ?? [],
    placement: {
      model: cell === null ? 'dedicated' : 'pooled',
      cell,
      cluster: 'odoo-euw1',
      drPosture: 'pilot-light',
      rpoSeconds: 900,
      rtoSeconds: 7200,
      backupRetentionDays: 14,
      resources: {
        kind: 'pooled',
        quota: { cpu: '4', memory: '8Gi', pods: 10 },
        web: { minReplicas: 1, maxReplicas: 2, cpu: '500m', memory: '1Gi' },
        workers: 1,
      },
      reason: 'test fleet',
    },
    release: { image: 'odoo:17.0-20250101', modules: o.modules ?? ['base', 'sale'] },
  };
}

/** `count` tenants named `<prefix>-0001`... */
function fleet(count: number, prefix: string, o: TenantOptions = {}): PlanTenant[] {
  return Array.from({ length: count }, (_, i) => tenant(`${prefix}-${String(i + 1).padStart(4, '0')}`, o));
}

const plan = (tenants: PlanTenant[], rest: Partial<PlanReleaseInput> = {}) => planRelease({ tenants, now, ...rest });
const sizes = (p: ReleasePlan) => p.waves.map((w) => w.tenants.length);
const ids = (w: PlannedWave) => w.tenants.map((t) => t.tenantId);
const allIds = (p: ReleasePlan) => p.waves.flatMap(ids);

/** mulberry32: the same seed gives the same fleets on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODULE_SETS = [['base'], ['base', 'sale'], ['account', 'base', 'sale', 'stock'], ['base', 'mrp', 'stock']];

function randomFleet(random: () => number, count: number): PlanTenant[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const cells = Array.from({ length: 1 + Math.floor(random() * 8) }, (_, i) => `cell-${i}`);
  return Array.from({ length: count }, (_, i) =>
    tenant(`t-${String(i).padStart(4, '0')}`, {
      criticality: pick(['low', 'standard', 'critical'] as const),
      cell: random() < 0.15 ? null : pick(cells),
      tags: random() < 0.05 ? ['canary'] : [],
      modules: pick(MODULE_SETS),
    }),
  );
}

function randomDurations(random: () => number): Record<string, number> {
  return Object.fromEntries(MODULE_SETS.map((m) => [moduleSetKey(m), Math.floor(random() * 3600)]));
}

/** The most tenants upgrading at once, overall and in any one cell. */
function peakConcurrency(schedule: WaveSchedule): { overall: number; perCell: number } {
  let overall = 0;
  let perCell = 0;
  for (const at of schedule.tenants) {
    const running = schedule.tenants.filter((t) => t.startSeconds <= at.startSeconds && at.startSeconds < t.endSeconds);
    overall = Math.max(overall, running.length);
    if (at.cell !== null) perCell = Math.max(perCell, running.filter((t) => t.cell === at.cell).length);
  }
  return { overall, perCell };
}

describe('planRelease: selection', () => {
  it('selects the ACTIVE tenants that match every filter given', () => {
    // Prepare
    const tenants = [
      tenant('alpha', { criticality: 'low' }),
      tenant('bravo', { criticality: 'standard' }),
      tenant('charlie', { criticality: 'low', odooVersion: '16.0' }),
      tenant('delta', { criticality: 'critical' }),
    ];

    // Act
    const result = plan(tenants, { selector: { criticality: ['low', 'standard'], odooVersion: '17.0' } });

    // Assess
    expect(allIds(result).sort()).toEqual(['alpha', 'bravo']);
    expect(result.skipped).toEqual([]);
  });

  it('takes a single criticality as well as a list', () => {
    const tenants = [tenant('alpha', { criticality: 'low' }), tenant('bravo', { criticality: 'critical' })];

    const result = plan(tenants, { selector: { criticality: 'critical' } });

    expect(allIds(result)).toEqual(['bravo']);
  });

  it('takes every ACTIVE tenant when the selector is left out', () => {
    const tenants = [tenant('alpha'), tenant('bravo', { status: 'SUSPENDED' }), tenant('charlie', { cell: null })];

    const result = plan(tenants);

    expect(allIds(result).sort()).toEqual(['alpha', 'charlie']);
    expect(result.skipped.map((s) => s.tenantId)).toEqual(['bravo']);
  });

  it.each([
    ['SUSPENDED', 'suspended tenants are never released'],
    ['OFFBOARDING', 'being removed'],
    ['DELETED', 'DELETED'],
    ['FAILED', 'needs an operator'],
    ['PROVISIONING', 'not ACTIVE'],
    ['UPDATING', 'another change is in progress'],
    ['FAILING_OVER', 'a failover is in progress'],
  ] as const)('never releases a %s tenant and says why', (status, why) => {
    // Prepare
    const tenants = [tenant('alpha'), tenant('bravo', { status })];

    // Act
    const result = plan(tenants);

    // Assess
    expect(allIds(result)).toEqual(['alpha']);
    expect(result.skipped).toEqual([{ tenantId: 'bravo', reason: expect.stringContaining(why) }]);
    expect(result.skipped[0]!.reason).toContain(status);
  });

  it('reports named ids that do not exist, and named tenants that another filter leaves out', () => {
    // Prepare
    const tenants = [tenant('alpha'), tenant('bravo', { odooVersion: '16.0' }), tenant('charlie'), tenant('delta', { status: 'FAILED' })];

    // Act
    const result = plan(tenants, { selector: { tenantIds: ['zulu', 'alpha', 'bravo', 'delta', 'alpha'], odooVersion: '17.0' } });

    // Assess
    expect(allIds(result)).toEqual(['alpha']);
    expect(result.skipped).toEqual([
      { tenantId: 'bravo', reason: 'Odoo version 16.0 is not selected (17.0)' },
      { tenantId: 'delta', reason: expect.stringContaining('FAILED') },
      { tenantId: 'zulu', reason: 'no such tenant' },
    ]);
    expect(result.totals).toMatchObject({ tenants: 1, skipped: 3 });
  });

  it('gives an empty plan when nothing is selected', () => {
    const result = plan([tenant('alpha', { status: 'DELETED' })]);

    expect(result.waves).toEqual([]);
    expect(result.totals).toMatchObject({ tenants: 0, waves: 0, predictedSeconds: 0, lowerBoundSeconds: 0 });
  });
});

describe('planRelease: rings', () => {
  it('releases canary and internal tenants first, then low, standard and critical ones', () => {
    // Prepare
    const tenants = [
      tenant('crit', { criticality: 'critical' }),
      tenant('std', { criticality: 'standard' }),
      tenant('low', { criticality: 'low' }),
      tenant('inside', { criticality: 'critical', tags: ['Internal'] }),
      tenant('bird', { criticality: 'standard', tags: ['canary'] }),
    ];

    // Act
    const result = plan(tenants, { strategy: { waves: ['rest'] } });

    // Assess
    expect(result.waves.map((w) => [w.ring, ids(w)])).toEqual([
      [0, ['bird', 'inside']],
      [1, ['low']],
      [2, ['std']],
      [3, ['crit']],
    ]);
    expect(result.waves[0]!.tenants.map((t) => t.ring)).toEqual([0, 0]);
    expect(result.totals.tenantsByRing).toEqual([2, 1, 1, 1]);
  });
});

describe('planRelease: wave sizes', () => {
  it.each([
    [1, [1]],
    [7, [1, 1, 2, 3]],
    [50, [1, 3, 13, 33]],
    [100, [1, 5, 25, 69]],
    [1000, [1, 50, 250, 699]],
  ])('cuts %i tenants of one ring into waves of 1, 5 %%, 25 %% and the rest: %j', (count, expected) => {
    const result = plan(fleet(count, 'std'));

    expect(sizes(result)).toEqual(expected);
    expect(result.waves.map((w) => w.index)).toEqual(expected.map((_, i) => i));
  });

  it('splits a wave at a ring boundary instead of mixing rings', () => {
    // Prepare: 2 canaries, 20 low, 30 standard, 48 critical; cuts at 1, 6, 31 and 100
    const tenants = [
      ...fleet(2, 'bird', { tags: ['canary'] }),
      ...fleet(20, 'low', { criticality: 'low' }),
      ...fleet(30, 'std', { criticality: 'standard' }),
      ...fleet(48, 'crit', { criticality: 'critical' }),
    ];

    // Act
    const result = plan(tenants);

    // Assess
    expect(result.waves.map((w) => [w.ring, w.tenants.length])).toEqual([
      [0, 1],
      [0, 1],
      [1, 4],
      [1, 16],
      [2, 9],
      [2, 21],
      [3, 48],
    ]);
  });

  it('repeats the last size when the sizes do not end with rest', () => {
    const result = plan(fleet(7, 'std'), { strategy: { waves: [1, 2] } });

    expect(sizes(result)).toEqual([1, 2, 2, 2]);
  });

  it('rounds a percentage up and never below one tenant', () => {
    expect(waveSizeOf('5%', 7)).toBe(1);
    expect(waveSizeOf('5%', 100)).toBe(5);
    expect(waveSizeOf('5%', 101)).toBe(6);
    expect(waveSizeOf('2.5%', 1000)).toBe(25);
    expect(waveSizeOf('1%', 1)).toBe(1);
    expect(waveSizeOf('rest', 42)).toBe(42);
  });

  it('places every selected tenant once, cuts only at sizes or ring boundaries, and never goes back a ring (random fleets)', () => {
    const random = prng(7);
    for (let round = 0; round < 60; round++) {
      // Prepare
      const tenants = randomFleet(random, 1 + Math.floor(random() * 250));
      const waves = random() < 0.5 ? undefined : [1 + Math.floor(random() * 3), `${1 + Math.floor(random() * 30)}%` as const, 'rest' as const];

      // Act
      const result = plan(tenants, { strategy: { waves } });

      // Assess
      const count = tenants.length;
      expect(allIds(result).sort()).toEqual(tenants.map((t) => t.tenantId).sort());
      const chunkEnds = new Set<number>();
      let end = 0;
      for (const size of waves ?? DEFAULT_RELEASE_STRATEGY.waves) chunkEnds.add((end = Math.min(count, end + waveSizeOf(size, count))));
      let position = 0;
      result.waves.forEach((wave, i) => {
        expect(wave.tenants.every((t) => t.ring === wave.ring)).toBe(true);
        const next = result.waves[i + 1];
        if (next) expect(next.ring).toBeGreaterThanOrEqual(wave.ring);
        position += wave.tenants.length;
        if (next) expect(chunkEnds.has(position) || next.ring !== wave.ring).toBe(true);
      });
      const waveEnds = new Set(result.waves.map((_, i) => sizes(result).slice(0, i + 1).reduce((s, n) => s + n, 0)));
      for (const chunkEnd of chunkEnds) expect(waveEnds.has(chunkEnd)).toBe(true);
    }
  });
});

describe('planRelease: cells', () => {
  it('spreads each cell evenly over a ring, so every wave takes its share of every cell', () => {
    // Prepare
    const tenants = [...fleet(6, 'a', { cell: 'cell-a', criticality: 'low' }), ...fleet(3, 'b', { cell: 'cell-b', criticality: 'low' })];

    // Act
    const result = plan(tenants, { strategy: { waves: [3, 'rest'] } });

    // Assess
    expect(result.waves.map(ids)).toEqual([
      ['a-0001', 'b-0001', 'a-0002'],
      ['a-0003', 'b-0002', 'a-0004', 'b-0003', 'a-0005', 'a-0006'],
    ]);
  });

  it('orders a wave round-robin by cell, and gives a dedicated tenant no cell', () => {
    // Prepare
    const tenants = [
      ...fleet(3, 'a', { cell: 'cell-a' }),
      ...fleet(2, 'b', { cell: 'cell-b' }),
      tenant('solo', { cell: null }),
    ];

    // Act
    const [wave] = plan(tenants, { strategy: { waves: ['rest'] } }).waves;

    // Assess
    expect(ids(wave!)).toEqual(['a-0001', 'b-0001', 'solo', 'a-0002', 'b-0002', 'a-0003']);
    expect(wave!.tenants.find((t) => t.tenantId === 'solo')!.cell).toBeNull();
  });

  it('gives the same plan whatever order the tenants come in', () => {
    const random = prng(11);
    const tenants = randomFleet(random, 200);
    const shuffled = [...tenants].sort(() => random() - 0.5).reverse();

    expect(plan(shuffled, { predictedUpgradeSeconds: randomDurations(prng(3)) })).toEqual(
      plan(tenants, { predictedUpgradeSeconds: randomDurations(prng(3)) }),
    );
  });
});

describe('planRelease: failure budgets', () => {
  it('tolerates no failure in ring 0 and the given percentage of a later wave, rounded down', () => {
    // Prepare: 2 canaries and 100 standard tenants; cuts at 1, 7, 33 and 102
    const tenants = [...fleet(2, 'bird', { tags: ['canary'] }), ...fleet(100, 'std')];

    // Act
    const result = plan(tenants, { strategy: { maxFailurePercent: 10 } });

    // Assess
    expect(result.waves.map((w) => [w.ring, w.tenants.length, w.failureBudget])).toEqual([
      [0, 1, 0],
      [0, 1, 0],
      [2, 5, 0],
      [2, 26, 2],
      [2, 69, 6],
    ]);
  });

  it('uses the circuit breaker\'s default percentage when the strategy gives none', () => {
    const result = plan(fleet(100, 'std'));

    expect(result.strategy.maxFailurePercent).toBe(DEFAULT_MAX_FAILURE_PERCENT);
    expect(result.waves.map((w) => w.failureBudget)).toEqual([0, 0, 1, 3]);
  });
});

describe('planRelease: predicted durations', () => {
  it('predicts each tenant\'s upgrade from its module set, with * and then a default for sets not listed', () => {
    // Prepare
    const tenants = [
      tenant('alpha', { modules: ['sale', 'account', 'base'] }),
      tenant('bravo', { modules: ['base'] }),
    ];

    // Act
    const withStar = plan(tenants, { predictedUpgradeSeconds: { 'account,base,sale': 1200.2, '*': 600 } });
    const withoutStar = plan(tenants, { predictedUpgradeSeconds: { 'account,base,sale': 1200 } });
    const flat = plan(tenants, { predictedUpgradeSeconds: 300 });
    const none = plan(tenants);

    // Assess
    const predicted = (p: ReleasePlan) => Object.fromEntries(p.waves.flatMap((w) => w.tenants).map((t) => [t.tenantId, t.predictedUpgradeSeconds]));
    expect(predicted(withStar)).toEqual({ alpha: 1201, bravo: 600 });
    expect(predicted(withoutStar)).toEqual({ alpha: 1200, bravo: DEFAULT_PREDICTED_UPGRADE_SECONDS });
    expect(predicted(flat)).toEqual({ alpha: 300, bravo: 300 });
    expect(predicted(none)).toEqual({ alpha: DEFAULT_PREDICTED_UPGRADE_SECONDS, bravo: DEFAULT_PREDICTED_UPGRADE_SECONDS });
  });

  it('keys a module set by its modules sorted and joined by commas', () => {
    expect(moduleSetKey(['stock', 'sale', 'account', 'sale'])).toBe('account,sale,stock');
    expect(moduleSetKey([])).toBe('');
  });

  it('predicts a wave as its scheduled upgrades plus one bake', () => {
    // Prepare: cell-a holds 2 tenants, run one after the other; cell-b 1
    const tenants = [...fleet(2, 'a', { cell: 'cell-a' }), tenant('b-0001', { cell: 'cell-b' })];

    // Act
    const result = plan(tenants, { strategy: { waves: ['rest'], bakeSeconds: 600 }, predictedUpgradeSeconds: 1000 });

    // Assess
    expect(result.waves[0]!.predictedSeconds).toBe(2000 + 600);
    expect(result.totals).toMatchObject({ upgradeSeconds: 3000, predictedSeconds: 2600, lowerBoundSeconds: 2600 });
  });
});

describe('planRelease: validation', () => {
  it.each<[string, Partial<PlanReleaseInput>, string]>([
    ['no wave sizes', { strategy: { waves: [] } }, 'strategy.waves'],
    ['rest before the end', { strategy: { waves: [1, 'rest', '25%'] } }, 'strategy.waves[1]'],
    ['a size of 0', { strategy: { waves: [1, 0] } }, 'strategy.waves[1]'],
    ['a fractional size', { strategy: { waves: [1.5] } }, 'strategy.waves[0]'],
    ['0 %', { strategy: { waves: [1, '5%', '0%'] } }, 'strategy.waves[2]'],
    ['101 %', { strategy: { waves: ['101%'] } }, 'strategy.waves[0]'],
    ['a word', { strategy: { waves: [1, 'half' as never] } }, 'strategy.waves[1]'],
    ['no concurrency', { strategy: { maxConcurrency: 0 } }, 'strategy.maxConcurrency'],
    ['a negative per-cell cap', { strategy: { maxConcurrencyPerCell: -1 } }, 'strategy.maxConcurrencyPerCell'],
    ['a budget over 100 %', { strategy: { maxFailurePercent: 101 } }, 'strategy.maxFailurePercent'],
    ['a negative bake', { strategy: { bakeSeconds: -5 } }, 'strategy.bakeSeconds'],
    ['an unknown criticality', { selector: { criticality: 'urgent' as never } }, 'selector.criticality'],
    ['an unknown criticality in a list', { selector: { criticality: ['low', 'urgent' as never] } }, 'selector.criticality[1]'],
    ['an empty id list', { selector: { tenantIds: [] } }, 'selector.tenantIds'],
    ['an empty Odoo version', { selector: { odooVersion: '' } }, 'selector.odooVersion'],
    ['a negative prediction', { predictedUpgradeSeconds: -1 }, 'predictedUpgradeSeconds'],
    ['a prediction that is not a number', { predictedUpgradeSeconds: { 'base,sale': Number.NaN } }, 'predictedUpgradeSeconds.base,sale'],
    ['a date that is not one', { now: 'yesterday' }, 'now'],
  ])('refuses %s, naming the field', (_, input, path) => {
    expect(() => plan([tenant('alpha')], input)).toThrow(
      expect.objectContaining({ name: 'ValidationError', details: [expect.objectContaining({ path })] }),
    );
  });

  it('names every problem at once', () => {
    const strategy: ReleaseStrategy = { waves: ['rest', 1], maxConcurrency: 0, bakeSeconds: 1.5 };

    expect(() => plan([tenant('alpha')], { strategy })).toThrow(
      expect.objectContaining({
        details: [
          expect.objectContaining({ path: 'strategy.waves[0]' }),
          expect.objectContaining({ path: 'strategy.maxConcurrency' }),
          expect.objectContaining({ path: 'strategy.bakeSeconds' }),
        ],
      }),
    );
  });

  it('refuses a fleet that holds the same tenant twice', () => {
    expect(() => plan([tenant('alpha'), tenant('alpha')])).toThrow(
      expect.objectContaining({ name: 'ValidationError', details: [expect.objectContaining({ path: 'tenants[1].tenantId' })] }),
    );
  });
});

describe('scheduleWave', () => {
  it('upgrades a cell\'s tenants one at a time by default, and dedicated tenants side by side', () => {
    // Prepare
    const tenants = [...fleet(3, 'a', { cell: 'cell-a' }), tenant('solo-1', { cell: null }), tenant('solo-2', { cell: null })];
    const [wave] = plan(tenants, { strategy: { waves: ['rest'] }, predictedUpgradeSeconds: 100 }).waves;

    // Act
    const schedule = scheduleWave(wave!, { maxConcurrency: 10, maxConcurrencyPerCell: 1, bakeSeconds: 50 });

    // Assess
    const window = Object.fromEntries(schedule.tenants.map((t) => [t.tenantId, [t.startSeconds, t.endSeconds]]));
    expect(window).toEqual({ 'a-0001': [0, 100], 'a-0002': [100, 200], 'a-0003': [200, 300], 'solo-1': [0, 100], 'solo-2': [0, 100] });
    expect(schedule.lanes.map((l) => [l.cell, l.tenantIds])).toEqual([
      ['cell-a', ['a-0001', 'a-0002', 'a-0003']],
      [null, ['solo-1']],
      [null, ['solo-2']],
    ]);
    expect(schedule).toMatchObject({ makespanSeconds: 300, predictedSeconds: 350 });
  });

  it('shares a cell\'s tenants between as many lanes as its cap allows, longest first', () => {
    const wave = {
      tenants: [
        { tenantId: 'a1', cell: 'cell-a', predictedUpgradeSeconds: 500 },
        { tenantId: 'a2', cell: 'cell-a', predictedUpgradeSeconds: 300 },
        { tenantId: 'a3', cell: 'cell-a', predictedUpgradeSeconds: 200 },
        { tenantId: 'a4', cell: 'cell-a', predictedUpgradeSeconds: 100 },
      ],
    };

    const schedule = scheduleWave(wave, { maxConcurrency: 4, maxConcurrencyPerCell: 2 });

    expect(schedule.lanes.map((l) => l.tenantIds)).toEqual([['a1', 'a4'], ['a2', 'a3']]);
    expect(schedule.lanes.map((l) => l.slot)).toEqual([0, 1]);
    expect(schedule).toMatchObject({ makespanSeconds: 600, predictedSeconds: 600 });
  });

  it('predicts nothing for an empty wave', () => {
    expect(scheduleWave({ tenants: [] }, { maxConcurrency: 3, maxConcurrencyPerCell: 1, bakeSeconds: 900 })).toEqual({
      lanes: [],
      tenants: [],
      makespanSeconds: 0,
      predictedSeconds: 0,
    });
  });

  it('refuses caps below one', () => {
    expect(() => scheduleWave({ tenants: [] }, { maxConcurrency: 0, maxConcurrencyPerCell: 1 })).toThrow(
      expect.objectContaining({ name: 'ValidationError', details: [expect.objectContaining({ path: 'strategy.maxConcurrency' })] }),
    );
  });

  it('never runs more than maxConcurrency tenants, nor more than maxConcurrencyPerCell of one cell, at once (random fleets)', () => {
    const random = prng(42);
    for (let round = 0; round < 80; round++) {
      // Prepare
      const maxConcurrency = 1 + Math.floor(random() * 8);
      const maxConcurrencyPerCell = 1 + Math.floor(random() * 4);
      const tenants = randomFleet(random, 1 + Math.floor(random() * 120));
      const result = plan(tenants, { strategy: { waves: ['rest'] }, predictedUpgradeSeconds: randomDurations(random) });

      for (const wave of result.waves) {
        // Act
        const schedule = scheduleWave(wave, { maxConcurrency, maxConcurrencyPerCell });

        // Assess
        const peak = peakConcurrency(schedule);
        expect(peak.overall).toBeLessThanOrEqual(maxConcurrency);
        expect(peak.perCell).toBeLessThanOrEqual(maxConcurrencyPerCell);
        expect(schedule.tenants.map((t) => t.tenantId).sort()).toEqual(ids(wave).sort());
        for (const lane of schedule.lanes) {
          const members = schedule.tenants.filter((t) => t.lane === lane.lane).sort((a, b) => a.startSeconds - b.startSeconds);
          expect(new Set(members.map((m) => m.cell)).size).toBe(1);
          members.slice(1).forEach((m, i) => expect(m.startSeconds).toBe(members[i]!.endSeconds));
        }
      }
    }
  });
});

describe('lowerBoundSeconds', () => {
  it('takes, per wave, the longest tenant, the work per slot or the busiest cell\'s work per cell slot, plus a bake', () => {
    // Prepare: 1100 s of work over 2 slots is the binding figure
    const wave = {
      tenants: [
        { tenantId: 'x1', cell: 'cell-x', predictedUpgradeSeconds: 100 },
        { tenantId: 'x2', cell: 'cell-x', predictedUpgradeSeconds: 200 },
        { tenantId: 'y1', cell: 'cell-y', predictedUpgradeSeconds: 300 },
        { tenantId: 'solo', cell: null, predictedUpgradeSeconds: 500 },
      ],
    };
    const options = { maxConcurrency: 2, maxConcurrencyPerCell: 1, bakeSeconds: 60 };

    // Act
    const bound = waveLowerBoundSeconds(wave, options);
    const schedule = scheduleWave(wave, options);

    // Assess
    expect(bound).toBe(550 + 60);
    expect(waveLowerBoundSeconds(wave, { ...options, maxConcurrency: 10 })).toBe(500 + 60);
    expect(waveLowerBoundSeconds({ tenants: [...wave.tenants, { tenantId: 'x3', cell: 'cell-x', predictedUpgradeSeconds: 400 }] }, { ...options, maxConcurrency: 10 })).toBe(700 + 60);
    expect(schedule.predictedSeconds).toBe(600 + 60);
  });

  it('adds the waves up, under the plan\'s strategy or another one', () => {
    // Prepare: 4 tenants of one cell in waves of 1, 1 and 2
    const result = plan(fleet(4, 'a'), { strategy: { waves: [1, 1, 'rest'], bakeSeconds: 100 }, predictedUpgradeSeconds: 1000 });

    // Act
    const underPlan = lowerBoundSeconds(result);
    const twoPerCell = lowerBoundSeconds(result, { maxConcurrencyPerCell: 2, bakeSeconds: 0 });

    // Assess
    expect(underPlan).toBe(1100 + 1100 + 2100);
    expect(underPlan).toBe(result.totals.lowerBoundSeconds);
    expect(twoPerCell).toBe(1000 + 1000 + 1000);
  });

  it('is never above the scheduled makespan (random fleets and strategies)', () => {
    const random = prng(2024);
    for (let round = 0; round < 80; round++) {
      // Prepare
      const strategy: ReleaseStrategy = {
        maxConcurrency: 1 + Math.floor(random() * 12),
        maxConcurrencyPerCell: 1 + Math.floor(random() * 3),
        bakeSeconds: Math.floor(random() * 1800),
      };

      // Act
      const result = plan(randomFleet(random, 1 + Math.floor(random() * 300)), { strategy, predictedUpgradeSeconds: randomDurations(random) });

      // Assess
      for (const wave of result.waves) {
        expect(waveLowerBoundSeconds(wave, result.strategy)).toBeLessThanOrEqual(wave.predictedSeconds);
      }
      expect(lowerBoundSeconds(result)).toBeLessThanOrEqual(result.totals.predictedSeconds);
    }
  });
});

describe('planRelease at fleet scale', () => {
  it('plans 5,000 tenants over 60 cells', () => {
    // Prepare
    const random = prng(5000);
    const tenants = Array.from({ length: 5000 }, (_, i) =>
      tenant(`t-${String(i).padStart(5, '0')}`, {
        criticality: (['low', 'standard', 'critical'] as const)[i % 3],
        cell: i % 10 === 0 ? null : `cell-${Math.floor(random() * 60)}`,
        tags: i % 500 === 0 ? ['canary'] : [],
        modules: MODULE_SETS[i % MODULE_SETS.length],
      }),
    );

    // Act
    const result = plan(tenants, { strategy: { maxConcurrency: 40 }, predictedUpgradeSeconds: randomDurations(random) });

    // Assess
    expect(result.totals.tenants).toBe(5000);
    expect(result.totals.tenantsByRing[0]).toBe(10);
    expect(sizes(result).reduce((s, n) => s + n, 0)).toBe(5000);
    expect(result.totals.lowerBoundSeconds).toBeLessThanOrEqual(result.totals.predictedSeconds);
  });
});
