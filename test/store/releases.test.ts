import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRepository } from '#shared/store/repository.ts';
import { aRelease, aTenantRelease, aWave, aWholeRelease } from './release-fixtures.ts';
import { manualClock, startLocalTable, type LocalTable } from './local-table.ts';

let table: LocalTable;
const clock = manualClock();
let repo: FleetRepository;
let ids = 0;
const nextId = () => `rel-${String(++ids).padStart(26, '0')}`;

beforeAll(async () => {
  table = await startLocalTable();
  repo = table.repo(clock.now);
});
afterAll(() => table.close());

async function created(tenantIds = ['acme', 'bolt', 'cora']) {
  const releaseId = nextId();
  const whole = aWholeRelease(releaseId, tenantIds);
  await repo.createRelease(whole.release, whole.waves, whole.tenants);
  return { releaseId, ...whole };
}

describe('createRelease', () => {
  it('stores the release, its waves and one item per tenant', async () => {
    const { releaseId, release } = await created();

    expect(await repo.requireRelease(releaseId)).toEqual(release);
    expect(await repo.getWave(releaseId, 0)).toEqual(aWave(releaseId, 0, ['acme', 'bolt', 'cora']));
    const tenants = await repo.listTenantReleases(releaseId);
    expect(tenants.items.map((t) => [t.tenantId, t.outcome])).toEqual([
      ['acme', 'PENDING'],
      ['bolt', 'PENDING'],
      ['cora', 'PENDING'],
    ]);
  });

  it('writes hundreds of tenant items, beyond one batch', async () => {
    const tenantIds = Array.from({ length: 260 }, (_, i) => `t${String(i).padStart(3, '0')}`);
    const { releaseId } = await created(tenantIds);

    let cursor: string | undefined;
    let seen = 0;
    do {
      const page = await repo.listTenantReleases(releaseId, { limit: 100, cursor });
      seen += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toBe(260);
  });

  it('treats the same request created again as done, and another request under the same id as a Conflict', async () => {
    const { releaseId, release, waves, tenants } = await created();
    await repo.moveTenantOutcome(releaseId, 'acme', 'PreflightStarted', {});

    await repo.createRelease({ ...release, createdAt: '2030-01-01T00:00:05.000Z' }, waves, tenants);
    await expect(repo.createRelease({ ...release, image: 'registry.example.com/odoo:18.0' }, waves, tenants)).rejects.toMatchObject({ name: 'Conflict' });

    // The retry rewrote nothing the workflow had changed.
    expect((await repo.getTenantRelease(releaseId, 'acme'))?.outcome).toBe('PREFLIGHT');
  });

  it('answers NotFound for a release that does not exist', async () => {
    expect(await repo.getRelease('rel-missing')).toBeUndefined();
    await expect(repo.requireRelease('rel-missing')).rejects.toMatchObject({ name: 'NotFound' });
  });
});

describe('updateRelease', () => {
  it('applies the change, bumps the version and refuses a stale version with Conflict', async () => {
    const { releaseId } = await created();

    const updated = await repo.updateRelease(releaseId, 1, (r) => ({ ...r, status: 'REHEARSING' }));
    expect(updated).toMatchObject({ status: 'REHEARSING', version: 2 });

    await expect(repo.updateRelease(releaseId, 1, (r) => ({ ...r, status: 'ABORTED' }))).rejects.toMatchObject({
      name: 'Conflict',
      details: [{ path: 'version', message: 'is stale' }],
    });
    expect((await repo.requireRelease(releaseId)).status).toBe('REHEARSING');
  });

  it('never puts back counts changed by an outcome move made after the release was read', async () => {
    const { releaseId } = await created();
    const read = await repo.requireRelease(releaseId);
    await repo.moveTenantOutcome(releaseId, 'acme', 'Skipped', { reason: 'tenant is SUSPENDED' });

    const updated = await repo.updateRelease(releaseId, read.version, (r) => ({ ...r, status: 'REHEARSING' }));

    expect(updated.counts).toEqual({ PENDING: 2, SKIPPED: 1 });
  });

  it('removes fields the mutation drops and keeps the approval token out of the record', async () => {
    const { releaseId } = await created();
    await repo.updateRelease(releaseId, 1, (r) => ({ ...r, statusReason: 'waiting' }));
    await repo.setApprovalToken(releaseId, 'token-1');

    const updated = await repo.updateRelease(releaseId, 2, ({ statusReason: _dropped, ...r }) => r);

    expect(updated.statusReason).toBeUndefined();
    expect(updated).not.toHaveProperty('approvalToken');
    expect(await repo.takeApprovalToken(releaseId)).toBe('token-1');
  });
});

describe('listReleases', () => {
  it('lists newest first, by status through the index, page by page', async () => {
    const other = await table.addTable('fleet-releases-list');
    const made = [];
    for (let i = 0; i < 5; i++) {
      const release = aRelease(nextId(), { createdAt: `2030-02-0${i + 1}T00:00:00.000Z`, status: i % 2 ? 'ROLLING_OUT' : 'PLANNED' });
      await other.createRelease(release, [], []);
      made.push(release.releaseId);
    }

    const first = await other.listReleases({ limit: 2 });
    const second = await other.listReleases({ limit: 2, cursor: first.nextCursor });
    const third = await other.listReleases({ limit: 2, cursor: second.nextCursor });
    const rolling = await other.listReleases({ status: 'ROLLING_OUT' });

    expect([...first.items, ...second.items, ...third.items].map((r) => r.releaseId)).toEqual([...made].reverse());
    expect(third.nextCursor).toBeUndefined();
    expect(rolling.items.map((r) => r.releaseId)).toEqual([made[3], made[1]]);
    await expect(other.listReleases({ status: 'PLANNED', cursor: first.nextCursor })).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('follows a status change into the other status list', async () => {
    const other = await table.addTable('fleet-releases-status');
    const release = aRelease(nextId());
    await other.createRelease(release, [], []);

    await other.updateRelease(release.releaseId, 1, (r) => ({ ...r, status: 'ABORTED' }));

    expect((await other.listReleases({ status: 'PLANNED' })).items).toEqual([]);
    expect((await other.listReleases({ status: 'ABORTED' })).items.map((r) => r.releaseId)).toEqual([release.releaseId]);
  });
});

describe('task tokens', () => {
  it('hands the approval token out once', async () => {
    const { releaseId } = await created();
    expect(await repo.takeApprovalToken(releaseId)).toBeUndefined();

    await repo.setApprovalToken(releaseId, 'approval-token');
    const [a, b] = await Promise.all([repo.takeApprovalToken(releaseId), repo.takeApprovalToken(releaseId)]);

    expect([a, b].filter(Boolean)).toEqual(['approval-token']);
    expect(await table.rawItem(`RELEASE#${releaseId}`, 'META')).not.toHaveProperty('approvalToken');
  });

  it('keeps a decision token through outcome moves and hands it out once', async () => {
    const { releaseId } = await created();
    await repo.setDecisionToken(releaseId, 'acme', 'decision-token');
    await repo.moveTenantOutcome(releaseId, 'acme', 'PreflightStarted', {});

    expect(await repo.getTenantRelease(releaseId, 'acme')).not.toHaveProperty('decisionToken');
    expect(await repo.takeDecisionToken(releaseId, 'acme')).toBe('decision-token');
    expect(await repo.takeDecisionToken(releaseId, 'acme')).toBeUndefined();
    await expect(repo.setDecisionToken(releaseId, 'nobody', 't')).rejects.toMatchObject({ name: 'NotFound' });
  });
});

describe('moveTenantOutcome', () => {
  it('moves the outcome, records history and reason, and keeps the counts', async () => {
    const { releaseId } = await created();
    clock.advance(60);

    await repo.moveTenantOutcome(releaseId, 'acme', 'PreflightStarted', { startedAt: clock.now().toISOString() });
    const upgrading = await repo.moveTenantOutcome(releaseId, 'acme', 'UpgradeStarted', { reason: 'maintenance on' }, {}, '2030-01-01T00:02:00.000Z');

    expect(upgrading).toMatchObject({ outcome: 'UPGRADING', reason: 'maintenance on', version: 3 });
    expect(upgrading.history).toEqual([
      { outcome: 'PREFLIGHT', at: clock.now().toISOString() },
      { outcome: 'UPGRADING', at: '2030-01-01T00:02:00.000Z', reason: 'maintenance on' },
    ]);
    expect((await repo.requireRelease(releaseId)).counts).toEqual({ PENDING: 2, PREFLIGHT: 0, UPGRADING: 1 });
  });

  it('is a no-op when replayed after its target outcome holds, counting nothing twice', async () => {
    const { releaseId } = await created();
    await repo.moveTenantOutcome(releaseId, 'acme', 'PreflightStarted', {});
    const first = await repo.moveTenantOutcome(releaseId, 'acme', 'Skipped', { reason: 'backup too old' });

    const replay = await repo.moveTenantOutcome(releaseId, 'acme', 'Skipped', { reason: 'backup too old' });

    expect(replay).toEqual(first);
    expect((await repo.requireRelease(releaseId)).counts).toEqual({ PENDING: 2, PREFLIGHT: 0, SKIPPED: 1 });
  });

  it('refuses a move the outcome table does not allow with Conflict and the reason', async () => {
    const { releaseId } = await created();

    await expect(repo.moveTenantOutcome(releaseId, 'acme', 'CutOver', {})).rejects.toMatchObject({
      name: 'Conflict',
      message: expect.stringMatching(/CutOver is not allowed while the tenant's outcome is PENDING/),
    });
    await expect(repo.moveTenantOutcome(releaseId, 'nobody', 'Skipped', {})).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('refuses a failed verdict whose rollback could lose user writes, as the guard says', async () => {
    const { releaseId } = await created();
    for (const event of ['PreflightStarted', 'UpgradeStarted', 'CutOver'] as const) await repo.moveTenantOutcome(releaseId, 'acme', event, {});

    await expect(repo.moveTenantOutcome(releaseId, 'acme', 'VerdictFailed', {}, { migrationRan: true, userWritesSinceCutover: true })).rejects.toMatchObject({
      name: 'Conflict',
    });
    const moved = await repo.moveTenantOutcome(releaseId, 'acme', 'VerdictFailed', {}, { migrationRan: true, userWritesSinceCutover: false });
    expect(moved.outcome).toBe('ROLLING_BACK');
  });

  it('spends the wave budget once per failing tenant, replays included, and gives it back when a human keeps the version', async () => {
    const { releaseId } = await created();
    const toBaking = async (tenantId: string) => {
      for (const event of ['PreflightStarted', 'UpgradeStarted', 'CutOver'] as const) await repo.moveTenantOutcome(releaseId, tenantId, event, {});
    };
    await toBaking('acme');
    await toBaking('bolt');

    await repo.moveTenantOutcome(releaseId, 'acme', 'VerdictFailed', {}, { migrationRan: false });
    await repo.moveTenantOutcome(releaseId, 'acme', 'VerdictFailed', {}, { migrationRan: false });
    await repo.moveTenantOutcome(releaseId, 'acme', 'RollbackSucceeded', {});
    await repo.moveTenantOutcome(releaseId, 'bolt', 'VerdictInconclusive', {});
    expect((await repo.getWave(releaseId, 0))?.failures).toBe(2);

    await repo.moveTenantOutcome(releaseId, 'bolt', 'KeepDecided', {});
    expect((await repo.getWave(releaseId, 0))?.failures).toBe(1);
    expect((await repo.requireRelease(releaseId)).counts).toMatchObject({ ROLLED_BACK: 1, SUCCEEDED: 1, ROLLING_BACK: 0, AWAITING_DECISION: 0 });
  });

  it('lets concurrent moves of one tenant settle on one outcome change', async () => {
    const { releaseId } = await created();

    const results = await Promise.allSettled(Array.from({ length: 4 }, () => repo.moveTenantOutcome(releaseId, 'cora', 'WindowWaitStarted', {})));

    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const item = await repo.getTenantRelease(releaseId, 'cora');
    expect(item?.history.map((h) => h.outcome)).toEqual(['WAITING_WINDOW']);
    expect((await repo.requireRelease(releaseId)).counts).toMatchObject({ PENDING: 2, WAITING_WINDOW: 1 });
  });
});

describe('waves', () => {
  it('counts every one of many concurrent failures', async () => {
    const { releaseId } = await created();

    await Promise.all(Array.from({ length: 20 }, () => repo.recordWaveFailure(releaseId, 0)));
    const wave = await repo.recordWaveFailure(releaseId, 0, 'acme');
    const again = await repo.recordWaveFailure(releaseId, 0, 'acme');

    expect(wave.failures).toBe(21);
    expect(again.failures).toBe(21);
    expect(wave).not.toHaveProperty('failedTenants');
  });

  it('replaces the waves after re-planning and deletes waves past the new last one', async () => {
    const releaseId = nextId();
    await repo.createRelease(aRelease(releaseId), [aWave(releaseId, 0, ['a']), aWave(releaseId, 1, ['b']), aWave(releaseId, 2, ['c'])], []);

    await repo.putWaves(releaseId, [aWave(releaseId, 0, ['a', 'b']), aWave(releaseId, 1, ['c'])]);

    expect((await repo.getWave(releaseId, 0))?.tenantIds).toEqual(['a', 'b']);
    expect((await repo.getWave(releaseId, 1))?.tenantIds).toEqual(['c']);
    expect(await repo.getWave(releaseId, 2)).toBeUndefined();
  });
});

describe('tenant items', () => {
  it('updates one at its version, refuses a stale one, and never changes the outcome that way', async () => {
    const { releaseId } = await created();

    const updated = await repo.updateTenantRelease(releaseId, 'bolt', 1, (t) => ({ ...t, previous: { image: 'odoo:17.0', modules: ['sale'] } }));
    expect(updated).toMatchObject({ version: 2, previous: { image: 'odoo:17.0' } });

    await expect(repo.updateTenantRelease(releaseId, 'bolt', 1, (t) => t)).rejects.toMatchObject({ name: 'Conflict' });
    await expect(repo.updateTenantRelease(releaseId, 'bolt', 2, (t) => ({ ...t, outcome: 'SUCCEEDED' }))).rejects.toThrow(/moveTenantOutcome/);
  });

  it('lists by outcome, page by page', async () => {
    const tenantIds = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const { releaseId } = await created(tenantIds);
    for (const t of tenantIds.filter((_, i) => i % 3 === 0)) await repo.moveTenantOutcome(releaseId, t, 'Skipped', { reason: 'frozen' });

    const first = await repo.listTenantReleases(releaseId, { outcome: 'SKIPPED', limit: 3 });
    const second = await repo.listTenantReleases(releaseId, { outcome: 'SKIPPED', limit: 3, cursor: first.nextCursor });

    expect(first.items.map((t) => t.tenantId)).toEqual(['t00', 't03', 't06']);
    expect(second.items.map((t) => t.tenantId)).toEqual(['t09']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('writes re-planned items over the old ones', async () => {
    const { releaseId } = await created();

    await repo.putTenantReleases(releaseId, [aTenantRelease(releaseId, 'acme', 1), aTenantRelease(releaseId, 'bolt', 1)]);

    expect((await repo.getTenantRelease(releaseId, 'acme'))?.wave).toBe(1);
    expect((await repo.getTenantRelease(releaseId, 'cora'))?.wave).toBe(0);
  });
});
