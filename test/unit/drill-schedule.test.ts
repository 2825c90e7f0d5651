import { describe, expect, it } from 'vitest';
import { isDue, nextDueAt, selectDueDrills, type DrillCandidate } from '#shared/domain/drill-schedule.ts';
import type { LastDrill } from '#shared/domain/drill-types.ts';

const NOW = new Date('2026-11-30T02:00:00Z');
const policy = { cadenceDays: { critical: 7, standard: 30, low: 90 }, maxPerRun: 3 };
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const last = (provenDaysAgo: number | null, outcome: LastDrill['outcome'] = 'PASSED'): LastDrill => ({
  drillId: `op-${provenDaysAgo}`,
  startedAt: daysAgo(provenDaysAgo ?? 1),
  outcome,
  cleanedUp: true,
  ...(provenDaysAgo === null ? {} : { lastRestorableAt: daysAgo(provenDaysAgo) }),
});
const tenant = (id: string, over: Partial<DrillCandidate> = {}): DrillCandidate => ({
  tenantId: id,
  criticality: 'critical',
  status: 'ACTIVE',
  createdAt: '2026-01-01T00:00:00Z',
  hasDatabase: true,
  lastDrill: null,
  ...over,
});

describe('drill cadence', () => {
  it('is due when never proven restorable, or when its last proof is older than the cadence', () => {
    expect(isDue(null, 7, NOW)).toBe(true);
    expect(isDue(last(8), 7, NOW)).toBe(true);
    expect(isDue(last(7), 7, NOW)).toBe(true);
    expect(isDue(last(6.9), 7, NOW)).toBe(false);
    expect(nextDueAt(last(3), 7)!.toISOString()).toBe(daysAgo(-4));
  });

  it('counts from the last proof, not the last drill: a failed drill after a proof leaves the tenant due on the proof', () => {
    const failedYesterdayProvenLongAgo: LastDrill = { ...last(40), drillId: 'op-x', startedAt: daysAgo(1), outcome: 'FAILED' };
    expect(isDue(failedYesterdayProvenLongAgo, 30, NOW)).toBe(true);
    const failedNeverProven: LastDrill = { drillId: 'op-y', startedAt: daysAgo(1), outcome: 'FAILED', cleanedUp: true };
    expect(isDue(failedNeverProven, 30, NOW)).toBe(true);
  });
});

describe('selecting the tenants a run drills', () => {
  it('takes the due tenants, never-proven first, then the oldest proof, at most maxPerRun', () => {
    const out = selectDueDrills(
      [
        tenant('fresh', { lastDrill: last(2) }),
        tenant('old', { lastDrill: last(20) }),
        tenant('older', { lastDrill: last(50) }),
        tenant('never-b', { createdAt: '2026-03-01T00:00:00Z' }),
        tenant('never-a', { createdAt: '2026-02-01T00:00:00Z' }),
      ],
      policy,
      NOW,
    );
    expect(out.filter((d) => d.selected).map((d) => d.tenantId)).toEqual(['never-a', 'never-b', 'older']);
    expect(out.find((d) => d.tenantId === 'old')).toMatchObject({ selected: false, code: 'cap' });
    expect(out.find((d) => d.tenantId === 'fresh')).toMatchObject({ selected: false, code: 'not-due', reason: expect.stringContaining('every 7 days') });
  });

  it('uses each criticality\'s cadence', () => {
    const out = selectDueDrills(
      [tenant('std', { criticality: 'standard', lastDrill: last(20) }), tenant('low', { criticality: 'low', lastDrill: last(100) }), tenant('crit', { lastDrill: last(8) })],
      { ...policy, maxPerRun: 10 },
      NOW,
    );
    expect(Object.fromEntries(out.map((d) => [d.tenantId, d.selected]))).toEqual({ std: false, low: true, crit: true });
  });

  it('skips, with the reason, tenants with a drill running, nothing to restore, or a status without steady backups', () => {
    const out = selectDueDrills(
      [
        tenant('busy', { runningDrillId: 'op-running' }),
        tenant('new', { status: 'PROVISIONING' }),
        tenant('moving', { status: 'FAILING_OVER' }),
        tenant('empty', { hasDatabase: false }),
        tenant('updating', { status: 'UPDATING' }),
      ],
      policy,
      NOW,
    );
    const byId = Object.fromEntries(out.map((d) => [d.tenantId, d]));
    expect(byId.busy).toMatchObject({ selected: false, code: 'running', reason: 'drill op-running is still running' });
    expect(byId.new).toMatchObject({ selected: false, code: 'status', reason: 'tenant is PROVISIONING' });
    expect(byId.moving).toMatchObject({ selected: false, code: 'status' });
    expect(byId.empty).toMatchObject({ selected: false, code: 'no-database' });
    // A release does not stop a drill: drills take no operation lease.
    expect(byId.updating).toMatchObject({ selected: true });
  });

  it('is the same selection whatever order the tenants are listed in', () => {
    const list = [tenant('a', { lastDrill: last(9) }), tenant('b', { lastDrill: last(9) }), tenant('c'), tenant('d', { lastDrill: last(30) })];
    const pick = (l: DrillCandidate[]) => selectDueDrills(l, policy, NOW).filter((d) => d.selected).map((d) => d.tenantId);
    expect(pick([...list].reverse())).toEqual(pick(list));
    expect(pick(list)).toEqual(['c', 'd', 'a']);
  });
});
