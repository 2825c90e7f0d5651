import { describe, it, expect } from 'vitest';
import {
  addDays,
  daysInMonth,
  describeInstant,
  isTimeZone,
  startOfDay,
  timeZoneSchema,
  wallClockAt,
  weekdayOf,
  zoneOffsetMs,
  zonedInstant,
} from '#shared/domain/zoned-time.ts';

const HOUR = 3_600_000;
const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();
const wall = (date: string, time: string) => {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return { year, month, day, hour, minute };
};

describe('isTimeZone', () => {
  it.each(['Europe/Brussels', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'])('knows %s', (zone) => {
    expect(isTimeZone(zone)).toBe(true);
  });

  it.each(['Mars/Olympus', 'Europe/Bruxelles', '+05:30', '-03:00', ''])('refuses %j', (zone) => {
    expect(isTimeZone(zone)).toBe(false);
  });
});

describe('timeZoneSchema', () => {
  it('refuses an unknown zone with a message naming it and an example', () => {
    // Act
    const result = timeZoneSchema.safeParse('Mars/Olympus');

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('unknown time zone "Mars/Olympus": use an IANA name such as "Europe/Brussels"');
  });

  it('accepts an IANA name', () => {
    expect(timeZoneSchema.parse('Asia/Kolkata')).toBe('Asia/Kolkata');
  });
});

describe('zoneOffsetMs', () => {
  it('gives Europe/Brussels +1 h in winter and +2 h in summer', () => {
    expect(zoneOffsetMs(ms('2026-01-15T12:00:00Z'), 'Europe/Brussels')).toBe(1 * HOUR);
    expect(zoneOffsetMs(ms('2026-07-15T12:00:00Z'), 'Europe/Brussels')).toBe(2 * HOUR);
  });

  it('gives Asia/Kolkata +5:30 all year', () => {
    expect(zoneOffsetMs(ms('2026-01-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * HOUR);
    expect(zoneOffsetMs(ms('2026-07-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * HOUR);
  });

  it('gives Australia/Lord_Howe +11 in its summer and +10:30 in its winter (a 30-minute DST)', () => {
    expect(zoneOffsetMs(ms('2026-01-15T12:00:00Z'), 'Australia/Lord_Howe')).toBe(11 * HOUR);
    expect(zoneOffsetMs(ms('2026-07-15T12:00:00Z'), 'Australia/Lord_Howe')).toBe(10.5 * HOUR);
  });

  it('changes at the exact instant of the Brussels spring change, 01:00 UTC', () => {
    expect(zoneOffsetMs(ms('2026-03-29T00:59:59Z'), 'Europe/Brussels')).toBe(1 * HOUR);
    expect(zoneOffsetMs(ms('2026-03-29T01:00:00Z'), 'Europe/Brussels')).toBe(2 * HOUR);
  });
});

describe('wallClockAt', () => {
  it('reads the clock of the zone, across the date line from UTC', () => {
    expect(wallClockAt(ms('2025-12-31T20:00:00Z'), 'Asia/Kolkata')).toEqual(wall('2026-01-01', '01:30'));
    expect(wallClockAt(ms('2026-01-01T03:00:00Z'), 'America/New_York')).toEqual(wall('2025-12-31', '22:00'));
  });
});

describe('zonedInstant', () => {
  it('maps an ordinary wall-clock time to its one instant', () => {
    expect(iso(zonedInstant(wall('2026-01-11', '01:00'), 'Europe/Brussels', 'earlier'))).toBe('2026-01-11T00:00:00.000Z');
    expect(iso(zonedInstant(wall('2026-01-11', '01:00'), 'Asia/Kolkata', 'later'))).toBe('2026-01-10T19:30:00.000Z');
  });

  describe('in a spring-forward gap, resolves to the first valid instant after the gap', () => {
    it('02:30 on 2026-03-29 in Europe/Brussels is 03:00 CEST (01:00 UTC)', () => {
      expect(iso(zonedInstant(wall('2026-03-29', '02:30'), 'Europe/Brussels', 'earlier'))).toBe('2026-03-29T01:00:00.000Z');
      expect(iso(zonedInstant(wall('2026-03-29', '02:30'), 'Europe/Brussels', 'later'))).toBe('2026-03-29T01:00:00.000Z');
    });

    it('02:00 on 2026-03-29 in Europe/Brussels (the first missing minute) is 03:00 CEST too', () => {
      expect(iso(zonedInstant(wall('2026-03-29', '02:00'), 'Europe/Brussels', 'earlier'))).toBe('2026-03-29T01:00:00.000Z');
    });

    it('02:30 on 2026-03-08 in America/New_York is 03:00 EDT (07:00 UTC)', () => {
      expect(iso(zonedInstant(wall('2026-03-08', '02:30'), 'America/New_York', 'earlier'))).toBe('2026-03-08T07:00:00.000Z');
    });

    it('02:15 on 2026-10-04 in Australia/Lord_Howe, inside a 30-minute gap, is 02:30 (+11)', () => {
      expect(iso(zonedInstant(wall('2026-10-04', '02:15'), 'Australia/Lord_Howe', 'earlier'))).toBe('2026-10-03T15:30:00.000Z');
    });

    it('midnight on 2026-09-06 in America/Santiago, where the clock jumps from 00:00 to 01:00, is 01:00 (-03)', () => {
      expect(iso(zonedInstant(wall('2026-09-06', '00:00'), 'America/Santiago', 'earlier'))).toBe('2026-09-06T04:00:00.000Z');
    });
  });

  describe('in a fall-back overlap, gives the first or the second occurrence as asked', () => {
    it('02:30 on 2026-10-25 in Europe/Brussels: 02:30 CEST then 02:30 CET', () => {
      expect(iso(zonedInstant(wall('2026-10-25', '02:30'), 'Europe/Brussels', 'earlier'))).toBe('2026-10-25T00:30:00.000Z');
      expect(iso(zonedInstant(wall('2026-10-25', '02:30'), 'Europe/Brussels', 'later'))).toBe('2026-10-25T01:30:00.000Z');
    });

    it('01:30 on 2026-11-01 in America/New_York: 01:30 EDT then 01:30 EST', () => {
      expect(iso(zonedInstant(wall('2026-11-01', '01:30'), 'America/New_York', 'earlier'))).toBe('2026-11-01T05:30:00.000Z');
      expect(iso(zonedInstant(wall('2026-11-01', '01:30'), 'America/New_York', 'later'))).toBe('2026-11-01T06:30:00.000Z');
    });

    it('01:45 on 2026-04-05 in Australia/Lord_Howe: 30 minutes apart', () => {
      expect(iso(zonedInstant(wall('2026-04-05', '01:45'), 'Australia/Lord_Howe', 'earlier'))).toBe('2026-04-04T14:45:00.000Z');
      expect(iso(zonedInstant(wall('2026-04-05', '01:45'), 'Australia/Lord_Howe', 'later'))).toBe('2026-04-04T15:15:00.000Z');
    });

    it('03:00 on 2026-10-25 in Europe/Brussels, just after the repeated hour, happens once', () => {
      expect(iso(zonedInstant(wall('2026-10-25', '03:00'), 'Europe/Brussels', 'earlier'))).toBe('2026-10-25T02:00:00.000Z');
      expect(iso(zonedInstant(wall('2026-10-25', '03:00'), 'Europe/Brussels', 'later'))).toBe('2026-10-25T02:00:00.000Z');
    });
  });

  it.each([
    ['Europe/Brussels', '2026-03-22T00:00:00Z', '2026-10-18T00:00:00Z'],
    ['America/New_York', '2026-03-01T00:00:00Z', '2026-10-25T00:00:00Z'],
    ['Australia/Lord_Howe', '2026-03-29T00:00:00Z', '2026-09-27T00:00:00Z'],
    ['Asia/Kolkata', '2026-03-22T00:00:00Z', '2026-10-18T00:00:00Z'],
  ])('round-trips every half hour of the two weeks around each DST change in %s', (zone, spring, autumn) => {
    // Prepare: every instant reads a wall-clock time that maps back to it, as its first or second occurrence
    const instants = [spring, autumn].flatMap((from) => Array.from({ length: 14 * 48 }, (_, i) => ms(from) + (i * HOUR) / 2));

    // Act
    const mismatches = instants.filter((t) => {
      const clock = wallClockAt(t, zone);
      return zonedInstant(clock, zone, 'earlier') !== t && zonedInstant(clock, zone, 'later') !== t;
    });

    // Assess
    expect(mismatches.map(iso)).toEqual([]);
  });
});

describe('startOfDay', () => {
  it('is local midnight', () => {
    expect(iso(startOfDay({ year: 2026, month: 7, day: 1 }, 'Europe/Brussels'))).toBe('2026-06-30T22:00:00.000Z');
  });

  it('is 01:00 on a day whose midnight falls in a DST gap (America/Santiago, 2026-09-06)', () => {
    expect(iso(startOfDay({ year: 2026, month: 9, day: 6 }, 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z');
  });
});

describe('calendar arithmetic', () => {
  it('names weekdays', () => {
    expect(weekdayOf({ year: 2026, month: 2, day: 28 })).toBe('sat');
    expect(weekdayOf({ year: 2026, month: 5, day: 31 })).toBe('sun');
    expect(weekdayOf({ year: 2028, month: 2, day: 29 })).toBe('tue');
  });

  it('adds days across month and year ends', () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(addDays({ year: 2028, month: 3, day: 1 }, -1)).toEqual({ year: 2028, month: 2, day: 29 });
  });

  it('counts days in a month, February of a leap year included', () => {
    expect([daysInMonth(2026, 2), daysInMonth(2028, 2), daysInMonth(2026, 4), daysInMonth(2026, 12)]).toEqual([28, 29, 30, 31]);
  });
});

describe('describeInstant', () => {
  it('gives the weekday and time in the zone, then the UTC instant', () => {
    expect(describeInstant(ms('2026-03-29T01:00:00Z'), 'Europe/Brussels')).toBe('Sun 2026-03-29 03:00 Europe/Brussels (2026-03-29T01:00:00Z)');
  });
});
