/**
 * The fleet circuit breaker: each wave has a failure budget, and when its failures exceed it the
 * release halts. Halting never aborts a tenant mid-change: tenants not yet changed are skipped,
 * tenants being changed finish or roll back (the release drains). A failed rollback halts at once,
 * whatever the budget, because the fleet now holds a tenant in an unknown state.
 *
 * A tenant counts against the budget from the moment its upgrade or verdict fails (ROLLING_BACK,
 * ROLLED_BACK, FAILED) or it waits for a human (AWAITING_DECISION): an inconclusive verdict is never
 * a pass, and it blocks the wave's completion until someone decides. A human keeping the new
 * version turns it into SUCCEEDED, and it no longer counts; a halt already recorded on the release
 * stays (HALTED is terminal). A preflight that fails leaves the tenant untouched and SKIPPED, and
 * does not count: it says nothing about the release.
 *
 * Pure and deterministic: the state is computed from the wave's outcomes as they stand (the
 * workflow keeps those in DynamoDB), never from a counter that a retry could bump twice.
 */
import { validationError } from '#shared/lib/errors.ts';
import { isSettledOutcome, isSkippableOutcome, type TenantOutcomeStatus } from './release-tenant-outcome.ts';

/** Used when a release's strategy gives no `maxFailurePercent`. */
export const DEFAULT_MAX_FAILURE_PERCENT = 5;

export const FAILURE_OUTCOMES: readonly TenantOutcomeStatus[] = ['ROLLING_BACK', 'ROLLED_BACK', 'FAILED', 'AWAITING_DECISION'];

export interface WaveBudgetInput {
  tenantCount: number;
  /** A wave holding canary or internal tenants (ring 0) tolerates no failure. */
  includesRing0: boolean;
  maxFailurePercent?: number;
}

/** Failures a wave tolerates: 0 with ring 0 in it, else the percentage of its tenants, rounded down. */
export function waveFailureBudget({ tenantCount, includesRing0, maxFailurePercent = DEFAULT_MAX_FAILURE_PERCENT }: WaveBudgetInput): number {
  if (!Number.isInteger(tenantCount) || tenantCount < 0) {
    throw validationError('invalid wave', [{ path: 'tenantCount', message: 'must be a whole number, 0 or more' }]);
  }
  if (!Number.isFinite(maxFailurePercent) || maxFailurePercent < 0 || maxFailurePercent > 100) {
    throw validationError('invalid release strategy', [{ path: 'strategy.maxFailurePercent', message: 'must be from 0 to 100' }]);
  }
  if (includesRing0) return 0;
  // Integer arithmetic first, so 10 % of 30 is 3 and not 2.9999...
  return Math.floor((tenantCount * Math.round(maxFailurePercent * 1000)) / 100_000);
}

export interface TenantOutcome {
  tenantId: string;
  status: TenantOutcomeStatus;
}

export interface BudgetInput {
  /** Failures the wave tolerates (see `waveFailureBudget`). */
  budget: number;
  /** Every tenant of the wave, as it stands now. */
  outcomes: readonly TenantOutcome[];
}

export interface BudgetState {
  budget: number;
  /** Tenants counting against the budget, in wave order. */
  failures: TenantOutcome[];
  /** Tenants whose rollback failed. */
  failedRollbacks: string[];
  /** More failures than the budget. */
  exhausted: boolean;
  halt: boolean;
  haltReason: string | null;
  /** Not changed yet (PENDING, WAITING_WINDOW, PREFLIGHT): may still start, or be skipped on a halt. */
  notStarted: string[];
  /** Being changed, or waiting for a human: they finish or roll back, even on a halt. */
  inFlight: string[];
  awaitingDecision: string[];
  /** On a halt, the tenants to skip: every one not started. */
  toSkip: string[];
  /** No tenant is being changed. */
  drained: boolean;
  /** Every tenant settled: none left to start, in flight or waiting for a decision. */
  waveComplete: boolean;
}

export function budgetState({ budget, outcomes }: BudgetInput): BudgetState {
  if (!Number.isInteger(budget) || budget < 0) {
    throw validationError('invalid failure budget', [{ path: 'budget', message: 'must be a whole number, 0 or more' }]);
  }
  const duplicate = outcomes.find((o, i) => outcomes.findIndex((p) => p.tenantId === o.tenantId) !== i);
  if (duplicate) throw validationError(`tenant ${duplicate.tenantId} appears twice in the wave`);

  const ids = (keep: (s: TenantOutcomeStatus) => boolean) => outcomes.filter((o) => keep(o.status)).map((o) => o.tenantId);
  const failures = outcomes.filter((o) => FAILURE_OUTCOMES.includes(o.status));
  const failedRollbacks = ids((s) => s === 'FAILED');
  const notStarted = ids(isSkippableOutcome);
  const inFlight = ids((s) => !isSkippableOutcome(s) && !isSettledOutcome(s));
  const exhausted = failures.length > budget;
  const haltReason = failedRollbacks.length > 0
    ? rollbackFailedReason(failedRollbacks, notStarted, inFlight)
    : exhausted
      ? budgetSpentReason(failures, budget, notStarted, inFlight)
      : null;
  return {
    budget,
    failures,
    failedRollbacks,
    exhausted,
    halt: haltReason !== null,
    haltReason,
    notStarted,
    inFlight,
    awaitingDecision: ids((s) => s === 'AWAITING_DECISION'),
    toSkip: haltReason !== null ? notStarted : [],
    drained: inFlight.length === 0,
    waveComplete: outcomes.every((o) => isSettledOutcome(o.status)),
  };
}

export interface StartDecision {
  start: boolean;
  /** The release must halt (`BudgetExhausted` or `RollbackFailed`). */
  halt: boolean;
  reason: string;
}

/** Whether the next tenant of the wave may start (or, from PREFLIGHT, begin its upgrade). */
export function shouldStartNext(state: BudgetState): StartDecision {
  if (state.haltReason !== null) return { start: false, halt: true, reason: state.haltReason };
  if (state.notStarted.length === 0) return { start: false, halt: false, reason: 'every tenant of the wave has started' };
  const failures = state.failures.length;
  const left = state.budget - failures;
  return {
    start: true,
    halt: false,
    reason: `${plural(failures, 'failure')} within the wave's budget of ${state.budget} (${left} more tolerated)`,
  };
}

function rollbackFailedReason(failed: string[], notStarted: string[], inFlight: string[]): string {
  return `rollback failed for ${failed.join(', ')}: the release halts at once; ${drainText(notStarted, inFlight)}`;
}

function budgetSpentReason(failures: TenantOutcome[], budget: number, notStarted: string[], inFlight: string[]): string {
  const listed = failures.map((f) => `${f.tenantId} ${f.status}`).join(', ');
  const verb = failures.length === 1 ? 'exceeds' : 'exceed';
  return `failure budget spent: ${plural(failures.length, 'failure')} (${listed}) ${verb} the wave's budget of ${budget}; ${drainText(notStarted, inFlight)}`;
}

function drainText(notStarted: string[], inFlight: string[]): string {
  return `skipped, not started: ${notStarted.length}; finishing or rolling back: ${inFlight.length}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
