import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '#shared/domain/types.ts';
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

const event = (tenantId: string, n: number): ChangeEvent => ({
  tenantId,
  changeId: `c-${n}`,
  at: new Date(Date.UTC(2030, 0, 1, 0, n)).toISOString(),
  actor: 'alice',
  type: 'DrillRecorded',
  after: { n },
});

describe('appendChange and listChanges', () => {
  it('lists a tenant changes newest first across pages', async () => {
    for (const n of [3, 1, 5, 2, 4]) await repo.appendChange(event('paged', n));
    await repo.appendChange(event('someone-else', 9));

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.listChanges('paged', { limit: 2, cursor });
      pages.push(page.items.map((c) => c.changeId));
      cursor = page.nextCursor;
    } while (cursor);

    expect(pages).toEqual([['c-5', 'c-4'], ['c-3', 'c-2'], ['c-1']]);
  });

  it('keeps the first write of a change: appending it again changes nothing', async () => {
    await repo.appendChange(event('once', 1));

    await repo.appendChange({ ...event('once', 1), actor: 'mallory' });

    expect((await repo.listChanges('once')).items).toEqual([event('once', 1)]);
  });

  it('orders the events of writes made in the same millisecond by tenant version', async () => {
    await repo.createTenant(aTenant('same-ms'), { actor: 'alice', type: 'TenantCreated' });
    for (const version of [1, 2, 3]) {
      await repo.updateTenant('same-ms', version, (t) => ({ ...t, displayName: `name ${version}` }), { actor: 'bob', type: 'Renamed' });
    }

    const { items } = await repo.listChanges('same-ms');

    expect(items.map((c) => (c.type === 'Renamed' ? (c.after as { displayName: string }).displayName : c.type))).toEqual([
      'name 3',
      'name 2',
      'name 1',
      'TenantCreated',
    ]);
  });

  it('recovers a change event lost between the tenant write and the event write at the next update', async () => {
    await repo.createTenant(aTenant('lost-event'), { actor: 'alice', type: 'TenantCreated' });
    const [created] = (await repo.listChanges('lost-event')).items;
    await table.client.send(
      new DeleteCommand({ TableName: table.tableName, Key: { PK: 'TENANT#lost-event', SK: `CHANGE#${created!.at}#${created!.changeId}` } }),
    );
    clock.advance(1);

    await repo.updateTenant('lost-event', 1, (t) => ({ ...t, status: 'ACTIVE' }), { actor: 'bob', type: 'StatusChanged' });

    expect((await repo.listChanges('lost-event')).items.map((c) => c.type)).toEqual(['StatusChanged', 'TenantCreated']);
  });

  it('rejects a cursor from another tenant changes', async () => {
    const { nextCursor } = await repo.listChanges('paged', { limit: 1 });

    await expect(repo.listChanges('once', { cursor: nextCursor })).rejects.toMatchObject({ name: 'ValidationError', details: [{ path: 'cursor' }] });
  });

  it('returns an empty page for a tenant without changes', async () => {
    expect(await repo.listChanges('no-changes')).toEqual({ items: [] });
  });
});
