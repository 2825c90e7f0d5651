import { describe, expect, it } from 'vitest';
import { progressLines, watchOperation } from '#local/cli/watch.ts';
import type { Operation, OperationStep } from '#shared/domain/types.ts';

const at = (s: number) => new Date(Date.UTC(2030, 0, 1) + s * 1000).toISOString();

const op = (status: Operation['status'], steps: OperationStep[], extra: Partial<Operation> = {}): Operation => ({
  operationId: 'op-1',
  type: 'PROVISION',
  tenantId: 'acme',
  status,
  requestedBy: 'alice',
  createdAt: at(0),
  updatedAt: at(10),
  steps,
  ...extra,
});

const running = (name: string, start: number, attempts = 1): OperationStep => ({ name, status: 'RUNNING', startedAt: at(start), attempts });
const done = (name: string, start: number, end: number): OperationStep => ({ name, status: 'SUCCEEDED', startedAt: at(start), endedAt: at(end), attempts: 1 });

describe('progressLines', () => {
  it('prints each step once when it starts and once when it ends, timed from the request', () => {
    const first = op('RUNNING', [running('ValidateRequest', 1)]);
    const second = op('RUNNING', [done('ValidateRequest', 1, 1.5), running('EnsureTenantDatabase', 2)]);

    expect(progressLines(undefined, first)).toEqual(['PROVISION of acme (op-1): RUNNING', '[+   1.0s] ▶ ValidateRequest started']);
    expect(progressLines(first, second)).toEqual([
      '[+   1.5s] ✓ ValidateRequest succeeded in 0.5 s',
      '[+   2.0s] ▶ EnsureTenantDatabase started',
    ]);
    expect(progressLines(second, second)).toEqual([]);
  });

  it('keeps quiet while a step polls or retries, and counts its invocations when it ends', () => {
    const before = op('RUNNING', [running('EnsureTenantDatabase', 2)]);
    const polling = op('RUNNING', [running('EnsureTenantDatabase', 2, 7)]);
    const failed = op(
      'FAILED',
      [{ name: 'EnsureTenantDatabase', status: 'FAILED', startedAt: at(2), endedAt: at(8), attempts: 9, error: { code: 'ResourceFailed', message: 'boom' } }, done('MarkFailed', 8, 9)],
      { endedAt: at(9), error: { code: 'ResourceFailed', message: 'boom' } },
    );

    expect(progressLines(before, polling)).toEqual([]);
    expect(progressLines(polling, failed)).toEqual([
      '[+   8.0s] ✗ EnsureTenantDatabase failed in 6.0 s (9 invocations): ResourceFailed: boom',
      '[+   8.0s] ▶ MarkFailed started',
      '[+   9.0s] ✓ MarkFailed succeeded in 1.0 s',
      '[+   9.0s] operation FAILED',
      'Error: ResourceFailed: boom',
    ]);
  });

  it('counts the invocations of a step that polled until its resource was ready', () => {
    const polling = op('RUNNING', [running('EnsureTenantDatabase', 2, 4)]);
    const ready = op('RUNNING', [{ name: 'EnsureTenantDatabase', status: 'SUCCEEDED', startedAt: at(2), endedAt: at(42), attempts: 5 }]);

    expect(progressLines(polling, ready)).toEqual(['[+  42.0s] ✓ EnsureTenantDatabase succeeded in 40.0 s (5 invocations)']);
  });

  it('says when a step that had ended runs again', () => {
    const ended = op('RUNNING', [done('ScaleToZero', 1, 2)]);
    const again = op('RUNNING', [{ ...running('ScaleToZero', 1, 2) }], { updatedAt: at(30) });

    expect(progressLines(ended, again)).toEqual(['[+  30.0s] ▶ ScaleToZero started again (invocation 2)']);
  });
});

describe('watchOperation', () => {
  async function watch(polls: Operation[]) {
    const printed: string[] = [];
    let sleeps = 0;
    const code = await watchOperation({
      fetchOperation: async () => polls[Math.min(sleeps, polls.length - 1)]!,
      print: (line) => printed.push(line),
      sleep: async () => {
        sleeps++;
      },
    });
    return { code, printed, sleeps };
  }

  it('polls until the operation succeeds and exits 0', async () => {
    const { code, sleeps, printed } = await watch([op('RUNNING', []), op('RUNNING', [running('A', 1)]), op('SUCCEEDED', [done('A', 1, 2)], { endedAt: at(2) })]);

    expect(code).toBe(0);
    expect(sleeps).toBe(2);
    expect(printed.at(-1)).toBe('[+   2.0s] operation SUCCEEDED');
  });

  it('exits 1 when the operation fails or is cancelled', async () => {
    expect((await watch([op('FAILED', [], { error: { code: 'X', message: 'y' } })])).code).toBe(1);
    expect((await watch([op('CANCELLED', [])])).code).toBe(1);
  });
});
