import { describe, expect, it } from 'vitest';
import { evaluateReadiness, expectedFailoverSeconds, type ReadinessFacts } from '#shared/domain/failover-readiness.ts';

const NOW = '2026-11-30T12:00:00.000Z';
const warm: ReadinessFacts = {
  posture: 'warm-standby',
  mode: 'planned',
  rpoSeconds: 60,
  primaryReachable: true,
  secondary: { status: 'available', engineVersion: '16.4', promotable: true },
  primaryEngineVersion: '16.4',
  lagSeconds: 2,
  capacity: { ready: true, detail: 'node group odoo-globex scaled 0 -> ready to 3' },
  filestoreBacklogSeconds: 5,
  now: NOW,
};
const failed = (r: ReturnType<typeof evaluateReadiness>) => r.checks.filter((c) => !c.passed).map((c) => c.name);

describe('failover readiness', () => {
  it('is ready for a planned switchover of a healthy warm standby, with the expected loss', () => {
    const r = evaluateReadiness(warm);
    expect(r).toMatchObject({ ready: true, expectedDataLossSeconds: 2, wouldMiss: [] });
    expect(r.checks.map((c) => c.name)).toEqual(['secondary-healthy', 'secondary-promotable', 'engine-version', 'dr-capacity', 'rpo', 'filestore-backlog', 'primary-reachable', 'lag-can-reach-zero']);
  });

  it('refuses a planned switchover whose lag exceeds the RPO, unless forced', () => {
    const lagging = evaluateReadiness({ ...warm, lagSeconds: 300 });
    expect(lagging.ready).toBe(false);
    expect(failed(lagging)).toEqual(['rpo', 'lag-can-reach-zero']);
    expect(lagging.checks.find((c) => c.name === 'lag-can-reach-zero')?.detail).toBe('replication lag 300 s exceeds the RPO of 60 s; refused unless forced');
    expect(lagging.wouldMiss).toEqual(['RPO']);
    expect(evaluateReadiness({ ...warm, lagSeconds: 300, force: true }).ready).toBe(true);
  });

  it('lets an unplanned failover go with the primary down and the lag over the RPO, reporting the miss', () => {
    const r = evaluateReadiness({ ...warm, mode: 'unplanned', primaryReachable: false, lagSeconds: 300 });
    expect(r).toMatchObject({ ready: true, wouldMiss: ['RPO'], expectedDataLossSeconds: 300 });
  });

  it('refuses a planned switchover when the primary does not answer', () => {
    const r = evaluateReadiness({ ...warm, primaryReachable: false });
    expect(r.ready).toBe(false);
    expect(failed(r)).toEqual(['primary-reachable']);
  });

  it('needs the same engine version for a switchover, not for an unplanned failover', () => {
    const mismatch = { ...warm, secondary: { ...warm.secondary!, engineVersion: '16.2' } };
    expect(evaluateReadiness(mismatch).ready).toBe(false);
    expect(evaluateReadiness({ ...mismatch, mode: 'unplanned' })).toMatchObject({ ready: true });
  });

  it('is not ready without a healthy, promotable secondary or without DR capacity', () => {
    expect(failed(evaluateReadiness({ ...warm, mode: 'unplanned', secondary: undefined }))).toEqual(['secondary-healthy', 'secondary-promotable', 'engine-version']);
    expect(evaluateReadiness({ ...warm, capacity: { ready: false, detail: 'quota: 0 r6g.xlarge left' } }).ready).toBe(false);
  });

  it('says a tenant with no DR copy at all (its secondary taken apart, no snapshot copied yet) would miss both targets, so the readiness alarm sees it', () => {
    const { secondary: _none, ...withoutSecondary } = warm;
    expect(evaluateReadiness({ ...withoutSecondary, mode: 'unplanned' })).toMatchObject({ ready: false, wouldMiss: ['RPO', 'RTO'] });
    expect(evaluateReadiness({ ...warm, posture: 'backup-restore', mode: 'unplanned', newestReplicatedBackupAt: null }).wouldMiss).toEqual(['RPO', 'RTO']);
    // A copy that is there but unhealthy is not ready; what it would miss is judged from its figures.
    expect(evaluateReadiness({ ...warm, mode: 'unplanned', secondary: { ...warm.secondary!, status: 'modifying' } }).wouldMiss).toEqual([]);
  });

  it('judges pilot light on its replica and backup-restore on its replicated backup age', () => {
    const pilot = evaluateReadiness({ ...warm, posture: 'pilot-light', mode: 'unplanned', rpoSeconds: 900, replica: { status: 'available' }, lagSeconds: 30 });
    expect(pilot).toMatchObject({ ready: true, expectedDataLossSeconds: 30 });
    const backups = evaluateReadiness({ ...warm, posture: 'backup-restore', mode: 'unplanned', rpoSeconds: 86_400, newestReplicatedBackupAt: '2026-11-30T06:00:00.000Z' });
    expect(backups).toMatchObject({ ready: true, expectedDataLossSeconds: 21_600, wouldMiss: [] });
    expect(evaluateReadiness({ ...warm, posture: 'backup-restore', mode: 'unplanned', newestReplicatedBackupAt: null }).ready).toBe(false);
    // A planned move of backup-restore restores a snapshot of the fenced primary: nothing to drain, nothing lost.
    const planned = evaluateReadiness({ ...warm, posture: 'backup-restore', rpoSeconds: 86_400, newestReplicatedBackupAt: '2026-11-30T06:00:00.000Z' });
    expect(failed(planned)).toEqual([]);
    expect(planned.checks.find((c) => c.name === 'lag-can-reach-zero')?.detail).toMatch(/snapshot of the fenced primary/);
    // ... but it still needs the primary to answer.
    expect(failed(evaluateReadiness({ ...warm, posture: 'backup-restore', primaryReachable: false, rpoSeconds: 86_400, newestReplicatedBackupAt: '2026-11-30T06:00:00.000Z' }))).toEqual(['primary-reachable']);
  });

  it('counts a filestore backlog over the RPO as a miss, and an unknown lag as unknown', () => {
    expect(evaluateReadiness({ ...warm, mode: 'unplanned', filestoreBacklogSeconds: 600 }).wouldMiss).toEqual(['RPO']);
    const unknown = evaluateReadiness({ ...warm, mode: 'unplanned', lagSeconds: null });
    expect(unknown).toMatchObject({ ready: true, expectedDataLossSeconds: null });
    expect(unknown.checks.find((c) => c.name === 'rpo')).toMatchObject({ passed: false, blocking: false });
  });

  it('reports an unknown filestore backlog as a failed warning, not as a missed RPO', () => {
    const r = evaluateReadiness({ ...warm, mode: 'unplanned', filestoreBacklogSeconds: null });
    expect(r).toMatchObject({ ready: true, wouldMiss: [] });
    expect(r.checks.find((c) => c.name === 'filestore-backlog')).toEqual({ name: 'filestore-backlog', passed: false, blocking: false, detail: 'filestore replication backlog unknown' });
  });
});

describe('the expected failover time against the RTO', () => {
  const e = { promote: 120, restore: 2_400, writerInstance: 600, nodeGroup: 300, pods: 120, dns: 60 };

  it('adds what the posture and model need: a headless writer for pilot light, a restore for backup-restore, a node group for dedicated tenants', () => {
    expect(expectedFailoverSeconds('warm-standby', 'dedicated', e)).toBe(120 + 300 + 120 + 60);
    expect(expectedFailoverSeconds('pilot-light', 'pooled', e)).toBe(120 + 600 + 120 + 60);
    expect(expectedFailoverSeconds('pilot-light', 'dedicated', e)).toBe(120 + 600 + 300 + 120 + 60);
    expect(expectedFailoverSeconds('backup-restore', 'pooled', e)).toBe(2_400 + 120 + 60);
  });

  it('warns, without blocking, when the expected time exceeds the target, and says it cannot estimate a restore', () => {
    const base = { posture: 'warm-standby' as const, mode: 'unplanned' as const, rpoSeconds: 60, primaryReachable: false, secondary: { status: 'available', engineVersion: '16.4', promotable: true }, primaryEngineVersion: '16.4', lagSeconds: 1, capacity: { ready: true, detail: 'ok' }, now: '2026-11-30T10:00:00Z' };
    const slow = evaluateReadiness({ ...base, rto: { targetSeconds: 300, expectedSeconds: 600 } });
    expect(slow.ready).toBe(true);
    expect(slow.wouldMiss).toEqual(['RTO']);
    expect(slow.checks.find((c) => c.name === 'rto')).toEqual({ name: 'rto', passed: false, blocking: false, detail: 'expected 600 s against an RTO of 300 s' });
    const fine = evaluateReadiness({ ...base, rto: { targetSeconds: 900, expectedSeconds: 600 } });
    expect(fine.wouldMiss).toEqual([]);
    const unknown = evaluateReadiness({ ...base, rto: { targetSeconds: 900, expectedSeconds: null } });
    expect(unknown.wouldMiss).toEqual([]);
    expect(unknown.checks.find((c) => c.name === 'rto')).toMatchObject({ passed: false, detail: 'the failover time cannot be estimated (target 900 s)' });
  });
});
