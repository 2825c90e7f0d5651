import { describe, expect, it } from 'vitest';
import type { K8sObject, KubernetesApi } from '#shared/cloud/kubernetes-api.ts';
import { withKubernetesRetries } from '#shared/cloud/kubernetes-retry.ts';

const ns: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a' } };
const named = (name: string) => Object.assign(new Error(name), { name });

/** A server that fails the first `failures` calls with the given error, then answers. */
function flaky(failures: number, error: string): { api: KubernetesApi; calls: () => number } {
  let calls = 0;
  const answer = async () => {
    calls += 1;
    if (calls <= failures) throw named(error);
    return ns;
  };
  return { api: { apply: answer, get: answer, delete: async () => (await answer(), 'deleted'), list: async () => [await answer()] }, calls: () => calls };
}

describe('withKubernetesRetries', () => {
  const noWait = { sleep: async () => undefined };

  it('retries throttling until the server answers', async () => {
    const server = flaky(2, 'ThrottlingException');

    const applied = await withKubernetesRetries(server.api, noWait).apply(ns, 'm');

    expect(applied).toEqual(ns);
    expect(server.calls()).toBe(3);
  });

  it('gives up after the last attempt with the server error, for Step Functions to retry', async () => {
    const server = flaky(10, 'ServiceUnavailableException');

    await expect(withKubernetesRetries(server.api, { ...noWait, attempts: 4 }).get({ apiVersion: 'v1', kind: 'Namespace', name: 'x' })).rejects.toMatchObject({ name: 'ServiceUnavailableException' });
    expect(server.calls()).toBe(4);
  });

  it('does not retry an error that retrying cannot fix', async () => {
    const server = flaky(1, 'KubernetesApiError');

    await expect(withKubernetesRetries(server.api, noWait).delete({ apiVersion: 'v1', kind: 'Namespace', name: 'x' })).rejects.toMatchObject({ name: 'KubernetesApiError' });
    expect(server.calls()).toBe(1);
  });

  it('waits longer before each retry', async () => {
    const waits: number[] = [];
    const server = flaky(3, 'ThrottlingException');

    await withKubernetesRetries(server.api, { sleep: async (ms) => void waits.push(ms), delayMs: (n) => 100 * 2 ** (n - 1) }).list({ apiVersion: 'v1', kind: 'Namespace' });

    expect(waits).toEqual([100, 200, 400]);
  });
});
