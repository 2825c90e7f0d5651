import { describe, expect, it } from 'vitest';
import { evaluateReadiness, type ReadinessFacts } from '#shared/domain/failover-readiness.ts';

const headless: ReadinessFacts = {
  posture: 'pilot-light',
  mode: 'unplanned',
  rpoSeconds: 900,
  primaryReachable: false,
  secondary: { status: 'available', engineVersion: '16.4', promotable: true },
  primaryEngineVersion: '16.4',
  lagSeconds: 30,
  capacity: { ready: true, detail: 'EKS cluster fleet-euc1 in eu-central-1 is ACTIVE' },
  now: '2026-11-30T12:00:00.000Z',
};
const failed = (r: ReturnType<typeof evaluateReadiness>) => r.checks.filter((c) => !c.passed).map((c) => c.name);

describe('pilot light as a headless Aurora global secondary', () => {
  it('is judged on the secondary as warm standby is: healthy, promotable, same engine for a switchover', () => {
    const r = evaluateReadiness(headless);
    expect(r).toMatchObject({ ready: true, expectedDataLossSeconds: 30, wouldMiss: [] });
    expect(r.checks.map((c) => c.name)).toEqual(['secondary-healthy', 'secondary-promotable', 'engine-version', 'dr-capacity', 'rpo']);
    expect(r.checks[0]!.detail).toBe('headless global secondary is available');
  });

  it('is not ready when the secondary is mid-switchover or missing, and says which secondary it lacks', () => {
    expect(failed(evaluateReadiness({ ...headless, secondary: { ...headless.secondary!, promotable: false } }))).toEqual(['secondary-promotable']);
    const missing = evaluateReadiness({ ...headless, secondary: undefined });
    expect(missing.ready).toBe(false);
    expect(missing.checks[0]).toMatchObject({ name: 'secondary-healthy', detail: 'no headless global secondary in the DR region' });
  });

  it('still judges a cross-region replica where one is given instead', () => {
    const r = evaluateReadiness({ ...headless, secondary: undefined, replica: { status: 'available' } });
    expect(r.ready).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual(['replica-healthy', 'dr-capacity', 'rpo']);
  });
});
