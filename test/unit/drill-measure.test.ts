import { describe, expect, it } from 'vitest';
import { drillTargets, measureDrill, newestCommitted, restorePointCheck, type DrillMeasureInput } from '#shared/domain/drill-measure.ts';
import type { DrillCheck } from '#shared/domain/drill-types.ts';

const pass = (name: string): DrillCheck => ({ name, passed: true, detail: 'ok' });
const base: DrillMeasureInput = {
  targetRtoSeconds: 900,
  targetRpoSeconds: 60,
  restoreRequestedAt: '2026-11-30T02:00:00.000Z',
  validatedAt: '2026-11-30T02:12:30.000Z',
  referenceTime: '2026-11-30T01:59:00.000Z',
  newestData: { heartbeat: '2026-11-30T01:58:20.000Z', businessWrite: '2026-11-30T01:50:00.000Z' },
  checks: [pass('connect'), pass('newest-data')],
};

describe('measuring a drill', () => {
  it('takes RTO from the restore request to the validation, and RPO from the reference back to the newest committed data', () => {
    expect(measureDrill(base)).toEqual({ rtoSeconds: 750, rpoSeconds: 40, outcome: 'PASSED' });
  });

  it('counts the newer of the heartbeat and the business writes as the newest committed data', () => {
    expect(newestCommitted({ heartbeat: '2026-11-30T01:00:00Z', businessWrite: '2026-11-30T01:30:00Z' })).toBe('2026-11-30T01:30:00.000Z');
    expect(newestCommitted({ heartbeat: null, businessWrite: null })).toBeNull();
    expect(measureDrill({ ...base, newestData: { heartbeat: '2026-11-30T01:57:00Z', businessWrite: '2026-11-30T01:58:50Z' } }).rpoSeconds).toBe(10);
  });

  it('is BREACHED_TARGET when everything passed but RTO or RPO is above the target, naming each', () => {
    expect(measureDrill({ ...base, targetRtoSeconds: 600 })).toEqual({ rtoSeconds: 750, rpoSeconds: 40, outcome: 'BREACHED_TARGET', reason: 'RTO 750 s above the target of 600 s' });
    const stale = measureDrill({ ...base, newestData: { heartbeat: '2026-11-29T23:59:00Z', businessWrite: null }, targetRtoSeconds: 600 });
    expect(stale).toMatchObject({ outcome: 'BREACHED_TARGET', rpoSeconds: 7200 });
    expect(stale.reason).toBe('RTO 750 s above the target of 600 s; RPO 7200 s above the target of 60 s');
  });

  it('is FAILED with the first failed check and how many more failed, and has no RTO then', () => {
    const out = measureDrill({
      ...base,
      checks: [pass('connect'), { name: 'installed-modules', passed: false, detail: 'sale is not installed' }, { name: 'filestore', passed: false, detail: '2 of 5 missing' }],
    });
    expect(out).toEqual({ rpoSeconds: 40, outcome: 'FAILED', reason: 'check installed-modules failed: sale is not installed (and 1 more failed check: filestore)' });
  });

  it('is FAILED with the failure when the drill could not restore or validate at all', () => {
    expect(measureDrill({ ...base, checks: [], validatedAt: undefined, newestData: undefined, failure: 'ResourceFailed: Aurora cluster odoo-drill-x is failed' })).toEqual({
      outcome: 'FAILED',
      reason: 'ResourceFailed: Aurora cluster odoo-drill-x is failed',
    });
    expect(measureDrill({ ...base, checks: [] })).toMatchObject({ outcome: 'FAILED', reason: 'no check ran' });
  });

  it('never counts data newer than the reference as negative loss', () => {
    expect(measureDrill({ ...base, newestData: { heartbeat: '2026-11-30T01:59:30Z', businessWrite: null } }).rpoSeconds).toBe(0);
  });

  it('is FAILED when the restore held no committed data, since its RPO cannot be known', () => {
    expect(measureDrill({ ...base, newestData: { heartbeat: null, businessWrite: null } })).toMatchObject({ outcome: 'FAILED', reason: expect.stringContaining('RPO is unknown') });
  });

  it('judges a drill against the tenant\'s own targets', () => {
    expect(drillTargets({ rtoSeconds: 7200, rpoSeconds: 900 })).toEqual({ targetRtoSeconds: 7200, targetRpoSeconds: 900 });
  });
});

describe('the restore-point check', () => {
  it('passes a latest restorable time close behind, and fails one far behind as stalled continuous backup', () => {
    expect(restorePointCheck({ kind: 'latest', restorePoint: '2026-11-30T01:55:00Z', readAt: '2026-11-30T02:00:00Z', maxAgeSeconds: 3600 })).toMatchObject({
      name: 'restore-point',
      passed: true,
      figures: { ageSeconds: 300 },
    });
    const stalled = restorePointCheck({ kind: 'latest', restorePoint: '2026-11-29T20:00:00Z', readAt: '2026-11-30T02:00:00Z', maxAgeSeconds: 3600 });
    expect(stalled).toMatchObject({ passed: false, figures: { ageSeconds: 21600 } });
    expect(stalled.detail).toContain('continuous backup looks stalled');
  });

  it('passes a chosen point whatever its age', () => {
    expect(restorePointCheck({ kind: 'chosen', restorePoint: '2026-11-20T00:00:00Z', readAt: '2026-11-30T02:00:00Z', maxAgeSeconds: 3600 }).passed).toBe(true);
  });
});
