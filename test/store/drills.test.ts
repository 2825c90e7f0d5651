import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillRecord } from '#shared/domain/drill-types.ts';
import type { AppError } from '#shared/lib/errors.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { aTenant } from './fixtures.ts';
import { manualClock, startLocalTable, type LocalTable } from './local-table.ts';

let table: LocalTable;
const clock = manualClock();
let repo: FleetRepository;

beforeAll(async () => {
  table = await startLocalTable();
  repo = table.repo(clock.now);
});
afterAll(() => table.close());

const created = (tenantId: string) => repo.createTenant(aTenant(tenantId, { status: 'ACTIVE' }), { actor: 'alice', type: 'TenantCreated' });
const aDrill = (tenantId: string, drillId: string, over: Partial<DrillRecord> = {}): DrillRecord => ({
  tenantId,
  drillId,
  operationId: drillId,
  trigger: 'on-demand',
  requestedBy: 'alice',
  status: 'REQUESTED',
  criticality: 'standard',
  model: 'pooled',
  startedAt: clock.now().toISOString(),
  targetRtoSeconds: 7200,
  targetRpoSeconds: 900,
  checks: [],
  cleanedUp: false,
  ...over,
});
const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError);

describe('the drill lock', () => {
  it('is taken when free, taken again by the same drill, and refused to a second drill with a Conflict naming the first', async () => {
    await created('dl-one');
    await repo.acquireDrillLock('dl-one', 'op-a', 3600);
    await repo.acquireDrillLock('dl-one', 'op-a', 3600);
    const err = await refusal(repo.acquireDrillLock('dl-one', 'op-b', 3600));
    expect(err).toMatchObject({ code: 'Conflict', message: expect.stringContaining('already has drill op-a running') });
    expect((await repo.requireTenant('dl-one')).drillLock).toEqual({ drillId: 'op-a', expiresAt: new Date(clock.now().getTime() + 3_600_000).toISOString() });
  });

  it('is free again once given back, or once expired', async () => {
    await created('dl-two');
    await repo.acquireDrillLock('dl-two', 'op-a', 60);
    await repo.releaseDrillLock('dl-two', 'op-b'); // not its lock: nothing happens
    expect((await repo.requireTenant('dl-two')).drillLock?.drillId).toBe('op-a');
    await repo.releaseDrillLock('dl-two', 'op-a');
    expect((await repo.requireTenant('dl-two')).drillLock).toBeUndefined();
    await repo.acquireDrillLock('dl-two', 'op-c', 60);
    clock.advance(61);
    await repo.acquireDrillLock('dl-two', 'op-d', 60);
    expect((await repo.requireTenant('dl-two')).drillLock?.drillId).toBe('op-d');
  });

  it('leaves the operation lease and the version alone, and a tenant update never undoes it', async () => {
    await created('dl-three');
    await repo.acquireLease('dl-three', 'op-release', 600);
    await repo.acquireDrillLock('dl-three', 'op-drill', 600);
    const before = await repo.requireTenant('dl-three');
    expect(before.lease?.owner).toBe('op-release');
    expect(before.version).toBe(1);
    await repo.updateCurrentTenant('dl-three', (t) => ({ ...t, statusReason: 'upgrading' }), { actor: 'alice', type: 'Test' });
    expect((await repo.requireTenant('dl-three')).drillLock?.drillId).toBe('op-drill');
  });

  it('is NotFound for an unknown tenant', async () => {
    expect(await refusal(repo.acquireDrillLock('dl-nobody', 'op-a', 60))).toMatchObject({ code: 'NotFound' });
  });
});

describe('drill records', () => {
  it('are created once (a retry finds the first), updated at their version and listed newest first', async () => {
    await created('dr-list');
    await repo.createDrill(aDrill('dr-list', 'op-0001'));
    await repo.createDrill(aDrill('dr-list', 'op-0002'));
    const again = await repo.createDrill(aDrill('dr-list', 'op-0002', { requestedBy: 'bob' }));
    expect(again.requestedBy).toBe('alice');
    await repo.updateDrill('dr-list', 'op-0001', (d) => ({ ...d, status: 'RESTORING', restorePoint: '2030-01-01T00:00:00.000Z' }));
    const page = await repo.listDrills('dr-list');
    expect(page.items.map((d) => [d.drillId, d.status])).toEqual([
      ['op-0002', 'REQUESTED'],
      ['op-0001', 'RESTORING'],
    ]);
    expect(page.items[0]).not.toHaveProperty('version');
    expect(page.items[0]).not.toHaveProperty('PK');
  });

  it('keep updates of concurrent writers: each update reads the drill as stored', async () => {
    await created('dr-race');
    await repo.createDrill(aDrill('dr-race', 'op-0001'));
    await Promise.all([
      repo.updateDrill('dr-race', 'op-0001', (d) => ({ ...d, checks: [...d.checks, { name: 'a', passed: true, detail: '' }] })),
      repo.updateDrill('dr-race', 'op-0001', (d) => ({ ...d, checks: [...d.checks, { name: 'b', passed: true, detail: '' }] })),
    ]);
    expect((await repo.requireDrill('dr-race', 'op-0001')).checks.map((c) => c.name).sort()).toEqual(['a', 'b']);
  });
});

describe('the last drill on the tenant', () => {
  it('is the newest finished drill, never replaced by an older one, and does not change the tenant version', async () => {
    await created('ld-one');
    await repo.recordLastDrill('ld-one', { drillId: 'op-0002', startedAt: '2030-01-02T00:00:00.000Z', outcome: 'PASSED', cleanedUp: true, lastRestorableAt: '2030-01-02T00:00:00.000Z' });
    const kept = await repo.recordLastDrill('ld-one', { drillId: 'op-0001', startedAt: '2030-01-01T00:00:00.000Z', outcome: 'FAILED', cleanedUp: true });
    expect(kept?.drillId).toBe('op-0002');
    const tenant = await repo.requireTenant('ld-one');
    expect(tenant.lastDrill).toMatchObject({ drillId: 'op-0002', outcome: 'PASSED' });
    expect(tenant.version).toBe(1);
    await repo.updateCurrentTenant('ld-one', (t) => ({ ...t, statusReason: 'x', lastDrill: null }), { actor: 'alice', type: 'Test' });
    expect((await repo.requireTenant('ld-one')).lastDrill?.drillId).toBe('op-0002');
  });
});
