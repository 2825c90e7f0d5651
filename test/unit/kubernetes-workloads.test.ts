import { describe, it, expect } from 'vitest';
import type { K8sObject, K8sRef, KubernetesApi } from '#shared/cloud/kubernetes-api.ts';
import { applyObjects, deleteNamespace, deploymentsReady, jobStatus, scaleToZero, SCALER_FIELD_MANAGER } from '#shared/cloud/kubernetes-workloads.ts';

/** An API server in a Map: apply merges top-level `spec`, delete of a namespace leaves it terminating until `finishDeletions`. */
class FakeKubernetes implements KubernetesApi {
  readonly objects = new Map<string, K8sObject>();
  readonly calls: string[] = [];

  private key(r: { kind: string; name: string; namespace?: string }) {
    return `${r.kind}/${r.namespace ?? ''}/${r.name}`;
  }

  async apply(obj: K8sObject, fieldManager: string): Promise<K8sObject> {
    this.calls.push(`apply ${obj.kind}/${obj.metadata.name} by ${fieldManager}`);
    if (obj.metadata.namespace && !this.objects.has(this.key({ kind: 'Namespace', name: obj.metadata.namespace }))) {
      throw Object.assign(new Error(`namespaces "${obj.metadata.namespace}" not found`), { name: 'KubernetesApiError', status: 404 });
    }
    const k = this.key({ kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace });
    const live = this.objects.get(k);
    const merged = live ? { ...live, ...obj, spec: { ...(live.spec as object), ...(obj.spec as object) } } : obj;
    this.objects.set(k, merged);
    return merged;
  }

  async get(ref: K8sRef): Promise<K8sObject | undefined> {
    return this.objects.get(this.key(ref));
  }

  async delete(ref: K8sRef): Promise<'deleted' | 'absent'> {
    this.calls.push(`delete ${ref.kind}/${ref.name}`);
    const k = this.key(ref);
    const live = this.objects.get(k);
    if (!live) return 'absent';
    if (ref.kind === 'Namespace') live.metadata.deletionTimestamp = '2024-06-01T00:00:00Z';
    else this.objects.delete(k);
    return 'deleted';
  }

  async list(ref: Omit<K8sRef, 'name'>): Promise<K8sObject[]> {
    return [...this.objects.values()].filter((o) => o.kind === ref.kind && (!ref.namespace || o.metadata.namespace === ref.namespace));
  }

  finishDeletions(): void {
    for (const [k, o] of this.objects) if (o.metadata.deletionTimestamp) this.objects.delete(k);
  }

  put(obj: K8sObject): void {
    this.objects.set(this.key({ kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace }), obj);
  }
}

const ns = 'tenant-acme';
const namespace = (): K8sObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
const deployment = (name: string, replicas: number, status: Record<string, number> = {}, generation = 1): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, generation },
  spec: { replicas, template: { spec: { containers: [{ name: 'odoo', image: 'odoo:17.0' }] } } },
  status,
});
const job = (status: Record<string, unknown>): K8sObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'odoo-init-1', namespace: ns }, status });

describe('applyObjects', () => {
  it('applies the namespace before the objects that live in it and counts what it applied', async () => {
    // prepare
    const api = new FakeKubernetes();
    const configMap: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'odoo-config', namespace: ns } };

    // act
    const result = await applyObjects(api, [configMap, deployment('odoo-web', 1), namespace()], 'odoo-fleet-control-plane');

    // assess
    expect(api.calls).toEqual([
      'apply Namespace/tenant-acme by odoo-fleet-control-plane',
      'apply ConfigMap/odoo-config by odoo-fleet-control-plane',
      'apply Deployment/odoo-web by odoo-fleet-control-plane',
    ]);
    expect(result).toEqual({ applied: 3, byKind: { Namespace: 1, ConfigMap: 1, Deployment: 1 } });
    expect(await api.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'odoo-web', namespace: ns })).toBeDefined();
  });
});

describe('jobStatus', () => {
  it.each([
    ['absent', undefined],
    ['running', job({ active: 1 })],
    ['running', job({ active: 1, failed: 1 })],
    ['succeeded', job({ succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] })],
    ['succeeded', job({ succeeded: 1 })],
    ['failed', job({ failed: 3, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] })],
    ['failed', job({ failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }] })],
  ] as const)('reports %s for a job with that status', async (expected, live) => {
    // prepare
    const api = new FakeKubernetes();
    if (live) api.put(live);

    // act
    const status = await jobStatus(api, ns, 'odoo-init-1');

    // assess
    expect(status).toBe(expected);
  });
});

describe('deploymentsReady', () => {
  it('is ready when every deployment has all desired replicas updated and ready', async () => {
    // prepare
    const api = new FakeKubernetes();
    api.put(deployment('odoo-web', 2, { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2 }));
    api.put(deployment('odoo-cron', 1, { observedGeneration: 1, readyReplicas: 1, updatedReplicas: 1 }));

    // act
    const result = await deploymentsReady(api, ns, ['odoo-web', 'odoo-cron']);

    // assess
    expect(result).toEqual({ ready: true, detail: { 'odoo-web': { desired: 2, ready: 2 }, 'odoo-cron': { desired: 1, ready: 1 } } });
  });

  it('is not ready while a rollout is pending, replicas are missing or a deployment does not exist', async () => {
    // prepare
    const api = new FakeKubernetes();
    api.put(deployment('odoo-web', 2, { observedGeneration: 1, readyReplicas: 1, updatedReplicas: 2 }));
    api.put(deployment('odoo-worker', 1, { observedGeneration: 1, readyReplicas: 1, updatedReplicas: 1 }, 2));

    // act
    const result = await deploymentsReady(api, ns, ['odoo-web', 'odoo-worker', 'odoo-cron']);

    // assess
    expect(result.ready).toBe(false);
    expect(result.detail).toEqual({ 'odoo-web': { desired: 2, ready: 1 }, 'odoo-worker': { desired: 1, ready: 1 }, 'odoo-cron': { desired: 0, ready: 0 } });
  });

  it('counts a deployment scaled to zero as ready', async () => {
    // prepare
    const api = new FakeKubernetes();
    api.put(deployment('odoo-cron', 0, { observedGeneration: 1 }));

    // act + assess
    expect((await deploymentsReady(api, ns, ['odoo-cron'])).ready).toBe(true);
  });
});

describe('scaleToZero', () => {
  it('removes the autoscaler and scales web, worker and cron to zero without touching their templates', async () => {
    // prepare
    const api = new FakeKubernetes();
    api.put(namespace());
    api.put({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'odoo-web', namespace: ns } });
    for (const name of ['odoo-web', 'odoo-worker', 'odoo-cron']) api.put(deployment(name, 2));

    // act
    const result = await scaleToZero(api, ns);

    // assess
    expect(result).toEqual({ autoscaler: 'deleted', deployments: { 'odoo-web': 'scaled', 'odoo-worker': 'scaled', 'odoo-cron': 'scaled' } });
    expect(api.calls[0]).toBe('delete HorizontalPodAutoscaler/odoo-web');
    expect(api.calls.slice(1).every((c) => c.endsWith(`by ${SCALER_FIELD_MANAGER}`))).toBe(true);
    const web = await api.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'odoo-web', namespace: ns });
    expect(web?.spec).toMatchObject({ replicas: 0, template: { spec: { containers: [{ image: 'odoo:17.0' }] } } });
    expect(await api.get({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'odoo-web', namespace: ns })).toBeUndefined();
  });

  it('succeeds on a namespace where nothing is left to scale', async () => {
    // prepare
    const api = new FakeKubernetes();

    // act
    const result = await scaleToZero(api, ns);

    // assess
    expect(result).toEqual({ autoscaler: 'absent', deployments: { 'odoo-web': 'absent', 'odoo-worker': 'absent', 'odoo-cron': 'absent' } });
    expect(api.calls.filter((c) => c.startsWith('apply'))).toEqual([]);
  });
});

describe('deleteNamespace', () => {
  it('asks for deletion once, reports terminating while it goes, and absent once gone', async () => {
    // prepare
    const api = new FakeKubernetes();
    api.put(namespace());

    // act
    const first = await deleteNamespace(api, ns);
    const second = await deleteNamespace(api, ns);
    api.finishDeletions();
    const third = await deleteNamespace(api, ns);

    // assess
    expect([first, second, third]).toEqual(['deleted', 'terminating', 'absent']);
    expect(api.calls.filter((c) => c.startsWith('delete'))).toHaveLength(1);
  });
});
