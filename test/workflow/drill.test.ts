/**
 * The synthesized drill workflow on the local runner, where it goes wrong: the restore point cannot
 * be restored, the restore outlives its timeout, a step crashes after the restore began, the
 * teardown cannot finish. Whatever happened, the drill ends recorded, its lock given back, and
 * either nothing left behind or `cleanedUp: false` with the leftover tagged for the sweeper.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepDrillLeftovers } from '#functions/drill/sweep-drill-leftovers.ts';
import { writeHeartbeats } from '#functions/drill/write-heartbeats.ts';
import type { LocalControlPlane } from '#local/control-plane.ts';
import type { DrillRecord } from '#shared/domain/drill-types.ts';
import type { Operation } from '#shared/domain/types.ts';
import { api, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;

beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

async function provision(id: string): Promise<void> {
  const res = await api<{ operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody(id));
  expect((await waitForOperation(plane, res.body.operation.operationId)).status).toBe('SUCCEEDED');
}

async function startDrill(tenantId: string, body?: unknown): Promise<{ drill: DrillRecord; operation: Operation }> {
  const res = await api<{ drill: DrillRecord; operation: Operation }>(plane, 'POST', `/v1/tenants/${tenantId}/drills`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body;
}

const record = (tenantId: string, drillId: string) => plane.repo.requireDrill(tenantId, drillId);
const drillClusters = () => inventoryDrillClusters();

/** Drill clusters as the inventory (`GET /_local/cloud`) shows them. */
async function inventoryDrillClusters(): Promise<string[]> {
  const inventory = (await api<{ regions: Record<string, { rds: { clusters: { identifier: string; tags: Record<string, string> }[] } }> }>(plane, 'GET', '/_local/cloud')).body;
  return Object.values(inventory.regions).flatMap((r) => r.rds.clusters.filter((c) => c.tags['odoo:drill']).map((c) => c.identifier));
}

async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${what} never happened`);
}

describe('the drill workflow when things go wrong', () => {
  it('a chosen restore time outside the restorable window fails before restoring anything, recorded and unlocked', async () => {
    await provision('wf-window');
    // Within the API's bounds (not future, not beyond any retention) but before the cluster existed.
    const { drill, operation } = await startDrill('wf-window', { restoreTime: new Date(plane.clock.now().getTime() - 3 * 86_400_000).toISOString() });
    const op = await waitForOperation(plane, operation.operationId);
    const done = await record('wf-window', drill.drillId);
    expect(op).toMatchObject({ status: 'FAILED', error: { code: 'DrillFailed' } });
    expect(done).toMatchObject({ status: 'COMPLETED', outcome: 'FAILED', cleanedUp: true, restorePointKind: 'chosen' });
    expect(done.reason).toMatch(/restorable window/i);
    expect(done.restoreRequestedAt).toBeUndefined();
    expect((await plane.repo.requireTenant('wf-window')).drillLock).toBeUndefined();
    expect(await drillClusters()).toEqual([]);
  });

  it('a restore that outlives the restore timeout is given up, and the teardown still deletes the cluster', async () => {
    await provision('wf-timeout');
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'rds', effect: 'slow-restore', tenant: 'wf-timeout' }] });
    try {
      const { drill, operation } = await startDrill('wf-timeout');
      await until('the restore was requested', async () => !!(await record('wf-timeout', drill.drillId)).restoreRequestedAt);
      // Five hours later the restore is still not validated: past the 4-hour timeout.
      plane.clock.advance(5 * 3600);
      await waitForOperation(plane, operation.operationId);
      const done = await record('wf-timeout', drill.drillId);
      expect(done).toMatchObject({ outcome: 'FAILED', cleanedUp: true });
      expect(done.reason).toMatch(/not ready after \d+ s \(limit 14400 s\)/);
      expect(done.teardown).toEqual({ [done.target!.clusterIdentifier]: 'absent' });
      expect(await drillClusters()).toEqual([]);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });

  it('a teardown that keeps failing ends the drill with cleanedUp false, and the sweeper removes the cluster after its TTL and says so', async () => {
    await provision('wf-stuck');
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'rds', operation: 'DeleteDBCluster', error: 'InvalidParameterCombination' }] });
    let drill: DrillRecord;
    try {
      const started = await startDrill('wf-stuck');
      drill = started.drill;
      await waitForOperation(plane, started.operation.operationId);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
    const done = await record('wf-stuck', drill.drillId);
    expect(done).toMatchObject({ status: 'COMPLETED', cleanedUp: false });
    expect(done.reason).toMatch(/teardown did not finish/);
    expect(await drillClusters()).toEqual([done.target!.clusterIdentifier]);
    expect((await plane.repo.requireTenant('wf-stuck')).lastDrill).toMatchObject({ drillId: drill.drillId, cleanedUp: false });

    // Not yet expired: the sweeper leaves it.
    expect((await sweepDrillLeftovers(plane.repo, plane.config, plane.clock.now())).swept).toEqual([]);
    const later = new Date(plane.clock.now().getTime() + (plane.config.drills.ttlHours + 1) * 3600_000);
    const swept = await sweepDrillLeftovers(plane.repo, plane.config, later);
    expect(swept.swept).toMatchObject([{ clusterIdentifier: done.target!.clusterIdentifier, tenantId: 'wf-stuck', drillId: drill.drillId }]);
    const after = await record('wf-stuck', drill.drillId);
    expect(after.sweptAt).toBe(later.toISOString());
    expect(after.teardown?.[done.target!.clusterIdentifier]).toMatch(/^swept/);
    // The next hourly sweeps finish what the first began (instances go before their cluster).
    await until('the swept cluster is gone', async () => {
      await sweepDrillLeftovers(plane.repo, plane.config, later);
      return (await inventoryDrillClusters()).length === 0;
    });
  });

  it('a drill whose execution was stopped by hand is completed FAILED by the sweeper once its TTL passes, its cluster deleted and its lock given back', async () => {
    await provision('wf-stopped');
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'rds', effect: 'slow-restore', tenant: 'wf-stopped' }] });
    let drill: DrillRecord;
    try {
      const started = await startDrill('wf-stopped');
      drill = started.drill;
      await until('the restore was requested', async () => !!(await record('wf-stopped', drill.drillId)).restoreRequestedAt);
      const execution = plane.runner.listExecutions().find((e) => e.name === `wf-stopped-drill-${drill.drillId}`)!;
      plane.runner.stopExecution(execution.executionArn, 'Operator', 'stopped by hand');
      await execution.done;
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
    expect((await record('wf-stopped', drill.drillId)).status).toBe('RESTORING');
    expect((await plane.repo.requireTenant('wf-stopped')).drillLock?.drillId).toBe(drill.drillId);

    const later = new Date(plane.clock.now().getTime() + (plane.config.drills.ttlHours + 1) * 3600_000);
    const swept = await sweepDrillLeftovers(plane.repo, plane.config, later);
    expect(swept.swept).toMatchObject([{ tenantId: 'wf-stopped', drillId: drill.drillId, completedDrill: true }]);
    const done = await record('wf-stopped', drill.drillId);
    expect(done).toMatchObject({ status: 'COMPLETED', outcome: 'FAILED', cleanedUp: false, sweptAt: later.toISOString() });
    expect(done.reason).toContain('ended without recording it (stopped or timed out while RESTORING)');
    expect((await plane.repo.requireTenant('wf-stopped')).drillLock).toBeUndefined();
    expect((await plane.repo.requireTenant('wf-stopped')).lastDrill).toMatchObject({ drillId: drill.drillId, outcome: 'FAILED' });
    expect(await plane.repo.getOperation(drill.drillId)).toMatchObject({ status: 'FAILED', error: { code: 'DrillAbandoned' } });
    await until('the swept cluster is gone', async () => {
      await sweepDrillLeftovers(plane.repo, plane.config, later);
      return (await inventoryDrillClusters()).length === 0;
    });
  });

  it('an evidence bucket that refuses the report still ends the drill recorded, unlocked, saying the report is missing', async () => {
    await provision('wf-evidence');
    await writeHeartbeats(plane.repo, plane.config);
    plane.clock.advance(5);
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 's3', operation: 'PutObject', error: 'AccessDenied' }] });
    let drill: DrillRecord;
    try {
      const started = await startDrill('wf-evidence');
      drill = started.drill;
      await waitForOperation(plane, started.operation.operationId);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
    const done = await record('wf-evidence', drill.drillId);
    expect(done).toMatchObject({ status: 'COMPLETED', outcome: 'PASSED', cleanedUp: true });
    expect(done.evidenceKey).toBeUndefined();
    expect(done.reason).toMatch(/evidence report not written: .*AccessDenied|evidence report not written/);
    const tenant = await plane.repo.requireTenant('wf-evidence');
    expect(tenant.drillLock).toBeUndefined();
    expect(tenant.lastDrill).toMatchObject({ drillId: drill.drillId, outcome: 'PASSED' });
    expect(tenant.lastDrill?.evidenceKey).toBeUndefined();
  });
});
