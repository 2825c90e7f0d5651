import { CreateNodegroupCommand } from '@aws-sdk/client-eks';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { K8sObject, KubernetesApi } from '#shared/cloud/kubernetes-api.ts';
import { deployment, job, namespace } from './k8s-objects.ts';
import { PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

const FM = 'odoo-fleet-control-plane';
const status = (o: K8sObject | undefined) => (o?.status ?? {}) as Record<string, unknown>;
const deploymentRef = (ns: string, name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name });
const jobRef = (ns: string, name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name });

describe('simulated Kubernetes API', () => {
  let h: SimHarness;
  let k8s: KubernetesApi;

  beforeAll(async () => {
    h = await startSim();
    k8s = await h.provider.kubernetes(PRIMARY, 'fleet-euw1');
  });
  afterAll(async () => h.stop());

  it('applies, reads back, lists by label and deletes objects', async () => {
    // act
    await k8s.apply(namespace('tenant-acme', 'acme'), FM);
    const cm = await k8s.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'odoo-config', namespace: 'tenant-acme', labels: { 'odoo.fleet/tenant': 'acme' } }, data: { a: '1' } }, FM);
    const replaced = await k8s.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'odoo-config', namespace: 'tenant-acme', labels: { 'odoo.fleet/tenant': 'acme' } }, data: { a: '2' } }, FM);
    const listed = await k8s.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'tenant-acme' }, 'odoo.fleet/tenant=acme');
    const none = await k8s.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'tenant-acme' }, 'odoo.fleet/tenant=other');
    const deleted = await k8s.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'tenant-acme', name: 'odoo-config' });
    const again = await k8s.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'tenant-acme', name: 'odoo-config' });

    // assess
    expect(replaced.metadata.uid).toBe(cm.metadata.uid);
    expect(listed.map((o) => o.data)).toEqual([{ a: '2' }]);
    expect(none).toEqual([]);
    expect([deleted, again]).toEqual(['deleted', 'absent']);
    expect(await k8s.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'tenant-acme', name: 'odoo-config' })).toBeUndefined();
  });

  it('hands out copies that share nothing with what it stores or with each other', async () => {
    await k8s.apply(namespace('tenant-copies', 'copies'), FM);
    await k8s.apply(deployment('tenant-copies', 'odoo-web', 'odoo:17.0'), FM);

    const first = (await k8s.get(deploymentRef('tenant-copies', 'odoo-web')))!;
    const second = (await k8s.get(deploymentRef('tenant-copies', 'odoo-web')))!;
    (first.spec as { replicas: number }).replicas = 9;
    first.metadata.labels = { changed: 'yes' };
    const third = (await k8s.get(deploymentRef('tenant-copies', 'odoo-web')))!;

    expect(second.spec).not.toBe(third.spec);
    expect(third).toEqual(second);
    expect((third.spec as { replicas: number }).replicas).toBe(2);
  });

  it('refuses a namespaced object whose namespace does not exist, with a 404', async () => {
    const err = await rejection(k8s.apply(deployment('tenant-nowhere', 'odoo-web', 'odoo:17.0'), FM));
    expect(err.name).toBe('KubernetesApiError');
    expect(err.status).toBe(404);
  });

  it('makes a Deployment ready after the scaled start time', async () => {
    // act
    await k8s.apply(deployment('tenant-acme', 'odoo-web', 'odoo:17.0'), FM);
    const starting = await k8s.get(deploymentRef('tenant-acme', 'odoo-web'));
    h.clock.advance(30);
    const ready = await k8s.get(deploymentRef('tenant-acme', 'odoo-web'));

    // assess
    expect(status(starting)).toMatchObject({ replicas: 2, readyReplicas: 0 });
    expect(status(ready)).toMatchObject({ replicas: 2, readyReplicas: 2, updatedReplicas: 2 });
  });

  it('merges a partial apply by another field manager, as server-side apply does', async () => {
    // act
    const scaled = await k8s.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'odoo-web', namespace: 'tenant-acme' }, spec: { replicas: 0 } }, 'odoo-fleet-scaler');
    const zero = await k8s.get(deploymentRef('tenant-acme', 'odoo-web'));
    await k8s.apply(deployment('tenant-acme', 'odoo-web', 'odoo:17.0', { replicas: 2 }), FM);
    h.clock.advance(30);
    const back = await k8s.get(deploymentRef('tenant-acme', 'odoo-web'));

    // assess
    expect((scaled.spec as { template?: unknown }).template).toBeDefined();
    expect(status(zero)).toMatchObject({ replicas: 0, readyReplicas: 0 });
    expect(status(back)).toMatchObject({ replicas: 2, readyReplicas: 2 });
  });

  it('never readies pods that violate Pod Security "restricted" in an enforcing namespace', async () => {
    // prepare
    const privileged = { name: 'odoo', image: 'odoo:17.0', securityContext: { privileged: true, runAsUser: 0 } };

    // act
    await k8s.apply(deployment('tenant-acme', 'odoo-rogue', 'odoo:17.0', { container: privileged }), FM);
    h.clock.advance(60);
    const d = await k8s.get(deploymentRef('tenant-acme', 'odoo-rogue'));

    // assess
    expect(status(d).readyReplicas).toBe(0);
    const failure = (status(d).conditions as Array<{ type: string; message?: string }>).find((c) => c.type === 'ReplicaFailure');
    expect(failure?.message).toMatch(/violates PodSecurity "restricted:latest".*privileged/);
  });

  it("keeps a dedicated tenant's pods pending until its node group has nodes", async () => {
    // prepare
    await k8s.apply(namespace('tenant-globex', 'globex'), FM);
    await k8s.apply(deployment('tenant-globex', 'odoo-web', 'odoo:17.0', { dedicatedTenant: 'globex' }), FM);
    h.clock.advance(60);
    const pending = await k8s.get(deploymentRef('tenant-globex', 'odoo-web'));

    // act
    await h.provider.eks(PRIMARY).send(
      new CreateNodegroupCommand({
        clusterName: 'fleet-euw1',
        nodegroupName: 'odoo-globex',
        nodeRole: h.config.eksClusters[0]!.nodeRoleArn,
        subnets: h.config.eksClusters[0]!.subnetIds,
        scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 2 },
        labels: { 'odoo.fleet/tenant': 'globex' },
        taints: [{ key: 'odoo.fleet/tenant', value: 'globex', effect: 'NO_SCHEDULE' }],
      }),
    );
    h.clock.advance(300 + 30);
    const running = await k8s.get(deploymentRef('tenant-globex', 'odoo-web'));

    // assess
    expect(status(pending).readyReplicas).toBe(0);
    expect(status(running).readyReplicas).toBe(2);
  });

  it('completes a Job after its scaled duration; the init Job marks the database initialised', async () => {
    // act
    await k8s.apply(job('tenant-acme', 'odoo-init-1', 'odoo:17.0', 'init', { 'odoo.fleet/database': 'odoo_acme', 'odoo.fleet/db-host': 'cell-a.example' }), FM);
    const running = await k8s.get(jobRef('tenant-acme', 'odoo-init-1'));
    h.clock.advance(60);
    const done = await k8s.get(jobRef('tenant-acme', 'odoo-init-1'));

    // assess
    expect(status(running)).toMatchObject({ active: 1 });
    expect(status(done)).toMatchObject({ succeeded: 1 });
    expect(h.sim.initialisedDatabases.has('odoo_acme')).toBe(true);
  });

  it('writes the final dump to the archive bucket when the dump Job succeeds', async () => {
    // prepare
    const key = 'offboarded/acme/op-1/database.dump';

    // act
    await k8s.apply(job('tenant-acme', 'odoo-final-dump-1', 'postgres:16', 'final-dump', { 'odoo.fleet/archive-bucket': h.config.archiveBucket, 'odoo.fleet/archive-key': key, 'odoo.fleet/database': 'odoo_acme' }), FM);
    h.clock.advance(20);
    const done = await k8s.get(jobRef('tenant-acme', 'odoo-final-dump-1'));
    const object = await h.provider.s3(PRIMARY).send(new GetObjectCommand({ Bucket: h.config.archiveBucket, Key: key }));

    // assess
    expect(status(done).succeeded).toBe(1);
    expect(await object.Body!.transformToString()).toContain('pg_dump of odoo_acme');
  });

  it('refuses to change the pod template of an existing Job', async () => {
    const err = await rejection(k8s.apply(job('tenant-acme', 'odoo-init-1', 'odoo:18.0', 'init'), FM));
    expect(err.status).toBe(422);
  });

  it('deletes a namespace with everything in it after a moment of Terminating', async () => {
    // act
    const result = await k8s.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'tenant-acme' });
    const terminating = await k8s.get({ apiVersion: 'v1', kind: 'Namespace', name: 'tenant-acme' });
    const blocked = await rejection(k8s.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'tenant-acme' } }, FM));
    h.clock.advance(10);
    const gone = await k8s.get({ apiVersion: 'v1', kind: 'Namespace', name: 'tenant-acme' });
    const orphans = await k8s.list({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'tenant-acme' });

    // assess
    expect(result).toBe('deleted');
    expect(status(terminating).phase).toBe('Terminating');
    expect(blocked.status).toBe(403);
    expect(gone).toBeUndefined();
    expect(orphans).toEqual([]);
  });
});
