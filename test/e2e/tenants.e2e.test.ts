/**
 * The tenant lifecycle through the local API only, as an operator or a script sees it: create a
 * pooled and a dedicated tenant, follow their operations, read them back, list, filter and page,
 * read their history, look at what the simulated cloud holds, and offboard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import type { CloudInventory, TenantResource } from '#local/sim/inventory.ts';
import type { ChangeEvent, Operation, Tenant } from '#shared/domain/types.ts';
import { api, dedicatedProfile, startPlane, tenantBody } from '../support/local-plane.ts';

let plane: LocalControlPlane;

interface Started {
  tenant: Tenant;
  operation: Operation;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Follows the operation through `GET /v1/operations/{id}` until it ends; gives up after `maxPolls` polls. */
async function followOperation(operationId: string, maxPolls = 4000): Promise<Operation> {
  for (let i = 0; i < maxPolls; i++) {
    const res = await api<Operation>(plane, 'GET', `/v1/operations/${operationId}`);
    expect(res.status).toBe(200);
    if (!['PENDING', 'RUNNING'].includes(res.body.status)) {
      // The record is written before the execution's last state ends.
      await plane.runner.idle();
      return (await api<Operation>(plane, 'GET', `/v1/operations/${operationId}`)).body;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`operation ${operationId} did not end after ${maxPolls} polls`);
}

async function create(tenantId: string, profile: Record<string, unknown>, actor: string): Promise<{ started: Started; ended: Operation }> {
  const res = await api<Started>(plane, 'POST', '/v1/tenants', tenantBody(tenantId, profile), { 'x-actor': actor });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return { started: res.body, ended: await followOperation(res.body.operation.operationId) };
}

async function offboard(tenantId: string, actor: string): Promise<{ started: Started; ended: Operation }> {
  const res = await api<Started>(plane, 'DELETE', `/v1/tenants/${tenantId}`, undefined, { 'x-actor': actor });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return { started: res.body, ended: await followOperation(res.body.operation.operationId) };
}

async function allPages<T>(path: string): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res: { status: number; body: Page<T> } = await api<Page<T>>(plane, 'GET', `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(1);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { items, pages };
}

const inventory = async () => (await api<CloudInventory>(plane, 'GET', '/_local/cloud')).body;
const leftovers = (tenantId: string): TenantResource[] => plane.sim.inventoryForTenant(tenantId).filter((r) => !r.retained);

let pooled: { started: Started; ended: Operation };
let dedicated: { started: Started; ended: Operation };

beforeAll(async () => {
  plane = await startPlane();
  [pooled, dedicated] = await Promise.all([create('e2e-pooled', {}, 'alice'), create('e2e-ded', dedicatedProfile, 'bob')]);
});
afterAll(async () => {
  await plane?.close();
});

describe('POST /v1/tenants', () => {
  it('answers 202 with the PROVISIONING tenant, its placement and reason, and a running operation', () => {
    const { tenant, operation } = pooled.started;

    expect(tenant).toMatchObject({ tenantId: 'e2e-pooled', status: 'PROVISIONING', createdBy: 'alice', hostname: 'e2e-pooled.odoo.local.test' });
    expect(tenant.placement).toMatchObject({ model: 'pooled', cell: expect.stringMatching(/^cell-/), cluster: 'fleet-euw1', drPosture: 'backup-restore' });
    expect(tenant.placement.reason).toEqual(expect.any(String));
    expect(tenant.placement.reason.length).toBeGreaterThan(10);
    expect(operation).toMatchObject({ type: 'PROVISION', tenantId: 'e2e-pooled', requestedBy: 'alice', executionArn: expect.stringContaining(':execution:') });
    expect(['PENDING', 'RUNNING']).toContain(operation.status);
  });

  it('places a PCI critical tenant on dedicated infrastructure, with no cell, and says why', () => {
    const { tenant } = dedicated.started;

    expect(tenant.placement).toMatchObject({ model: 'dedicated', cell: null, drPosture: 'warm-standby' });
    expect(tenant.placement.reason).toMatch(/PCI|critical|dedicated/i);
  });
});

describe('GET /v1/operations/{operationId}', () => {
  it('shows a succeeded provisioning with every step named, ended and timed', () => {
    for (const { ended } of [pooled, dedicated]) {
      expect(ended.status).toBe('SUCCEEDED');
      expect(ended.endedAt).toEqual(expect.any(String));
      expect(ended.steps.length).toBeGreaterThanOrEqual(8);
      for (const step of ended.steps) {
        expect(step).toMatchObject({ name: expect.any(String), status: 'SUCCEEDED', startedAt: expect.any(String), endedAt: expect.any(String) });
        expect(Date.parse(step.endedAt!)).toBeGreaterThanOrEqual(Date.parse(step.startedAt));
        expect(step.attempts).toBeGreaterThanOrEqual(1);
      }
      expect(ended.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['EnsureTenantDatabase', 'EnsureTenantCompute', 'ActivateTenant']));
    }
  });
});

describe('GET /v1/tenants/{tenantId}', () => {
  it('shows an ACTIVE pooled tenant with the resources made for it and no lease', async () => {
    const res = await api<Tenant>(plane, 'GET', '/v1/tenants/e2e-pooled');

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ACTIVE');
    expect(res.body.lease).toBeUndefined();
    expect(res.body.version).toBeGreaterThan(pooled.started.tenant.version);
    const cell = plane.config.cells.find((c) => c.id === res.body.placement.cell)!;
    expect(res.body.resources).toMatchObject({
      database: { kind: 'pooled', clusterIdentifier: cell.auroraClusterIdentifier, databaseName: 'odoo_e2e_pooled' },
      filestore: { bucket: cell.bucket, prefix: 'tenants/e2e-pooled/' },
      kubernetes: { namespace: 'tenant-e2e-pooled' },
      dns: { name: expect.stringContaining('e2e-pooled.odoo.local.test') },
    });
  });

  it('shows an ACTIVE dedicated tenant with its own cluster, node group and bucket', async () => {
    const res = await api<Tenant>(plane, 'GET', '/v1/tenants/e2e-ded');

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ACTIVE');
    expect(res.body.resources.database).toMatchObject({ kind: 'dedicated', clusterIdentifier: 'odoo-e2e-ded' });
    expect(res.body.resources.compute).toMatchObject({ cluster: 'fleet-euw1', nodegroup: 'odoo-e2e-ded' });
    expect(res.body.resources.filestore?.bucket).toMatch(/^odoo-e2e-ded-/);
  });
});

describe('GET /v1/tenants', () => {
  it('filters by status and model', async () => {
    const res = await api<Page<Tenant>>(plane, 'GET', '/v1/tenants?status=ACTIVE&model=dedicated');

    expect(res.status).toBe(200);
    const ids = res.body.items.map((t) => t.tenantId);
    expect(ids).toContain('e2e-ded');
    expect(ids).not.toContain('e2e-pooled');
    expect(res.body.items.every((t) => t.status === 'ACTIVE' && t.placement.model === 'dedicated')).toBe(true);
  });

  it('pages one tenant at a time with nextCursor, every tenant once', async () => {
    const { items, pages } = await allPages<Tenant>('/v1/tenants?limit=1');

    const ids = items.map((t) => t.tenantId);
    expect(ids).toEqual(expect.arrayContaining(['e2e-pooled', 'e2e-ded']));
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBeGreaterThanOrEqual(2);
  });

  it('pages a filtered list the same way', async () => {
    const { items } = await allPages<Tenant>('/v1/tenants?status=ACTIVE&limit=1');

    const ids = items.map((t) => t.tenantId);
    expect(ids).toEqual(expect.arrayContaining(['e2e-pooled', 'e2e-ded']));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('GET /v1/tenants/{tenantId}/changes', () => {
  it('lists the changes newest first, each by the actor of the request that caused it', async () => {
    const res = await api<Page<ChangeEvent>>(plane, 'GET', '/v1/tenants/e2e-pooled/changes?limit=100');

    expect(res.status).toBe(200);
    const { items } = res.body;
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(items[0]!.type).toBe('TenantActivated');
    expect(items.at(-1)!.type).toBe('TenantCreated');
    const times = items.map((c) => Date.parse(c.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(items.every((c) => c.actor === 'alice')).toBe(true);
    expect(items.every((c) => c.operationId === pooled.started.operation.operationId)).toBe(true);
  });

  it('pages the history with limit and nextCursor', async () => {
    const all = (await api<Page<ChangeEvent>>(plane, 'GET', '/v1/tenants/e2e-ded/changes?limit=100')).body.items;
    const { items } = await allPages<ChangeEvent>('/v1/tenants/e2e-ded/changes?limit=1');

    expect(items.map((c) => c.changeId)).toEqual(all.map((c) => c.changeId));
    expect(all.every((c) => c.actor === 'bob')).toBe(true);
  });
});

describe('GET /_local/cloud', () => {
  it('holds the dedicated tenant\'s Aurora cluster, node group and bucket', async () => {
    const region = (await inventory()).regions[plane.config.primaryRegion]!;

    expect(region.rds.clusters.filter((c) => c.identifier === 'odoo-e2e-ded')).toEqual([
      expect.objectContaining({ status: 'available', storageEncrypted: true, tags: expect.objectContaining({ 'odoo:tenant': 'e2e-ded' }) }),
    ]);
    const nodegroups = region.eks.clusters.flatMap((c) => c.nodegroups.map((n) => ({ cluster: c.name, ...n }))).filter((n) => n.name === 'odoo-e2e-ded');
    expect(nodegroups).toEqual([expect.objectContaining({ cluster: 'fleet-euw1', status: 'ACTIVE' })]);
    expect(region.s3.buckets.filter((b) => b.name.startsWith('odoo-e2e-ded-'))).toHaveLength(1);
    expect(region.kubernetes['fleet-euw1']!['tenant-e2e-ded']).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'Deployment' })]));
  });

  it('holds the pooled tenant\'s database in its cell\'s cluster and nothing dedicated to it', async () => {
    const cell = plane.config.cells.find((c) => c.id === pooled.started.tenant.placement.cell)!;
    const region = (await inventory()).regions[cell.region]!;

    expect(region.rds.databases[cell.auroraClusterIdentifier]!.filter((d) => d.name === 'odoo_e2e_pooled')).toEqual([
      expect.objectContaining({ owner: expect.any(String), initialised: true }),
    ]);
    expect(region.rds.clusters.some((c) => c.identifier === 'odoo-e2e-pooled')).toBe(false);
    expect(region.eks.clusters.flatMap((c) => c.nodegroups).some((n) => n.name === 'odoo-e2e-pooled')).toBe(false);
    expect(region.kubernetes[cell.eksCluster]!['tenant-e2e-pooled']).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'Deployment' })]));
  });

  it('lists one tenant\'s resources with ?tenant=', async () => {
    const res = await api<{ tenantId: string; resources: TenantResource[] }>(plane, 'GET', '/_local/cloud?tenant=e2e-ded');

    expect(res.status).toBe(200);
    expect(res.body.resources.map((r) => r.type)).toEqual(expect.arrayContaining(['cluster', 'nodegroup', 'bucket', 'namespace', 'record']));
  });
});

describe('DELETE /v1/tenants/{tenantId}', () => {
  it('offboards a pooled and a dedicated tenant: 202, operation SUCCEEDED, DELETED, nothing left but retained backups', async () => {
    await Promise.all([create('e2e-gone-pooled', {}, 'carol'), create('e2e-gone-ded', dedicatedProfile, 'carol')]);

    const results = await Promise.all([offboard('e2e-gone-pooled', 'dave'), offboard('e2e-gone-ded', 'dave')]);

    for (const { started, ended } of results) {
      expect(started.tenant.status).toBe('OFFBOARDING');
      expect(started.operation).toMatchObject({ type: 'OFFBOARD', requestedBy: 'dave' });
      expect(ended.status).toBe('SUCCEEDED');
      expect(ended.steps.every((s) => s.status === 'SUCCEEDED' || s.status === 'SKIPPED')).toBe(true);
      const tenant = await api<Tenant>(plane, 'GET', `/v1/tenants/${started.tenant.tenantId}`);
      expect(tenant.body.status).toBe('DELETED');
      expect(tenant.body.lease).toBeUndefined();
      expect(leftovers(started.tenant.tenantId)).toEqual([]);
    }
    const changes = await api<Page<ChangeEvent>>(plane, 'GET', '/v1/tenants/e2e-gone-ded/changes?limit=1');
    expect(changes.body.items[0]).toMatchObject({ actor: 'dave' });
    const deleted = await api<Page<Tenant>>(plane, 'GET', '/v1/tenants?status=DELETED');
    expect(deleted.body.items.map((t) => t.tenantId).sort()).toEqual(['e2e-gone-ded', 'e2e-gone-pooled']);
    expect(plane.sim.inventoryForTenant('e2e-gone-ded', { includeRetained: true }).some((r) => r.retained && r.type === 'cluster-snapshot')).toBe(true);
  });

  it('leaves the other tenants as they were', async () => {
    expect(leftovers('e2e-pooled').length).toBeGreaterThan(0);
    expect((await api<Tenant>(plane, 'GET', '/v1/tenants/e2e-ded')).body.status).toBe('ACTIVE');
  });
});
