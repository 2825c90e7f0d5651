/**
 * A backup-restore cell (`cell-c` of the local fleet: a `dr` section without a global database)
 * through the local API: its tenants are protected by snapshot copies the scheduled job keeps in
 * the DR region; an unplanned failover with the home region down restores the cell's cluster there
 * from the newest copy and records the data lost since; once the region is back the old cluster is
 * kept as a snapshot and retired, copies flow the other way, and a planned failback restores a
 * snapshot of the fenced cluster at home, losing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import { keepCellSnapshotCopies } from '#shared/cloud/cell-snapshot-copies.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { preserveOldPrimaries } from '#shared/cloud/old-primaries.ts';
import type { Failover } from '#shared/domain/failover-types.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { failoverApi } from '../support/failover-plane.ts';
import { api, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;
const PRIMARY = 'eu-west-1';
const DR = 'eu-central-1';

beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

const tenant = async (id: string) => (await api<Tenant>(plane, 'GET', `/v1/tenants/${id}`)).body;
const f = () => failoverApi(plane);
const view = (id: string) => f().view(id);
const waitForFailover = (id: string, until?: (x: Failover) => boolean) => f().waitForFailover(id, until);
const start = (body: Record<string, unknown>, actor = 'alice') => f().start(body, actor);
const heartbeat = () => f().heartbeat();

type Inventory = { regions: Record<string, { rds: { clusters: { identifier: string; status: string }[]; snapshots: { identifier: string; cluster: string; status: string }[] } }> };
const inventory = async () => (await api<Inventory>(plane, 'GET', '/_local/cloud')).body;
const clusterIn = async (region: string, identifier: string) => (await inventory()).regions[region]!.rds.clusters.find((c) => c.identifier === identifier);
const copiesIn = async (region: string) => (await inventory()).regions[region]!.rds.snapshots.filter((s) => s.cluster === 'odoo-cell-c' && s.status === 'available');

/** Runs the snapshot-copy job of `region` until a copy of the cell's cluster is available there. */
async function copiesUntilAvailable(region: string): Promise<void> {
  const before = (await copiesIn(region)).length;
  for (let i = 0; i < 200; i++) {
    await keepCellSnapshotCopies(plane.repo, plane.config, cloud(), plane.clock.now(), region);
    if ((await copiesIn(region)).length > before) return;
    plane.clock.advance(60);
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no snapshot copy became available in ${region}`);
}

describe('a backup-restore cell', () => {
  it('is restored in the DR region from its newest snapshot copy when its region is down, then fails back with nothing lost', async () => {
    // A low-criticality tenant is placed in the cell protected by snapshot copies.
    const res = await api<{ operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody('br-shop1', { criticality: 'low' }));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect((await waitForOperation(plane, res.body.operation.operationId)).status).toBe('SUCCEEDED');
    expect((await tenant('br-shop1')).placement).toMatchObject({ cell: 'cell-c', drPosture: 'backup-restore' });
    await heartbeat();

    // No copy yet: the failover is refused, naming the check, and nothing changes.
    const early = await start({ scope: 'cell', cell: 'cell-c', fromRegion: PRIMARY, toRegion: DR, mode: 'unplanned', reason: 'too early' });
    expect(early.status, JSON.stringify(early.body)).toBe(202);
    const refused = await waitForFailover(early.body.failover.failoverId);
    expect(refused.failover.status).toBe('REFUSED');
    expect(refused.failover.decision).toMatch(/replicated-backup \(no backup copied to the DR region\)/);
    expect((await tenant('br-shop1')).activeRegion).toBe(PRIMARY);
    expect(await clusterIn(DR, 'odoo-cell-c')).toBeUndefined();

    // The job run in the DR region snapshots the cell's cluster at home and copies it across.
    await copiesUntilAvailable(DR);
    // A write after the snapshot: what an unplanned restore loses.
    await heartbeat();
    await heartbeat();

    // The home region goes dark; the cell is restored in the DR region.
    await f().setFaults([{ service: '*', region: PRIMARY, effect: 'unreachable' }]);
    const res2 = await start({ scope: 'cell', cell: 'cell-c', fromRegion: PRIMARY, toRegion: DR, mode: 'unplanned', reason: `${PRIMARY} is down` });
    expect(res2.status, JSON.stringify(res2.body)).toBe(202);
    const id = res2.body.failover.failoverId;
    await waitForFailover(id, (f) => f.status === 'AWAITING_APPROVAL');
    expect((await api(plane, 'POST', `/v1/failovers/${id}/approve`, {}, { 'x-actor': 'bob' })).status).toBe(200);
    const done = await waitForFailover(id);
    expect(done.failover.status, JSON.stringify(done.failover)).toBe('SUCCEEDED');
    const [moved] = done.tenants;
    expect(moved).toMatchObject({ tenantId: 'br-shop1', outcome: 'SUCCEEDED', dataLossBasis: 'snapshot-age' });
    expect(moved!.dataLossWindowSeconds).toBeGreaterThanOrEqual(10);
    expect(moved!.steps?.find((s) => s.name === 'PromoteDatabase')?.detail).toMatchObject({ cluster: 'odoo-cell-c', region: DR, mode: 'unplanned' });
    expect(await clusterIn(DR, 'odoo-cell-c')).toMatchObject({ status: 'available' });
    expect(await tenant('br-shop1')).toMatchObject({ activeRegion: DR, status: 'ACTIVE' });

    // The region is back: the old cluster is kept as a snapshot, the window re-measured by the
    // heartbeats it held, then it is retired; copies of the restored cluster flow home.
    await f().clearFaults();
    await preserveOldPrimaries(plane.repo, plane.config, cloud(), plane.clock.now());
    for (let i = 0; i < 100 && (await view(id)).failover.oldPrimaries?.[0]?.status === 'PENDING'; i++) {
      plane.clock.advance(60);
      await preserveOldPrimaries(plane.repo, plane.config, cloud(), plane.clock.now());
    }
    const measured = await view(id);
    expect(measured.failover.oldPrimaries?.[0]).toMatchObject({ status: 'PRESERVED', clusterIdentifier: 'odoo-cell-c', region: PRIMARY });
    expect(measured.tenants[0]).toMatchObject({ dataLossBasis: 'heartbeats' });
    expect(measured.tenants[0]!.dataLossWindowSeconds).toBeGreaterThanOrEqual(10);

    await copiesUntilAvailable(PRIMARY);
    for (let i = 0; i < 100 && (await view(id)).failover.oldPrimaries?.[0]?.status !== 'REPLICATED'; i++) {
      plane.clock.advance(60);
      await preserveOldPrimaries(plane.repo, plane.config, cloud(), plane.clock.now());
    }
    expect((await view(id)).failover.oldPrimaries?.[0]).toMatchObject({ status: 'REPLICATED' });
    expect(await clusterIn(PRIMARY, 'odoo-cell-c')).toBeUndefined();

    // Failback: planned, from a snapshot of the fenced cluster: nothing lost.
    await heartbeat();
    const back = await start({ scope: 'cell', cell: 'cell-c', fromRegion: DR, toRegion: PRIMARY, mode: 'planned', reason: 'failback' });
    expect(back.status, JSON.stringify(back.body)).toBe(202);
    const returned = await waitForFailover(back.body.failover.failoverId);
    expect(returned.failover.status, JSON.stringify(returned.failover)).toBe('SUCCEEDED');
    expect(returned.tenants[0]).toMatchObject({ outcome: 'SUCCEEDED', dataLossWindowSeconds: 0, dataLossBasis: 'drained' });
    expect(await clusterIn(PRIMARY, 'odoo-cell-c')).toMatchObject({ status: 'available' });
    expect(await tenant('br-shop1')).toMatchObject({ activeRegion: PRIMARY, status: 'ACTIVE' });
    // The cluster left in the DR region is to be retired in its turn.
    expect(returned.failover.oldPrimaries?.[0]).toMatchObject({ region: DR, clusterIdentifier: 'odoo-cell-c', status: 'PENDING' });
  });
});
