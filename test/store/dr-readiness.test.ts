import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrReadinessReport } from '#shared/domain/types.ts';
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
const aReport = (checkedAt: string, over: Partial<DrReadinessReport> = {}): DrReadinessReport => ({
  checkedAt,
  fromRegion: 'eu-west-1',
  toRegion: 'eu-central-1',
  ready: false,
  wouldMiss: ['RPO'],
  expectedDataLossSeconds: 1200,
  checks: [{ name: 'rpo', passed: false, blocking: false, detail: 'replication lag 1200 s against an RPO of 900 s' }],
  ...over,
});

describe('the failover readiness report on a tenant', () => {
  it('is stored without bumping the version, touching updatedAt or writing a change event', async () => {
    await created('rr-one');
    const before = await repo.requireTenant('rr-one');
    const changesBefore = (await repo.listChanges('rr-one')).items.length;

    const stored = await repo.setDrReadiness('rr-one', aReport('2030-01-01T00:15:00.000Z'));

    expect(stored).toEqual(aReport('2030-01-01T00:15:00.000Z'));
    const after = await repo.requireTenant('rr-one');
    expect(after.drReadiness).toEqual(aReport('2030-01-01T00:15:00.000Z'));
    expect(after).toMatchObject({ version: before.version, updatedAt: before.updatedAt });
    expect((await repo.listChanges('rr-one')).items).toHaveLength(changesBefore);
  });

  it('is replaced by a newer report, never by an older one finishing late', async () => {
    await created('rr-two');
    await repo.setDrReadiness('rr-two', aReport('2030-01-01T00:30:00.000Z', { ready: true, wouldMiss: [] }));
    const kept = await repo.setDrReadiness('rr-two', aReport('2030-01-01T00:15:00.000Z'));
    expect(kept).toMatchObject({ checkedAt: '2030-01-01T00:30:00.000Z', ready: true });
    await repo.setDrReadiness('rr-two', aReport('2030-01-01T00:45:00.000Z'));
    expect((await repo.requireTenant('rr-two')).drReadiness).toMatchObject({ checkedAt: '2030-01-01T00:45:00.000Z', ready: false });
  });

  it('survives a tenant update, which neither writes nor removes it nor records it in the change', async () => {
    await created('rr-three');
    await repo.setDrReadiness('rr-three', aReport('2030-01-01T00:15:00.000Z'));
    const updated = await repo.updateCurrentTenant('rr-three', (t) => ({ ...t, statusReason: 'maintenance', drReadiness: undefined }), { actor: 'alice', type: 'Test' });
    expect(updated.version).toBe(2);
    expect((await repo.requireTenant('rr-three')).drReadiness?.checkedAt).toBe('2030-01-01T00:15:00.000Z');
    const last = (await repo.listChanges('rr-three')).items.find((c) => c.type === 'Test');
    expect(JSON.stringify(last)).not.toContain('drReadiness');
  });

  it('is refused with NotFound for a tenant that does not exist, and creates nothing', async () => {
    const err = await repo.setDrReadiness('rr-ghost', aReport('2030-01-01T00:15:00.000Z')).then(
      () => undefined,
      (e: unknown) => e as AppError,
    );
    expect(err).toMatchObject({ code: 'NotFound' });
    expect(await repo.getTenant('rr-ghost')).toBeUndefined();
  });
});
