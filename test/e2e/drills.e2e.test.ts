/**
 * Restore drills through the local API: on demand (pooled and dedicated) with real SQL on the
 * restored databases, a scheduled run that drills exactly the tenants due, and injected faults
 * that end FAILED (or BREACHED_TARGET) for the right reason and leave nothing behind.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import type { DrillRecord } from '#shared/domain/drill-types.ts';
import { DRILL_RUN_MACHINE_NAME } from '#shared/domain/drill-names.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { writeHeartbeats } from '#functions/drill/write-heartbeats.ts';
import type { DrillRunSummary } from '#functions/drill/summarize-drill-run.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { api, dedicatedProfile, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;

beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

async function provision(id: string, profile: Record<string, unknown> = {}): Promise<void> {
  const res = await api<{ operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody(id, profile));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect((await waitForOperation(plane, res.body.operation.operationId)).status).toBe('SUCCEEDED');
}

async function drill(tenantId: string, body?: unknown): Promise<DrillRecord> {
  const res = await api<{ drill: DrillRecord; operation: Operation }>(plane, 'POST', `/v1/tenants/${tenantId}/drills`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.drill).toMatchObject({ tenantId, status: 'REQUESTED', cleanedUp: false });
  await waitForOperation(plane, res.body.operation.operationId);
  const done = (await history(tenantId)).find((d) => d.drillId === res.body.drill.drillId)!;
  return done;
}

/** The heartbeat, then the clock past the latest restorable time's lag, so the restore point holds it. */
async function heartbeat(): Promise<void> {
  expect((await writeHeartbeats(plane.repo, plane.config)).failed).toEqual([]);
  plane.clock.advance(5);
}

const history = async (tenantId: string) => (await api<{ items: DrillRecord[] }>(plane, 'GET', `/v1/tenants/${tenantId}/drills`)).body.items;
const tenant = async (id: string) => (await api<Tenant>(plane, 'GET', `/v1/tenants/${id}`)).body;

/** Every RDS cluster or instance in the simulated cloud tagged as a drill's, in any region. */
async function drillLeftovers(): Promise<string[]> {
  const inventory = (await api<{ regions: Record<string, { rds: { clusters: { identifier: string; tags: Record<string, string> }[]; instances?: { identifier: string; tags?: Record<string, string> }[] } }> }>(plane, 'GET', '/_local/cloud')).body;
  return Object.values(inventory.regions).flatMap((r) => [
    ...r.rds.clusters.filter((c) => c.tags['odoo:drill']).map((c) => c.identifier),
    ...(r.rds.instances ?? []).filter((i) => i.tags?.['odoo:drill']).map((i) => i.identifier),
  ]);
}

interface RegionInventory {
  metrics: { namespace: string; name: string; dimensions: Record<string, string>; value?: number }[];
  events?: { source: string; detailType: string; detail: Record<string, unknown> }[];
}
async function signals(): Promise<RegionInventory> {
  const inventory = (await api<{ regions: Record<string, RegionInventory> }>(plane, 'GET', '/_local/cloud')).body;
  return inventory.regions[plane.config.primaryRegion]!;
}
const drillMetric = (r: RegionInventory, tenantId: string, name: string) =>
  r.metrics.filter((m) => m.namespace === 'Odoo/Drills' && m.name === name && m.dimensions.TenantId === tenantId).map((m) => m.value);
const drillEvents = (r: RegionInventory, tenantId: string) => (r.events ?? []).filter((e) => e.source === 'odoo.fleet' && e.detail.tenantId === tenantId && /^Drill /.test(e.detailType));

async function setFaults(rules: unknown[]): Promise<void> {
  const res = await api(plane, 'POST', '/_local/faults', { rules });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function evidence(key: string): Promise<Record<string, unknown>> {
  const out = await cloud().s3(plane.config.primaryRegion).send(new GetObjectCommand({ Bucket: process.env.EVIDENCE_BUCKET!, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
}

describe('an on-demand drill of a pooled tenant', () => {
  let record: DrillRecord;
  beforeAll(async () => {
    await provision('dr-pooled');
    await heartbeat();
    record = await drill('dr-pooled');
  });

  it('passes, with RTO and RPO measured against the tenant\'s targets', async () => {
    const t = await tenant('dr-pooled');
    expect(record).toMatchObject({ outcome: 'PASSED', status: 'COMPLETED', cleanedUp: true, targetRtoSeconds: t.placement.rtoSeconds, targetRpoSeconds: t.placement.rpoSeconds });
    expect(record.rtoSeconds).toBeGreaterThan(0);
    expect(record.rtoSeconds).toBeLessThanOrEqual(record.targetRtoSeconds);
    expect(record.rpoSeconds).toBeGreaterThanOrEqual(0);
    expect(record.rpoSeconds).toBeLessThanOrEqual(record.targetRpoSeconds);
    // RPO as defined: the restore point back to the newest committed data the restore held.
    const newest = Math.max(...[record.newestData?.heartbeat, record.newestData?.businessWrite].filter((x): x is string => !!x).map((x) => Date.parse(x)));
    expect(record.rpoSeconds).toBe(Math.max(0, Math.round((Date.parse(record.restorePoint!) - newest) / 1000)));
    expect(Date.parse(record.restorePoint!)).toBeLessThanOrEqual(Date.parse(record.restoreRequestedAt!));
  });

  it('ran every check on the restored database with real SQL, each passed with its figures', () => {
    expect(record.checks.map((c) => [c.name, c.passed])).toEqual([
      ['restore-point', true],
      ['connect', true],
      ['odoo-schema', true],
      ['installed-modules', true],
      ['business-rows', true],
      ['newest-data', true],
      ['filestore', true],
    ]);
    expect(record.checks.find((c) => c.name === 'business-rows')?.figures?.res_partner).toBeGreaterThan(0);
    expect(record.checks.find((c) => c.name === 'filestore')?.figures?.sampled).toBeGreaterThan(0);
    expect(record.newestData?.heartbeat).toBeTruthy();
  });

  it('restored into an isolated drill cluster, never the production name, and deleted it', async () => {
    expect(record.target).toMatchObject({ clusterIdentifier: expect.stringMatching(/^odoo-drill-dr-pooled-/), sourceClusterIdentifier: 'odoo-cell-c', dbSubnetGroupName: plane.config.drills.dbSubnetGroupName });
    expect(record.teardown).toEqual({ [record.target!.clusterIdentifier]: 'absent' });
    expect(await drillLeftovers()).toEqual([]);
  });

  it('wrote the evidence report, set lastDrill on the tenant, and never changed the tenant', async () => {
    const report = await evidence(record.evidenceKey!);
    expect(report).toMatchObject({ tenantId: 'dr-pooled', drillId: record.drillId, outcome: 'PASSED', rto: { seconds: record.rtoSeconds }, rpo: { seconds: record.rpoSeconds }, cleanup: { cleanedUp: true } });
    const t = await tenant('dr-pooled');
    expect(t.lastDrill).toMatchObject({ drillId: record.drillId, outcome: 'PASSED', lastRestorableAt: record.startedAt, evidenceKey: record.evidenceKey });
    expect(t.status).toBe('ACTIVE');
    expect(t.drillLock).toBeUndefined();
    const changes = (await api<{ items: { type: string }[] }>(plane, 'GET', '/v1/tenants/dr-pooled/changes')).body.items;
    expect(changes.some((c) => /drill/i.test(c.type))).toBe(false);
  });

  it('put its figures into the Odoo/Drills metrics, and published no event for a pass', async () => {
    const r = await signals();
    expect(drillMetric(r, 'dr-pooled', 'DrillSucceeded')).toEqual([1]);
    expect(drillMetric(r, 'dr-pooled', 'DrillFailed')).toEqual([0]);
    expect(drillMetric(r, 'dr-pooled', 'DrillRtoSeconds')).toEqual([record.rtoSeconds]);
    expect(drillMetric(r, 'dr-pooled', 'DrillRpoSeconds')).toEqual([record.rpoSeconds]);
    expect(drillEvents(r, 'dr-pooled')).toEqual([]);
  });

  it('shows its steps on its operation', async () => {
    const op = (await api<Operation>(plane, 'GET', `/v1/operations/${record.operationId}`)).body;
    expect(op).toMatchObject({ type: 'DRILL', status: 'SUCCEEDED', tenantId: 'dr-pooled' });
    expect(op.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['BeginDrill', 'RestoreDrillTarget', 'ValidateDrill', 'TearDownDrill', 'RecordDrill']));
  });
});

describe('an on-demand drill of a dedicated tenant', () => {
  it('restores its own cluster into a drill cluster and passes', async () => {
    await provision('dr-dedicated', dedicatedProfile);
    await heartbeat();
    const record = await drill('dr-dedicated');
    expect(record).toMatchObject({ outcome: 'PASSED', cleanedUp: true, model: 'dedicated', target: { sourceClusterIdentifier: 'odoo-dr-dedicated' } });
    expect(await drillLeftovers()).toEqual([]);
  });
});

describe('a drill beside another operation', () => {
  it('runs while another operation holds the tenant\'s lease (a release, a failover), and leaves that lease alone', async () => {
    await provision('dr-beside');
    await heartbeat();
    await plane.repo.acquireLease('dr-beside', 'op-a-release-tenant', 3600);
    const before = await tenant('dr-beside');
    const record = await drill('dr-beside');
    expect(record.outcome).toBe('PASSED');
    const after = await tenant('dr-beside');
    expect(after.lease).toEqual(before.lease);
    expect(after.version).toBe(before.version);
    expect(after.status).toBe(before.status);
  });
});

describe('refusals', () => {
  it('answers 409 while a drill of the tenant runs, 400 for a bad restore time, 404 for an unknown tenant, and starts nothing', async () => {
    await provision('dr-busy');
    await plane.repo.acquireDrillLock('dr-busy', 'op-someone-else', 600);
    const busy = await api<{ error: { code: string; message: string } }>(plane, 'POST', '/v1/tenants/dr-busy/drills');
    expect(busy.status).toBe(409);
    expect(busy.body.error.message).toContain('op-someone-else');
    await plane.repo.releaseDrillLock('dr-busy', 'op-someone-else');

    const future = await api<{ error: { details: { path: string }[] } }>(plane, 'POST', '/v1/tenants/dr-busy/drills', { restoreTime: '2999-01-01T00:00:00Z' });
    expect(future.status).toBe(400);
    expect(future.body.error.details[0]?.path).toBe('restoreTime');
    const garbage = await api(plane, 'POST', '/v1/tenants/dr-busy/drills', { restoreTime: 'yesterday' });
    expect(garbage.status).toBe(400);
    const extra = await api(plane, 'POST', '/v1/tenants/dr-busy/drills', { restoreTime: new Date().toISOString(), cluster: 'prod' });
    expect(extra.status).toBe(400);
    expect((await api(plane, 'POST', '/v1/tenants/nobody-here/drills')).status).toBe(404);
    expect(await history('dr-busy')).toEqual([]);
  });
});

describe('injected faults', () => {
  const cases: { id: string; effect: string; outcome: string; reason: RegExp }[] = [
    { id: 'df-restore', effect: 'restore-fails', outcome: 'FAILED', reason: /failed/ },
    { id: 'df-files', effect: 'missing-attachments', outcome: 'FAILED', reason: /check filestore failed/ },
    { id: 'df-module', effect: 'missing-module', outcome: 'FAILED', reason: /check installed-modules failed/ },
    { id: 'df-empty', effect: 'empty-tables', outcome: 'FAILED', reason: /check business-rows failed/ },
    { id: 'df-stale', effect: 'stale-restore', outcome: 'BREACHED_TARGET', reason: /RPO \d+ s above the target/ },
  ];

  it.each(cases)('$effect ends $outcome for the right reason and leaves nothing behind', async ({ id, effect, outcome, reason }) => {
    await provision(id, effect === 'stale-restore' ? { criticality: 'standard', customization: 'none' } : {});
    await heartbeat();
    if (effect === 'stale-restore') {
      // Three hours of heartbeats' history, so a restore missing its newest two still holds older data.
      plane.clock.advance(3 * 3600);
      await heartbeat();
    }
    await setFaults([{ service: 'rds', effect, tenant: id }]);
    try {
      const record = await drill(id);
      expect(record.outcome).toBe(outcome);
      expect(record.reason).toMatch(reason);
      expect(record.cleanedUp).toBe(true);
      expect(record.evidenceKey).toBeTruthy();
      expect((await tenant(id)).lastDrill).toMatchObject({ drillId: record.drillId, outcome });
      expect(await drillLeftovers()).toEqual([]);
      // The alarm's metric and the event an on-call subscription receives.
      const r = await signals();
      expect(drillMetric(r, id, outcome === 'FAILED' ? 'DrillFailed' : 'DrillBreachedTarget')).toEqual([1]);
      expect(drillEvents(r, id).map((e) => [e.detailType, e.detail.drillId, e.detail.reason])).toEqual([
        [outcome === 'FAILED' ? 'Drill Failed' : 'Drill Breached Target', record.drillId, record.reason],
      ]);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });

  it('a restore the API refuses (no capacity) ends FAILED naming the AWS error, with nothing left', async () => {
    await provision('df-capacity');
    await setFaults([{ service: 'rds', operation: 'RestoreDBClusterToPointInTime', error: 'InsufficientDBClusterCapacityFault' }]);
    try {
      const record = await drill('df-capacity');
      expect(record).toMatchObject({ outcome: 'FAILED', cleanedUp: true });
      expect(record.reason).toContain('InsufficientDBClusterCapacityFault');
      expect(await drillLeftovers()).toEqual([]);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });
});

describe('a scheduled run', () => {
  it('drills exactly the tenants due, skips the rest with the reason, and leaves nothing behind', async () => {
    for (const id of ['sr-never', 'sr-old', 'sr-fresh']) await provision(id, { criticality: 'standard', customization: 'none' });
    await heartbeat();
    const now = plane.clock.now().getTime();
    const proven = (daysAgo: number) => new Date(now - daysAgo * 86_400_000).toISOString();
    await plane.repo.recordLastDrill('sr-old', { drillId: 'op-0000000000old', startedAt: proven(45), outcome: 'PASSED', cleanedUp: true, lastRestorableAt: proven(45) });
    await plane.repo.recordLastDrill('sr-fresh', { drillId: 'op-000000000fresh', startedAt: proven(3), outcome: 'PASSED', cleanedUp: true, lastRestorableAt: proven(3) });

    const run = plane.runner.startExecution(plane.runner.stateMachineArn(DRILL_RUN_MACHINE_NAME), 'drills-standard-test', JSON.stringify({ criticality: 'standard', trigger: 'schedule', scheduledAt: new Date(now).toISOString() }));
    await run.done;
    expect(run.status).toBe('SUCCEEDED');
    const summary = JSON.parse(run.output!) as DrillRunSummary;
    const drilled = (await Promise.all(['sr-never', 'sr-old', 'sr-fresh'].map(async (id) => [id, (await history(id)).length] as const))).filter(([, n]) => n > 0).map(([id]) => id);
    expect(drilled).toEqual(['sr-never', 'sr-old']);
    expect(summary).toMatchObject({ criticality: 'standard', started: 2, outcomes: { PASSED: 2 }, leftovers: [], incomplete: [] });
    expect(summary.notSelected['not-due']).toBeGreaterThanOrEqual(1);
    for (const id of drilled) expect((await history(id))[0]).toMatchObject({ trigger: 'schedule', requestedBy: 'schedule:drills-standard', outcome: 'PASSED' });
    expect(await drillLeftovers()).toEqual([]);
  });
});
