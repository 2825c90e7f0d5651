/**
 * Failovers through the local API, run by the same synthesized state machines as in AWS, against
 * the simulated two-region cloud: a planned switchover of a cell with zero data loss and its
 * failback; refusals that change nothing; approval by someone other than the requester; one
 * failover per tenant at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import type { Failover } from '#shared/domain/failover-types.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { preserveOldPrimaries } from '#shared/cloud/old-primaries.ts';
import { failoverApi } from '../support/failover-plane.ts';
import { api, dedicatedProfile, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;
const PRIMARY = 'eu-west-1';
const DR = 'eu-central-1';

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

const tenant = async (id: string) => (await api<Tenant>(plane, 'GET', `/v1/tenants/${id}`)).body;
const f = () => failoverApi(plane);
const view = (id: string) => f().view(id);
const waitForFailover = (id: string, until?: (x: Failover) => boolean) => f().waitForFailover(id, until);
const start = (body: Record<string, unknown>, actor = 'alice') => f().start(body, actor);
const setFaults = (rules: unknown[]) => f().setFaults(rules);
const clearFaults = () => f().clearFaults();

async function drNodegroup(tenantId: string): Promise<{ name: string; scaling: { minSize: number; desiredSize: number } } | undefined> {
  const data = (await api<{ regions: Record<string, { eks: { clusters: { name: string; nodegroups: { name: string; scaling: { minSize: number; desiredSize: number } }[] }[] } }> }>(plane, 'GET', '/_local/cloud')).body;
  return data.regions[DR]!.eks.clusters.flatMap((c) => c.nodegroups ?? []).find((g) => g.name.includes(tenantId));
}

async function globalCluster(identifier: string): Promise<{ identifier: string; writer?: string } | undefined> {
  const data = (await api<{ globalClusters?: { identifier: string; writer?: string }[] }>(plane, 'GET', '/_local/cloud')).body;
  return (data.globalClusters ?? []).find((g) => g.identifier === identifier);
}

const heartbeat = () => f().heartbeat();

describe('a planned switchover', () => {
  it('moves a cell to the DR region with no data loss, then fails it back', async () => {
    await provision('fo-shop1', { criticality: 'standard' });
    await heartbeat();
    const res = await start({ scope: 'cell', cell: 'cell-a', fromRegion: PRIMARY, toRegion: DR, mode: 'planned', reason: 'region maintenance' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.failover).toMatchObject({ status: 'CHECKING', scope: 'cell', requestedBy: 'alice', units: [{ key: 'cell:cell-a', kind: 'cell' }] });
    const done = await waitForFailover(res.body.failover.failoverId);
    expect(done.failover.status, JSON.stringify(done, null, 1)).toBe('SUCCEEDED');
    // No approval for a planned switchover of non-critical tenants.
    expect(done.failover.approvedBy).toBeUndefined();
    expect(done.failover).toMatchObject({ dataLossWindowSeconds: 0, evidenceKey: expect.stringMatching(/^failovers\/.+\.json$/) });
    expect(done.failover.rtoSeconds).toBeGreaterThan(0);
    const [shop] = done.tenants;
    expect(shop).toMatchObject({ tenantId: 'fo-shop1', outcome: 'SUCCEEDED', dataLossWindowSeconds: 0, dataLossBasis: 'drained' });
    expect(shop!.steps.map((s) => [s.name, s.status])).toEqual([
      ['FenceOldPrimary', 'SUCCEEDED'],
      ['PromoteDatabase', 'SUCCEEDED'],
      ['ScaleDrCompute', 'SUCCEEDED'],
      ['SwitchDns', 'SUCCEEDED'],
      ['VerifyFailover', 'SUCCEEDED'],
      ['RecordUnit', 'SUCCEEDED'],
    ]);
    for (const step of shop!.steps) expect(Date.parse(step.endedAt!)).toBeGreaterThanOrEqual(Date.parse(step.startedAt));
    const t = await tenant('fo-shop1');
    expect(t).toMatchObject({ status: 'ACTIVE', activeRegion: DR, resources: { compute: { cluster: 'fleet-euc1' } } });
    expect(t.lease).toBeUndefined();
    // The cell's writer is in the DR region now; the tenant's writes land there.
    expect((await globalCluster('odoo-cell-a-global'))?.writer).toContain(`:${DR}:`);
    await heartbeat();

    const back = await start({ scope: 'cell', cell: 'cell-a', fromRegion: DR, toRegion: PRIMARY, mode: 'planned', reason: 'failback after maintenance' });
    expect(back.status, JSON.stringify(back.body)).toBe(202);
    const failedBack = await waitForFailover(back.body.failover.failoverId);
    expect(failedBack.failover.status, JSON.stringify(failedBack, null, 1)).toBe('SUCCEEDED');
    expect(failedBack.tenants[0]).toMatchObject({ outcome: 'SUCCEEDED', dataLossWindowSeconds: 0 });
    expect(await tenant('fo-shop1')).toMatchObject({ status: 'ACTIVE', activeRegion: PRIMARY, resources: { compute: { cluster: 'fleet-euw1' } } });
    const changes = (await api<{ items: { type: string }[] }>(plane, 'GET', '/v1/tenants/fo-shop1/changes')).body.items.map((c) => c.type);
    expect(changes.filter((c) => c === 'FailedOver')).toHaveLength(2);
  });

  it('is refused, changing nothing, when the replication lag exceeds the RPO', async () => {
    await provision('fo-shop2', { criticality: 'standard' });
    await setFaults([{ service: 'rds', effect: 'replication-lag', seconds: 2000, region: DR }]);
    try {
      plane.clock.advance(120);
      const before = await tenant('fo-shop2');
      const res = await start({ scope: 'tenant', tenantId: 'fo-shop2', fromRegion: PRIMARY, toRegion: DR, mode: 'planned', reason: 'switch' });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      // A pooled tenant takes its whole cell, and says so.
      expect(res.body.failover.widened?.cell).toBe(before.placement.cell);
      const done = await waitForFailover(res.body.failover.failoverId);
      expect(done.failover.status).toBe('REFUSED');
      expect(done.failover.statusReason).toMatch(/lag-can-reach-zero/);
      const mine = done.tenants.find((x) => x.tenantId === 'fo-shop2')!;
      expect(mine.readiness?.checks.find((c) => c.name === 'lag-can-reach-zero')).toMatchObject({ passed: false, blocking: true });
      expect(mine.steps).toEqual([]);
      const after = await tenant('fo-shop2');
      expect(after).toMatchObject({ status: 'ACTIVE', activeRegion: before.activeRegion, version: before.version });
      expect(after.lease).toBeUndefined();
    } finally {
      await clearFaults();
    }
  });
});

describe('approval and one failover per tenant', () => {
  it('waits for someone other than the requester, and refuses a second failover of the same tenants meanwhile', async () => {
    await provision('fo-shop3', { criticality: 'standard' });
    const cell = (await tenant('fo-shop3')).placement.cell!;
    const res = await start({ scope: 'cell', cell, fromRegion: PRIMARY, toRegion: DR, mode: 'unplanned', reason: 'primary degraded' }, 'alice');
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const id = res.body.failover.failoverId;
    const waiting = await waitForFailover(id, (f) => f.status === 'AWAITING_APPROVAL');
    expect(waiting.failover.statusReason).toMatch(/alice/);

    const second = await start({ scope: 'tenant', tenantId: 'fo-shop3', fromRegion: PRIMARY, toRegion: DR, mode: 'planned', reason: 'again' }, 'bob');
    expect(second.status, JSON.stringify(second.body)).toBe(409);
    expect(second.body.error?.message).toMatch(new RegExp(id));

    const self = await api<{ error: { code: string; message: string } }>(plane, 'POST', `/v1/failovers/${id}/approve`, {}, { 'x-actor': 'alice' });
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/requester|alice/);
    expect((await view(id)).failover.status).toBe('AWAITING_APPROVAL');

    const rejected = await api<{ failover: Failover }>(plane, 'POST', `/v1/failovers/${id}/reject`, { reason: 'the primary recovered' }, { 'x-actor': 'bob' });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    const done = await waitForFailover(id);
    expect(done.failover.status).toBe('REJECTED');
    const t = await tenant('fo-shop3');
    expect(t).toMatchObject({ status: 'ACTIVE', activeRegion: PRIMARY });
    expect(t.lease).toBeUndefined();
  });

  it('answers 400 naming the fields of a bad request, and records nothing', async () => {
    const before = (await api<{ items: Failover[] }>(plane, 'GET', '/v1/failovers')).body.items.length;
    const res = await start({ scope: 'cell', fromRegion: PRIMARY, toRegion: PRIMARY, mode: 'sideways', reason: '' });
    expect(res.status).toBe(400);
    const paths = (res.body as unknown as { error: { details: { path: string }[] } }).error.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['mode', 'reason']));
    expect((await api<{ items: Failover[] }>(plane, 'GET', '/v1/failovers')).body.items).toHaveLength(before);
  });
});

describe('an unplanned region failover', () => {
  const ids: string[] = [];
  it('moves every tenant of the failed region using only the DR region, most critical first, records the data-loss window, and once the region is back keeps and rebuilds the old primaries and fails back', async () => {
    // Heavy customization keeps a low tenant on a cell with a global database (pilot light); the
    // backup-restore cell has its own test (failover-backup-restore.e2e.test.ts).
    await provision('fo-low1', { criticality: 'low', customization: 'heavy' });
    await provision('fo-std1', { criticality: 'standard' });
    await heartbeat();
    const active = (await api<{ items: Tenant[] }>(plane, 'GET', '/v1/tenants?status=ACTIVE')).body.items.filter((t) => t.activeRegion === PRIMARY);
    // The primary region goes dark: every call into it hangs, then times out.
    await setFaults([{ service: '*', region: PRIMARY, effect: 'unreachable' }]);
    try {
      plane.clock.advance(30);
      const res = await start({ scope: 'region', fromRegion: PRIMARY, toRegion: DR, mode: 'unplanned', reason: 'eu-west-1 is down' }, 'alice');
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body.failover.tenantCount).toBe(active.length);
      const id = res.body.failover.failoverId;
      ids.push(id);
      await waitForFailover(id, (f) => f.status === 'AWAITING_APPROVAL');
      const approved = await api<{ failover: Failover }>(plane, 'POST', `/v1/failovers/${id}/approve`, {}, { 'x-actor': 'bob' });
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      const done = await waitForFailover(id);
      expect(done.failover.status, JSON.stringify(done.failover)).toBe('SUCCEEDED');
      expect(done.failover).toMatchObject({ approvedBy: 'bob', requestedBy: 'alice' });
      for (const t of done.tenants) {
        expect(t.outcome, `${t.tenantId}: ${t.reason}`).toBe('SUCCEEDED');
        // The old primary could not be read: the window is the replication lag when it was promoted.
        expect(t.dataLossBasis).toBe('replication-lag');
        expect(t.dataLossWindowSeconds).toBeGreaterThan(0);
        const fence = t.steps.find((s) => s.name === 'FenceOldPrimary')!;
        expect(fence).toMatchObject({ status: 'SUCCEEDED', detail: { unfenced: expect.any(Number) } });
        expect(String(fence.detail?.unfencedReason)).toMatch(/TimeoutError/);
        expect(await tenant(t.tenantId)).toMatchObject({ status: 'ACTIVE', activeRegion: DR });
      }
      expect(done.failover.dataLossWindowSeconds).toBe(Math.max(...done.tenants.map((t) => t.dataLossWindowSeconds as number)));
      // Most critical first: the units' order, and the order their promotions began.
      const rank = { critical: 0, standard: 1, low: 2 } as const;
      const ranks = done.failover.units.map((u) => rank[u.criticality]);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      expect(done.failover.oldPrimaries?.map((o) => o.status)).toEqual(done.failover.units.map(() => 'PENDING'));

      // While the region stays down, the old primaries cannot be kept: an attempt is counted.
      const early = await preserveOldPrimaries(plane.repo, plane.config, cloud(), plane.clock.now());
      expect(early.preserved).toEqual([]);
      expect((await view(id)).failover.oldPrimaries?.every((o) => o.attempts === 1 && /TimeoutError/.test(o.lastError ?? ''))).toBe(true);
    } finally {
      await clearFaults();
    }
    // The region is back: each old primary is snapshotted, and the windows measured by heartbeats.
    const preserved: string[] = [];
    for (let run = 0; run < 6 && preserved.length < (await view(ids.at(-1)!)).failover.units.length; run++) {
      preserved.push(...(await preserveOldPrimaries(plane.repo, plane.config, cloud(), plane.clock.now())).preserved);
      plane.clock.advance(600);
    }
    const after = await view(ids.at(-1)!);
    expect(preserved).toHaveLength(after.failover.units.length);
    for (const old of after.failover.oldPrimaries!) {
      expect(old).toMatchObject({ status: expect.stringMatching(/PRESERVED|REBUILDING|REPLICATED/), snapshotIdentifier: expect.stringContaining(old.clusterIdentifier) });
      const snaps = (await api<{ regions: Record<string, { rds: { snapshots?: { identifier: string }[] } }> }>(plane, 'GET', '/_local/cloud')).body.regions[PRIMARY]!.rds.snapshots ?? [];
      expect(snaps.map((x) => x.identifier)).toContain(old.snapshotIdentifier);
    }
    for (const t of after.tenants) {
      expect(t).toMatchObject({ dataLossBasis: 'heartbeats' });
      expect(t.heartbeats?.oldNewest).toBeTruthy();
      expect(Date.parse(t.heartbeats!.oldNewest!)).toBeGreaterThanOrEqual(Date.parse(t.heartbeats!.newAtPromotion!));
    }

    // The failed region becomes the DR copy again (detach, delete, a new secondary), run after run.
    for (let run = 0; run < 12 && !(await view(ids.at(-1)!)).failover.oldPrimaries!.every((o) => o.status === 'REPLICATED'); run++) {
      await preserveOldPrimaries(plane.repo, plane.config, cloud(), plane.clock.now());
      plane.clock.advance(900);
    }
    const rebuilt = (await view(ids.at(-1)!)).failover.oldPrimaries!;
    expect(rebuilt.map((o) => [o.status, o.lastError])).toEqual(rebuilt.map(() => ['REPLICATED', undefined]));

    // Failback: a planned switchover of one of the cells, with no data loss.
    const cell = after.failover.units.find((u) => u.kind === 'cell')!.key.slice('cell:'.length);
    const back = await start({ scope: 'cell', cell, fromRegion: DR, toRegion: PRIMARY, mode: 'planned', reason: 'failback after the outage' });
    expect(back.status, JSON.stringify(back.body)).toBe(202);
    const home = await waitForFailover(back.body.failover.failoverId);
    expect(home.failover.status, JSON.stringify(home.tenants.map((t) => [t.tenantId, t.outcome, t.reason]))).toBe('SUCCEEDED');
    for (const t of home.tenants) {
      expect(t).toMatchObject({ outcome: 'SUCCEEDED', dataLossWindowSeconds: 0 });
      expect(await tenant(t.tenantId)).toMatchObject({ status: 'ACTIVE', activeRegion: PRIMARY });
    }
  });
});

describe('a dedicated warm-standby tenant', () => {
  it('switches over after a second person approves, runs on its own node group in the DR region, and fails back with the DR compute scaled down', async () => {
    await provision('fo-crit1', dedicatedProfile);
    const provisioned = await tenant('fo-crit1');
    expect(provisioned.placement).toMatchObject({ model: 'dedicated', drPosture: 'warm-standby' });
    expect(provisioned.resources.dr).toMatchObject({ region: DR, globalClusterIdentifier: expect.any(String), nodegroup: expect.any(String) });
    // Warm standby: scaled-down compute already waits in the DR region.
    expect((await drNodegroup('fo-crit1'))?.scaling).toMatchObject({ minSize: 1, desiredSize: 1 });
    await heartbeat();

    const res = await start({ scope: 'tenant', tenantId: 'fo-crit1', fromRegion: PRIMARY, toRegion: DR, mode: 'planned', reason: 'move the tenant ahead of maintenance' }, 'alice');
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const id = res.body.failover.failoverId;
    const waiting = await waitForFailover(id, (f) => f.status === 'AWAITING_APPROVAL');
    expect(waiting.failover.statusReason).toMatch(/critical/);
    expect((await api(plane, 'POST', `/v1/failovers/${id}/approve`, {}, { 'x-actor': 'bob' })).status).toBe(200);
    const done = await waitForFailover(id);
    expect(done.failover.status, JSON.stringify(done.tenants)).toBe('SUCCEEDED');
    expect(done.tenants[0]).toMatchObject({ outcome: 'SUCCEEDED', dataLossWindowSeconds: 0, dataLossBasis: 'drained' });
    const moved = await tenant('fo-crit1');
    expect(moved).toMatchObject({ status: 'ACTIVE', activeRegion: DR, resources: { compute: { cluster: 'fleet-euc1' }, dr: { region: PRIMARY } } });
    expect(moved.resources.database?.secretArn).toContain(`:${DR}:`);
    expect((await globalCluster(provisioned.resources.dr!.globalClusterIdentifier!))?.writer).toContain(`:${DR}:`);
    await heartbeat();

    const back = await start({ scope: 'tenant', tenantId: 'fo-crit1', fromRegion: DR, toRegion: PRIMARY, mode: 'planned', reason: 'failback' }, 'alice');
    expect(back.status, JSON.stringify(back.body)).toBe(202);
    await waitForFailover(back.body.failover.failoverId, (f) => f.status === 'AWAITING_APPROVAL');
    expect((await api(plane, 'POST', `/v1/failovers/${back.body.failover.failoverId}/approve`, {}, { 'x-actor': 'bob' })).status).toBe(200);
    const home = await waitForFailover(back.body.failover.failoverId);
    expect(home.failover.status, JSON.stringify(home.tenants)).toBe('SUCCEEDED');
    expect(await tenant('fo-crit1')).toMatchObject({ status: 'ACTIVE', activeRegion: PRIMARY, resources: { compute: { cluster: 'fleet-euw1' } } });
    // The DR node group is scaled back down to its standby size (one node: warm standby) once the tenant is home.
    const record = home.tenants[0]!.steps.find((s) => s.name === 'RecordUnit')!;
    expect(record.detail).toMatchObject({ oldComputeScaledDown: 1 });
    expect((await drNodegroup('fo-crit1'))?.scaling).toMatchObject({ minSize: 1, desiredSize: 1 });
  });
});

describe('a cell that failed over', () => {
  it('takes its new tenants in the region its database now takes writes, and fails them back with the cell', async () => {
    await provision('fo-pre1', { criticality: 'standard' });
    const pre = await tenant('fo-pre1');
    const cell = pre.placement.cell!;
    // Earlier tests may have left this cell in either region: it moves to the other one.
    const [from, to] = pre.activeRegion === PRIMARY ? [PRIMARY, DR] : [DR, PRIMARY];
    const toCluster = to === DR ? 'fleet-euc1' : 'fleet-euw1';
    const res = await start({ scope: 'cell', cell, fromRegion: from, toRegion: to, mode: 'planned', reason: 'move the cell' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect((await waitForFailover(res.body.failover.failoverId)).failover.status).toBe('SUCCEEDED');

    // Placement picks the least-loaded cell: keep asking until a new tenant lands on the moved one.
    let newcomer: Tenant | undefined;
    for (let i = 0; i < 6 && !newcomer; i++) {
      await provision(`fo-new${i}`, { criticality: 'standard' });
      const t = await tenant(`fo-new${i}`);
      if (t.placement.cell === cell) newcomer = t;
    }
    expect(newcomer, 'a new tenant on the moved cell').toBeDefined();
    expect(newcomer).toMatchObject({ status: 'ACTIVE', activeRegion: to, resources: { compute: { cluster: toCluster } } });
    expect(newcomer!.resources.database?.secretArn).toContain(`:${to}:`);

    const back = await start({ scope: 'cell', cell, fromRegion: to, toRegion: from, mode: 'planned', reason: 'failback' });
    const home = await waitForFailover(back.body.failover.failoverId);
    expect(home.failover.status, JSON.stringify(home.tenants.map((t) => [t.tenantId, t.reason]))).toBe('SUCCEEDED');
    expect(home.tenants.map((t) => t.tenantId)).toContain(newcomer!.tenantId);
    expect(await tenant(newcomer!.tenantId)).toMatchObject({ status: 'ACTIVE', activeRegion: from });
  });
});

describe('offboarding after a failover and a failback', () => {
  it('leaves nothing in either region: no namespace, node group or Pod Identity association left fenced behind', async () => {
    await provision('fo-gone1', dedicatedProfile);
    for (const [from, to] of [
      [PRIMARY, DR],
      [DR, PRIMARY],
    ] as const) {
      const res = await start({ scope: 'tenant', tenantId: 'fo-gone1', fromRegion: from, toRegion: to, mode: 'planned', reason: 'there and back' }, 'alice');
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await waitForFailover(res.body.failover.failoverId, (f) => f.status === 'AWAITING_APPROVAL');
      expect((await api(plane, 'POST', `/v1/failovers/${res.body.failover.failoverId}/approve`, {}, { 'x-actor': 'bob' })).status).toBe(200);
      expect((await waitForFailover(res.body.failover.failoverId)).failover.status).toBe('SUCCEEDED');
    }
    const del = await api<{ operation: Operation }>(plane, 'DELETE', '/v1/tenants/fo-gone1');
    expect(del.status, JSON.stringify(del.body)).toBe(202);
    expect((await waitForOperation(plane, del.body.operation.operationId)).status).toBe('SUCCEEDED');
    const inventory = (await api<{ regions: Record<string, { kubernetes: Record<string, Record<string, unknown[]>>; eks: { clusters: { name: string; nodegroups?: { name: string }[] }[]; podIdentityAssociations: { namespace?: string }[] }; rds: { clusters: { identifier: string }[] } }> }>(plane, 'GET', '/_local/cloud')).body;
    for (const [region, r] of Object.entries(inventory.regions)) {
      for (const namespaces of Object.values(r.kubernetes)) expect(Object.keys(namespaces), region).not.toContain('tenant-fo-gone1');
      for (const c of r.eks.clusters) expect((c.nodegroups ?? []).map((g) => g.name).filter((n) => n.includes('fo-gone1')), region).toEqual([]);
      expect(r.eks.podIdentityAssociations.filter((a) => a.namespace === 'tenant-fo-gone1'), region).toEqual([]);
      expect(r.rds.clusters.map((c) => c.identifier).filter((n) => n.includes('fo-gone1')), region).toEqual([]);
    }
  });
});
