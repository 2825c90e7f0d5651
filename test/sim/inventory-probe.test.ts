import { CreateRoleCommand, DeleteRoleCommand } from '@aws-sdk/client-iam';
import { ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { ChangeResourceRecordSetsCommand, type Change } from '@aws-sdk/client-route-53';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesApi } from '#shared/cloud/kubernetes-api.ts';
import { pooledSql } from '#shared/cloud/pooled-sql.ts';
import { deployment, ingressRoute, job, namespace } from './k8s-objects.ts';
import { PRIMARY, startSim, type SimHarness } from './sim-harness.ts';

const HOST = 'acme.odoo.local.test';
const PASSWORD = 'Abcdefgh12345678XYZ';

describe('inventory and Odoo probe of the simulated cloud', () => {
  let h: SimHarness;
  let k8s: KubernetesApi;
  const sql = (statement: { sql: string; parameters?: never }) => {
    const cell = h.config.cells[0]!;
    return h.provider.rdsData(PRIMARY).send(new ExecuteStatementCommand({ resourceArn: cell.auroraClusterArn, secretArn: cell.masterSecretArn, ...statement }));
  };
  const dns = (action: Change['Action']) =>
    h.provider.route53().send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: h.config.hostedZoneId,
        ChangeBatch: { Changes: [{ Action: action, ResourceRecordSet: { Name: HOST, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: h.config.eksClusters[0]!.ingressHostname }] } }] },
      }),
    );

  beforeAll(async () => {
    h = await startSim();
    k8s = await h.provider.kubernetes(PRIMARY, 'fleet-euw1');
  });
  afterAll(async () => h.stop());

  it('shows the seeded fleet: cell clusters, EKS clusters, buckets, hosted zone', () => {
    // act
    const inv = h.sim.inventory();

    // assess
    const primary = inv.regions[PRIMARY]!;
    expect(primary.rds.clusters.map((c) => [c.identifier, c.status])).toEqual([
      ['odoo-cell-a', 'available'],
      ['odoo-cell-b', 'available'],
      ['odoo-cell-c', 'available'],
    ]);
    expect(primary.eks.clusters.map((c) => c.name)).toEqual(['fleet-euw1']);
    expect(inv.regions['eu-central-1']!.eks.clusters.map((c) => c.name)).toEqual(['fleet-euc1']);
    expect(primary.s3.buckets.map((b) => b.name).sort()).toEqual([h.config.archiveBucket, ...h.config.cells.map((c) => c.bucket)].sort());
    expect(primary.secrets.map((s) => s.name)).toEqual(['odoo/cells/cell-a/master', 'odoo/cells/cell-b/master', 'odoo/cells/cell-c/master']);
    expect(inv.route53.zones).toEqual([{ id: h.config.hostedZoneId, name: 'odoo.local.test.' }]);
  });

  it('answers health and login only once DNS, routing, a ready web pod and an initialised database are all there', async () => {
    // prepare
    const probe = h.provider.probe(PRIMARY);
    const noDns = await probe.health(HOST);
    await dns('UPSERT');
    await k8s.apply(namespace('tenant-acme', 'acme'), 'test');
    await k8s.apply(ingressRoute('tenant-acme', HOST), 'test');
    const noRoute = await probe.health('other.odoo.local.test');
    await k8s.apply(deployment('tenant-acme', 'odoo-web', 'odoo:17.0'), 'test');
    const starting = await probe.health(HOST);
    h.clock.advance(30);
    const healthy = await probe.health(HOST);
    const loginBeforeInit = await probe.login(HOST, 'odoo_acme', 'admin', PASSWORD);

    // act
    await k8s.apply(job('tenant-acme', 'odoo-init-1', 'odoo:17.0', 'init', { 'odoo.fleet/database': 'odoo_acme' }), 'test');
    h.clock.advance(60);
    await k8s.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'tenant-acme', name: 'odoo-init-1' });
    const login = await probe.login(HOST, 'odoo_acme', 'admin', PASSWORD);

    // assess
    expect(noDns.ok).toBe(false);
    expect(noRoute.ok).toBe(false);
    expect(starting).toMatchObject({ ok: false, status: 503 });
    expect(healthy).toEqual({ ok: true, status: 200 });
    expect(loginBeforeInit.ok).toBe(false);
    expect(login).toMatchObject({ ok: true });
  });

  it('summarises the Kubernetes objects and metrics per region', async () => {
    // prepare
    await h.provider.cloudwatch(PRIMARY).send(new PutMetricDataCommand({ Namespace: 'OdooFleet', MetricData: [{ MetricName: 'TenantsProvisioned', Value: 1, Unit: 'Count' }] }));

    // act
    const primary = h.sim.inventory().regions[PRIMARY]!;

    // assess
    expect(primary.kubernetes['fleet-euw1']!['tenant-acme']).toEqual(
      expect.arrayContaining([
        { kind: 'Namespace', name: 'tenant-acme', status: 'Active' },
        { kind: 'Deployment', name: 'odoo-web', image: 'odoo:17.0', replicas: 2, ready: 2 },
        { kind: 'Job', name: 'odoo-init-1', image: 'odoo:17.0', status: 'Complete' },
      ]),
    );
    expect(primary.metrics).toEqual([expect.objectContaining({ namespace: 'OdooFleet', name: 'TenantsProvisioned', value: 1 })]);
  });

  it("lists everything a tenant has, and nothing once it is all removed", async () => {
    // prepare
    await sql(pooledSql.createRole('odoo_acme_app', PASSWORD));
    await sql(pooledSql.createDatabase('odoo_acme', 'odoo_acme_app'));
    await h.provider.s3(PRIMARY).send(new PutObjectCommand({ Bucket: h.config.cells[0]!.bucket, Key: 'tenants/acme/filestore/x', Body: 'x' }));
    await h.provider.secrets(PRIMARY).send(new CreateSecretCommand({ Name: 'odoo/acme/db', SecretString: '{}' }));
    await h.provider.iam().send(new CreateRoleCommand({ RoleName: 'odoo-tenant-acme', AssumeRolePolicyDocument: '{"Statement":[]}' }));

    // act
    const present = h.sim.inventoryForTenant('acme');
    await dns('DELETE');
    await k8s.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'tenant-acme' });
    await sql(pooledSql.dropDatabase('odoo_acme'));
    await sql(pooledSql.dropRole('odoo_acme_app'));
    await h.provider.s3(PRIMARY).send(new DeleteObjectCommand({ Bucket: h.config.cells[0]!.bucket, Key: 'tenants/acme/filestore/x' }));
    await h.provider.secrets(PRIMARY).send(new DeleteSecretCommand({ SecretId: 'odoo/acme/db', ForceDeleteWithoutRecovery: true }));
    await h.provider.iam().send(new DeleteRoleCommand({ RoleName: 'odoo-tenant-acme' }));
    const whileTerminating = h.sim.inventoryForTenant('acme');
    h.clock.advance(10);
    const after = h.sim.inventoryForTenant('acme');

    // assess
    expect(present.map((r) => `${r.service}:${r.type}`).sort()).toEqual([
      'iam:role',
      'kubernetes:deployment',
      'kubernetes:namespace',
      'rds:database',
      'rds:role',
      'route53:record',
      's3:prefix',
      'secretsmanager:secret',
    ]);
    expect(whileTerminating.map((r) => r.type)).toEqual(['namespace', 'deployment']);
    expect(after).toEqual([]);
  });
});
