import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRepository, IdempotencyRecord } from '#shared/store/repository.ts';
import { manualClock, startLocalTable, type LocalTable } from './local-table.ts';

let table: LocalTable;
const clock = manualClock();
let repo: FleetRepository;

beforeAll(async () => {
  table = await startLocalTable();
  repo = table.repo(clock.now);
});
afterAll(() => table.close());

function aRecord(actor: string, key: string, requestHash = 'hash-1'): IdempotencyRecord {
  const created = clock.now();
  const expires = new Date(created.getTime() + 24 * 3600 * 1000);
  return {
    actor,
    key,
    requestHash,
    status: 'IN_PROGRESS',
    createdAt: created.toISOString(),
    expiresAt: expires.toISOString(),
    ttl: Math.floor(expires.getTime() / 1000),
  };
}

describe('idempotency records', () => {
  it('stores the first record for a key and returns the existing one to a second put', async () => {
    const first = aRecord('alice', 'key-1', 'hash-1');

    const stored = await repo.putIdempotency(first);
    const second = await repo.putIdempotency(aRecord('alice', 'key-1', 'hash-2'));

    expect(stored).toEqual(first);
    expect(second).toEqual(first);
    expect(await repo.getIdempotency('alice', 'key-1')).toEqual(first);
  });

  it('lets only one of two concurrent puts store its record', async () => {
    const results = await Promise.all(['hash-a', 'hash-b'].map((h) => repo.putIdempotency(aRecord('alice', 'key-race', h))));

    expect(results[0]).toEqual(results[1]);
  });

  it('keeps keys of different actors apart, even when a # could make them look alike', async () => {
    await repo.putIdempotency(aRecord('a#b', 'c', 'hash-ab'));

    const other = await repo.putIdempotency(aRecord('a', 'b#c', 'hash-a'));

    expect(other.requestHash).toBe('hash-a');
    expect(await repo.getIdempotency('bob', 'key-1')).toBeUndefined();
  });

  it('stores the response on completion for replay', async () => {
    await repo.putIdempotency(aRecord('alice', 'key-done'));

    await repo.completeIdempotency('alice', 'key-done', { statusCode: 202, body: { tenant: { tenantId: 'acme' } } });

    expect(await repo.getIdempotency('alice', 'key-done')).toMatchObject({
      status: 'COMPLETED',
      response: { statusCode: 202, body: { tenant: { tenantId: 'acme' } } },
    });
  });

  it('ignores an expired record and lets a new one take its key', async () => {
    await repo.putIdempotency(aRecord('alice', 'key-old', 'hash-old'));
    clock.advance(24 * 3600 + 1);

    expect(await repo.getIdempotency('alice', 'key-old')).toBeUndefined();
    expect((await repo.putIdempotency(aRecord('alice', 'key-old', 'hash-new'))).requestHash).toBe('hash-new');
  });

  it('completes nothing, and creates nothing, for an unknown key', async () => {
    await repo.completeIdempotency('alice', 'key-unknown', { statusCode: 200, body: null });

    expect(await repo.getIdempotency('alice', 'key-unknown')).toBeUndefined();
  });
});

describe('cell slots', () => {
  it('fills a cell up to its capacity, refuses the next tenant and frees a slot on release', async () => {
    for (const t of ['t1', 't2', 't3']) expect(await repo.reserveCellSlot('cell-a', t, 3)).toBe(true);

    const fourth = await repo.reserveCellSlot('cell-a', 't4', 3);
    const again = await repo.reserveCellSlot('cell-a', 't2', 3);
    await repo.releaseCellSlot('cell-a', 't1');
    const fourthAfterRelease = await repo.reserveCellSlot('cell-a', 't4', 3);

    expect(fourth).toBe(false);
    expect(again).toBe(true);
    expect(fourthAfterRelease).toBe(true);
    expect(await repo.cellLoads(['cell-a'])).toEqual({ 'cell-a': 3 });
  });

  it('gives the last slot to only one of several tenants racing for it', async () => {
    await repo.reserveCellSlot('cell-race', 'first', 2);

    const results = await Promise.all(['x', 'y', 'z'].map((t) => repo.reserveCellSlot('cell-race', t, 2)));

    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repo.cellLoads(['cell-race'])).toEqual({ 'cell-race': 2 });
  });

  it('reports loads of several cells, 0 for an unknown or emptied one', async () => {
    await repo.reserveCellSlot('cell-b', 't1', 5);
    await repo.reserveCellSlot('cell-c', 't1', 5);
    await repo.releaseCellSlot('cell-c', 't1');

    const loads = await repo.cellLoads(['cell-b', 'cell-c', 'cell-unknown', 'cell-b']);

    expect(loads).toEqual({ 'cell-b': 1, 'cell-c': 0, 'cell-unknown': 0 });
  });

  it('releases idempotently and never creates an unknown cell', async () => {
    await repo.releaseCellSlot('cell-b', 'not-a-member');
    await repo.releaseCellSlot('cell-ghost', 't1');

    expect(await repo.cellLoads(['cell-b'])).toEqual({ 'cell-b': 1 });
    expect(await table.rawItem('CELL#cell-ghost', 'META')).toBeUndefined();
  });

  it('refuses a capacity below one', async () => {
    await expect(repo.reserveCellSlot('cell-a', 't9', 0)).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('desired state', () => {
  it('stores the rendered objects with a version that grows on every write', async () => {
    const first = await repo.putDesiredState('acme', [{ kind: 'Namespace', metadata: { name: 'tenant-acme' } }], 'op-1');
    const second = await repo.putDesiredState('acme', [{ kind: 'Namespace', metadata: { name: 'tenant-acme' } }, { kind: 'Service' }], 'op-2');

    expect([first, second]).toEqual([1, 2]);
    expect(await repo.getDesiredState('acme')).toEqual({
      objects: [{ kind: 'Namespace', metadata: { name: 'tenant-acme' } }, { kind: 'Service' }],
      version: 2,
      operationId: 'op-2',
    });
  });

  it('answers undefined for a tenant without desired state', async () => {
    expect(await repo.getDesiredState('nobody')).toBeUndefined();
  });
});
