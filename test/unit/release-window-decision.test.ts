import { describe, it, expect } from 'vitest';
import { duration, emergencySchema, evaluateRelease, type ReleaseWindowInput } from '#shared/domain/release-window-decision.ts';
import type { FreezePeriod } from '#shared/domain/freeze-calendar.ts';
import type { ReleaseWindow } from '#shared/domain/release-windows.ts';
import { AppError } from '#shared/lib/errors.ts';

const at = (iso: string) => new Date(iso);
const sundayBrussels: ReleaseWindow = { days: ['sun'], start: '01:00', end: '05:00', timeZone: 'Europe/Brussels' };
const monthEnd: FreezePeriod = { kind: 'lastBusinessDays', count: 2, timeZone: 'Europe/Brussels', reason: 'month-end close' };
const range = (from: string, to: string, reason: string): FreezePeriod => ({ kind: 'range', from, to, reason });

/** A tenant with the Sunday window, no freezes, evaluated on Wednesday 2026-01-07 for a release due by February. */
function input(overrides: Partial<ReleaseWindowInput> = {}): ReleaseWindowInput {
  return {
    windows: [sundayBrussels],
    tenantFreezes: [],
    fleetFreezes: [],
    now: at('2026-01-07T12:00:00Z'),
    deadline: at('2026-02-01T00:00:00Z'),
    ...overrides,
  };
}

describe('evaluateRelease', () => {
  describe('go', () => {
    it('goes while the window is open and nothing is frozen, until the window closes', () => {
      // Act
      const decision = evaluateRelease(input({ now: at('2026-01-11T01:00:00Z') }));

      // Assess
      expect(decision).toEqual({
        decision: 'go',
        until: at('2026-01-11T04:00:00Z'),
        reason:
          'The release window is open and no freeze applies: go until Sun 2026-01-11 05:00 Europe/Brussels (2026-01-11T04:00:00Z), when the window closes.',
      });
    });

    it('goes until a fleet freeze begins inside the window, and names it', () => {
      const freeze = range('2026-01-11T02:00:00Z', '2026-01-12T00:00:00Z', 'payment provider maintenance');

      const decision = evaluateRelease(input({ now: at('2026-01-11T01:00:00Z'), fleetFreezes: [freeze] }));

      expect(decision).toMatchObject({ decision: 'go', until: at('2026-01-11T02:00:00Z') });
      expect(decision.reason).toBe(
        'The release window is open and no freeze applies: go until Sun 2026-01-11 03:00 Europe/Brussels (2026-01-11T02:00:00Z), when fleet freeze "payment provider maintenance" (from 2026-01-11T02:00:00Z to 2026-01-12T00:00:00Z) begins.',
      );
    });

    it('goes until a tenant freeze begins, naming it as the tenant\'s', () => {
      const freeze = range('2026-01-11T03:00:00Z', '2026-01-12T00:00:00Z', 'inventory count');

      const decision = evaluateRelease(input({ now: at('2026-01-11T01:00:00Z'), tenantFreezes: [freeze] }));

      expect(decision.reason).toContain('when tenant freeze "inventory count"');
    });

    it('goes on the spring-forward Sunday until 05:00 CEST, 3 hours after 01:00 CET', () => {
      const decision = evaluateRelease(input({ now: at('2026-03-29T00:00:00Z'), deadline: at('2026-04-30T00:00:00Z') }));

      expect(decision).toMatchObject({ decision: 'go', until: at('2026-03-29T03:00:00Z') });
    });

    it('goes when the open window is as long as the predicted upgrade', () => {
      const decision = evaluateRelease(input({ now: at('2026-01-11T02:00:00Z'), minimumSlotSeconds: 2 * 3600 }));

      expect(decision).toMatchObject({ decision: 'go', until: at('2026-01-11T04:00:00Z') });
    });
  });

  describe('wait', () => {
    it('waits for the next opening while the windows are closed, naming them', () => {
      const decision = evaluateRelease(input());

      expect(decision).toEqual({
        decision: 'wait',
        until: at('2026-01-11T00:00:00Z'),
        reason:
          "Not now: the tenant's release windows (Sun 01:00-05:00 Europe/Brussels) are closed. Waiting for the next usable release window, open from Sun 2026-01-11 01:00 Europe/Brussels (2026-01-11T00:00:00Z) to Sun 2026-01-11 05:00 Europe/Brussels (2026-01-11T04:00:00Z).",
      });
    });

    it('waits out a tenant freeze that holds an open window, saying until when it holds', () => {
      // Prepare: every evening 20:00-23:00; Thursday 2026-05-28 21:00 is in the month-end close
      const evenings: ReleaseWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '20:00', end: '23:00', timeZone: 'Europe/Brussels' };

      // Act
      const decision = evaluateRelease(input({ windows: [evenings], tenantFreezes: [monthEnd], now: at('2026-05-28T19:00:00Z'), deadline: at('2026-06-30T00:00:00Z') }));

      // Assess: the close ends at Saturday 00:00, the next evening window opens Saturday 20:00
      expect(decision).toEqual({
        decision: 'wait',
        until: at('2026-05-30T18:00:00Z'),
        reason:
          'Not now: tenant freeze "month-end close" (the last 2 business days of each month, Europe/Brussels) is in effect until Sat 2026-05-30 00:00 Europe/Brussels (2026-05-29T22:00:00Z). Waiting for the next usable release window, open from Sat 2026-05-30 20:00 Europe/Brussels (2026-05-30T18:00:00Z) to Sat 2026-05-30 23:00 Europe/Brussels (2026-05-30T21:00:00Z).',
      });
    });

    it('moves to the next week when a fleet freeze covers the tenant\'s window', () => {
      const weekend = range('2026-01-10T00:00:00Z', '2026-01-12T00:00:00Z', 'regional data-centre move');

      const decision = evaluateRelease(input({ fleetFreezes: [weekend] }));

      expect(decision).toMatchObject({ decision: 'wait', until: at('2026-01-18T00:00:00Z') });
    });

    it('names the fleet freeze first when fleet and tenant freezes both apply', () => {
      const fleet = range('2026-01-07T00:00:00Z', '2026-01-08T00:00:00Z', 'AWS region event');
      const tenant = range('2026-01-07T00:00:00Z', '2026-01-09T00:00:00Z', 'audit');

      const decision = evaluateRelease(input({ fleetFreezes: [fleet], tenantFreezes: [tenant] }));

      expect(decision.reason).toMatch(/^Not now: fleet freeze "AWS region event" \(from 2026-01-07T00:00:00Z to 2026-01-08T00:00:00Z\) is in effect until /);
    });

    it('waits for a window long enough for the predicted upgrade when too little of the open one is left', () => {
      const decision = evaluateRelease(input({ now: at('2026-01-11T03:00:00Z'), minimumSlotSeconds: 2 * 3600 }));

      expect(decision).toMatchObject({ decision: 'wait', until: at('2026-01-18T00:00:00Z') });
      expect(decision.reason).toMatch(/^Not now: only 1 h of the open window is left, less than the 2 h the upgrade is predicted to take\. /);
    });

    it('waits a week on the spring-forward Sunday when the 3-hour window is too short for a 3.5-hour upgrade', () => {
      const decision = evaluateRelease(input({ now: at('2026-03-29T00:00:00Z'), deadline: at('2026-04-30T00:00:00Z'), minimumSlotSeconds: 3.5 * 3600 }));

      expect(decision).toMatchObject({ decision: 'wait', until: at('2026-04-04T23:00:00Z') });
    });

    it('takes a longer window later in the week over a short one sooner', () => {
      const windows: ReleaseWindow[] = [{ days: ['wed'], start: '22:00', end: '23:00', timeZone: 'UTC' }, sundayBrussels];

      const decision = evaluateRelease(input({ windows, minimumSlotSeconds: 3 * 3600 }));

      expect(decision).toMatchObject({ decision: 'wait', until: at('2026-01-11T00:00:00Z') });
    });
  });

  describe('skip', () => {
    it('skips a tenant whose window opens after the deadline, naming the opening and what to do', () => {
      const decision = evaluateRelease(input({ deadline: at('2026-01-10T12:00:00Z') }));

      expect(decision).toEqual({
        decision: 'skip',
        nextOpening: at('2026-01-11T00:00:00Z'),
        reason:
          'No usable release window opens before the release deadline Sat 2026-01-10 13:00 Europe/Brussels (2026-01-10T12:00:00Z); the next one opens Sun 2026-01-11 01:00 Europe/Brussels (2026-01-11T00:00:00Z). Release the tenant in a later release, extend the deadline past that opening, or release it as an emergency with a reason.',
      });
    });

    it('skips when the window opens exactly at the deadline: nothing starts at the deadline', () => {
      expect(evaluateRelease(input({ deadline: at('2026-01-11T00:00:00Z') })).decision).toBe('skip');
    });

    it('skips when every window before the deadline is frozen, naming the first one after', () => {
      const decision = evaluateRelease(input({ fleetFreezes: [range('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', 'year-end')] }));

      expect(decision).toMatchObject({ decision: 'skip', nextOpening: at('2026-02-01T00:00:00Z') });
    });

    it('names the freeze in effect now as the reason a tenant is skipped', () => {
      const decision = evaluateRelease(input({ tenantFreezes: [range('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', 'warehouse peak')] }));

      expect(decision.decision).toBe('skip');
      expect(decision.reason).toContain('(tenant freeze');
      expect(decision.reason).toContain('warehouse peak');
      expect(decision.reason).toContain('is in effect until Sun 2026-02-01 01:00 Europe/Brussels');
    });

    it('skips when the windows before the deadline are too short for the predicted upgrade, and says so', () => {
      const decision = evaluateRelease(input({ minimumSlotSeconds: 5 * 3600 }));

      expect(decision).toMatchObject({ decision: 'skip', nextOpening: at('2026-10-24T23:00:00Z') });
      expect(decision.reason).toContain(
        'the next one opens Sun 2026-10-25 01:00 Europe/Brussels (2026-10-24T23:00:00Z). The windows that do open before it are shorter than the 5 h the upgrade is predicted to take.',
      );
    });

    it('skips once the deadline has passed, even with the window open', () => {
      const decision = evaluateRelease(input({ now: at('2026-01-11T01:00:00Z'), deadline: at('2026-01-11T00:30:00Z') }));

      expect(decision).toEqual({
        decision: 'skip',
        reason: 'The release deadline Sun 2026-01-11 01:30 Europe/Brussels (2026-01-11T00:30:00Z) has passed; the tenant was not started.',
      });
    });

    it('skips a tenant without release windows, saying how to release it', () => {
      const decision = evaluateRelease(input({ windows: [] }));

      expect(decision).toEqual({
        decision: 'skip',
        reason:
          'The tenant has no release window, so no release may start on it; add a window to the tenant, or release it as an emergency with a reason.',
      });
    });

    it('skips without a next opening when none comes within a year of the deadline', () => {
      const decision = evaluateRelease(input({ fleetFreezes: [range('2026-01-01T00:00:00Z', '2028-01-01T00:00:00Z', 'platform migration')] }));

      expect(decision).toEqual({
        decision: 'skip',
        reason:
          "No usable release window opens before the release deadline Sun 2026-02-01 01:00 Europe/Brussels (2026-02-01T00:00:00Z), nor in the year after it: the tenant's windows (Sun 01:00-05:00 Europe/Brussels) are always frozen. Review the tenant's windows and the tenant and fleet freezes.",
      });
    });

    it('says the windows may be too short when nothing usable comes within a year of the deadline', () => {
      const decision = evaluateRelease(input({ minimumSlotSeconds: 6 * 3600 }));

      expect(decision).toMatchObject({ decision: 'skip' });
      expect(decision.reason).toContain("the tenant's windows (Sun 01:00-05:00 Europe/Brussels) are always frozen or shorter than the 6 h the upgrade is predicted to take.");
    });
  });

  describe('rollbacks and emergency releases are never held by windows or freezes', () => {
    const blackFriday = range('2026-11-26T00:00:00Z', '2026-11-30T06:00:00Z', 'Black Friday');
    const duringBlackFriday = { fleetFreezes: [blackFriday], now: at('2026-11-27T12:00:00Z'), deadline: at('2026-12-01T00:00:00Z') };

    it('goes with an emergency release despite a fleet freeze and closed windows, recording why', () => {
      const decision = evaluateRelease(input({ ...duringBlackFriday, emergency: { reason: ' CVE-2026-1234: remote code execution in the web client ' } }));

      expect(decision).toEqual({
        decision: 'go',
        override: 'emergency',
        until: at('2026-12-01T00:00:00Z'),
        reason:
          'Emergency release (CVE-2026-1234: remote code execution in the web client): release windows and freezes do not hold an emergency release; going ahead despite fleet freeze "Black Friday" (from 2026-11-26T00:00:00Z to 2026-11-30T06:00:00Z) in effect until Mon 2026-11-30 07:00 Europe/Brussels (2026-11-30T06:00:00Z) and the tenant\'s release windows being closed.',
      });
    });

    it('goes with an emergency release past the deadline, and with no window at all', () => {
      const decision = evaluateRelease(input({ windows: [], now: at('2026-03-01T00:00:00Z'), emergency: { reason: 'data corruption fix' } }));

      expect(decision).toMatchObject({ decision: 'go', override: 'emergency', until: at('2026-03-01T00:00:00Z') });
    });

    it('says nothing was overridden when the window was open and unfrozen anyway', () => {
      const decision = evaluateRelease(input({ now: at('2026-01-11T01:00:00Z'), emergency: { reason: 'security patch' } }));

      expect(decision.reason).toBe(
        'Emergency release (security patch): release windows and freezes do not hold an emergency release; going ahead (no window or freeze held it anyway).',
      );
    });

    it('refuses an emergency without a reason', () => {
      // Act
      const evaluate = () => evaluateRelease(input({ emergency: { reason: '  ' } }));

      // Assess
      expect(evaluate).toThrow(AppError);
      expect(evaluate).toThrow(
        expect.objectContaining({
          name: 'ValidationError',
          details: [{ path: 'emergency.reason', message: 'an emergency release must say why it cannot wait' }],
        }),
      );
    });

    it('goes with a rollback despite a tenant freeze, past the deadline, until the predicted duration has run', () => {
      const decision = evaluateRelease(
        input({ tenantFreezes: [monthEnd], now: at('2026-05-28T10:00:00Z'), deadline: at('2026-05-01T00:00:00Z'), rollback: true, minimumSlotSeconds: 1800 }),
      );

      expect(decision).toEqual({
        decision: 'go',
        override: 'rollback',
        until: at('2026-05-28T10:30:00Z'),
        reason:
          'Rollback: release windows and freezes do not hold a rollback; going ahead despite tenant freeze "month-end close" (the last 2 business days of each month, Europe/Brussels) in effect until Sat 2026-05-30 00:00 Europe/Brussels (2026-05-29T22:00:00Z) and the tenant\'s release windows being closed.',
      });
    });

    it('records a rollback of an emergency release as both', () => {
      const decision = evaluateRelease(input({ ...duringBlackFriday, rollback: true, emergency: { reason: 'hotfix' } }));

      expect(decision).toMatchObject({ decision: 'go', override: 'rollback' });
      expect(decision.reason).toMatch(/^Rollback of an emergency release \(hotfix\): /);
    });
  });

  describe('input', () => {
    it.each<[string, Partial<ReleaseWindowInput>, string]>([
      ['an invalid now', { now: at('not a date') }, 'now'],
      ['an invalid deadline', { deadline: at('2026-13-45') }, 'deadline'],
      ['a negative minimum slot', { minimumSlotSeconds: -60 }, 'minimumSlotSeconds'],
      ['an infinite minimum slot', { minimumSlotSeconds: Number.POSITIVE_INFINITY }, 'minimumSlotSeconds'],
    ])('refuses %s', (_, overrides, path) => {
      expect(() => evaluateRelease(input(overrides))).toThrow(expect.objectContaining({ name: 'ValidationError', details: [expect.objectContaining({ path })] }));
    });

    it('does not read the clock: the same input gives the same decision', () => {
      expect(evaluateRelease(input())).toEqual(evaluateRelease(input()));
    });
  });
});

describe('emergencySchema', () => {
  it('takes a reason, trimmed', () => {
    expect(emergencySchema.parse({ reason: ' CVE-2026-1234 ' })).toEqual({ reason: 'CVE-2026-1234' });
  });

  it('refuses a blank reason', () => {
    expect(emergencySchema.safeParse({ reason: ' ' }).error?.issues[0]?.message).toBe('an emergency release must say why it cannot wait');
  });
});

describe('duration', () => {
  it.each([
    [45, '45 s'],
    [90, '2 min'],
    [45 * 60, '45 min'],
    [2 * 3600, '2 h'],
    [2.5 * 3600, '2 h 30 min'],
  ])('writes %d s as %s', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });
});
