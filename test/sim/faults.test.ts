import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isTransient } from '#shared/lib/transient-errors.ts';
import { deployment, ingressRoute, job, namespace } from './k8s-objects.ts';
import { DR, PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

describe('fault injection', () => {
  let h: SimHarness;
  const describeCell = () => h.provider.rds(PRIMARY).send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'odoo-cell-a' }));

  beforeAll(async () => {
    h = await startSim();
  });
  afterEach(() => h.sim.faults.clear());
  afterAll(async () => h.stop());

  it("throttles every call at rate 1 with each service's own throttling name", async () => {
    // prepare
    h.sim.faults.set([{ service: 'rds', rate: 1 }, { service: 'eks' }, { service: 's3' }]);

    // act
    const rds = await rejection(describeCell());
    const eks = await rejection(h.provider.eks(PRIMARY).send(new DescribeClusterCommand({ name: 'fleet-euw1' })));
    const s3 = await rejection(h.provider.s3(PRIMARY).send(new ListObjectsV2Command({ Bucket: h.config.archiveBucket })));

    // assess
    expect([rds.name, eks.name, s3.name]).toEqual(['Throttling', 'ThrottlingException', 'SlowDown']);
    expect([rds, eks, s3].every(isTransient)).toBe(true);
  });

  it('fails only the named operation with the named error, and expires after count', async () => {
    // prepare
    h.sim.faults.set([{ service: 'rds', operation: 'DescribeDBClusters', error: 'InternalFailure', count: 2 }]);

    // act
    const first = await rejection(describeCell());
    const second = await rejection(describeCell());
    const third = await describeCell();

    // assess
    expect([first.name, second.name]).toEqual(['InternalFailure', 'InternalFailure']);
    expect(third.DBClusters).toHaveLength(1);
    expect(h.sim.faults.list()).toEqual([]);
  });

  it('throttles about the given share of calls (the SDK retries absorb most), the same way for the same seed', async () => {
    // prepare
    const outcomes = async () => {
      h.sim.faults.set([{ service: 'rds', rate: 0.3 }]);
      const results: boolean[] = [];
      for (let i = 0; i < 100; i++) results.push(await describeCell().then(() => true, () => false));
      const fired = h.sim.faults.list()[0]!.fired;
      return { results, fired };
    };

    // act
    const a = await outcomes();
    const b = await outcomes();

    // assess: every attempt the SDK makes draws; about 30% of attempts are throttled
    const attempts = 100 + a.fired;
    expect(a.fired / attempts).toBeGreaterThan(0.15);
    expect(a.fired / attempts).toBeLessThan(0.45);
    // three attempts all throttled is rare (0.3^3 = 2.7%): nearly every call succeeds
    expect(a.results.filter((ok) => !ok).length).toBeLessThan(10);
    expect(b).toEqual(a);
  });

  it('makes a region unreachable: calls there time out, other regions and global services answer', async () => {
    // prepare
    h.sim.faults.set([{ service: '*', region: PRIMARY, effect: 'unreachable' }]);

    // act
    const down = await rejection(describeCell());
    const k8s = await rejection((await h.provider.kubernetes(PRIMARY, 'fleet-euw1')).list({ apiVersion: 'v1', kind: 'Namespace' }));
    const dr = await h.provider.eks(DR).send(new DescribeClusterCommand({ name: 'fleet-euc1' }));
    const iam = await rejection(h.provider.iam().send(new GetRoleCommand({ RoleName: 'nobody' })));

    // assess
    expect(down.name).toBe('TimeoutError');
    expect(k8s.name).toBe('TimeoutError');
    expect(dr.cluster?.status).toBe('ACTIVE');
    expect(iam.name).toBe('NoSuchEntityException');
  });

  it('makes an image crash-loop: its pods never become ready and the health check fails', async () => {
    // prepare
    const k8s = await h.provider.kubernetes(PRIMARY, 'fleet-euw1');
    await k8s.apply(namespace('tenant-bad', 'bad'), 'test');
    await k8s.apply(ingressRoute('tenant-bad', 'bad.odoo.local.test'), 'test');
    h.sim.route53.zones.get(h.config.hostedZoneId)!.records.set('bad', { Name: 'bad.odoo.local.test.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'x' }] });
    h.sim.faults.set([{ service: 'kubernetes', effect: 'crash-loop', image: 'odoo:17.0-broken' }]);

    // act
    await k8s.apply(deployment('tenant-bad', 'odoo-web', 'odoo:17.0-broken'), 'test');
    h.clock.advance(120);
    const d = await k8s.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'tenant-bad', name: 'odoo-web' });
    const health = await h.provider.probe(PRIMARY).health('bad.odoo.local.test');

    // assess
    expect((d?.status as { readyReplicas: number }).readyReplicas).toBe(0);
    expect(health.ok).toBe(false);
  });

  it('fails the migration Job of an image with migration-fails, and answers API errors with a status', async () => {
    // prepare
    const k8s = await h.provider.kubernetes(PRIMARY, 'fleet-euw1');
    await k8s.apply(namespace('tenant-mig', 'mig'), 'test');
    h.sim.faults.set([
      { service: 'kubernetes', effect: 'migration-fails', image: 'odoo:18.0', count: 1 },
      { service: 'kubernetes', operation: 'delete', error: 'Forbidden', count: 1 },
    ]);

    // act
    await k8s.apply(job('tenant-mig', 'odoo-upgrade-1', 'odoo:18.0', 'upgrade'), 'test');
    await k8s.apply(job('tenant-mig', 'odoo-upgrade-2', 'odoo:18.0', 'upgrade'), 'test');
    h.clock.advance(90);
    const failed = await k8s.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'tenant-mig', name: 'odoo-upgrade-1' });
    const retried = await k8s.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'tenant-mig', name: 'odoo-upgrade-2' });
    const forbidden = await rejection(k8s.delete({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'tenant-mig', name: 'odoo-upgrade-1' }));

    // assess
    expect(failed?.status).toMatchObject({ failed: 1 });
    expect(retried?.status).toMatchObject({ succeeded: 1 });
    expect(forbidden).toMatchObject({ name: 'KubernetesApiError', status: 403 });
  });

  it('rejects invalid rules as a ValidationError naming the fields', () => {
    // act
    let error: unknown;
    try {
      h.sim.faults.set([{ service: 'dynamo', rate: 2 }, { service: 'kubernetes', effect: 'crash-loop' }]);
    } catch (err) {
      error = err;
    }

    // assess
    expect(error).toMatchObject({ name: 'ValidationError' });
    const paths = (error as { details: Array<{ path: string }> }).details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['rules.0.service', 'rules.0.rate', 'rules.1.image']));
  });
});
