import { describe, it, expect } from 'vitest';
import {
  DEFAULT_MAX_FAILURE_PERCENT,
  FAILURE_OUTCOMES,
  budgetState,
  shouldStartNext,
  waveFailureBudget,
  type TenantOutcome,
} from '#shared/domain/circuit-breaker.ts';
import { TENANT_OUTCOME_STATUSES, type TenantOutcomeStatus } from '#shared/domain/release-tenant-outcome.ts';
import { AppError } from '#shared/lib/errors.ts';

/** A wave written as `tenant:STATUS` pairs, in wave order. */
function wave(...entries: `${string}:${TenantOutcomeStatus}`[]): TenantOutcome[] {
  return entries.map((e) => {
    const [tenantId, status] = e.split(':') as [string, TenantOutcomeStatus];
    return { tenantId, status };
  });
}

describe('waveFailureBudget', () => {
  it('tolerates no failure in a wave holding ring 0 tenants', () => {
    expect(waveFailureBudget({ tenantCount: 40, includesRing0: true, maxFailurePercent: 50 })).toBe(0);
  });

  it('tolerates the percentage of the wave\'s tenants, rounded down', () => {
    expect(waveFailureBudget({ tenantCount: 30, includesRing0: false, maxFailurePercent: 10 })).toBe(3);
    expect(waveFailureBudget({ tenantCount: 29, includesRing0: false, maxFailurePercent: 10 })).toBe(2);
    expect(waveFailureBudget({ tenantCount: 9, includesRing0: false, maxFailurePercent: 10 })).toBe(0);
    expect(waveFailureBudget({ tenantCount: 1000, includesRing0: false, maxFailurePercent: 0.5 })).toBe(5);
  });

  it('uses 5 % when the release sets no percentage', () => {
    expect(DEFAULT_MAX_FAILURE_PERCENT).toBe(5);
    expect(waveFailureBudget({ tenantCount: 200, includesRing0: false })).toBe(10);
  });

  it.each([
    [{ tenantCount: -1, includesRing0: false }, 'tenantCount'],
    [{ tenantCount: 2.5, includesRing0: false }, 'tenantCount'],
    [{ tenantCount: 10, includesRing0: false, maxFailurePercent: 101 }, 'strategy.maxFailurePercent'],
    [{ tenantCount: 10, includesRing0: false, maxFailurePercent: Number.NaN }, 'strategy.maxFailurePercent'],
  ])('refuses %o', (input, path) => {
    expect(() => waveFailureBudget(input)).toThrow(expect.objectContaining({ name: 'ValidationError', details: [expect.objectContaining({ path })] }));
  });
});

describe('budgetState', () => {
  it('counts rolling back, rolled back, failed and awaiting a decision as failures', () => {
    // Act
    const counted = TENANT_OUTCOME_STATUSES.filter(
      (status) => budgetState({ budget: 0, outcomes: [{ tenantId: 't', status }] }).failures.length === 1,
    );

    // Assess
    expect(counted).toEqual(['AWAITING_DECISION', 'ROLLING_BACK', 'ROLLED_BACK', 'FAILED']);
    expect([...FAILURE_OUTCOMES].sort()).toEqual([...counted].sort());
  });

  it('sorts a wave into not started, in flight and settled tenants', () => {
    // Prepare
    const outcomes = wave(
      'a:PENDING', 'b:WAITING_WINDOW', 'c:PREFLIGHT', 'd:UPGRADING', 'e:BAKING',
      'f:AWAITING_DECISION', 'g:ROLLING_BACK', 'h:SUCCEEDED', 'i:ROLLED_BACK', 'j:SKIPPED',
    );

    // Act
    const state = budgetState({ budget: 5, outcomes });

    // Assess
    expect(state).toMatchObject({
      notStarted: ['a', 'b', 'c'],
      inFlight: ['d', 'e', 'f', 'g'],
      awaitingDecision: ['f'],
      failures: wave('f:AWAITING_DECISION', 'g:ROLLING_BACK', 'i:ROLLED_BACK'),
      exhausted: false,
      halt: false,
      haltReason: null,
      toSkip: [],
      drained: false,
      waveComplete: false,
    });
  });

  it('keeps going while the failures stay within the budget', () => {
    const state = budgetState({ budget: 2, outcomes: wave('a:ROLLED_BACK', 'b:ROLLED_BACK', 'c:SUCCEEDED', 'd:PENDING') });

    expect(state).toMatchObject({ exhausted: false, halt: false, toSkip: [] });
  });

  it('halts when the failures exceed the budget: tenants not started are skipped, tenants in flight drain', () => {
    // Prepare
    const outcomes = wave('a:ROLLED_BACK', 'b:AWAITING_DECISION', 'c:UPGRADING', 'd:PREFLIGHT', 'e:PENDING', 'f:SUCCEEDED');

    // Act
    const state = budgetState({ budget: 1, outcomes });

    // Assess
    expect(state).toMatchObject({ exhausted: true, halt: true, toSkip: ['d', 'e'], inFlight: ['b', 'c'], drained: false });
    expect(state.haltReason).toBe(
      "failure budget spent: 2 failures (a ROLLED_BACK, b AWAITING_DECISION) exceed the wave's budget of 1; " +
        'skipped, not started: 2; finishing or rolling back: 2',
    );
  });

  it('halts a ring 0 wave on its first failure', () => {
    const state = budgetState({ budget: 0, outcomes: wave('canary-1:ROLLING_BACK', 'canary-2:PENDING') });

    expect(state).toMatchObject({ halt: true, toSkip: ['canary-2'] });
    expect(state.haltReason).toContain("1 failure (canary-1 ROLLING_BACK) exceeds the wave's budget of 0");
  });

  it('counts an inconclusive verdict waiting for a human against the budget', () => {
    const state = budgetState({ budget: 0, outcomes: wave('a:AWAITING_DECISION', 'b:PENDING') });

    expect(state).toMatchObject({ exhausted: true, halt: true, awaitingDecision: ['a'] });
  });

  it('halts at once on a failed rollback, whatever budget is left', () => {
    // Act
    const state = budgetState({ budget: 10, outcomes: wave('a:FAILED', 'b:BAKING', 'c:WAITING_WINDOW') });

    // Assess
    expect(state).toMatchObject({ exhausted: false, halt: true, failedRollbacks: ['a'], toSkip: ['c'], inFlight: ['b'] });
    expect(state.haltReason).toBe('rollback failed for a: the release halts at once; skipped, not started: 1; finishing or rolling back: 1');
  });

  it('does not count a preflight that failed: the tenant was skipped untouched', () => {
    const state = budgetState({ budget: 0, outcomes: wave('a:SKIPPED', 'b:PENDING') });

    expect(state).toMatchObject({ failures: [], halt: false });
  });

  it('stops counting a tenant that a human decided to keep', () => {
    // Prepare
    const before = budgetState({ budget: 0, outcomes: wave('a:AWAITING_DECISION', 'b:PENDING') });

    // Act
    const after = budgetState({ budget: 0, outcomes: wave('a:SUCCEEDED', 'b:PENDING') });

    // Assess
    expect(before.halt).toBe(true);
    expect(after.halt).toBe(false);
  });

  it('is drained once no tenant is being changed', () => {
    const state = budgetState({ budget: 0, outcomes: wave('a:ROLLED_BACK', 'b:SKIPPED', 'c:PENDING') });

    expect(state).toMatchObject({ halt: true, drained: true, toSkip: ['c'], waveComplete: false });
  });

  it('completes the wave only when every tenant is settled', () => {
    expect(budgetState({ budget: 1, outcomes: wave('a:SUCCEEDED', 'b:ROLLED_BACK', 'c:SKIPPED') }).waveComplete).toBe(true);
    expect(budgetState({ budget: 1, outcomes: wave('a:SUCCEEDED', 'b:AWAITING_DECISION') }).waveComplete).toBe(false);
    expect(budgetState({ budget: 1, outcomes: [] }).waveComplete).toBe(true);
  });

  it('refuses a negative or fractional budget and a tenant listed twice', () => {
    expect(() => budgetState({ budget: -1, outcomes: [] })).toThrow(AppError);
    expect(() => budgetState({ budget: 0.5, outcomes: [] })).toThrow('invalid failure budget');
    expect(() => budgetState({ budget: 1, outcomes: wave('a:PENDING', 'a:SUCCEEDED') })).toThrow('tenant a appears twice in the wave');
  });

  it('gives the same state for the same outcomes', () => {
    const outcomes = wave('a:ROLLED_BACK', 'b:PENDING', 'c:BAKING');

    expect(budgetState({ budget: 0, outcomes })).toEqual(budgetState({ budget: 0, outcomes: [...outcomes] }));
  });
});

describe('shouldStartNext', () => {
  it('starts the next tenant while the budget holds, saying how much is left', () => {
    // Act
    const decision = shouldStartNext(budgetState({ budget: 3, outcomes: wave('a:ROLLED_BACK', 'b:SUCCEEDED', 'c:PENDING') }));

    // Assess
    expect(decision).toEqual({ start: true, halt: false, reason: "1 failure within the wave's budget of 3 (2 more tolerated)" });
  });

  it('starts the next tenant when the failures reach the budget but do not exceed it', () => {
    const decision = shouldStartNext(budgetState({ budget: 2, outcomes: wave('a:ROLLED_BACK', 'b:ROLLED_BACK', 'c:PENDING') }));

    expect(decision).toEqual({ start: true, halt: false, reason: "2 failures within the wave's budget of 2 (0 more tolerated)" });
  });

  it('starts nothing and halts once the budget is spent', () => {
    // Prepare
    const state = budgetState({ budget: 0, outcomes: wave('a:ROLLED_BACK', 'b:PENDING') });

    // Act
    const decision = shouldStartNext(state);

    // Assess
    expect(decision).toEqual({ start: false, halt: true, reason: state.haltReason });
  });

  it('starts nothing and halts on a failed rollback', () => {
    const decision = shouldStartNext(budgetState({ budget: 5, outcomes: wave('a:FAILED', 'b:PENDING') }));

    expect(decision).toMatchObject({ start: false, halt: true });
    expect(decision.reason).toContain('rollback failed for a');
  });

  it('lets a tenant in preflight begin its upgrade while the budget holds', () => {
    expect(shouldStartNext(budgetState({ budget: 0, outcomes: wave('a:PREFLIGHT') })).start).toBe(true);
  });

  it('starts nothing, without halting, when every tenant of the wave has started', () => {
    const decision = shouldStartNext(budgetState({ budget: 0, outcomes: wave('a:BAKING', 'b:SUCCEEDED') }));

    expect(decision).toEqual({ start: false, halt: false, reason: 'every tenant of the wave has started' });
  });
});
