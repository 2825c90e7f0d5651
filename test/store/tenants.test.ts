import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '#shared/domain/types.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { aTenant } from './fixtures.ts';
import { startLocalTable, type LocalTable } from './local-table.ts';

let table: LocalTable;
let repo: FleetRepository;
const actor = { actor: 'alice', type: 'TenantCreated' };

beforeAll(async () => {
  table = await startLocalTable();
  repo = table.repo();
});
afterAll(() => table.close());

async function allPages(list: (cursor?: string) => Promise<{ items: Tenant[]; nextCursor?: string }>) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    pages.push(page.items.map((t) => t.tenantId));
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

describe('createTenant and getTenant', () => {
  it('stores the tenant and returns it without keys or bookkeeping attributes', async () => {
    const tenant = aTenant('acme-one');

    await repo.createTenant(tenant, { ...actor, operationId: 'op-1' });
    const read = await repo.getTenant('acme-one');

    expect(read).toEqual(tenant);
    expect(Object.keys(read!).filter((k) => /^(PK|SK|GSI|ttl|entity|lastChange)/.test(k))).toEqual([]);
  });

  it('records the creation as a TenantCreated change event', async () => {
    await repo.createTenant(aTenant('acme-two'), { ...actor, operationId: 'op-2' });

    const { items } = await repo.listChanges('acme-two');

    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ tenantId: 'acme-two', type: 'TenantCreated', actor: 'alice', operationId: 'op-2' });
    expect((items[0]!.after as Tenant).hostname).toBe('acme-two.odoo.example.com');
  });

  it('treats a replay of the very same create as done, with a single change event', async () => {
    const tenant = aTenant('replayed');
    await repo.createTenant(tenant, actor);

    await repo.createTenant(tenant, actor);

    expect(await repo.getTenant('replayed')).toEqual(tenant);
    expect((await repo.listChanges('replayed')).items).toHaveLength(1);
  });

  it('answers undefined, and NotFound from requireTenant, for an unknown tenant', async () => {
    expect(await repo.getTenant('nobody-here')).toBeUndefined();
    await expect(repo.requireTenant('nobody-here')).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('refuses a duplicate tenant id and leaves no host claim of the refused tenant behind', async () => {
    await repo.createTenant(aTenant('dup-id'), actor);

    const second = repo.createTenant(aTenant('dup-id', { hostname: 'other.odoo.example.com' }), actor);

    await expect(second).rejects.toMatchObject({ name: 'Conflict', message: expect.stringMatching(/id dup-id/) });
    expect(await table.rawItem('HOST#other.odoo.example.com', 'META')).toBeUndefined();
    expect(await table.rawItem('HOST#dup-id.odoo.example.com', 'META')).toMatchObject({ tenantId: 'dup-id' });
    await expect(repo.createTenant(aTenant('free-host', { hostname: 'other.odoo.example.com' }), actor)).resolves.toBeUndefined();
  });

  it('refuses a host name another tenant uses, whatever its case, and writes no tenant', async () => {
    await repo.createTenant(aTenant('host-owner', { hostname: 'shop.example.com' }), actor);

    const second = repo.createTenant(aTenant('host-thief', { hostname: 'Shop.Example.com' }), actor);

    await expect(second).rejects.toMatchObject({ name: 'Conflict', message: expect.stringMatching(/Host name/) });
    expect(await repo.getTenant('host-thief')).toBeUndefined();
    expect((await repo.listChanges('host-thief')).items).toEqual([]);
  });
});

describe('updateTenant', () => {
  it('bumps the version, rewrites the index keys and appends the changed fields as a change event', async () => {
    const clockTimes = ['2030-02-01T00:00:00.000Z'];
    const timed = table.repo(() => new Date(clockTimes[0]!));
    await timed.createTenant(aTenant('upd-one'), actor);

    const updated = await timed.updateTenant('upd-one', 1, (t) => ({ ...t, status: 'ACTIVE' }), { actor: 'bob', type: 'StatusChanged', operationId: 'op-9' });

    expect(updated).toMatchObject({ status: 'ACTIVE', version: 2, updatedAt: '2030-02-01T00:00:00.000Z' });
    expect(await table.rawItem('TENANT#upd-one', 'META')).toMatchObject({ GSI1PK: 'TENANTS#STATUS#ACTIVE' });
    const { items } = await timed.listChanges('upd-one');
    expect(items[0]).toMatchObject({ type: 'StatusChanged', actor: 'bob', before: { status: 'PROVISIONING' }, after: { status: 'ACTIVE' } });
  });

  it('refuses a stale version with Conflict and keeps the record as it was', async () => {
    await repo.createTenant(aTenant('upd-stale'), actor);
    await repo.updateTenant('upd-stale', 1, (t) => ({ ...t, displayName: 'First' }), { actor: 'bob', type: 'Renamed' });

    const stale = repo.updateTenant('upd-stale', 1, (t) => ({ ...t, displayName: 'Second' }), { actor: 'carol', type: 'Renamed' });

    await expect(stale).rejects.toMatchObject({ name: 'Conflict' });
    expect(await repo.requireTenant('upd-stale')).toMatchObject({ displayName: 'First', version: 2 });
  });

  it('lets only one of two concurrent updates of the same version through', async () => {
    await repo.createTenant(aTenant('upd-race'), actor);

    const results = await Promise.allSettled(
      ['A', 'B'].map((name) => repo.updateTenant('upd-race', 1, (t) => ({ ...t, displayName: name }), { actor: name, type: 'Renamed' })),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.name)).toEqual(['Conflict']);
    expect((await repo.requireTenant('upd-race')).version).toBe(2);
  });

  it('removes a field the mutation dropped and keeps a lease taken meanwhile', async () => {
    await repo.createTenant({ ...aTenant('upd-drop'), statusReason: 'waiting' }, actor);
    await repo.acquireLease('upd-drop', 'op-lease', 60);

    const updated = await repo.updateTenant('upd-drop', 1, ({ statusReason: _gone, ...t }) => ({ ...t, lease: undefined }), { actor: 'bob', type: 'Cleared' });

    expect(updated.statusReason).toBeUndefined();
    expect(updated.lease?.owner).toBe('op-lease');
    expect((await repo.requireTenant('upd-drop')).lease?.owner).toBe('op-lease');
  });

  it('writes nothing when the mutation changes nothing', async () => {
    await repo.createTenant(aTenant('upd-noop'), actor);

    const same = await repo.updateTenant('upd-noop', 1, (t) => t, { actor: 'bob', type: 'Nothing' });

    expect(same.version).toBe(1);
    expect((await repo.listChanges('upd-noop')).items).toHaveLength(1);
  });

  it('refuses to change the tenant id or host name', async () => {
    await repo.createTenant(aTenant('upd-immutable'), actor);

    const renamed = repo.updateTenant('upd-immutable', 1, (t) => ({ ...t, hostname: 'new.example.com' }), { actor: 'bob', type: 'Moved' });

    await expect(renamed).rejects.toMatchObject({ name: 'ValidationError', details: [{ path: 'hostname', message: 'cannot be changed' }] });
  });

  it('answers NotFound for an unknown tenant', async () => {
    await expect(repo.updateTenant('nobody-here', 1, (t) => t, { actor: 'bob', type: 'X' })).rejects.toMatchObject({ name: 'NotFound' });
  });
});

describe('updateCurrentTenant', () => {
  it('updates the tenant at the version it reads, as updateTenant at that version does', async () => {
    await repo.createTenant(aTenant('cur-one'), actor);
    await repo.updateTenant('cur-one', 1, (t) => ({ ...t, displayName: 'First' }), { actor: 'bob', type: 'Renamed' });

    const updated = await repo.updateCurrentTenant('cur-one', (t) => ({ ...t, status: 'ACTIVE' }), { actor: 'carol', type: 'StatusChanged' });

    expect(updated).toMatchObject({ status: 'ACTIVE', displayName: 'First', version: 3 });
    expect((await repo.listChanges('cur-one')).items.map((c) => [c.type, c.after])).toEqual([
      ['StatusChanged', { status: 'ACTIVE' }],
      ['Renamed', { displayName: 'First' }],
      ['TenantCreated', expect.anything()],
    ]);
  });

  it('lets only one of two concurrent updates through: the other is a Conflict', async () => {
    await repo.createTenant(aTenant('cur-race'), actor);

    const results = await Promise.allSettled(
      ['A', 'B'].map((name) => repo.updateCurrentTenant('cur-race', (t) => ({ ...t, displayName: name }), { actor: name, type: 'Renamed' })),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.name)).toEqual(['Conflict']);
    expect((await repo.requireTenant('cur-race')).version).toBe(2);
  });

  it('answers NotFound for an unknown tenant', async () => {
    await expect(repo.updateCurrentTenant('nobody-here', (t) => t, { actor: 'bob', type: 'X' })).rejects.toMatchObject({ name: 'NotFound' });
  });
});

describe('listTenants', () => {
  let fleet: FleetRepository;

  beforeAll(async () => {
    // A table of its own, so the other tests' tenants do not change the expected pages.
    fleet = await table.addTable('fleet-lists');
    const tenants = [
      aTenant('t-01', { status: 'ACTIVE', criticality: 'low', model: 'pooled' }),
      aTenant('t-02', { status: 'ACTIVE', criticality: 'critical', model: 'dedicated' }),
      aTenant('t-03', { status: 'ACTIVE', criticality: 'low', model: 'pooled' }),
      aTenant('t-04', { status: 'FAILED', criticality: 'low', model: 'pooled' }),
      aTenant('t-05', { status: 'ACTIVE', criticality: 'standard', model: 'dedicated' }),
      aTenant('t-06', { status: 'ACTIVE', criticality: 'low', model: 'pooled' }),
      aTenant('t-07', { status: 'PROVISIONING', criticality: 'critical', model: 'dedicated' }),
    ];
    for (const t of tenants) await fleet.createTenant(t, actor);
  });

  it('pages through the whole fleet, three at a time, in tenant id order', async () => {
    const pages = await allPages((cursor) => fleet.listTenants({ limit: 3, cursor }));

    expect(pages).toEqual([['t-01', 't-02', 't-03'], ['t-04', 't-05', 't-06'], ['t-07']]);
  });

  it('returns no cursor when a page ends exactly at the last tenant', async () => {
    const page = await fleet.listTenants({ limit: 7 });

    expect(page.items).toHaveLength(7);
    expect(page.nextCursor).toBeUndefined();
  });

  it('filters by status', async () => {
    expect(await allPages((cursor) => fleet.listTenants({ status: 'ACTIVE', limit: 2, cursor }))).toEqual([
      ['t-01', 't-02'],
      ['t-03', 't-05'],
      ['t-06'],
    ]);
  });

  it('filters by criticality', async () => {
    expect(await allPages((cursor) => fleet.listTenants({ criticality: 'critical', cursor }))).toEqual([['t-02', 't-07']]);
  });

  it('filters by model', async () => {
    expect(await allPages((cursor) => fleet.listTenants({ model: 'dedicated', limit: 2, cursor }))).toEqual([['t-02', 't-05'], ['t-07']]);
  });

  it('combines filters and still returns full pages', async () => {
    const pages = await allPages((cursor) => fleet.listTenants({ status: 'ACTIVE', criticality: 'low', model: 'pooled', limit: 2, cursor }));

    expect(pages).toEqual([['t-01', 't-03'], ['t-06']]);
  });

  it('moves a tenant between status lists when its status changes', async () => {
    await fleet.updateTenant('t-04', 1, (t) => ({ ...t, status: 'ACTIVE' }), { actor: 'bob', type: 'StatusChanged' });

    const failed = await fleet.listTenants({ status: 'FAILED' });
    const active = await fleet.listTenants({ status: 'ACTIVE', criticality: 'low' });

    expect(failed.items).toEqual([]);
    expect(active.items.map((t) => t.tenantId)).toEqual(['t-01', 't-03', 't-04', 't-06']);
    await fleet.updateTenant('t-04', 2, (t) => ({ ...t, status: 'FAILED' }), { actor: 'bob', type: 'StatusChanged' });
  });

  it('rejects a malformed or tampered cursor as a ValidationError on cursor', async () => {
    const { nextCursor } = await fleet.listTenants({ limit: 3 });
    const body = JSON.parse(Buffer.from(nextCursor!, 'base64url').toString('utf8'));
    const tampered = Buffer.from(JSON.stringify({ ...body, k: { ...body.k, GSI4SK: 't-05' } })).toString('base64url');

    for (const cursor of ['not a cursor!', 'bm90IGpzb24', tampered, nextCursor!.slice(0, -4)]) {
      await expect(fleet.listTenants({ limit: 3, cursor })).rejects.toMatchObject({
        name: 'ValidationError',
        details: [{ path: 'cursor', message: expect.any(String) }],
      });
    }
  });

  it('rejects a cursor of another query (other filter or collection)', async () => {
    const { nextCursor } = await fleet.listTenants({ status: 'ACTIVE', limit: 2 });

    await expect(fleet.listTenants({ status: 'FAILED', limit: 2, cursor: nextCursor })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(fleet.listTenants({ limit: 2, cursor: nextCursor })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(fleet.listChanges('t-01', { cursor: nextCursor })).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('rejects a limit outside 1..100 and an unknown filter value', async () => {
    await expect(fleet.listTenants({ limit: 0 })).rejects.toMatchObject({ name: 'ValidationError', details: [{ path: 'limit' }] });
    await expect(fleet.listTenants({ limit: 101 })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(fleet.listTenants({ status: 'GONE' as never })).rejects.toMatchObject({ name: 'ValidationError', details: [{ path: 'status' }] });
  });
});

describe('FleetRepository.fromEnv', () => {
  it('reads TABLE_NAME and the endpoint from the environment and keeps one repository per process', async () => {
    const saved = { TABLE_NAME: process.env.TABLE_NAME, AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_DYNAMODB };
    try {
      process.env.TABLE_NAME = table.tableName;
      process.env.AWS_ENDPOINT_URL_DYNAMODB = table.endpoint;

      const fromEnv = FleetRepository.fromEnv();

      expect(FleetRepository.fromEnv()).toBe(fromEnv);
      expect((await fromEnv.requireTenant('acme-one')).tenantId).toBe('acme-one');
      delete process.env.TABLE_NAME;
      expect(() => FleetRepository.fromEnv()).toThrow(/TABLE_NAME/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
