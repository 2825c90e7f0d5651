import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Failover, FailoverTenant } from '#shared/domain/failover-types.ts';
import type { AppError } from '#shared/lib/errors.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { manualClock, startLocalTable, type LocalTable } from './local-table.ts';

let table: LocalTable;
const clock = manualClock();
let repo: FleetRepository;

beforeAll(async () => {
  table = await startLocalTable();
  repo = table.repo(clock.now);
});
afterAll(() => table.close());

const aFailover = (failoverId: string, over: Partial<Failover> = {}): Failover => ({
  failoverId,
  scope: 'cell',
  cell: 'cell-a',
  fromRegion: 'eu-west-1',
  toRegion: 'eu-central-1',
  mode: 'unplanned',
  reason: 'eu-west-1 is down',
  requestedBy: 'alice@ops',
  status: 'CHECKING',
  units: [{ key: 'cell:cell-a', kind: 'cell', tenantIds: ['a', 'b'], criticality: 'standard', rtoSeconds: 7200 }],
  tenantCount: 2,
  createdAt: clock.now().toISOString(),
  updatedAt: clock.now().toISOString(),
  version: 1,
  ...over,
});
const tenants = (failoverId: string, ids: string[]): FailoverTenant[] =>
  ids.map((tenantId) => ({ failoverId, tenantId, unit: 'cell:cell-a', outcome: 'PENDING', steps: [], updatedAt: clock.now().toISOString(), version: 1 }));
const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError);

describe('failover records', () => {
  it('are created with their tenants once; a retry of the same request finds it, another request under the id is a Conflict', async () => {
    const f = aFailover('fo-00000000000000000000000001');
    await repo.createFailover(f, tenants(f.failoverId, ['a', 'b']));
    expect(await repo.createFailover(f, tenants(f.failoverId, ['a', 'b']))).toEqual(f);
    expect(await refusal(repo.createFailover({ ...f, reason: 'something else' }, []))).toMatchObject({ code: 'Conflict' });
    expect((await repo.listFailoverTenants(f.failoverId)).items.map((t) => [t.tenantId, t.outcome])).toEqual([
      ['a', 'PENDING'],
      ['b', 'PENDING'],
    ]);
  });

  it('change at their version, keep what may not change, and list newest first', async () => {
    const first = aFailover('fo-00000000000000000000000002');
    await repo.createFailover(first, []);
    clock.advance(60);
    const second = aFailover('fo-00000000000000000000000003', { createdAt: clock.now().toISOString() });
    await repo.createFailover(second, tenants(second.failoverId, ['a']));
    const approved = await repo.updateFailover(second.failoverId, (f) => ({ ...f, status: 'FAILING_OVER', approvedBy: 'bob@ops' }));
    expect(approved).toMatchObject({ status: 'FAILING_OVER', approvedBy: 'bob@ops', version: 2 });
    await expect(repo.updateFailover(second.failoverId, (f) => ({ ...f, requestedBy: 'mallory' }))).rejects.toThrow(/requestedBy cannot change/);
    const step = { name: 'Promote', status: 'SUCCEEDED' as const, startedAt: '2026-11-30T12:00:00.000Z', endedAt: '2026-11-30T12:01:30.000Z' };
    await Promise.all([
      repo.updateFailoverTenant(second.failoverId, 'a', (t) => ({ ...t, steps: [...t.steps, step] })),
      repo.updateFailoverTenant(second.failoverId, 'a', (t) => ({ ...t, outcome: 'PROMOTING' })),
    ]);
    expect(await repo.getFailoverTenant(second.failoverId, 'a')).toMatchObject({ outcome: 'PROMOTING', steps: [step], version: 3 });
    const listed = (await repo.listFailovers()).items.map((f) => f.failoverId);
    expect(listed.indexOf(second.failoverId)).toBeLessThan(listed.indexOf(first.failoverId));
    expect(await refusal(repo.requireFailover('fo-00000000000000000000000099'))).toMatchObject({ code: 'NotFound' });
  });
});

describe('the approval token of a failover', () => {
  it('is kept on the record but never read back with it: not by get, require, list or an update', async () => {
    const f = aFailover('fo-00000000000000000000000010', { status: 'AWAITING_APPROVAL' });
    await repo.createFailover(f, tenants(f.failoverId, ['a']));
    await repo.setFailoverApprovalToken(f.failoverId, 'task-token-1');

    const read = [await repo.getFailover(f.failoverId), await repo.requireFailover(f.failoverId), ...(await repo.listFailovers()).items.filter((x) => x.failoverId === f.failoverId)];
    const updated = await repo.updateFailover(f.failoverId, (x) => ({ ...x, decision: 'lag 0 s, DR capacity there' }));

    expect(read).toHaveLength(3);
    for (const r of [...read, updated]) expect(r).not.toHaveProperty('approvalToken');
    expect(read[0]).toEqual(f);
    expect(await table.rawItem(`FAILOVER#${f.failoverId}`, 'META')).toMatchObject({ approvalToken: 'task-token-1', version: 2 });
  });

  it('survives updates of the failover, even one whose mutation carries another token', async () => {
    const f = aFailover('fo-00000000000000000000000011', { status: 'AWAITING_APPROVAL' });
    await repo.createFailover(f, []);
    await repo.setFailoverApprovalToken(f.failoverId, 'task-token-1');

    await repo.updateFailover(f.failoverId, (x) => ({ ...x, statusReason: 'awaiting approval by someone other than alice@ops' }));
    await repo.updateFailover(f.failoverId, (x) => ({ ...x, approvalToken: 'forged' }) as Failover);

    expect(await repo.takeFailoverApprovalToken(f.failoverId)).toBe('task-token-1');
  });

  it('is taken once: the first taker gets it, every later one nothing, until the wait stores a new one', async () => {
    const f = aFailover('fo-00000000000000000000000012', { status: 'AWAITING_APPROVAL' });
    await repo.createFailover(f, []);
    await repo.setFailoverApprovalToken(f.failoverId, 'task-token-1');

    const takers = await Promise.all([1, 2, 3].map(() => repo.takeFailoverApprovalToken(f.failoverId)));

    expect(takers.filter((t) => t !== undefined)).toEqual(['task-token-1']);
    expect(await repo.takeFailoverApprovalToken(f.failoverId)).toBeUndefined();
    expect(await table.rawItem(`FAILOVER#${f.failoverId}`, 'META')).not.toHaveProperty('approvalToken');
    await repo.setFailoverApprovalToken(f.failoverId, 'task-token-2');
    expect(await repo.takeFailoverApprovalToken(f.failoverId)).toBe('task-token-2');
  });

  it('replaces the token a restarted wait stored before', async () => {
    const f = aFailover('fo-00000000000000000000000013', { status: 'AWAITING_APPROVAL' });
    await repo.createFailover(f, []);

    await repo.setFailoverApprovalToken(f.failoverId, 'task-token-1');
    await repo.setFailoverApprovalToken(f.failoverId, 'task-token-2');

    expect(await repo.takeFailoverApprovalToken(f.failoverId)).toBe('task-token-2');
  });

  it('cannot be stored on, nor taken from, a failover that does not exist, and neither creates a record', async () => {
    const missing = 'fo-00000000000000000000000098';

    expect(await refusal(repo.setFailoverApprovalToken(missing, 'task-token-1'))).toMatchObject({ code: 'NotFound' });
    expect(await repo.takeFailoverApprovalToken(missing)).toBeUndefined();
    expect(await table.rawItem(`FAILOVER#${missing}`, 'META')).toBeUndefined();
  });
});
