/**
 * The synthesized provisioning state machine, run by the local runner against the simulated cloud:
 * the happy paths, a failure at each step (compensated: nothing left behind), and a Lambda that
 * crashes after its side effect (the retry finds the work done: no duplicate).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { api, dedicatedProfile, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;

beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

async function provision(tenantId: string, profile: Record<string, unknown> = {}): Promise<{ tenant: Tenant; operation: Operation }> {
  const res = await api<{ tenant: Tenant; operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody(tenantId, profile));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const operation = await waitForOperation(plane, res.body.operation.operationId);
  const tenant = (await plane.repo.getTenant(tenantId))!;
  return { tenant, operation };
}

const leftovers = (tenantId: string) => plane.sim.inventoryForTenant(tenantId).filter((r) => !r.retained);

describe('Workflow: provision', () => {
  it('provisions a pooled tenant: database and role on the cell cluster, prefix, namespace, DNS, healthy, ACTIVE', async () => {
    const { tenant, operation } = await provision('wf-pooled');

    expect(operation.status).toBe('SUCCEEDED');
    expect(tenant.status).toBe('ACTIVE');
    expect(tenant.lease).toBeUndefined();
    expect(operation.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'ValidateProvisionRequest',
        'AcquireTenantLease',
        'EnsureTenantDatabase',
        'EnsureTenantFilestore',
        'EnsureTenantCompute',
        'ApplyKubernetesObjects',
        'EnsureTenantDnsRecord',
        'EnsureOdooInitialised',
        'CheckTenantHealth',
        'ActivateTenant',
      ]),
    );
    expect(operation.steps.every((s) => s.status === 'SUCCEEDED')).toBe(true);
    expect(tenant.resources.database).toMatchObject({ kind: 'pooled', databaseName: 'odoo_wf_pooled', clusterIdentifier: expect.any(String) });
    expect(tenant.resources.filestore).toMatchObject({ prefix: 'tenants/wf-pooled/' });
    expect(tenant.resources.kubernetes?.namespace).toBe('tenant-wf-pooled');

    const resources = plane.sim.inventoryForTenant('wf-pooled');
    const types = resources.map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['database', 'namespace', 'secret']));
    expect(types).not.toContain('nodegroup');
    expect(types).not.toContain('cluster');

    const desired = await plane.repo.getDesiredState('wf-pooled');
    expect(desired?.objects.length).toBeGreaterThan(10);
    const changes = await plane.repo.listChanges('wf-pooled', { limit: 50 });
    expect(changes.items.map((c) => c.type)).toEqual(expect.arrayContaining(['TenantCreated', 'DatabaseEnsured', 'TenantActivated']));
  });

  it('provisions a dedicated tenant: its own encrypted Aurora cluster, tainted node group, versioned bucket', async () => {
    const { tenant, operation } = await provision('wf-dedicated', dedicatedProfile);

    expect(operation.status).toBe('SUCCEEDED');
    expect(tenant.status).toBe('ACTIVE');
    expect(tenant.placement.model).toBe('dedicated');
    const inv = plane.sim.inventory() as unknown as { regions: Record<string, { rds: { clusters: Array<Record<string, unknown>> }; eks: { clusters: Array<{ nodegroups: Array<Record<string, unknown>> }> }; s3: { buckets: Array<Record<string, unknown>> } }> };
    const region = inv.regions[plane.config.primaryRegion]!;
    const cluster = region.rds.clusters.find((c) => c.identifier === 'odoo-wf-dedicated');
    expect(cluster).toMatchObject({ status: 'available', storageEncrypted: true, deletionProtection: true });
    const nodegroups = region.eks.clusters.flatMap((c) => c.nodegroups).filter((n) => n.name === 'odoo-wf-dedicated');
    expect(nodegroups).toHaveLength(1);
    expect(nodegroups[0]).toMatchObject({ status: 'ACTIVE' });
    const bucket = region.s3.buckets.find((b) => String(b.name).startsWith('odoo-wf-dedicated-'));
    expect(bucket).toMatchObject({ versioning: 'Enabled' });
    // Its DR copy (warm standby, as a critical tenant): the global secondary with one instance in the DR region.
    expect(operation.steps.find((s) => s.name === 'EnsureTenantDrCopy')).toMatchObject({ status: 'SUCCEEDED' });
    const secondary = inv.regions[plane.config.drRegion]!.rds.clusters.find((c) => c.identifier === 'odoo-wf-dedicated');
    expect(secondary).toMatchObject({ status: 'available', globalCluster: 'odoo-wf-dedicated-global', instances: [expect.objectContaining({ identifier: 'odoo-wf-dedicated-1' })] });
  });

  const failures: Array<{ step: string; profile?: Record<string, unknown>; rule: Record<string, unknown> }> = [
    { step: 'EnsureTenantDatabase', rule: { service: 'rds-data', operation: 'ExecuteStatement', error: 'BadRequestException', count: 1 } },
    { step: 'EnsureTenantDatabase', profile: dedicatedProfile, rule: { service: 'rds', operation: 'CreateDBCluster', error: 'InvalidParameterCombination', count: 1 } },
    { step: 'EnsureTenantDrCopy', profile: dedicatedProfile, rule: { service: 'rds', operation: 'CreateGlobalCluster', error: 'InvalidParameterValue', count: 1 } },
    { step: 'EnsureTenantFilestore', profile: dedicatedProfile, rule: { service: 's3', operation: 'CreateBucket', error: 'AccessDenied', count: 1 } },
    { step: 'EnsureTenantCompute', rule: { service: 'iam', operation: 'CreateRole', error: 'AccessDenied', count: 1 } },
    { step: 'EnsureTenantCompute', profile: dedicatedProfile, rule: { service: 'eks', operation: 'CreateNodegroup', error: 'InvalidParameterException', count: 1 } },
    { step: 'ApplyKubernetesObjects', rule: { service: 'kubernetes', operation: 'apply', error: 'Forbidden', count: 1 } },
    { step: 'EnsureTenantDnsRecord', rule: { service: 'route53', operation: 'ChangeResourceRecordSets', error: 'InvalidInput', count: 1 } },
    { step: 'EnsureOdooInitialised', rule: { service: 'kubernetes', effect: 'migration-fails', image: 'odoo:17.0' } },
    { step: 'CheckTenantHealth', rule: { service: 'kubernetes', effect: 'crash-loop', image: 'odoo:17.0' } },
  ];

  it.each(failures.map((f, i) => ({ ...f, id: `wf-fail-${i}`, label: `${f.rule.service} ${String(f.rule.operation ?? f.rule.effect)}${f.profile ? ', dedicated' : ''}` })))(
    'compensates a failure in $step ($label): FAILED with the reason, nothing left behind',
    async ({ id, step, profile, rule }) => {
      const cells = plane.config.cells.map((c) => c.id);
      const loadsBefore = await plane.repo.cellLoads(cells);
      const set = await api(plane, 'POST', '/_local/faults', { rules: [rule] });
      expect(set.status).toBe(200);
      try {
        const { tenant, operation } = await provision(id, profile);

        expect(operation.status).toBe('FAILED');
        expect(operation.steps.find((s) => s.name === step)).toMatchObject({ status: 'FAILED' });
        expect(operation.steps.find((s) => s.name === 'CompensateTenant')).toMatchObject({ status: 'SUCCEEDED' });
        expect(tenant.status).toBe('FAILED');
        expect(tenant.statusReason).toBeTruthy();
        expect(tenant.lease).toBeUndefined();
        expect(tenant.resources).toEqual({});
        expect(leftovers(id)).toEqual([]);
        expect(await plane.repo.cellLoads(cells)).toEqual(loadsBefore);
      } finally {
        await api(plane, 'DELETE', '/_local/faults');
      }
    },
  );

  it('compensates when activation fails before it took effect, leaving nothing behind', async () => {
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'lambda', operation: 'ActivateTenant', error: 'InternalError', count: 1 }] });
    try {
      const { tenant, operation } = await provision('wf-act-fail');

      expect(operation.status).toBe('FAILED');
      expect(tenant.status).toBe('FAILED');
      expect(leftovers('wf-act-fail')).toEqual([]);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });

  it('never removes an ACTIVE tenant when its activation step fails after taking effect', async () => {
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'lambda', operation: 'ActivateTenant', effect: 'crash-after', error: 'InternalError', count: 1 }] });
    try {
      const { tenant, operation } = await provision('wf-act-late');

      expect(tenant.status).toBe('ACTIVE');
      expect(operation.status).toBe('SUCCEEDED');
      expect(operation.steps.find((s) => s.name === 'CompensateTenant')?.detail).toMatchObject({ skipped: expect.stringContaining('ACTIVE') });
      expect(plane.sim.inventoryForTenant('wf-act-late').map((r) => r.type)).toEqual(expect.arrayContaining(['database', 'namespace']));
      expect(tenant.resources.database).toBeDefined();
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });

  it('ends FAILED, never RUNNING, when the region is down and even compensation cannot finish', async () => {
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: '*', region: plane.config.primaryRegion, effect: 'unreachable' }] });
    try {
      const { tenant, operation } = await provision('wf-region-down');

      expect(operation.status).toBe('FAILED');
      expect(operation.steps.filter((s) => s.status === 'RUNNING')).toEqual([]);
      expect(operation.steps.find((s) => s.name === 'CompensateTenant')).toMatchObject({ status: 'FAILED' });
      expect(tenant.status).toBe('FAILED');
      expect(tenant.statusReason).toMatch(/compensation failed too/);
      expect(tenant.lease).toBeUndefined();
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });

  it('does not duplicate a database when the Lambda crashes after creating it', async () => {
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'lambda', operation: 'EnsureTenantDatabase', effect: 'crash-after', count: 1 }] });
    try {
      const { tenant, operation } = await provision('wf-crash-db');

      expect(operation.status).toBe('SUCCEEDED');
      expect(tenant.status).toBe('ACTIVE');
      expect(operation.steps.find((s) => s.name === 'EnsureTenantDatabase')?.attempts).toBeGreaterThanOrEqual(2);
      const mine = plane.sim.inventoryForTenant('wf-crash-db');
      expect(mine.filter((r) => r.type === 'database')).toHaveLength(1);
      // The database and admin secrets, each with its replica in the DR region (the cell has a DR copy).
      expect(mine.filter((r) => r.type === 'secret' && r.region === plane.config.primaryRegion)).toHaveLength(2);
      expect(mine.filter((r) => r.type === 'secret' && r.region === plane.config.drRegion)).toHaveLength(2);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });

  it('does not duplicate a node group or a cluster when Lambdas crash after creating them', async () => {
    await api(plane, 'POST', '/_local/faults', {
      rules: [
        { service: 'lambda', operation: 'EnsureTenantCompute', effect: 'crash-after', count: 1 },
        { service: 'lambda', operation: 'EnsureTenantDatabase', effect: 'crash-after', count: 1 },
      ],
    });
    try {
      const { operation } = await provision('wf-crash-ded', dedicatedProfile);

      expect(operation.status).toBe('SUCCEEDED');
      const mine = plane.sim.inventoryForTenant('wf-crash-ded');
      // One node group in each region: the tenant's, and its warm standby's (one node) in the DR region.
      expect(mine.filter((r) => r.type === 'nodegroup').map((r) => r.region).sort()).toEqual([plane.config.drRegion, plane.config.primaryRegion].sort());
      // One cluster in each region: the tenant's, and its DR secondary.
      expect(mine.filter((r) => r.type === 'cluster').map((r) => r.region).sort()).toEqual([plane.config.drRegion, plane.config.primaryRegion].sort());
      expect(mine.filter((r) => r.type === 'global-cluster')).toHaveLength(1);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });
});
