/**
 * What a drill's figures mean. RTO runs from the restore request to the validation passing; RPO
 * from the drill's reference time back to the newest committed data the restore held (the newer of
 * the control plane's heartbeat and the business tables' `write_date`). The outcome: FAILED when
 * the drill could not restore or a check failed; BREACHED_TARGET when everything passed but RTO or
 * RPO is above the tenant's target; PASSED otherwise.
 */
import type { DrillCheck, DrillOutcome } from './drill-types.ts';
import type { Placement } from './types.ts';

export interface DrillTargets {
  targetRtoSeconds: number;
  targetRpoSeconds: number;
}

/** A drill is judged against the tenant's own recovery targets (placement, from its profile). */
export function drillTargets(placement: Pick<Placement, 'rtoSeconds' | 'rpoSeconds'>): DrillTargets {
  return { targetRtoSeconds: placement.rtoSeconds, targetRpoSeconds: placement.rpoSeconds };
}

export interface DrillMeasureInput extends DrillTargets {
  restoreRequestedAt?: string;
  validatedAt?: string;
  referenceTime?: string;
  newestData?: { heartbeat: string | null; businessWrite: string | null };
  checks: readonly DrillCheck[];
  /** Why the drill could not restore or validate at all (a failed or timed-out restore, a crash). */
  failure?: string;
}

export interface DrillMeasure {
  rtoSeconds?: number;
  rpoSeconds?: number;
  outcome: DrillOutcome;
  reason?: string;
}

const seconds = (fromIso: string, toIso: string) => Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));

/** The newest committed data found, or null when the restore held none. */
export function newestCommitted(newest: DrillMeasureInput['newestData']): string | null {
  const times = [newest?.heartbeat, newest?.businessWrite].filter((t): t is string => !!t && !Number.isNaN(Date.parse(t)));
  if (times.length === 0) return null;
  return new Date(Math.max(...times.map((t) => Date.parse(t)))).toISOString();
}

export function measureDrill(input: DrillMeasureInput): DrillMeasure {
  const failedChecks = input.checks.filter((c) => !c.passed);
  const newest = newestCommitted(input.newestData);
  // Data newer than the reference (clock skew, which the validator bounds) loses nothing: 0, never negative.
  const rpoSeconds = newest && input.referenceTime ? seconds(newest, input.referenceTime) : undefined;
  const passed = !input.failure && failedChecks.length === 0 && input.checks.length > 0;
  const rtoSeconds = passed && input.restoreRequestedAt && input.validatedAt ? seconds(input.restoreRequestedAt, input.validatedAt) : undefined;
  const figures = { ...(rtoSeconds !== undefined ? { rtoSeconds } : {}), ...(rpoSeconds !== undefined ? { rpoSeconds } : {}) };

  if (input.failure) return { ...figures, outcome: 'FAILED', reason: input.failure };
  if (input.checks.length === 0) return { ...figures, outcome: 'FAILED', reason: 'no check ran' };
  if (failedChecks.length > 0) {
    const first = failedChecks[0]!;
    const more = failedChecks.length > 1 ? ` (and ${failedChecks.length - 1} more failed check${failedChecks.length > 2 ? 's' : ''}: ${failedChecks.slice(1).map((c) => c.name).join(', ')})` : '';
    return { ...figures, outcome: 'FAILED', reason: `check ${first.name} failed: ${first.detail}${more}` };
  }
  if (rtoSeconds === undefined) return { ...figures, outcome: 'FAILED', reason: 'the restore request or the validation time was not recorded, so RTO is unknown' };
  if (rpoSeconds === undefined) return { ...figures, outcome: 'FAILED', reason: 'no committed data was found in the restore, so RPO is unknown' };
  const breaches: string[] = [];
  if (rtoSeconds > input.targetRtoSeconds) breaches.push(`RTO ${rtoSeconds} s above the target of ${input.targetRtoSeconds} s`);
  if (rpoSeconds > input.targetRpoSeconds) breaches.push(`RPO ${rpoSeconds} s above the target of ${input.targetRpoSeconds} s`);
  if (breaches.length > 0) return { ...figures, outcome: 'BREACHED_TARGET', reason: breaches.join('; ') };
  return { ...figures, outcome: 'PASSED' };
}

/**
 * The restore-point check: a latest restorable time far behind the drill's start means continuous
 * backup has stalled. A chosen point is what was asked for: it passes, with its age as a figure.
 */
export function restorePointCheck(input: { kind: 'latest' | 'chosen'; restorePoint: string; readAt: string; maxAgeSeconds: number }): DrillCheck {
  const ageSeconds = seconds(input.restorePoint, input.readAt);
  const figures = { restorePoint: input.restorePoint, readAt: input.readAt, ageSeconds, maxAgeSeconds: input.maxAgeSeconds, kind: input.kind };
  if (input.kind === 'chosen') return { name: 'restore-point', passed: true, detail: `restoring to the chosen time ${input.restorePoint}`, figures };
  if (ageSeconds > input.maxAgeSeconds) {
    return {
      name: 'restore-point',
      passed: false,
      detail: `the latest restorable time ${input.restorePoint} is ${ageSeconds} s behind, more than ${input.maxAgeSeconds} s: continuous backup looks stalled`,
      figures,
    };
  }
  return { name: 'restore-point', passed: true, detail: `the latest restorable time is ${ageSeconds} s behind`, figures };
}
