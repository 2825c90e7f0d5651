import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRepository } from '#shared/store/repository.ts';
import { anOperation } from './fixtures.ts';
import { manualClock, startLocalTable, type LocalTable } from './local-table.ts';

let table: LocalTable;
const clock = manualClock();
let repo: FleetRepository;

beforeAll(async () => {
  table = await startLocalTable();
  repo = table.repo(clock.now);
});
afterAll(() => table.close());

const T0 = '2030-01-01T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

describe('createOperation', () => {
  it('stores the operation and reads it back with an empty list of steps', async () => {
    await repo.createOperation(anOperation('op-new', 'acme', T0));

    const op = await repo.requireOperation('op-new');

    expect(op).toEqual(anOperation('op-new', 'acme', T0));
  });

  it('does nothing when the same operation is created again', async () => {
    await repo.createOperation(anOperation('op-twice', 'acme', T0));
    await repo.updateOperation('op-twice', { status: 'RUNNING' });

    await repo.createOperation(anOperation('op-twice', 'acme', at(5)));

    expect(await repo.requireOperation('op-twice')).toMatchObject({ status: 'RUNNING', createdAt: T0 });
  });

  it('refuses an operation id taken by another tenant or type with Conflict', async () => {
    await repo.createOperation(anOperation('op-taken', 'acme', T0));

    await expect(repo.createOperation(anOperation('op-taken', 'other', T0))).rejects.toMatchObject({ name: 'Conflict' });
    await expect(repo.createOperation(anOperation('op-taken', 'acme', T0, 'OFFBOARD'))).rejects.toMatchObject({ name: 'Conflict' });
  });

  it('answers undefined, and NotFound from requireOperation, for an unknown operation', async () => {
    expect(await repo.getOperation('op-none')).toBeUndefined();
    await expect(repo.requireOperation('op-none')).rejects.toMatchObject({ name: 'NotFound' });
  });
});

describe('updateOperation', () => {
  it('sets the given fields and the update time and returns the operation', async () => {
    await repo.createOperation(anOperation('op-upd', 'acme', T0));

    const op = await repo.updateOperation('op-upd', { status: 'FAILED', error: { code: 'ResourceFailed', message: 'db failed' }, endedAt: at(60), executionArn: undefined });

    expect(op).toMatchObject({ status: 'FAILED', error: { code: 'ResourceFailed', message: 'db failed' }, endedAt: at(60), updatedAt: clock.now().toISOString() });
    expect(op.executionArn).toBeUndefined();
  });

  it('answers NotFound for an unknown operation and creates nothing', async () => {
    await expect(repo.updateOperation('op-ghost', { status: 'RUNNING' })).rejects.toMatchObject({ name: 'NotFound' });
    expect(await repo.getOperation('op-ghost')).toBeUndefined();
  });
});

describe('recordStep', () => {
  it('counts attempts, keeps the first start time and closes the step with its end, error and detail', async () => {
    await repo.createOperation(anOperation('op-steps', 'acme', T0));

    await repo.recordStep('op-steps', { name: 'EnsureDatabase', status: 'RUNNING', at: at(1) });
    await repo.recordStep('op-steps', { name: 'EnsureDatabase', status: 'FAILED', at: at(2), error: { code: 'Throttling', message: 'slow down' } });
    await repo.recordStep('op-steps', { name: 'EnsureDatabase', status: 'RUNNING', at: at(3) });
    await repo.recordStep('op-steps', { name: 'EnsureDatabase', status: 'SUCCEEDED', at: at(4), detail: { cluster: 'odoo-acme' } });

    const [step] = (await repo.requireOperation('op-steps')).steps;
    expect(step).toEqual({ name: 'EnsureDatabase', status: 'SUCCEEDED', startedAt: at(1), endedAt: at(4), attempts: 2, detail: { cluster: 'odoo-acme' } });
  });

  it('shows a retried step as running again, without its former end or error', async () => {
    await repo.createOperation(anOperation('op-retry', 'acme', T0));
    await repo.recordStep('op-retry', { name: 'EnsureFilestore', status: 'RUNNING', at: at(1) });
    await repo.recordStep('op-retry', { name: 'EnsureFilestore', status: 'FAILED', at: at(2), error: { code: 'X', message: 'boom' } });

    await repo.recordStep('op-retry', { name: 'EnsureFilestore', status: 'RUNNING', at: at(3) });

    expect((await repo.requireOperation('op-retry')).steps).toEqual([{ name: 'EnsureFilestore', status: 'RUNNING', startedAt: at(1), attempts: 2 }]);
  });

  it('lists the steps in the order they started, whatever order they were written in', async () => {
    await repo.createOperation(anOperation('op-order', 'acme', T0));

    await repo.recordStep('op-order', { name: 'Validate', status: 'RUNNING', at: at(1) });
    await Promise.all([
      repo.recordStep('op-order', { name: 'EnsureDatabase', status: 'RUNNING', at: at(3) }),
      repo.recordStep('op-order', { name: 'Place', status: 'RUNNING', at: at(2) }),
      repo.recordStep('op-order', { name: 'Validate', status: 'SUCCEEDED', at: at(2) }),
    ]);
    await repo.recordStep('op-order', { name: 'Cleanup', status: 'SKIPPED', at: at(9) });

    const { steps } = await repo.requireOperation('op-order');
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['Validate', 'SUCCEEDED', 1],
      ['Place', 'RUNNING', 1],
      ['EnsureDatabase', 'RUNNING', 1],
      ['Cleanup', 'SKIPPED', 0],
    ]);
  });

  it('counts every attempt when the same step is entered concurrently', async () => {
    await repo.createOperation(anOperation('op-concurrent', 'acme', T0));

    await Promise.all([1, 2, 3].map((i) => repo.recordStep('op-concurrent', { name: 'Poll', status: 'RUNNING', at: at(i) })));

    const [step] = (await repo.requireOperation('op-concurrent')).steps;
    expect(step?.attempts).toBe(3);
  });

  it('accepts step names with dots and spaces as one step', async () => {
    await repo.createOperation(anOperation('op-names', 'acme', T0));

    await repo.recordStep('op-names', { name: 'Ensure k8s.objects', status: 'SUCCEEDED', at: at(1) });

    expect((await repo.requireOperation('op-names')).steps.map((s) => s.name)).toEqual(['Ensure k8s.objects']);
  });

  it('answers NotFound for an unknown operation', async () => {
    await expect(repo.recordStep('op-ghost', { name: 'X', status: 'RUNNING', at: at(1) })).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('writes a step it has recorded before once, without a write that could only be refused', async () => {
    await repo.createOperation(anOperation('op-known', 'acme', T0));
    await repo.recordStep('op-known', { name: 'Poll', status: 'RUNNING', at: at(1) });
    const writes = countWrites();
    try {
      await repo.recordStep('op-known', { name: 'Poll', status: 'RUNNING', at: at(2) });
      await repo.recordStep('op-known', { name: 'Poll', status: 'SUCCEEDED', at: at(3), detail: { ready: true } });
    } finally {
      writes.stop();
    }

    expect(writes.sent).toEqual({ UpdateItemCommand: 2 });
    expect((await repo.requireOperation('op-known')).steps).toEqual([{ name: 'Poll', status: 'SUCCEEDED', startedAt: at(1), endedAt: at(3), attempts: 2, detail: { ready: true } }]);
  });

  it('records a step it knew as the first record of an operation written anew under the same id', async () => {
    await repo.createOperation(anOperation('op-anew', 'acme', T0));
    await repo.recordStep('op-anew', { name: 'Validate', status: 'RUNNING', at: at(1) });
    await table.client.send(new DeleteCommand({ TableName: table.tableName, Key: { PK: 'OP#op-anew', SK: 'META' } }));
    await repo.createOperation(anOperation('op-anew', 'acme', at(5)));

    await repo.recordStep('op-anew', { name: 'Validate', status: 'SUCCEEDED', at: at(6) });

    expect((await repo.requireOperation('op-anew')).steps).toEqual([{ name: 'Validate', status: 'SUCCEEDED', startedAt: at(6), endedAt: at(6), attempts: 1 }]);
  });

  it('answers NotFound for a step it knew of an operation since deleted', async () => {
    await repo.createOperation(anOperation('op-gone', 'acme', T0));
    await repo.recordStep('op-gone', { name: 'Validate', status: 'RUNNING', at: at(1) });
    await table.client.send(new DeleteCommand({ TableName: table.tableName, Key: { PK: 'OP#op-gone', SK: 'META' } }));

    await expect(repo.recordStep('op-gone', { name: 'Validate', status: 'SUCCEEDED', at: at(2) })).rejects.toMatchObject({ name: 'NotFound' });
    expect(await repo.getOperation('op-gone')).toBeUndefined();
  });
});

/** Counts the commands the table's client sends from now until `stop()`. */
function countWrites() {
  const sent: Record<string, number> = {};
  const name = `countWrites-${Math.random()}`;
  table.client.middlewareStack.add(
    (next, context) => (args) => {
      sent[context.commandName ?? '?'] = (sent[context.commandName ?? '?'] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { sent, stop: () => table.client.middlewareStack.remove(name) };
}

describe('listOperationsByTenant', () => {
  it('lists the tenant operations newest first, page by page', async () => {
    for (let i = 1; i <= 5; i++) await repo.createOperation(anOperation(`op-list-${i}`, 'listed', at(i * 60)));
    await repo.createOperation(anOperation('op-elsewhere', 'not-listed', at(600)));

    const first = await repo.listOperationsByTenant('listed', { limit: 2 });
    const second = await repo.listOperationsByTenant('listed', { limit: 2, cursor: first.nextCursor });
    const third = await repo.listOperationsByTenant('listed', { limit: 2, cursor: second.nextCursor });

    expect([first, second, third].map((p) => p.items.map((o) => o.operationId))).toEqual([
      ['op-list-5', 'op-list-4'],
      ['op-list-3', 'op-list-2'],
      ['op-list-1'],
    ]);
    expect(third.nextCursor).toBeUndefined();
  });

  it('rejects the cursor of another tenant list', async () => {
    const { nextCursor } = await repo.listOperationsByTenant('listed', { limit: 2 });

    await expect(repo.listOperationsByTenant('not-listed', { cursor: nextCursor })).rejects.toMatchObject({
      name: 'ValidationError',
      details: [{ path: 'cursor' }],
    });
  });
});
