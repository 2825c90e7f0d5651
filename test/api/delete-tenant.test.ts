import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as createTenant } from '#functions/api/create-tenant.ts';
import { handler as deleteTenant } from '#functions/api/delete-tenant.ts';
import { ALICE, OFFBOARD_ARN, invoke, startApiHarness, tenantBody } from './harness.ts';

type Harness = Awaited<ReturnType<typeof startApiHarness>>;
let h: Harness;

beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(() => h.close());
beforeEach(() => h.fresh());

const del = (tenantId: string, headers: Record<string, string> = {}) =>
  invoke(deleteTenant, { method: 'DELETE', path: `/v1/tenants/${tenantId}`, resource: '/v1/tenants/{tenantId}', pathParameters: { tenantId }, headers });

/** A tenant whose provisioning has finished: ACTIVE, lease given back. */
async function activeTenant(tenantId: string): Promise<void> {
  const created = await invoke(createTenant, { method: 'POST', path: '/v1/tenants', body: tenantBody(tenantId) });
  const repo = h.repo();
  const tenant = await repo.requireTenant(tenantId);
  await repo.updateTenant(tenantId, tenant.version, (t) => ({ ...t, status: 'ACTIVE' }), { actor: 'workflow', type: 'TenantActivated' });
  await repo.releaseLease(tenantId, created.body.operation.operationId);
}

describe('DELETE /v1/tenants/{tenantId}', () => {
  it('moves an active tenant to OFFBOARDING under a new operation and starts offboarding', async () => {
    await activeTenant('acme');

    const res = await del('acme');

    expect(res.status).toBe(202);
    const { tenant, operation } = res.body;
    expect(tenant).toMatchObject({ tenantId: 'acme', status: 'OFFBOARDING' });
    const executionName = `acme-offboard-${operation.operationId}`;
    expect(operation).toMatchObject({
      type: 'OFFBOARD',
      status: 'RUNNING',
      requestedBy: ALICE,
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:odoo-fleet-offboard:${executionName}`,
    });
    const repo = h.repo();
    expect(await repo.getTenant('acme')).toMatchObject({ status: 'OFFBOARDING', lease: { owner: operation.operationId } });
    expect(await repo.getOperation(operation.operationId)).toMatchObject({ type: 'OFFBOARD', status: 'RUNNING' });
    expect((await repo.listChanges('acme')).items[0]).toMatchObject({ type: 'OffboardingRequested', actor: ALICE, operationId: operation.operationId });
    expect(h.sfn.starts().at(-1)).toEqual({
      stateMachineArn: OFFBOARD_ARN,
      name: executionName,
      input: JSON.stringify({ tenantId: 'acme', operationId: operation.operationId, actor: ALICE }),
    });
  });

  it('answers 409 while another operation holds the tenant, and changes nothing', async () => {
    await activeTenant('acme');
    await h.repo().acquireLease('acme', 'op-drill', 3600);
    const startsBefore = h.sfn.starts().length;

    const res = await del('acme');

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/op-drill holds the tenant's lease/);
    expect(await h.repo().getTenant('acme')).toMatchObject({ status: 'ACTIVE', lease: { owner: 'op-drill' } });
    expect(h.sfn.starts()).toHaveLength(startsBefore);
  });

  it('answers 409 while the tenant is still provisioning', async () => {
    await invoke(createTenant, { method: 'POST', path: '/v1/tenants', body: tenantBody('acme') });

    const res = await del('acme');

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('Conflict');
    expect((await h.repo().requireTenant('acme')).status).toBe('PROVISIONING');
  });

  it('answers 409 to a second offboarding of the same tenant', async () => {
    await activeTenant('acme');
    await del('acme');

    const res = await del('acme');

    expect(res.status).toBe(409);
  });

  it('replays the first answer for the same Idempotency-Key', async () => {
    await activeTenant('acme');
    const key = { 'Idempotency-Key': 'offboard-acme' };

    const first = await del('acme', key);
    const again = await del('acme', key);

    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(h.sfn.starts().filter((s) => s.stateMachineArn === OFFBOARD_ARN)).toHaveLength(1);
  });

  it('answers 404 for a tenant that does not exist', async () => {
    const res = await del('ghost');

    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NotFound');
  });
});
