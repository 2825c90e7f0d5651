import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as createDrill } from '#functions/api/create-drill.ts';
import { handler as createTenant } from '#functions/api/create-tenant.ts';
import { handler as listDrills } from '#functions/api/list-drills.ts';
import { ALICE, DRILL_ARN, invoke, startApiHarness, tenantBody } from './harness.ts';

type Harness = Awaited<ReturnType<typeof startApiHarness>>;
let h: Harness;

beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(() => h.close());
beforeEach(() => h.fresh());

const post = (tenantId: string, body?: unknown, headers: Record<string, string> = {}) =>
  invoke(createDrill, { method: 'POST', path: `/v1/tenants/${tenantId}/drills`, resource: '/v1/tenants/{tenantId}/drills', pathParameters: { tenantId }, body, headers });
const list = (tenantId: string) => invoke(listDrills, { method: 'GET', path: `/v1/tenants/${tenantId}/drills`, resource: '/v1/tenants/{tenantId}/drills', pathParameters: { tenantId } });

const drillStarts = () => h.sfn.starts().filter((s) => s.stateMachineArn === DRILL_ARN);

/** A tenant whose provisioning has finished: ACTIVE with a database, lease given back. */
async function activeTenant(tenantId: string): Promise<void> {
  const created = await invoke(createTenant, { method: 'POST', path: '/v1/tenants', body: tenantBody(tenantId) });
  const repo = h.repo();
  const tenant = await repo.requireTenant(tenantId);
  await repo.updateTenant(
    tenantId,
    tenant.version,
    (t) => ({ ...t, status: 'ACTIVE', resources: { ...t.resources, database: { kind: 'pooled', clusterIdentifier: 'odoo-cell-a', databaseName: `odoo_${tenantId}`, roleName: 'r', secretArn: 'arn:s' } } }),
    { actor: 'workflow', type: 'TenantActivated' },
  );
  await repo.releaseLease(tenantId, created.body.operation.operationId);
}

describe('POST /v1/tenants/{tenantId}/drills', () => {
  it('reserves the drill (lock, operation, record) and starts its workflow under a deterministic name', async () => {
    await activeTenant('acme');
    const res = await post('acme');
    expect(res.status).toBe(202);
    const { drill, operation } = res.body;
    const name = `acme-drill-${drill.drillId}`;
    expect(drill).toMatchObject({ tenantId: 'acme', drillId: operation.operationId, status: 'REQUESTED', trigger: 'on-demand', requestedBy: ALICE, cleanedUp: false, checks: [] });
    expect(operation).toMatchObject({ type: 'DRILL', status: 'RUNNING', executionArn: `arn:aws:states:eu-west-1:123456789012:execution:odoo-fleet-drill:${name}` });
    expect(h.sfn.starts().at(-1)).toEqual({ stateMachineArn: DRILL_ARN, name, input: JSON.stringify({ tenantId: 'acme', operationId: drill.drillId, drillId: drill.drillId, actor: ALICE }) });
    const tenant = await h.repo().requireTenant('acme');
    expect(tenant.drillLock?.drillId).toBe(drill.drillId);
    expect(tenant.lease).toBeUndefined();
    expect((await list('acme')).body.items.map((d: { drillId: string }) => d.drillId)).toEqual([drill.drillId]);
  });

  it('answers a replayed request (same Idempotency-Key) with the first drill and starts nothing new', async () => {
    await activeTenant('acme');
    const first = await post('acme', undefined, { 'idempotency-key': 'k1' });
    const again = await post('acme', undefined, { 'idempotency-key': 'k1' });
    expect(again.status).toBe(202);
    expect(again.body.drill.drillId).toBe(first.body.drill.drillId);
    expect(drillStarts()).toHaveLength(1);
  });

  it('answers 409 for a tenant with nothing to restore yet, and writes nothing', async () => {
    await invoke(createTenant, { method: 'POST', path: '/v1/tenants', body: tenantBody('newco') });
    const res = await post('newco');
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('newco is PROVISIONING');
    expect((await list('newco')).body.items).toEqual([]);
    expect((await h.repo().requireTenant('newco')).drillLock).toBeUndefined();
  });

  it('records the drill FAILED and gives the lock back when its workflow cannot be started', async () => {
    await activeTenant('acme');
    h.sfn.failNextStart(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const res = await post('acme');
    expect(res.status).toBe(429);
    const [drill] = (await list('acme')).body.items;
    expect(drill).toMatchObject({ status: 'COMPLETED', outcome: 'FAILED', cleanedUp: true, reason: expect.stringContaining('could not be started: ThrottlingException') });
    expect((await h.repo().requireTenant('acme')).drillLock).toBeUndefined();
    expect(await h.repo().getOperation(drill.drillId)).toMatchObject({ status: 'FAILED', error: { code: 'WorkflowNotStarted' } });
    // And a new drill may start at once.
    expect((await post('acme')).status).toBe(202);
  });

  it('refuses a restore time in the future or beyond any retention with 400 naming the field', async () => {
    await activeTenant('acme');
    const future = await post('acme', { restoreTime: '2999-01-01T00:00:00Z' });
    expect(future.status).toBe(400);
    expect(future.body.error.details).toEqual([{ path: 'restoreTime', message: expect.stringContaining('in the future') }]);
    const ancient = await post('acme', { restoreTime: '2001-01-01T00:00:00Z' });
    expect(ancient.status).toBe(400);
    expect(ancient.body.error.message).toContain('35 days');
    expect(drillStarts()).toHaveLength(0);
  });
});
