/**
 * Wall-clock time in an IANA time zone, computed with the runtime's own ICU data (Intl) rather than
 * a time zone library: the Lambda runtime and the local control plane both ship full ICU, and one
 * source of zone rules avoids two that disagree after a government changes its DST dates.
 *
 * Rules for wall-clock times that do not map to exactly one instant:
 * - in a gap (spring forward: 02:30 does not exist in Europe/Brussels on the last Sunday of March),
 *   the wall-clock time resolves to the first valid instant after the gap (03:00 local), whichever
 *   side is asked for, so a window that would start or end in the gap starts or ends when the
 *   clock jumps;
 * - in an overlap (fall back: 02:30 happens twice in Europe/Brussels on the last Sunday of
 *   October), `earlier` is the first occurrence and `later` the second; windows start at the
 *   earlier one and end at the later one, so a window spans its whole wall-clock range once.
 */
import * as z from 'zod/mini';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A calendar day and a time of day, as read on a clock in some zone; `month` is 1-12. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the zone (IANA names and their aliases; not bare offsets like `+05:30`). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z.string().check(
  z.refine(isTimeZone, {
    error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}: use an IANA name such as "Europe/Brussels"`,
  }),
);

/** The zone's offset from UTC at an instant, in milliseconds (Europe/Brussels in July: +7,200,000). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  // The zone of every tenant without a calendar: no rules to read, and asked for on every gate.
  if (timeZone === 'UTC') return 0;
  const wholeSecond = Math.floor(instantMs / 1000) * 1000;
  const p = parts(wholeSecond, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - wholeSecond;
}

function parts(instantMs: number, timeZone: string) {
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const { type, value } of formatter(timeZone).formatToParts(instantMs)) {
    if (type in out) out[type as keyof typeof out] = Number(value);
  }
  return out;
}

/** What a clock in the zone reads at an instant. */
export function wallClockAt(instantMs: number, timeZone: string): WallClock {
  const local = new Date(instantMs + zoneOffsetMs(instantMs, timeZone));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
  };
}

/**
 * The instant a clock in the zone reads `wall`, resolving gaps and overlaps as the module comment
 * says. Assumes at most one offset change within a day either side, true of every zone since 1900
 * but the calendar change of Pacific/Apia (2011-12-30 never happened there).
 */
export function zonedInstant(wall: WallClock, timeZone: string, overlap: 'earlier' | 'later'): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const offsetBefore = zoneOffsetMs(asUtc - DAY_MS, timeZone);
  const offsetAfter = zoneOffsetMs(asUtc + DAY_MS, timeZone);
  const candidates = [asUtc - offsetBefore, asUtc - offsetAfter]
    .filter((t) => t + zoneOffsetMs(t, timeZone) === asUtc)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return overlap === 'earlier' ? candidates[0]! : candidates[candidates.length - 1]!;
  return firstInstantAfterGap(asUtc - offsetAfter, asUtc - offsetBefore, offsetBefore, timeZone);
}

/** The transition lies between `before` (old offset) and `after` (new offset); find its whole second. */
function firstInstantAfterGap(before: number, after: number, oldOffset: number, timeZone: string): number {
  let lo = Math.floor(before / 1000);
  let hi = Math.ceil(after / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zoneOffsetMs(mid * 1000, timeZone) === oldOffset) lo = mid;
    else hi = mid;
  }
  return hi * 1000;
}

/** Monday is 0, Sunday 6: the index into `WEEKDAYS`. */
export function weekdayIndex(date: CalendarDate): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
}

export function weekdayOf(date: CalendarDate): Weekday {
  return WEEKDAYS[weekdayIndex(date)]!;
}

/** The calendar date `days` after (or before, when negative) `date`. */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Calendar order: negative when `a` is the earlier date. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(b.year, b.month - 1, b.day);
}

/** The instant a calendar day begins in the zone (00:00, or the end of a gap at midnight). */
export function startOfDay(date: CalendarDate, timeZone: string): number {
  return zonedInstant({ ...date, hour: 0, minute: 0 }, timeZone, 'earlier');
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function isoDate(date: CalendarDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

/** For reasons an SRE reads: `Sun 2026-03-29 03:00 Europe/Brussels (2026-03-29T01:00:00Z)`. */
export function describeInstant(instantMs: number, timeZone: string): string {
  const w = wallClockAt(instantMs, timeZone);
  const day = weekdayOf(w);
  const utc = new Date(instantMs).toISOString().replace('.000Z', 'Z');
  return `${day[0]!.toUpperCase()}${day.slice(1)} ${isoDate(w)} ${pad(w.hour)}:${pad(w.minute)} ${timeZone} (${utc})`;
}
