import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const created = (tenantId: string) => repo.createTenant(aTenant(tenantId), { actor: 'alice', type: 'TenantCreated' });

describe('acquireLease', () => {
  it('takes a free lease for the owner with an expiry ttl seconds from now', async () => {
    await created('lease-free');

    const tenant = await repo.acquireLease('lease-free', 'op-1', 600);

    expect(tenant.lease).toEqual({ owner: 'op-1', expiresAt: new Date(clock.now().getTime() + 600_000).toISOString() });
    expect((await repo.requireTenant('lease-free')).lease?.owner).toBe('op-1');
  });

  it('renews the lease when the same owner asks again', async () => {
    await created('lease-again');
    await repo.acquireLease('lease-again', 'op-1', 60);
    clock.advance(30);

    const tenant = await repo.acquireLease('lease-again', 'op-1', 60);

    expect(tenant.lease?.expiresAt).toBe(new Date(clock.now().getTime() + 60_000).toISOString());
  });

  it('refuses another owner with LeaseHeld naming the holder while the lease is live', async () => {
    await created('lease-held');
    await repo.acquireLease('lease-held', 'op-1', 60);

    const second = repo.acquireLease('lease-held', 'op-2', 60);

    await expect(second).rejects.toMatchObject({ name: 'LeaseHeld', message: expect.stringContaining('op-1') });
    expect((await repo.requireTenant('lease-held')).lease?.owner).toBe('op-1');
  });

  it('lets another owner take an expired lease', async () => {
    await created('lease-expired');
    await repo.acquireLease('lease-expired', 'op-1', 60);
    clock.advance(61);

    const tenant = await repo.acquireLease('lease-expired', 'op-2', 60);

    expect(tenant.lease?.owner).toBe('op-2');
  });

  it('gives the lease to exactly one of two writers racing for it', async () => {
    await created('lease-race');

    const results = await Promise.allSettled([repo.acquireLease('lease-race', 'op-a', 60), repo.acquireLease('lease-race', 'op-b', 60)]);

    const winners = results.filter((r) => r.status === 'fulfilled');
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers.map((r) => r.reason.name)).toEqual(['LeaseHeld']);
    const holder = (await repo.requireTenant('lease-race')).lease?.owner;
    expect(losers[0]!.reason.message).toContain(holder);
  });

  it('answers NotFound for an unknown tenant', async () => {
    await expect(repo.acquireLease('nobody-here', 'op-1', 60)).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('does not change the tenant version', async () => {
    await created('lease-version');

    const tenant = await repo.acquireLease('lease-version', 'op-1', 60);

    expect(tenant.version).toBe(1);
  });
});

describe('renewLease', () => {
  it('extends the owner lease', async () => {
    await created('renew-own');
    await repo.acquireLease('renew-own', 'op-1', 60);
    clock.advance(50);

    const tenant = await repo.renewLease('renew-own', 'op-1', 120);

    expect(tenant.lease).toEqual({ owner: 'op-1', expiresAt: new Date(clock.now().getTime() + 120_000).toISOString() });
  });

  it('refuses an owner that does not hold the lease', async () => {
    await created('renew-other');
    await repo.acquireLease('renew-other', 'op-1', 60);

    await expect(repo.renewLease('renew-other', 'op-2', 60)).rejects.toMatchObject({ name: 'LeaseHeld', message: expect.stringContaining('op-1') });
  });

  it('refuses when there is no lease at all', async () => {
    await created('renew-none');

    await expect(repo.renewLease('renew-none', 'op-1', 60)).rejects.toMatchObject({ name: 'LeaseHeld' });
  });
});

describe('releaseLease', () => {
  it('frees the lease so another owner can take it at once', async () => {
    await created('release-own');
    await repo.acquireLease('release-own', 'op-1', 600);

    await repo.releaseLease('release-own', 'op-1');

    expect((await repo.requireTenant('release-own')).lease).toBeUndefined();
    expect((await repo.acquireLease('release-own', 'op-2', 60)).lease?.owner).toBe('op-2');
  });

  it('does nothing when the lease is held by someone else, or not held, or the tenant is unknown', async () => {
    await created('release-other');
    await repo.acquireLease('release-other', 'op-1', 600);

    await repo.releaseLease('release-other', 'op-2');
    await repo.releaseLease('release-none', 'op-2');
    await repo.releaseLease('nobody-here', 'op-2');

    expect((await repo.requireTenant('release-other')).lease?.owner).toBe('op-1');
    expect(await repo.getTenant('nobody-here')).toBeUndefined();
  });
});
