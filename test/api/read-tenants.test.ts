import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as createTenant } from '#functions/api/create-tenant.ts';
import { handler as getOperation } from '#functions/api/get-operation.ts';
import { handler as getTenant } from '#functions/api/get-tenant.ts';
import { handler as listTenantChanges } from '#functions/api/list-tenant-changes.ts';
import { handler as listTenants } from '#functions/api/list-tenants.ts';
import { invoke, startApiHarness, tenantBody } from './harness.ts';

type Harness = Awaited<ReturnType<typeof startApiHarness>>;
let h: Harness;

beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(() => h.close());
beforeEach(() => h.fresh());

const create = (tenantId: string, profile: Record<string, unknown> = {}) =>
  invoke(createTenant, { method: 'POST', path: '/v1/tenants', body: tenantBody(tenantId, {}, profile) });
const list = (query: Record<string, string> = {}) => invoke(listTenants, { method: 'GET', path: '/v1/tenants', query });
const get = (tenantId: string) =>
  invoke(getTenant, { method: 'GET', path: `/v1/tenants/${tenantId}`, resource: '/v1/tenants/{tenantId}', pathParameters: { tenantId } });
const changes = (tenantId: string, query: Record<string, string> = {}) =>
  invoke(listTenantChanges, { method: 'GET', path: `/v1/tenants/${tenantId}/changes`, resource: '/v1/tenants/{tenantId}/changes', pathParameters: { tenantId }, query });
const operation = (operationId: string) =>
  invoke(getOperation, { method: 'GET', path: `/v1/operations/${operationId}`, resource: '/v1/operations/{operationId}', pathParameters: { operationId } });

describe('GET /v1/tenants/{tenantId}', () => {
  it('returns the tenant with its placement, release and version', async () => {
    await create('acme');

    const res = await get('acme');

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenantId: 'acme', status: 'PROVISIONING', placement: { model: 'pooled' }, release: { image: 'registry.example.com/odoo:17.0' }, version: 1 });
  });

  it('answers 404 with the error envelope for a tenant that does not exist', async () => {
    const res = await get('ghost');

    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NotFound', message: 'Tenant ghost not found', details: [] } });
  });

  it('answers 400 for a path that cannot be a tenant id', async () => {
    const res = await get('Not_An_Id');

    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('tenantId');
  });
});

describe('GET /v1/tenants', () => {
  it('pages through the tenants with nextCursor', async () => {
    for (const id of ['acme', 'bravo', 'charlie']) await create(id);

    const first = await list({ limit: '2' });
    const second = await list({ limit: '2', cursor: first.body.nextCursor });

    expect(first.status).toBe(200);
    expect(first.body.items.map((t: { tenantId: string }) => t.tenantId)).toEqual(['acme', 'bravo']);
    expect(second.body.items.map((t: { tenantId: string }) => t.tenantId)).toEqual(['charlie']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('filters by criticality and model', async () => {
    await create('acme');
    await create('bank', { criticality: 'critical', compliance: ['PCI'] });

    const dedicated = await list({ model: 'dedicated' });
    const low = await list({ criticality: 'low', status: 'PROVISIONING' });

    expect(dedicated.body.items.map((t: { tenantId: string }) => t.tenantId)).toEqual(['bank']);
    expect(low.body.items.map((t: { tenantId: string }) => t.tenantId)).toEqual(['acme']);
  });

  it('answers 400 to a cursor it did not hand out', async () => {
    const res = await list({ cursor: 'bm90LWEtY3Vyc29y' });

    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'cursor' })]);
  });

  it('answers 400 to an unknown filter, an unknown status and a limit out of range', async () => {
    const typo = await list({ stauts: 'ACTIVE' });
    const status = await list({ status: 'RUNNING' });
    const limit = await list({ limit: '0' });

    expect(typo.status).toBe(400);
    expect(typo.body.error.details).toEqual([{ path: 'stauts', message: 'is not a known field' }]);
    expect(status.body.error.details[0].path).toBe('status');
    expect(limit.body.error.details[0].path).toBe('limit');
  });
});

describe('GET /v1/tenants/{tenantId}/changes', () => {
  it('lists the change events newest first', async () => {
    const created = await create('acme');
    const repo = h.repo();
    await repo.updateTenant('acme', 1, (t) => ({ ...t, status: 'ACTIVE' }), { actor: 'workflow', type: 'TenantActivated' });

    const res = await changes('acme');

    expect(res.status).toBe(200);
    expect(res.body.items.map((c: { type: string }) => c.type)).toEqual(['TenantActivated', 'TenantCreated']);
    expect(res.body.items[1]).toMatchObject({ operationId: created.body.operation.operationId });
  });

  it('answers 404 for a tenant that does not exist', async () => {
    expect((await changes('ghost')).status).toBe(404);
  });
});

describe('GET /v1/operations/{operationId}', () => {
  it('returns the operation and its steps', async () => {
    const created = await create('acme');
    await h.repo().recordStep(created.body.operation.operationId, { name: 'EnsureTenantDatabase', status: 'RUNNING', at: new Date().toISOString() });

    const res = await operation(created.body.operation.operationId);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'PROVISION', status: 'RUNNING', steps: [{ name: 'EnsureTenantDatabase', status: 'RUNNING' }] });
  });

  it('answers 404 for an operation that does not exist', async () => {
    expect((await operation('op-nothing')).status).toBe(404);
  });
});
