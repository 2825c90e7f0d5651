/**
 * Whether a release may start on a tenant now, given its windows, its freezes, the fleet's
 * freezes and the release's deadline: go (until when), wait (until the next usable window) or
 * skip (no usable window opens before the deadline). Reasons are sentences for the SRE watching
 * the release, naming the instants in the tenant's zone and in UTC.
 *
 * Rollbacks and emergency releases are never held by windows or freezes: putting a tenant back on
 * a known version, or shipping a fix someone has signed for, matters more than the calendar. The
 * reason still records what was overridden.
 */
import * as z from 'zod/mini';
import { validationError, type ErrorDetail } from '#shared/lib/errors.ts';
import { activeFreeze, describeFreeze, frozenIntervals, type FreezePeriod } from './freeze-calendar.ts';
import { describeWindow, isInWindow, nextWindowOpening, type ReleaseWindow, type TimeSlot } from './release-windows.ts';
import { describeInstant } from './zoned-time.ts';

/** How a release (or one tenant of it) is marked as an emergency in an API body. */
export const emergencySchema = z.object({
  reason: z.string().check(z.trim(), z.minLength(1, 'an emergency release must say why it cannot wait')),
});

export interface ReleaseWindowInput {
  windows: readonly ReleaseWindow[];
  tenantFreezes: readonly FreezePeriod[];
  fleetFreezes: readonly FreezePeriod[];
  now: Date;
  /** No tenant starts at or after this instant. */
  deadline: Date;
  /** An emergency release, with the reason someone gave for it; never held by windows or freezes. */
  emergency?: { reason: string };
  /** Putting a tenant back on its previous version; never held by windows or freezes. */
  rollback?: boolean;
  /** The predicted upgrade duration: a shorter slot is not usable. */
  minimumSlotSeconds?: number;
}

export type ReleaseWindowDecision =
  | {
      decision: 'go';
      /**
       * The end of the usable slot. For a rollback or an emergency, which no slot bounds, the
       * release deadline, or `now` plus the predicted duration when that is later.
       */
      until: Date;
      reason: string;
      override?: 'rollback' | 'emergency';
    }
  | { decision: 'wait'; until: Date; reason: string }
  | { decision: 'skip'; reason: string; nextOpening?: Date };

const DAY_MS = 86_400_000;
/** How far past the deadline a skipped tenant's next opening is looked for, to name it. */
const BEYOND_DEADLINE_MS = 366 * DAY_MS;

export function evaluateRelease(input: ReleaseWindowInput): ReleaseWindowDecision {
  validate(input);
  const { windows, now, deadline } = input;
  const freezes = [...input.fleetFreezes, ...input.tenantFreezes];
  const minimumSeconds = input.minimumSlotSeconds ?? 0;
  const zone = windows[0]?.timeZone ?? 'UTC';
  const at = (t: Date) => describeInstant(t.getTime(), zone);

  if (input.rollback || input.emergency) return override(input, at);

  if (now >= deadline) {
    return { decision: 'skip', reason: `The release deadline ${at(deadline)} has passed; the tenant was not started.` };
  }
  if (windows.length === 0) {
    return {
      decision: 'skip',
      reason: 'The tenant has no release window, so no release may start on it; add a window to the tenant, or release it as an emergency with a reason.',
    };
  }

  const slot = nextWindowOpening(windows, freezes, now, deadline, { minimumSlotSeconds: minimumSeconds });
  if (slot && slot.start.getTime() === now.getTime()) {
    return { decision: 'go', until: slot.end, reason: `The release window is open and no freeze applies: go until ${at(slot.end)}, ${closing(input, slot)}.` };
  }
  if (slot) {
    return {
      decision: 'wait',
      until: slot.start,
      reason: `Not now: ${whyNotNow(input, at)}. Waiting for the next usable release window, open from ${at(slot.start)} to ${at(slot.end)}.`,
    };
  }
  return skip(input, at);
}

function override(input: ReleaseWindowInput, at: (t: Date) => string): ReleaseWindowDecision {
  const { now, deadline } = input;
  const predictedEnd = new Date(now.getTime() + (input.minimumSlotSeconds ?? 0) * 1000);
  const until = deadline > predictedEnd ? deadline : predictedEnd;
  const overridden = [
    ...[frozenBy(input.fleetFreezes, 'fleet', now, at), frozenBy(input.tenantFreezes, 'tenant', now, at)].map(
      (f) => f && `${f.freeze} in effect until ${f.until}`,
    ),
    isInWindow(input.windows, now) ? undefined : "the tenant's release windows being closed",
  ].filter((s): s is string => s !== undefined);
  const despite = overridden.length > 0 ? `going ahead despite ${overridden.join(' and ')}` : 'going ahead (no window or freeze held it anyway)';
  const emergency = input.emergency ? `emergency release (${input.emergency.reason.trim()})` : undefined;
  if (input.rollback) {
    const also = emergency ? ` of an ${emergency}` : '';
    return { decision: 'go', until, override: 'rollback', reason: `Rollback${also}: release windows and freezes do not hold a rollback; ${despite}.` };
  }
  return { decision: 'go', until, override: 'emergency', reason: `${capitalize(emergency!)}: release windows and freezes do not hold an emergency release; ${despite}.` };
}

/** Why the slot that is open now ends when it does. */
function closing(input: ReleaseWindowInput, slot: TimeSlot): string {
  const end = slot.end.getTime();
  const fleet = frozenIntervals(input.fleetFreezes, end, end + 1).find((i) => i.start === end);
  if (fleet) return `when fleet ${describeFreeze(fleet.freeze)} begins`;
  const tenant = frozenIntervals(input.tenantFreezes, end, end + 1).find((i) => i.start === end);
  if (tenant) return `when tenant ${describeFreeze(tenant.freeze)} begins`;
  return 'when the window closes';
}

function whyNotNow(input: ReleaseWindowInput, at: (t: Date) => string): string {
  const frozen = frozenBy(input.fleetFreezes, 'fleet', input.now, at) ?? frozenBy(input.tenantFreezes, 'tenant', input.now, at);
  if (frozen) return `${frozen.freeze} is in effect until ${frozen.until}`;
  if (!isInWindow(input.windows, input.now)) return `the tenant's release windows (${input.windows.map(describeWindow).join('; ')}) are closed`;
  const freezes = [...input.fleetFreezes, ...input.tenantFreezes];
  const open = nextWindowOpening(input.windows, freezes, input.now, new Date(input.now.getTime() + 1));
  const left = open ? `only ${duration((open.end.getTime() - open.start.getTime()) / 1000)} of the open window is left` : 'the open window is closing';
  return `${left}, less than the ${duration(input.minimumSlotSeconds ?? 0)} the upgrade is predicted to take`;
}

function skip(input: ReleaseWindowInput, at: (t: Date) => string): ReleaseWindowDecision {
  const { windows, now, deadline } = input;
  const freezes = [...input.fleetFreezes, ...input.tenantFreezes];
  const minimumSlotSeconds = input.minimumSlotSeconds ?? 0;
  const beyond = new Date(deadline.getTime() + BEYOND_DEADLINE_MS);
  const next = nextWindowOpening(windows, freezes, now, beyond, { minimumSlotSeconds });
  const tooShort =
    minimumSlotSeconds > 0 && nextWindowOpening(windows, freezes, now, deadline) !== undefined
      ? ` The windows that do open before it are shorter than the ${duration(minimumSlotSeconds)} the upgrade is predicted to take.`
      : '';
  // The freeze in effect now is usually why: name it, so the SRE need not work it out.
  const frozen = frozenBy(input.fleetFreezes, 'fleet', now, at) ?? frozenBy(input.tenantFreezes, 'tenant', now, at);
  const because = frozen ? ` (${frozen.freeze} is in effect until ${frozen.until})` : '';
  if (next) {
    return {
      decision: 'skip',
      nextOpening: next.start,
      reason: `No usable release window opens before the release deadline ${at(deadline)}${because}; the next one opens ${at(next.start)}.${tooShort} Release the tenant in a later release, extend the deadline past that opening, or release it as an emergency with a reason.`,
    };
  }
  const short = minimumSlotSeconds > 0 ? ` or shorter than the ${duration(minimumSlotSeconds)} the upgrade is predicted to take` : '';
  return {
    decision: 'skip',
    reason: `No usable release window opens before the release deadline ${at(deadline)}, nor in the year after it: the tenant's windows (${windows.map(describeWindow).join('; ')}) are always frozen${short}. Review the tenant's windows and the tenant and fleet freezes.`,
  };
}

/** The freeze of `freezes` in effect now, and until when, for a reason. */
function frozenBy(
  freezes: readonly FreezePeriod[],
  owner: 'fleet' | 'tenant',
  now: Date,
  at: (t: Date) => string,
): { freeze: string; until: string } | undefined {
  const freeze = activeFreeze(freezes, now);
  if (!freeze) return undefined;
  const t = now.getTime();
  const until = frozenIntervals([freeze], t, t + 1)[0]!.end;
  return { freeze: `${owner} ${describeFreeze(freeze)}`, until: at(new Date(until)) };
}

function validate(input: ReleaseWindowInput): void {
  const details: ErrorDetail[] = [];
  const check = (path: string, ok: boolean, message: string) => {
    if (!ok) details.push({ path, message });
  };
  check('now', Number.isFinite(input.now.getTime()), 'must be a valid instant');
  check('deadline', Number.isFinite(input.deadline.getTime()), 'must be a valid instant');
  const minimum = input.minimumSlotSeconds ?? 0;
  check('minimumSlotSeconds', Number.isFinite(minimum) && minimum >= 0, 'must be a number of seconds, 0 or more');
  if (input.emergency) check('emergency.reason', input.emergency.reason.trim().length > 0, 'an emergency release must say why it cannot wait');
  if (details.length > 0) throw validationError('invalid release window evaluation', details);
}

/** `45 min`, `2 h`, `2 h 30 min`, `90 s`. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

const capitalize = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`;
