import { describe, it, expect } from 'vitest';
import {
  describeWindow,
  isInWindow,
  nextWindowOpening,
  releaseCalendarSchema,
  releaseWindowSchema,
  usableSlots,
  type ReleaseWindow,
} from '#shared/domain/release-windows.ts';
import type { FreezePeriod } from '#shared/domain/freeze-calendar.ts';
import type { Weekday } from '#shared/domain/zoned-time.ts';

const at = (iso: string) => new Date(iso);
const win = (days: Weekday[], start: string, end: string, timeZone = 'UTC'): ReleaseWindow => ({ days, start, end, timeZone });
const slotOf = (s: { start: Date; end: Date } | undefined) => s && [s.start.toISOString(), s.end.toISOString()];
const slotsOf = (slots: { start: Date; end: Date }[]) => slots.map(slotOf);
const range = (from: string, to: string, reason = 'maintenance'): FreezePeriod => ({ kind: 'range', from, to, reason });

/** The example of the feature request: Sunday 01:00-05:00 in Brussels (00:00-04:00 UTC in winter). */
const sundayBrussels = win(['sun'], '01:00', '05:00', 'Europe/Brussels');

describe('releaseWindowSchema', () => {
  const issues = (value: unknown) =>
    releaseWindowSchema.safeParse(value).error?.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) ?? [];

  it('accepts a window', () => {
    expect(releaseWindowSchema.parse(sundayBrussels)).toEqual(sundayBrussels);
  });

  it('accepts a window crossing midnight and a 24-hour one', () => {
    expect(releaseWindowSchema.safeParse(win(['fri'], '22:00', '02:00')).success).toBe(true);
    expect(releaseWindowSchema.safeParse(win(['sat'], '00:00', '00:00')).success).toBe(true);
  });

  it('refuses 25:00, saying what a time looks like', () => {
    expect(issues({ ...sundayBrussels, start: '25:00' })).toEqual([
      { path: 'start', message: 'must be a time of day as HH:MM, from 00:00 to 23:59, not "25:00"' },
    ]);
  });

  it.each(['24:00', '9:00', '12:60', '12:00:00', 'noon', ''])('refuses the time %j', (time) => {
    expect(issues({ ...sundayBrussels, end: time }).map((i) => i.path)).toEqual(['end']);
  });

  it('refuses a window without days', () => {
    expect(issues({ ...sundayBrussels, days: [] })).toEqual([
      { path: 'days', message: 'must name at least one day (mon, tue, wed, thu, fri, sat, sun)' },
    ]);
  });

  it('refuses a day it does not know', () => {
    expect(issues({ ...sundayBrussels, days: ['sunday'] }).map((i) => i.path)).toEqual(['days.0']);
  });

  it('refuses an unknown time zone, naming it', () => {
    expect(issues({ ...sundayBrussels, timeZone: 'Mars/Olympus' })).toEqual([
      { path: 'timeZone', message: 'unknown time zone "Mars/Olympus": use an IANA name such as "Europe/Brussels"' },
    ]);
  });

  it('refuses a bare offset: it has no DST rules', () => {
    expect(issues({ ...sundayBrussels, timeZone: '+05:30' }).map((i) => i.path)).toEqual(['timeZone']);
  });
});

describe('releaseCalendarSchema', () => {
  it('holds a tenant\'s windows and freezes, freezes defaulting to none', () => {
    expect(releaseCalendarSchema.parse({ windows: [sundayBrussels] })).toEqual({ windows: [sundayBrussels], freezes: [] });
  });

  it('points at the offending window or freeze', () => {
    // Act
    const result = releaseCalendarSchema.safeParse({
      windows: [sundayBrussels, { ...sundayBrussels, start: '25:00' }],
      freezes: [{ kind: 'annual', from: '02-29', to: '03-01', timeZone: 'UTC', reason: 'x' }],
    });

    // Assess
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['windows.1.start', 'freezes.0.from']);
  });
});

describe('isInWindow', () => {
  it.each([
    ['at its start (01:00 local)', '2026-01-11T00:00:00Z', true],
    ['inside it', '2026-01-11T02:30:00Z', true],
    ['a second before its end', '2026-01-11T03:59:59Z', true],
    ['at its end (05:00 local): the end is excluded', '2026-01-11T04:00:00Z', false],
    ['a second before it opens', '2026-01-10T23:59:59Z', false],
    ['on another day at the same time', '2026-01-12T01:00:00Z', false],
  ])('Sun 01:00-05:00 Europe/Brussels is %s: %s -> %s', (_, instant, expected) => {
    expect(isInWindow([sundayBrussels], at(instant))).toBe(expected);
  });

  describe('a window crossing midnight belongs to the day it opens', () => {
    const fridayNight = win(['fri'], '22:00', '02:00');

    it.each([
      ['Friday 22:00', '2026-01-09T22:00:00Z', true],
      ['Saturday 01:59', '2026-01-10T01:59:00Z', true],
      ['Saturday 02:00', '2026-01-10T02:00:00Z', false],
      ['Friday 21:59', '2026-01-09T21:59:00Z', false],
      ['Thursday 23:00', '2026-01-08T23:00:00Z', false],
      ['Saturday 23:00', '2026-01-10T23:00:00Z', false],
    ])('fri 22:00-02:00 at %s -> %s', (_, instant, expected) => {
      expect(isInWindow([fridayNight], at(instant))).toBe(expected);
    });

    it('ends at midnight when its end is 00:00', () => {
      expect(isInWindow([win(['fri'], '22:00', '00:00')], at('2026-01-09T23:59:59Z'))).toBe(true);
      expect(isInWindow([win(['fri'], '22:00', '00:00')], at('2026-01-10T00:00:00Z'))).toBe(false);
    });

    it('lasts 24 hours when its end equals its start', () => {
      const mondayAllDay = win(['mon'], '06:00', '06:00');
      expect(isInWindow([mondayAllDay], at('2026-01-13T05:59:00Z'))).toBe(true);
      expect(isInWindow([mondayAllDay], at('2026-01-13T06:00:00Z'))).toBe(false);
      expect(isInWindow([mondayAllDay], at('2026-01-12T05:59:00Z'))).toBe(false);
    });
  });

  it('is open when any of several windows is', () => {
    const windows = [win(['wed'], '12:00', '13:00'), sundayBrussels];
    expect(isInWindow(windows, at('2026-01-07T12:30:00Z'))).toBe(true);
    expect(isInWindow(windows, at('2026-01-11T01:00:00Z'))).toBe(true);
    expect(isInWindow(windows, at('2026-01-07T14:00:00Z'))).toBe(false);
  });

  it('is never open without windows', () => {
    expect(isInWindow([], at('2026-01-11T01:00:00Z'))).toBe(false);
  });

  it('reads each window in its own zone: Mon-Fri 23:30-01:30 Asia/Kolkata is 18:00-20:00 UTC', () => {
    const weeknights = win(['mon', 'tue', 'wed', 'thu', 'fri'], '23:30', '01:30', 'Asia/Kolkata');
    expect(slotsOf(usableSlots([weeknights], [], at('2026-01-12T00:00:00Z'), at('2026-01-14T00:00:00Z')))).toEqual([
      ['2026-01-12T18:00:00.000Z', '2026-01-12T20:00:00.000Z'],
      ['2026-01-13T18:00:00.000Z', '2026-01-13T20:00:00.000Z'],
    ]);
    expect(isInWindow([weeknights], at('2026-01-10T19:00:00Z'))).toBe(false);
  });
});

describe('windows on DST nights', () => {
  const slotsBetween = (window: ReleaseWindow, from: string, until: string) => slotsOf(usableSlots([window], [], at(from), at(until)));

  describe('Sun 01:00-05:00 Europe/Brussels', () => {
    it('lasts 3 hours on the March night the clocks go forward (2026-03-29), and 4 the Sundays around it', () => {
      expect(slotsBetween(sundayBrussels, '2026-03-21T00:00:00Z', '2026-04-06T00:00:00Z')).toEqual([
        ['2026-03-22T00:00:00.000Z', '2026-03-22T04:00:00.000Z'],
        ['2026-03-29T00:00:00.000Z', '2026-03-29T03:00:00.000Z'],
        ['2026-04-04T23:00:00.000Z', '2026-04-05T03:00:00.000Z'],
      ]);
    });

    it('lasts 5 hours on the October night the clocks go back (2026-10-25), once', () => {
      expect(slotsBetween(sundayBrussels, '2026-10-17T00:00:00Z', '2026-11-02T00:00:00Z')).toEqual([
        ['2026-10-17T23:00:00.000Z', '2026-10-18T03:00:00.000Z'],
        ['2026-10-24T23:00:00.000Z', '2026-10-25T04:00:00.000Z'],
        ['2026-11-01T00:00:00.000Z', '2026-11-01T04:00:00.000Z'],
      ]);
      expect(isInWindow([sundayBrussels], at('2026-10-25T03:59:00Z'))).toBe(true);
    });

    it('closes at 05:00 CEST on the March night, not an hour later', () => {
      expect(isInWindow([sundayBrussels], at('2026-03-29T02:59:00Z'))).toBe(true);
      expect(isInWindow([sundayBrussels], at('2026-03-29T03:00:00Z'))).toBe(false);
    });
  });

  it('starts a window due at 02:30 on the spring-forward night at 03:00, the end of the gap', () => {
    expect(slotsBetween(win(['sun'], '02:30', '04:00', 'Europe/Brussels'), '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z')).toEqual([
      ['2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z'],
    ]);
    expect(slotsBetween(win(['sun'], '02:30', '04:00', 'America/New_York'), '2026-03-07T00:00:00Z', '2026-03-09T00:00:00Z')).toEqual([
      ['2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z'],
    ]);
  });

  it('skips a window that lies wholly in the gap that night, and keeps it other weeks', () => {
    expect(slotsBetween(win(['sun'], '02:00', '02:45', 'Europe/Brussels'), '2026-03-21T00:00:00Z', '2026-04-06T00:00:00Z')).toEqual([
      ['2026-03-22T01:00:00.000Z', '2026-03-22T01:45:00.000Z'],
      ['2026-04-05T00:00:00.000Z', '2026-04-05T00:45:00.000Z'],
    ]);
  });

  it('gives a 01:00-03:00 window its whole wall-clock span once on the fall-back night (America/New_York, 2026-11-01)', () => {
    // 01:00 EDT (05:00 UTC) to 03:00 EST (08:00 UTC): the repeated hour is inside, the window does not reopen at 01:00 EST
    expect(slotsBetween(win(['sun'], '01:00', '03:00', 'America/New_York'), '2026-10-31T00:00:00Z', '2026-11-02T00:00:00Z')).toEqual([
      ['2026-11-01T05:00:00.000Z', '2026-11-01T08:00:00.000Z'],
    ]);
    expect(isInWindow([win(['sun'], '01:00', '03:00', 'America/New_York')], at('2026-11-01T06:30:00Z'))).toBe(true);
  });

  it('opens a window starting in the repeated hour at its first occurrence (Europe/Brussels, 2026-10-25)', () => {
    expect(slotsBetween(win(['sun'], '02:00', '03:00', 'Europe/Brussels'), '2026-10-24T00:00:00Z', '2026-10-26T00:00:00Z')).toEqual([
      ['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z'],
    ]);
  });

  it('ends a window ending in the repeated hour at its second occurrence (Europe/Brussels, 2026-10-25)', () => {
    expect(slotsBetween(win(['sun'], '01:00', '02:30', 'Europe/Brussels'), '2026-10-24T00:00:00Z', '2026-10-26T00:00:00Z')).toEqual([
      ['2026-10-24T23:00:00.000Z', '2026-10-25T01:30:00.000Z'],
    ]);
  });

  describe('Australia/Lord_Howe, whose clocks move by 30 minutes', () => {
    it('starts a 02:00-03:00 window at 02:30 on the spring-forward night (2026-10-04)', () => {
      expect(slotsBetween(win(['sun'], '02:00', '03:00', 'Australia/Lord_Howe'), '2026-10-03T00:00:00Z', '2026-10-04T12:00:00Z')).toEqual([
        ['2026-10-03T15:30:00.000Z', '2026-10-03T16:00:00.000Z'],
      ]);
    });

    it('stretches a 01:00-02:00 window to 90 minutes on the fall-back night (2026-04-05), 60 the week after', () => {
      expect(slotsBetween(win(['sun'], '01:00', '02:00', 'Australia/Lord_Howe'), '2026-04-04T00:00:00Z', '2026-04-12T00:00:00Z')).toEqual([
        ['2026-04-04T14:00:00.000Z', '2026-04-04T15:30:00.000Z'],
        ['2026-04-11T14:30:00.000Z', '2026-04-11T15:30:00.000Z'],
      ]);
    });
  });
});

describe('nextWindowOpening', () => {
  it('starts at `from` when a window is open and nothing is frozen', () => {
    expect(slotOf(nextWindowOpening([sundayBrussels], [], at('2026-01-11T01:00:00Z'), at('2026-02-01T00:00:00Z')))).toEqual([
      '2026-01-11T01:00:00.000Z',
      '2026-01-11T04:00:00.000Z',
    ]);
  });

  it('gives the next opening when the windows are closed', () => {
    expect(slotOf(nextWindowOpening([sundayBrussels], [], at('2026-01-07T12:00:00Z'), at('2026-02-01T00:00:00Z')))).toEqual([
      '2026-01-11T00:00:00.000Z',
      '2026-01-11T04:00:00.000Z',
    ]);
  });

  it('gives undefined when nothing opens before the horizon, an opening at the horizon included', () => {
    expect(nextWindowOpening([sundayBrussels], [], at('2026-01-07T12:00:00Z'), at('2026-01-11T00:00:00Z'))).toBeUndefined();
    expect(nextWindowOpening([sundayBrussels], [], at('2026-01-07T12:00:00Z'), at('2026-01-11T00:00:00.001Z'))).toBeDefined();
  });

  it('gives undefined for a horizon at or before `from`, and without windows', () => {
    expect(nextWindowOpening([sundayBrussels], [], at('2026-01-11T01:00:00Z'), at('2026-01-11T01:00:00Z'))).toBeUndefined();
    expect(nextWindowOpening([], [], at('2026-01-11T01:00:00Z'), at('2027-01-11T01:00:00Z'))).toBeUndefined();
  });

  it('reports the whole slot even when it ends after the horizon', () => {
    expect(slotOf(nextWindowOpening([sundayBrussels], [], at('2026-01-07T12:00:00Z'), at('2026-01-11T01:00:00Z')))).toEqual([
      '2026-01-11T00:00:00.000Z',
      '2026-01-11T04:00:00.000Z',
    ]);
  });

  it('joins windows that touch into one slot', () => {
    const windows = [win(['sat'], '22:00', '00:00'), win(['sun'], '00:00', '04:00')];
    expect(slotOf(nextWindowOpening(windows, [], at('2026-01-10T12:00:00Z'), at('2026-02-01T00:00:00Z')))).toEqual([
      '2026-01-10T22:00:00.000Z',
      '2026-01-11T04:00:00.000Z',
    ]);
  });

  it('joins overlapping windows of different zones into one slot', () => {
    const windows = [sundayBrussels, win(['sun'], '03:00', '06:00', 'UTC')];
    expect(slotOf(nextWindowOpening(windows, [], at('2026-01-07T12:00:00Z'), at('2026-02-01T00:00:00Z')))).toEqual([
      '2026-01-11T00:00:00.000Z',
      '2026-01-11T06:00:00.000Z',
    ]);
  });

  describe('with freezes', () => {
    it('ends the slot where a freeze begins inside the window', () => {
      const freezes = [range('2026-01-11T02:00:00Z', '2026-01-12T00:00:00Z')];
      expect(slotOf(nextWindowOpening([sundayBrussels], freezes, at('2026-01-07T12:00:00Z'), at('2026-02-01T00:00:00Z')))).toEqual([
        '2026-01-11T00:00:00.000Z',
        '2026-01-11T02:00:00.000Z',
      ]);
    });

    it('starts the slot where a freeze ends inside the window', () => {
      const freezes = [range('2026-01-10T00:00:00Z', '2026-01-11T01:30:00Z')];
      expect(slotOf(nextWindowOpening([sundayBrussels], freezes, at('2026-01-07T12:00:00Z'), at('2026-02-01T00:00:00Z')))).toEqual([
        '2026-01-11T01:30:00.000Z',
        '2026-01-11T04:00:00.000Z',
      ]);
    });

    it('moves to the next week when a freeze covers the whole window', () => {
      const freezes = [range('2026-01-10T00:00:00Z', '2026-01-12T00:00:00Z')];
      expect(slotOf(nextWindowOpening([sundayBrussels], freezes, at('2026-01-07T12:00:00Z'), at('2026-02-01T00:00:00Z')))).toEqual([
        '2026-01-18T00:00:00.000Z',
        '2026-01-18T04:00:00.000Z',
      ]);
    });

    it('lists both parts of a window split by a short freeze', () => {
      const freezes = [range('2026-01-11T01:00:00Z', '2026-01-11T02:00:00Z')];
      expect(slotsOf(usableSlots([sundayBrussels], freezes, at('2026-01-10T00:00:00Z'), at('2026-01-12T00:00:00Z')))).toEqual([
        ['2026-01-11T00:00:00.000Z', '2026-01-11T01:00:00.000Z'],
        ['2026-01-11T02:00:00.000Z', '2026-01-11T04:00:00.000Z'],
      ]);
    });

    it('passes over a month-end close that covers a weeknight window', () => {
      // Prepare: May 2026 closes on Thursday 28 and Friday 29
      const weeknights = win(['mon', 'tue', 'wed', 'thu', 'fri'], '20:00', '23:00', 'Europe/Brussels');
      const close: FreezePeriod = { kind: 'lastBusinessDays', count: 2, timeZone: 'Europe/Brussels', reason: 'month-end close' };

      // Act
      const slot = nextWindowOpening([weeknights], [close], at('2026-05-27T22:00:00Z'), at('2026-06-30T00:00:00Z'));

      // Assess: Friday 29 is frozen, the weekend has no window, Monday June 1 is free
      expect(slotOf(slot)).toEqual(['2026-06-01T18:00:00.000Z', '2026-06-01T21:00:00.000Z']);
    });
  });

  describe('with a minimum slot length (the predicted upgrade duration)', () => {
    const windows = [win(['wed'], '01:00', '02:00'), sundayBrussels];

    it('takes the first window without a minimum', () => {
      expect(slotOf(nextWindowOpening(windows, [], at('2026-01-06T00:00:00Z'), at('2026-02-01T00:00:00Z')))).toEqual([
        '2026-01-07T01:00:00.000Z',
        '2026-01-07T02:00:00.000Z',
      ]);
    });

    it('passes over a window shorter than the minimum', () => {
      const slot = nextWindowOpening(windows, [], at('2026-01-06T00:00:00Z'), at('2026-02-01T00:00:00Z'), { minimumSlotSeconds: 2 * 3600 });
      expect(slotOf(slot)).toEqual(['2026-01-11T00:00:00.000Z', '2026-01-11T04:00:00.000Z']);
    });

    it('takes a window exactly as long as the minimum', () => {
      const slot = nextWindowOpening([sundayBrussels], [], at('2026-01-06T00:00:00Z'), at('2026-02-01T00:00:00Z'), { minimumSlotSeconds: 4 * 3600 });
      expect(slotOf(slot)).toEqual(['2026-01-11T00:00:00.000Z', '2026-01-11T04:00:00.000Z']);
    });

    it('counts only what is left of a window open now', () => {
      const slot = nextWindowOpening([sundayBrussels], [], at('2026-01-11T03:00:00Z'), at('2026-02-01T00:00:00Z'), { minimumSlotSeconds: 2 * 3600 });
      expect(slotOf(slot)).toEqual(['2026-01-18T00:00:00.000Z', '2026-01-18T04:00:00.000Z']);
    });

    it('finds a 5-hour slot in a 4-hour window only on the night the clocks go back', () => {
      const options = { minimumSlotSeconds: 5 * 3600 };
      expect(nextWindowOpening([sundayBrussels], [], at('2026-01-06T00:00:00Z'), at('2026-10-01T00:00:00Z'), options)).toBeUndefined();
      expect(slotOf(nextWindowOpening([sundayBrussels], [], at('2026-01-06T00:00:00Z'), at('2026-11-01T00:00:00Z'), options))).toEqual([
        '2026-10-24T23:00:00.000Z',
        '2026-10-25T04:00:00.000Z',
      ]);
    });
  });

  it('looks at a slot that straddles a step of its search in full, never as the part after the step', () => {
    // Prepare: everything frozen until Wednesday 2026-02-11 05:30, 35 days and a bit after `from`
    const wednesdayMorning = win(['wed'], '05:00', '08:00');
    const freezes = [range('2026-01-07T00:00:00Z', '2026-02-11T05:30:00Z')];
    const from = at('2026-01-07T06:00:00Z');
    const horizon = at('2026-06-01T00:00:00Z');

    // Act
    const fits = nextWindowOpening([wednesdayMorning], freezes, from, horizon, { minimumSlotSeconds: 2.5 * 3600 });
    const tooLong = nextWindowOpening([wednesdayMorning], freezes, from, horizon, { minimumSlotSeconds: 2.75 * 3600 });

    // Assess
    expect(slotOf(fits)).toEqual(['2026-02-11T05:30:00.000Z', '2026-02-11T08:00:00.000Z']);
    expect(slotOf(tooLong)).toEqual(['2026-02-18T05:00:00.000Z', '2026-02-18T08:00:00.000Z']);
  });

  it('follows an always-open calendar up to a year past the horizon rather than forever', () => {
    const always = win(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], '00:00', '00:00');
    expect(slotOf(nextWindowOpening([always], [], at('2026-01-06T10:00:00Z'), at('2026-01-20T00:00:00Z')))).toEqual([
      '2026-01-06T10:00:00.000Z',
      '2027-01-21T00:00:00.000Z',
    ]);
  });

  it('does not read the clock: the same instants give the same slot', () => {
    const args = [[sundayBrussels], [], at('2026-01-07T12:00:00Z'), at('2026-02-01T00:00:00Z')] as const;
    expect(nextWindowOpening(...args)).toEqual(nextWindowOpening(...args));
  });
});

describe('describeWindow', () => {
  it('names the days in week order, the times and the zone', () => {
    expect(describeWindow(win(['sun', 'sat'], '22:00', '04:00', 'Europe/Brussels'))).toBe('Sat, Sun 22:00-04:00 Europe/Brussels');
  });
});
