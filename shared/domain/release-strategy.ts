/**
 * How a release moves through the fleet: wave sizes, concurrency caps, failure tolerance and bake
 * time. Checked once, with every problem named by its field path, then completed with defaults so
 * that the plan, the schedule and the circuit breaker all read the same figures.
 */
import { validationError, type ErrorDetail } from '#shared/lib/errors.ts';
import { DEFAULT_MAX_FAILURE_PERCENT } from './circuit-breaker.ts';

/**
 * A wave's size: a number of tenants, a percentage of all tenants selected for the release (rounded
 * up, at least 1), or `rest`: every tenant left. `rest` may only come last.
 */
export type WaveSize = number | `${number}%` | 'rest';

export interface ReleaseStrategy {
  /** @default [1, '5%', '25%', 'rest'] */
  waves?: readonly WaveSize[];
  /** Tenants being upgraded at once across the fleet. @default 10 */
  maxConcurrency?: number;
  /** Tenants of one cell being upgraded at once: a cell is one failure domain. @default 1 */
  maxConcurrencyPerCell?: number;
  /** Share of a wave's tenants that may fail before the release halts; ring 0 tolerates none. @default 5 */
  maxFailurePercent?: number;
  /** How long a tenant runs on the new version before its verdict. @default 900 */
  bakeSeconds?: number;
}

export interface ResolvedStrategy {
  readonly waves: readonly WaveSize[];
  readonly maxConcurrency: number;
  readonly maxConcurrencyPerCell: number;
  readonly maxFailurePercent: number;
  readonly bakeSeconds: number;
}

export const DEFAULT_RELEASE_STRATEGY: ResolvedStrategy = Object.freeze({
  waves: Object.freeze([1, '5%', '25%', 'rest'] as const),
  maxConcurrency: 10,
  maxConcurrencyPerCell: 1,
  maxFailurePercent: DEFAULT_MAX_FAILURE_PERCENT,
  bakeSeconds: 900,
});

const PERCENT = /^(\d+(?:\.\d+)?)%$/;

/** Every problem of a strategy, each with its path (`strategy.waves[2]`); empty when it is valid. */
export function strategyProblems(strategy: ReleaseStrategy | undefined): ErrorDetail[] {
  if (strategy === undefined) return [];
  if (strategy === null || typeof strategy !== 'object' || Array.isArray(strategy)) {
    return [{ path: 'strategy', message: 'must be an object' }];
  }
  const problems: ErrorDetail[] = [];
  if (strategy.waves !== undefined) problems.push(...waveProblems(strategy.waves));
  const whole = (field: keyof ReleaseStrategy, min: number) => {
    const value = strategy[field];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= min)) {
      problems.push({ path: `strategy.${field}`, message: `must be a whole number, ${min} or more` });
    }
  };
  whole('maxConcurrency', 1);
  whole('maxConcurrencyPerCell', 1);
  whole('bakeSeconds', 0);
  const percent = strategy.maxFailurePercent;
  if (percent !== undefined && !(typeof percent === 'number' && Number.isFinite(percent) && percent >= 0 && percent <= 100)) {
    problems.push({ path: 'strategy.maxFailurePercent', message: 'must be from 0 to 100' });
  }
  return problems;
}

function waveProblems(waves: readonly WaveSize[]): ErrorDetail[] {
  if (!Array.isArray(waves)) return [{ path: 'strategy.waves', message: 'must be a list of wave sizes' }];
  if (waves.length === 0) return [{ path: 'strategy.waves', message: 'must list at least one wave size' }];
  const problems: ErrorDetail[] = [];
  waves.forEach((size: unknown, i) => {
    const path = `strategy.waves[${i}]`;
    if (size === 'rest') {
      if (i !== waves.length - 1) problems.push({ path, message: "'rest' may only be the last wave size" });
    } else if (typeof size === 'number') {
      if (!Number.isInteger(size) || size < 1) problems.push({ path, message: 'a number of tenants must be a whole number, 1 or more' });
    } else if (typeof size === 'string' && PERCENT.test(size)) {
      const percent = Number(size.slice(0, -1));
      if (percent < 1 || percent > 100) problems.push({ path, message: 'a percentage must be from 1% to 100%' });
    } else {
      problems.push({ path, message: "must be a number of tenants, a percentage such as '5%', or 'rest'" });
    }
  });
  return problems;
}

/** The strategy with defaults filled in; throws a ValidationError naming every bad field. */
export function resolveStrategy(strategy?: ReleaseStrategy): ResolvedStrategy {
  const problems = strategyProblems(strategy);
  if (problems.length > 0) throw validationError('invalid release strategy', problems);
  return {
    waves: strategy?.waves ? [...strategy.waves] : DEFAULT_RELEASE_STRATEGY.waves,
    maxConcurrency: strategy?.maxConcurrency ?? DEFAULT_RELEASE_STRATEGY.maxConcurrency,
    maxConcurrencyPerCell: strategy?.maxConcurrencyPerCell ?? DEFAULT_RELEASE_STRATEGY.maxConcurrencyPerCell,
    maxFailurePercent: strategy?.maxFailurePercent ?? DEFAULT_RELEASE_STRATEGY.maxFailurePercent,
    bakeSeconds: strategy?.bakeSeconds ?? DEFAULT_RELEASE_STRATEGY.bakeSeconds,
  };
}

/**
 * Tenants a (valid) wave size stands for when `selectedCount` tenants are selected: a percentage is
 * rounded up and is at least 1; `rest` stands for all of them.
 */
export function waveSizeOf(size: WaveSize, selectedCount: number): number {
  if (size === 'rest') return selectedCount;
  if (typeof size === 'number') return size;
  // Integer arithmetic, so 5 % of 100 is exactly 5 and not 5.000000001 rounded up to 6.
  const thousandths = Math.round(Number(size.slice(0, -1)) * 1000);
  return Math.max(1, Math.ceil((selectedCount * thousandths) / 100_000));
}
