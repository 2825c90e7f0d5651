import { describe, it, expect } from 'vitest';
import {
  activeFreeze,
  describeFreeze,
  freezePeriodSchema,
  frozenIntervals,
  lastBusinessDays,
  type FreezePeriod,
} from '#shared/domain/freeze-calendar.ts';

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();
const days = (dates: { year: number; month: number; day: number }[]) =>
  dates.map((d) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`);
/** The freeze's intervals over [from, until), as ISO strings. */
const spans = (freeze: FreezePeriod, from: string, until: string) =>
  frozenIntervals([freeze], ms(from), ms(until)).map((i) => [iso(i.start), iso(i.end)]);
const frozenAt = (freeze: FreezePeriod, at: string) => activeFreeze([freeze], new Date(at)) !== undefined;

const monthEnd: FreezePeriod = { kind: 'lastBusinessDays', count: 2, timeZone: 'Europe/Brussels', reason: 'month-end close' };
const peak: FreezePeriod = { kind: 'annual', from: '11-15', to: '01-10', timeZone: 'Europe/Brussels', reason: 'warehouse peak' };
const blackFriday: FreezePeriod = {
  kind: 'range',
  from: '2026-11-26T00:00:00Z',
  to: '2026-11-30T06:00:00Z',
  reason: 'Black Friday',
};

describe('freezePeriodSchema', () => {
  describe('accepts', () => {
    it.each<[string, unknown]>([
      ['a range with Z instants', blackFriday],
      ['a range with offsets', { kind: 'range', from: '2026-11-26T00:00:00+01:00', to: '2026-11-30T06:00:00.500-05:00', reason: 'peak' }],
      ['the last business days of the month', monthEnd],
      ['the last business days with holidays', { ...monthEnd, holidays: ['2026-05-29', '2026-12-31'] }],
      ['an annual period wrapping the year end', peak],
      ['an annual period of one day', { kind: 'annual', from: '12-24', to: '12-24', timeZone: 'America/New_York', reason: 'Christmas Eve' }],
    ])('%s', (_, freeze) => {
      expect(freezePeriodSchema.safeParse(freeze).success).toBe(true);
    });

    it('trims the reason', () => {
      expect(freezePeriodSchema.parse({ ...monthEnd, reason: '  month-end close ' }).reason).toBe('month-end close');
    });
  });

  describe('refuses, saying what is wrong and where', () => {
    const issues = (freeze: unknown) =>
      freezePeriodSchema.safeParse(freeze).error?.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) ?? [];

    it('a range instant without Z or an offset: which instant is meant would be a guess', () => {
      expect(issues({ ...blackFriday, from: '2026-11-26T00:00:00' })).toContainEqual({
        path: 'from',
        message: 'must be an ISO 8601 date-time with Z or an offset, e.g. 2026-11-27T00:00:00Z',
      });
    });

    it('a range that ends before it starts, or when it starts', () => {
      expect(issues({ ...blackFriday, to: '2026-11-25T00:00:00Z' })).toEqual([{ path: 'to', message: 'must be after from' }]);
      expect(issues({ ...blackFriday, to: blackFriday.from })).toEqual([{ path: 'to', message: 'must be after from' }]);
    });

    it.each([0, 21, 1.5, -2])('a count of %d business days', (count) => {
      expect(issues({ ...monthEnd, count }).map((i) => i.path)).toEqual(['count']);
    });

    it('a holiday that is not a date', () => {
      expect(issues({ ...monthEnd, holidays: ['2026-02-30'] })).toEqual([{ path: 'holidays.0', message: 'must be a date as YYYY-MM-DD' }]);
      expect(issues({ ...monthEnd, holidays: ['29/05/2026'] })).toEqual([{ path: 'holidays.0', message: 'must be a date as YYYY-MM-DD' }]);
    });

    it('an annual day of 02-29, which does not occur every year', () => {
      expect(issues({ ...peak, from: '02-29' })).toEqual([
        { path: 'from', message: 'must be a day of the year as MM-DD, e.g. 12-24 (02-29 does not occur every year), not "02-29"' },
      ]);
    });

    it.each(['13-01', '04-31', '00-10', '1-5', '12-24T00:00'])('an annual day of %j', (day) => {
      expect(issues({ ...peak, to: day }).map((i) => i.path)).toEqual(['to']);
    });

    it('an unknown time zone, naming it', () => {
      expect(issues({ ...monthEnd, timeZone: 'Europe/Atlantis' })).toEqual([
        { path: 'timeZone', message: 'unknown time zone "Europe/Atlantis": use an IANA name such as "Europe/Brussels"' },
      ]);
    });

    it('a blank reason: whoever is blocked needs to know why', () => {
      expect(issues({ ...peak, reason: '   ' })).toEqual([
        { path: 'reason', message: 'must say why the freeze exists, for whoever is blocked by it' },
      ]);
    });

    it('an unknown kind', () => {
      expect(freezePeriodSchema.safeParse({ kind: 'weekly', reason: 'x' }).success).toBe(false);
    });
  });
});

describe('lastBusinessDays', () => {
  it.each([
    ['February 2026, ending on a Saturday', 2026, 2, ['2026-02-26', '2026-02-27']],
    ['May 2026, ending on a Sunday', 2026, 5, ['2026-05-28', '2026-05-29']],
    ['August 2026, ending on a Monday', 2026, 8, ['2026-08-28', '2026-08-31']],
    ['June 2026, 30 days ending on a Tuesday', 2026, 6, ['2026-06-29', '2026-06-30']],
    ['July 2026, 31 days ending on a Friday', 2026, 7, ['2026-07-30', '2026-07-31']],
    ['February 2027, 28 days ending on a Sunday', 2027, 2, ['2027-02-25', '2027-02-26']],
    ['February 2028, a leap year, ending on Tuesday the 29th', 2028, 2, ['2028-02-28', '2028-02-29']],
  ])('gives the last 2 business days of %s', (_, year, month, expected) => {
    expect(days(lastBusinessDays(year, month, 2, []))).toEqual(expected);
  });

  it('skips a holiday, taking the business day before it', () => {
    expect(days(lastBusinessDays(2026, 5, 2, ['2026-05-29']))).toEqual(['2026-05-27', '2026-05-28']);
  });

  it('skips holidays and a weekend together (December 2026: 24th and 31st off)', () => {
    expect(days(lastBusinessDays(2026, 12, 3, ['2026-12-24', '2026-12-31']))).toEqual(['2026-12-28', '2026-12-29', '2026-12-30']);
  });

  it('ignores holidays of other months', () => {
    expect(days(lastBusinessDays(2026, 6, 1, ['2026-05-29', '2026-07-31']))).toEqual(['2026-06-30']);
  });

  it('gives every business day when asked for more than the month has', () => {
    const februaryHolidays = Array.from({ length: 25 }, (_, i) => `2026-02-${String(i + 1).padStart(2, '0')}`);
    expect(days(lastBusinessDays(2026, 2, 5, februaryHolidays))).toEqual(['2026-02-26', '2026-02-27']);
  });
});

describe('frozenIntervals', () => {
  describe('the last business days of each month', () => {
    it('freezes whole days in the zone, from the first of them to the end of the last', () => {
      expect(spans(monthEnd, '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')).toEqual([
        ['2026-02-25T23:00:00.000Z', '2026-02-27T23:00:00.000Z'],
      ]);
    });

    it('leaves the weekend after the last business day free (May 2026 ends on a Sunday)', () => {
      expect(spans(monthEnd, '2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z')).toEqual([
        ['2026-05-27T22:00:00.000Z', '2026-05-29T22:00:00.000Z'],
      ]);
      expect(frozenAt(monthEnd, '2026-05-29T21:59:59Z')).toBe(true);
      expect(frozenAt(monthEnd, '2026-05-29T22:00:00Z')).toBe(false);
      expect(frozenAt(monthEnd, '2026-05-30T23:30:00Z')).toBe(false);
    });

    it('keeps the weekend between two of them frozen (August 2026 ends on a Monday)', () => {
      expect(spans(monthEnd, '2026-08-01T00:00:00Z', '2026-09-01T00:00:00Z')).toEqual([
        ['2026-08-27T22:00:00.000Z', '2026-08-31T22:00:00.000Z'],
      ]);
      expect(frozenAt(monthEnd, '2026-08-30T01:00:00Z')).toBe(true);
    });

    it('moves earlier around a holiday, and keeps the holiday itself frozen when it falls between them', () => {
      const withHoliday: FreezePeriod = { ...monthEnd, holidays: ['2026-05-28'] };
      expect(spans(withHoliday, '2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z')).toEqual([
        ['2026-05-26T22:00:00.000Z', '2026-05-29T22:00:00.000Z'],
      ]);
    });

    it('follows each month through a year, across both DST changes and a leap February', () => {
      const intervals = spans(monthEnd, '2027-12-31T00:00:00Z', '2028-12-31T23:00:00Z');
      expect(intervals).toEqual([
        ['2027-12-29T23:00:00.000Z', '2027-12-31T23:00:00.000Z'],
        ['2028-01-27T23:00:00.000Z', '2028-01-31T23:00:00.000Z'],
        ['2028-02-27T23:00:00.000Z', '2028-02-29T23:00:00.000Z'],
        ['2028-03-29T22:00:00.000Z', '2028-03-31T22:00:00.000Z'],
        ['2028-04-26T22:00:00.000Z', '2028-04-28T22:00:00.000Z'],
        ['2028-05-29T22:00:00.000Z', '2028-05-31T22:00:00.000Z'],
        ['2028-06-28T22:00:00.000Z', '2028-06-30T22:00:00.000Z'],
        ['2028-07-27T22:00:00.000Z', '2028-07-31T22:00:00.000Z'],
        ['2028-08-29T22:00:00.000Z', '2028-08-31T22:00:00.000Z'],
        ['2028-09-27T22:00:00.000Z', '2028-09-29T22:00:00.000Z'],
        ['2028-10-29T23:00:00.000Z', '2028-10-31T23:00:00.000Z'],
        ['2028-11-28T23:00:00.000Z', '2028-11-30T23:00:00.000Z'],
        ['2028-12-27T23:00:00.000Z', '2028-12-29T23:00:00.000Z'],
      ]);
    });

    it('reads the days in its own zone: the same close is different instants in Kolkata and New York', () => {
      expect(spans({ ...monthEnd, timeZone: 'Asia/Kolkata' }, '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')).toEqual([
        ['2026-02-25T18:30:00.000Z', '2026-02-27T18:30:00.000Z'],
      ]);
      expect(spans({ ...monthEnd, timeZone: 'America/New_York' }, '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')).toEqual([
        ['2026-02-26T05:00:00.000Z', '2026-02-28T05:00:00.000Z'],
      ]);
    });
  });

  describe('an annual period', () => {
    it('wraps the year end: from 00:00 on its first day to the end of its last', () => {
      expect(spans(peak, '2026-06-01T00:00:00Z', '2027-06-01T00:00:00Z')).toEqual([
        ['2026-11-14T23:00:00.000Z', '2027-01-10T23:00:00.000Z'],
      ]);
    });

    it("applies on New Year's Day from the previous year's start", () => {
      expect(spans(peak, '2027-01-01T00:00:00Z', '2027-01-02T00:00:00Z')).toEqual([
        ['2026-11-14T23:00:00.000Z', '2027-01-10T23:00:00.000Z'],
      ]);
      expect(frozenAt(peak, '2026-12-31T23:30:00Z')).toBe(true);
      expect(frozenAt(peak, '2027-01-10T22:59:59Z')).toBe(true);
      expect(frozenAt(peak, '2027-01-10T23:00:00Z')).toBe(false);
      expect(frozenAt(peak, '2026-11-14T22:59:59Z')).toBe(false);
    });

    it('recurs every year', () => {
      expect(spans(peak, '2026-01-01T00:00:00Z', '2028-01-01T00:00:00Z')).toEqual([
        ['2025-11-14T23:00:00.000Z', '2026-01-10T23:00:00.000Z'],
        ['2026-11-14T23:00:00.000Z', '2027-01-10T23:00:00.000Z'],
        ['2027-11-14T23:00:00.000Z', '2028-01-10T23:00:00.000Z'],
      ]);
    });

    it('takes in 02-29 in a leap year when it spans the end of February', () => {
      const inventory: FreezePeriod = { kind: 'annual', from: '02-20', to: '03-05', timeZone: 'Europe/Brussels', reason: 'inventory' };
      expect(spans(inventory, '2028-01-01T00:00:00Z', '2028-12-31T00:00:00Z')).toEqual([
        ['2028-02-19T23:00:00.000Z', '2028-03-05T23:00:00.000Z'],
      ]);
      expect(frozenAt(inventory, '2028-02-29T12:00:00Z')).toBe(true);
    });

    it('freezes one whole day when from and to are the same', () => {
      const eve: FreezePeriod = { kind: 'annual', from: '12-24', to: '12-24', timeZone: 'America/New_York', reason: 'Christmas Eve' };
      expect(spans(eve, '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([['2026-12-24T05:00:00.000Z', '2026-12-25T05:00:00.000Z']]);
    });
  });

  describe('a range', () => {
    it('includes its start and excludes its end', () => {
      expect(frozenAt(blackFriday, '2026-11-26T00:00:00Z')).toBe(true);
      expect(frozenAt(blackFriday, '2026-11-30T05:59:59.999Z')).toBe(true);
      expect(frozenAt(blackFriday, '2026-11-30T06:00:00Z')).toBe(false);
      expect(frozenAt(blackFriday, '2026-11-25T23:59:59.999Z')).toBe(false);
    });

    it('reads an offset as the instant it names', () => {
      const local: FreezePeriod = { ...blackFriday, from: '2026-11-26T00:00:00+01:00', to: '2026-11-26T06:00:00+05:30' };
      expect(spans(local, '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z')).toEqual([['2026-11-25T23:00:00.000Z', '2026-11-26T00:30:00.000Z']]);
    });
  });

  it('lists several freezes by start, each with the freeze it belongs to, and only those overlapping the span', () => {
    // Act
    const intervals = frozenIntervals([peak, blackFriday, monthEnd], ms('2026-11-01T00:00:00Z'), ms('2026-12-01T00:00:00Z'));

    // Assess
    expect(intervals.map((i) => [iso(i.start), i.freeze.reason])).toEqual([
      ['2026-11-14T23:00:00.000Z', 'warehouse peak'],
      ['2026-11-26T00:00:00.000Z', 'Black Friday'],
      ['2026-11-26T23:00:00.000Z', 'month-end close'],
    ]);
  });
});

describe('activeFreeze', () => {
  it('gives the first freeze, in the order given, that applies', () => {
    expect(activeFreeze([monthEnd, blackFriday, peak], new Date('2026-11-27T12:00:00Z'))).toBe(monthEnd);
    expect(activeFreeze([peak, monthEnd], new Date('2026-11-27T12:00:00Z'))).toBe(peak);
  });

  it('gives undefined when none applies, or there are none', () => {
    expect(activeFreeze([monthEnd, blackFriday, peak], new Date('2026-07-15T12:00:00Z'))).toBeUndefined();
    expect(activeFreeze([], new Date('2026-07-15T12:00:00Z'))).toBeUndefined();
  });
});

describe('describeFreeze', () => {
  it('names the freeze by its reason and says when it applies', () => {
    expect(describeFreeze(blackFriday)).toBe('freeze "Black Friday" (from 2026-11-26T00:00:00Z to 2026-11-30T06:00:00Z)');
    expect(describeFreeze(peak)).toBe('freeze "warehouse peak" (every year from 11-15 to 01-10 inclusive, Europe/Brussels)');
    expect(describeFreeze({ ...monthEnd, holidays: ['2026-05-29'] })).toBe(
      'freeze "month-end close" (the last 2 business days of each month, Europe/Brussels, holidays 2026-05-29 excluded)',
    );
    expect(describeFreeze({ ...monthEnd, count: 1 })).toBe('freeze "month-end close" (the last business day of each month, Europe/Brussels)');
  });
});
