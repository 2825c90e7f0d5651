import { describe, expect, it } from 'vitest';
import { DRILL_EVENTS, DRILL_STATES, drillAllowedEvents, drillAlreadyPast, drillLifecycleMermaid, drillTransition, type DrillEvent, type DrillState, type DrillStatus } from '#shared/domain/drill-lifecycle.ts';

/** The drill lifecycle as specified, written out independently of the table. */
const expected: Partial<Record<`${DrillState}|${DrillEvent}`, DrillStatus>> = {
  'NEW|Requested': 'REQUESTED',
  'REQUESTED|RestoreRequested': 'RESTORING',
  'RESTORING|RestoreAvailable': 'VALIDATING',
  'VALIDATING|Validated': 'TEARING_DOWN',
  'REQUESTED|Failed': 'TEARING_DOWN',
  'RESTORING|Failed': 'TEARING_DOWN',
  'VALIDATING|Failed': 'TEARING_DOWN',
  'TEARING_DOWN|TornDown': 'COMPLETED',
};

describe('the drill lifecycle', () => {
  it('allows exactly the specified transitions, for every state and event', () => {
    for (const state of DRILL_STATES) {
      for (const event of DRILL_EVENTS) {
        const result = drillTransition(state, event);
        const want = expected[`${state}|${event}`];
        if (want) expect(result, `${state} x ${event}`).toEqual({ ok: true, to: want });
        else expect(result.ok, `${state} x ${event}`).toBe(false);
      }
    }
  });

  it('reaches COMPLETED only through TEARING_DOWN, so no path skips the teardown', () => {
    for (const state of DRILL_STATES) {
      for (const event of drillAllowedEvents(state)) {
        const r = drillTransition(state, event);
        if (r.ok && r.to === 'COMPLETED') expect(state).toBe('TEARING_DOWN');
      }
    }
  });

  it('says why a transition is refused', () => {
    const r = drillTransition('COMPLETED', 'Failed');
    expect(r).toEqual({ ok: false, reason: 'Failed is not allowed: COMPLETED is a terminal state and no event leaves it' });
    expect(drillTransition('REQUESTED', 'Validated')).toMatchObject({ ok: false, reason: expect.stringContaining('allowed: RestoreRequested, Failed') });
  });

  it('draws its diagram from the same rows', () => {
    const diagram = drillLifecycleMermaid();
    expect(diagram).toContain('[*] --> REQUESTED : Requested');
    expect(diagram).toContain('VALIDATING --> TEARING_DOWN : Failed');
    expect(diagram).toContain('COMPLETED --> [*]');
  });

  it('knows when a retried step finds the drill already moved on', () => {
    expect(drillAlreadyPast('TEARING_DOWN', 'Failed')).toBe(true);
    expect(drillAlreadyPast('VALIDATING', 'RestoreAvailable')).toBe(true);
    expect(drillAlreadyPast('RESTORING', 'RestoreAvailable')).toBe(false);
    expect(drillAlreadyPast('COMPLETED', 'TornDown')).toBe(true);
  });
});
