/**
 * Freeze periods: times when no release may touch a tenant (a tenant's own, or the fleet's for
 * every tenant). Rollbacks and emergency releases ignore them; that is decided by the release
 * evaluation, not here.
 *
 * Three kinds, each read as intervals of instants [start, end):
 * - `range`: two absolute instants (ISO 8601 with `Z` or an offset, so the instant is never
 *   guessed); `to` is excluded.
 * - `lastBusinessDays`: the last `count` business days (Monday to Friday, less the listed
 *   holidays) of every month, whole days in the freeze's zone. It is one span from the start of the
 *   first of those days to the end of the last, so a weekend or holiday between two of them stays
 *   frozen (a month-end close is not to be changed in its middle), while non-business days after
 *   the last one (2026-05-30 and 31, a weekend) are free: the close is over by then.
 * - `annual`: calendar days `from` to `to`, both included, every year in the freeze's zone; `to`
 *   before `from` wraps the year end (12-15 to 01-05). 02-29 is refused: it does not exist every year.
 *
 * Whole days start at 00:00 in the zone, or where a midnight DST gap ends (see zoned-time.ts).
 */
import * as z from 'zod/mini';
import {
  addDays,
  daysInMonth,
  isoDate,
  startOfDay,
  timeZoneSchema,
  wallClockAt,
  weekdayIndex,
  type CalendarDate,
} from './zoned-time.ts';

const reasonSchema = z.string().check(z.trim(), z.minLength(1, 'must say why the freeze exists, for whoever is blocked by it'));

const instantSchema = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with Z or an offset, e.g. 2026-11-27T00:00:00Z',
});

const MONTH_DAY = /^(\d\d)-(\d\d)$/;

const monthDaySchema = z.string().check(
  z.refine(
    (s) => {
      const m = MONTH_DAY.exec(s);
      if (!m) return false;
      const month = Number(m[1]);
      const day = Number(m[2]);
      return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(2027, month);
    },
    { error: (issue) => `must be a day of the year as MM-DD, e.g. 12-24 (02-29 does not occur every year), not ${JSON.stringify(issue.input)}` },
  ),
);

const hasZone = (s: string) => /(?:Z|[+-]\d\d:\d\d)$/i.test(s);

export const rangeFreezeSchema = z.object({
  kind: z.literal('range'),
  from: instantSchema,
  to: instantSchema,
  reason: reasonSchema,
}).check(
  z.refine((f) => !hasZone(f.from) || !hasZone(f.to) || Date.parse(f.to) > Date.parse(f.from), {
    message: 'must be after from',
    path: ['to'],
  }),
);

export const lastBusinessDaysFreezeSchema = z.object({
  kind: z.literal('lastBusinessDays'),
  /** Every month has at least 20 weekdays. */
  count: z.number().check(z.int(), z.minimum(1), z.maximum(20)),
  timeZone: timeZoneSchema,
  /** Dates (YYYY-MM-DD, in the freeze's zone) that are not business days. */
  holidays: z.optional(z.array(z.iso.date({ error: 'must be a date as YYYY-MM-DD' }))),
  reason: reasonSchema,
});

export const annualFreezeSchema = z.object({
  kind: z.literal('annual'),
  from: monthDaySchema,
  to: monthDaySchema,
  timeZone: timeZoneSchema,
  reason: reasonSchema,
});

export const freezePeriodSchema = z.discriminatedUnion('kind', [
  rangeFreezeSchema,
  lastBusinessDaysFreezeSchema,
  annualFreezeSchema,
]);

export type RangeFreeze = z.infer<typeof rangeFreezeSchema>;
export type LastBusinessDaysFreeze = z.infer<typeof lastBusinessDaysFreezeSchema>;
export type AnnualFreeze = z.infer<typeof annualFreezeSchema>;
export type FreezePeriod = z.infer<typeof freezePeriodSchema>;

/** One stretch of a freeze, in epoch milliseconds, `end` excluded. */
export interface FrozenInterval {
  start: number;
  end: number;
  freeze: FreezePeriod;
}

/** The freezes' intervals that overlap [fromMs, untilMs), in order of start. */
export function frozenIntervals(freezes: readonly FreezePeriod[], fromMs: number, untilMs: number): FrozenInterval[] {
  return freezes
    .flatMap((freeze) => intervalsOf(freeze, fromMs, untilMs).map(({ start, end }) => ({ start, end, freeze })))
    .filter((i) => i.end > fromMs && i.start < untilMs)
    .sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The first freeze, in the order given, that applies at `at`. */
export function activeFreeze(freezes: readonly FreezePeriod[], at: Date): FreezePeriod | undefined {
  const t = at.getTime();
  return freezes.find((freeze) => frozenIntervals([freeze], t, t + 1).length > 0);
}

/** What the freeze is, for a reason an SRE reads: `freeze "month-end close" (the last 2 business days...)`. */
export function describeFreeze(freeze: FreezePeriod): string {
  const name = `freeze ${JSON.stringify(freeze.reason)}`;
  switch (freeze.kind) {
    case 'range':
      return `${name} (from ${freeze.from} to ${freeze.to})`;
    case 'lastBusinessDays': {
      const holidays = freeze.holidays?.length ? `, holidays ${freeze.holidays.join(', ')} excluded` : '';
      const days = freeze.count === 1 ? 'the last business day' : `the last ${freeze.count} business days`;
      return `${name} (${days} of each month, ${freeze.timeZone}${holidays})`;
    }
    case 'annual':
      return `${name} (every year from ${freeze.from} to ${freeze.to} inclusive, ${freeze.timeZone})`;
  }
}

function intervalsOf(freeze: FreezePeriod, fromMs: number, untilMs: number): { start: number; end: number }[] {
  switch (freeze.kind) {
    case 'range':
      return [{ start: Date.parse(freeze.from), end: Date.parse(freeze.to) }];
    case 'lastBusinessDays':
      return monthsBetween(fromMs, untilMs, freeze.timeZone).flatMap(({ year, month }) => {
        const days = lastBusinessDays(year, month, freeze.count, freeze.holidays ?? []);
        const first = days[0];
        const last = days[days.length - 1];
        if (!first || !last) return [];
        return [{ start: startOfDay(first, freeze.timeZone), end: startOfDay(addDays(last, 1), freeze.timeZone) }];
      });
    case 'annual': {
      const [fromMonth, fromDay] = freeze.from.split('-').map(Number) as [number, number];
      const [toMonth, toDay] = freeze.to.split('-').map(Number) as [number, number];
      const wraps = toMonth < fromMonth || (toMonth === fromMonth && toDay < fromDay);
      const firstYear = wallClockAt(fromMs, freeze.timeZone).year - 1;
      const lastYear = wallClockAt(untilMs, freeze.timeZone).year;
      const out = [];
      for (let year = firstYear; year <= lastYear; year++) {
        const first = { year, month: fromMonth, day: fromDay };
        const last = { year: wraps ? year + 1 : year, month: toMonth, day: toDay };
        out.push({ start: startOfDay(first, freeze.timeZone), end: startOfDay(addDays(last, 1), freeze.timeZone) });
      }
      return out;
    }
  }
}

/**
 * The last `count` business days of a month, oldest first; fewer when the month has fewer
 * business days than that (holidays), none when it has none.
 */
export function lastBusinessDays(year: number, month: number, count: number, holidays: readonly string[]): CalendarDate[] {
  const off = new Set(holidays);
  const days: CalendarDate[] = [];
  for (let day = daysInMonth(year, month); day >= 1 && days.length < count; day--) {
    const date = { year, month, day };
    if (weekdayIndex(date) < 5 && !off.has(isoDate(date))) days.unshift(date);
  }
  return days;
}

/** Every month, in the zone, that overlaps [fromMs, untilMs]. */
function monthsBetween(fromMs: number, untilMs: number, timeZone: string): { year: number; month: number }[] {
  const first = wallClockAt(fromMs, timeZone);
  const last = wallClockAt(untilMs, timeZone);
  const out = [];
  let { year, month } = first;
  while (year < last.year || (year === last.year && month <= last.month)) {
    out.push({ year, month });
    [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
  }
  return out;
}
