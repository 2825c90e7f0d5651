/**
 * Release windows: the recurring times, in a tenant's own time zone, when a release may start on
 * it (`Sun 01:00-05:00 Europe/Brussels`). Together with freezes (freeze-calendar.ts) they give the
 * usable slots: times when a window is open and no freeze applies.
 *
 * A window occurs on each listed day, the day it starts: `fri 22:00-02:00` opens on Friday and
 * closes on Saturday, since an end at or before the start crosses midnight (equal start and end
 * make a 24-hour window). On DST nights the zoned-time.ts rules apply: a start or end in a gap
 * moves to the end of the gap, an occurrence starts at the earlier of two repeated times and ends
 * at the later, and an occurrence that falls entirely in a gap does not happen that night.
 * Windows that overlap or touch form one slot.
 *
 * Every function takes the instants it reasons about; nothing here reads the clock.
 */
import * as z from 'zod/mini';
import { freezePeriodSchema, frozenIntervals, type FreezePeriod } from './freeze-calendar.ts';
import { WEEKDAYS, addDays, compareDates, timeZoneSchema, wallClockAt, weekdayOf, zonedInstant } from './zoned-time.ts';

const WALL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const wallTimeSchema = z.string().check(
  z.regex(WALL_TIME, { error: (issue) => `must be a time of day as HH:MM, from 00:00 to 23:59, not ${JSON.stringify(issue.input)}` }),
);

export const releaseWindowSchema = z.object({
  days: z.array(z.enum(WEEKDAYS)).check(z.minLength(1, 'must name at least one day (mon, tue, wed, thu, fri, sat, sun)')),
  start: wallTimeSchema,
  /** At or before `start`: the window closes the next day. */
  end: wallTimeSchema,
  timeZone: timeZoneSchema,
});
export type ReleaseWindow = z.infer<typeof releaseWindowSchema>;

/** What a tenant record holds about when it may be released; the fleet holds freezes only. */
export const releaseCalendarSchema = z.object({
  /** No window: no release may start on the tenant, except a rollback or an emergency. */
  windows: z.array(releaseWindowSchema),
  freezes: z._default(z.array(freezePeriodSchema), []),
});
export type ReleaseCalendar = z.infer<typeof releaseCalendarSchema>;

/** A half-open span of time [start, end). */
export interface TimeSlot {
  start: Date;
  end: Date;
}

/** A half-open span [start, end) in epoch milliseconds. */
export interface Interval {
  start: number;
  end: number;
}

const DAY_MS = 86_400_000;
/** nextWindowOpening looks this far at a time, so a far deadline costs nothing when a window is near. */
const SEARCH_STEP_MS = 35 * DAY_MS;
/**
 * A slot's end is followed at most this far past the horizon; a calendar open around the clock
 * reports a slot ending there rather than searching forever.
 */
const SLOT_END_LOOKAHEAD_MS = 366 * DAY_MS;

/** True when one of the windows is open at `at` (freezes aside). */
export function isInWindow(windows: readonly ReleaseWindow[], at: Date): boolean {
  const t = at.getTime();
  return windows.some((w) => windowOccurrences(w, t, t + 1).length > 0);
}

/**
 * The first usable slot that starts before `horizon`: its start is the first instant at or after
 * `from` when a window is open and no freeze applies (`from` itself when that holds now), its end
 * the window's close or the next freeze's start, whichever comes first. A slot shorter than
 * `minimumSlotSeconds` (the predicted upgrade) is passed over. `undefined` when none opens before
 * the horizon.
 */
export function nextWindowOpening(
  windows: readonly ReleaseWindow[],
  freezes: readonly FreezePeriod[],
  from: Date,
  horizon: Date,
  options: { minimumSlotSeconds?: number } = {},
): TimeSlot | undefined {
  const minimumMs = (options.minimumSlotSeconds ?? 0) * 1000;
  // A slot cut at the end of one step and picked up at the start of the next is a shorter part of
  // one already looked at in full, so stepping never makes a slot usable that was not.
  for (let stepFrom = from.getTime(); stepFrom < horizon.getTime(); stepFrom += SEARCH_STEP_MS) {
    const stepUntil = new Date(Math.min(horizon.getTime(), stepFrom + SEARCH_STEP_MS));
    const slot = usableSlots(windows, freezes, new Date(stepFrom), stepUntil).find((s) => s.end.getTime() - s.start.getTime() >= minimumMs);
    if (slot) return slot;
  }
  return undefined;
}

/**
 * Every usable slot that starts in [from, horizon), in order; the first is cut to start at `from`
 * when a window is already open. A slot's end may lie past the horizon.
 */
export function usableSlots(
  windows: readonly ReleaseWindow[],
  freezes: readonly FreezePeriod[],
  from: Date,
  horizon: Date,
): TimeSlot[] {
  const fromMs = from.getTime();
  const horizonMs = horizon.getTime();
  if (!(horizonMs > fromMs)) return [];
  const limit = horizonMs + SLOT_END_LOOKAHEAD_MS;
  // Look a week and a day past the horizon, enough to see any weekly window close; further only
  // when the last slot is still open there.
  let reach = horizonMs + 8 * DAY_MS;
  for (;;) {
    const open = union(windows.flatMap((w) => windowOccurrences(w, fromMs, reach)));
    const frozen = union(frozenIntervals(freezes, fromMs, reach));
    const slots = subtract(open, frozen)
      .map((s) => ({ start: Math.max(s.start, fromMs), end: Math.min(s.end, reach) }))
      .filter((s) => s.end > s.start && s.start < horizonMs);
    const last = slots[slots.length - 1];
    if (!last || last.end < reach || reach >= limit) {
      return slots.map((s) => ({ start: new Date(s.start), end: new Date(s.end) }));
    }
    reach = Math.min(limit, reach + 4 * (reach - horizonMs));
  }
}

/** The occurrences of one window that overlap [fromMs, untilMs), in epoch milliseconds. */
export function windowOccurrences(window: ReleaseWindow, fromMs: number, untilMs: number): Interval[] {
  const [startHour, startMinute] = wallTime(window.start);
  const [endHour, endMinute] = wallTime(window.end);
  const crossesMidnight = endHour * 60 + endMinute <= startHour * 60 + startMinute;
  const days = new Set(window.days);
  const lastDate = wallClockAt(untilMs, window.timeZone);
  const out: Interval[] = [];
  // From the day before: yesterday's occurrence may still be open.
  for (let date = addDays(wallClockAt(fromMs, window.timeZone), -1); compareDates(date, lastDate) <= 0; date = addDays(date, 1)) {
    if (!days.has(weekdayOf(date))) continue;
    const closeDate = crossesMidnight ? addDays(date, 1) : date;
    const start = zonedInstant({ ...date, hour: startHour, minute: startMinute }, window.timeZone, 'earlier');
    const end = zonedInstant({ ...closeDate, hour: endHour, minute: endMinute }, window.timeZone, 'later');
    if (end > start && end > fromMs && start < untilMs) out.push({ start, end });
  }
  return out;
}

/** `Sat, Sun 22:00-04:00 Europe/Brussels`. */
export function describeWindow(window: ReleaseWindow): string {
  const days = WEEKDAYS.filter((d) => window.days.includes(d)).map((d) => `${d[0]!.toUpperCase()}${d.slice(1)}`);
  return `${days.join(', ')} ${window.start}-${window.end} ${window.timeZone}`;
}

function wallTime(hhmm: string): [number, number] {
  const m = WALL_TIME.exec(hhmm);
  if (!m) throw new RangeError(`not a time of day as HH:MM: ${JSON.stringify(hhmm)}`);
  return [Number(m[1]), Number(m[2])];
}

/** Sorted, with overlapping or touching intervals merged. */
function union(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const { start, end } of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else out.push({ start, end });
  }
  return out;
}

/** `open` less `closed`; both sorted and merged. */
function subtract(open: readonly Interval[], closed: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const interval of open) {
    let start = interval.start;
    for (const c of closed) {
      if (c.end <= start || c.start >= interval.end) continue;
      if (c.start > start) out.push({ start, end: c.start });
      start = Math.max(start, c.end);
    }
    if (start < interval.end) out.push({ start, end: interval.end });
  }
  return out;
}
