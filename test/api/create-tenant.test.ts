import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as createTenant } from '#functions/api/create-tenant.ts';
import { ALICE, PROVISION_ARN, invoke, startApiHarness, tenantBody, testFleetConfig } from './harness.ts';

type Harness = Awaited<ReturnType<typeof startApiHarness>>;
let h: Harness;

beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(() => h.close());
beforeEach(() => h.fresh());

const post = (body: unknown, headers: Record<string, string> = {}) => invoke(createTenant, { method: 'POST', path: '/v1/tenants', body, headers });

const stepFunctionsDown = () => Object.assign(new Error('Step Functions is unavailable'), { name: 'InternalFailure' });

const tenantIds = async () => (await h.repo().listTenants()).items.map((t) => t.tenantId);

describe('POST /v1/tenants', () => {
  it('answers 202 with the placed tenant and its running provisioning operation', async () => {
    // act
    const res = await post(tenantBody('acme'));

    // assess: the answer
    expect(res.status).toBe(202);
    const { tenant, operation } = res.body;
    expect(tenant).toMatchObject({
      tenantId: 'acme',
      status: 'PROVISIONING',
      hostname: 'acme.odoo.example.com',
      regions: { primary: 'eu-west-1', dr: 'eu-central-1' },
      activeRegion: 'eu-west-1',
      release: { image: 'registry.example.com/odoo:17.0', modules: [] },
      resources: {},
      lastDrill: null,
      version: 1,
      createdBy: ALICE,
      placement: { model: 'pooled', cell: 'cell-a', drPosture: 'backup-restore', rpoSeconds: 86400, rtoSeconds: 28800 },
    });
    expect(tenant.placement.reason).toMatch(/cell-a/);
    expect(tenant.lease.owner).toBe(operation.operationId);
    const executionName = `acme-provision-${operation.operationId}`;
    expect(operation).toMatchObject({
      type: 'PROVISION',
      tenantId: 'acme',
      status: 'RUNNING',
      requestedBy: ALICE,
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:odoo-fleet-provision:${executionName}`,
    });

    // assess: the records
    const repo = h.repo();
    expect(await repo.getTenant('acme')).toMatchObject({ status: 'PROVISIONING', placement: { model: 'pooled', cell: 'cell-a' } });
    expect(await repo.getOperation(operation.operationId)).toMatchObject({ status: 'RUNNING', executionArn: operation.executionArn });
    const changes = await repo.listChanges('acme');
    expect(changes.items.map((c) => [c.type, c.actor, c.operationId])).toEqual([['TenantCreated', ALICE, operation.operationId]]);
    expect(await repo.cellLoads(['cell-a', 'cell-b'])).toEqual({ 'cell-a': 1, 'cell-b': 0 });

    // assess: the workflow started once, named after tenant and operation
    expect(h.sfn.starts()).toEqual([
      { stateMachineArn: PROVISION_ARN, name: executionName, input: JSON.stringify({ tenantId: 'acme', operationId: operation.operationId, actor: ALICE }) },
    ]);
  });

  it('places a critical PCI tenant on a dedicated cluster and takes no cell slot', async () => {
    const res = await post(tenantBody('bank', { hostname: 'erp.bank.odoo.example.com', tags: ['canary'] }, { criticality: 'critical', compliance: ['PCI'], expectedUsers: 300 }));

    expect(res.status).toBe(202);
    expect(res.body.tenant).toMatchObject({
      hostname: 'erp.bank.odoo.example.com',
      tags: ['canary'],
      placement: { model: 'dedicated', cell: null, cluster: 'eks-dedicated-1', drPosture: 'warm-standby' },
    });
    expect(await h.repo().cellLoads(['cell-a', 'cell-b'])).toEqual({ 'cell-a': 0, 'cell-b': 0 });
  });

  it('replays the first answer for the same Idempotency-Key and body, starting nothing new', async () => {
    const key = { 'Idempotency-Key': 'create-acme-1' };
    const first = await post(tenantBody('acme'), key);

    // Same body, other key order and spacing: the same request.
    const again = await post(JSON.stringify({ profile: { expectedUsers: 20, compliance: [], customization: 'light', criticality: 'low' }, odooVersion: '17.0', displayName: 'Tenant acme', tenantId: 'acme' }), key);

    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(h.sfn.starts()).toHaveLength(1);
    expect(await tenantIds()).toEqual(['acme']);
  });

  it('names the operation after the Idempotency-Key, so its execution name is deterministic', async () => {
    const first = await post(tenantBody('acme'), { 'Idempotency-Key': 'k-1' });

    expect(first.body.operation.operationId).toMatch(/^op-[0-9a-z]{26}$/);
    expect(h.sfn.starts()[0]!.name).toBe(`acme-provision-${first.body.operation.operationId}`);
  });

  it('refuses the same Idempotency-Key with another body with 409 and changes nothing', async () => {
    await post(tenantBody('acme'), { 'Idempotency-Key': 'k-1' });

    const res = await post(tenantBody('other'), { 'Idempotency-Key': 'k-1' });

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'Conflict', details: [{ path: 'Idempotency-Key' }] });
    expect(await tenantIds()).toEqual(['acme']);
    expect(h.sfn.starts()).toHaveLength(1);
  });

  it('keeps Idempotency-Keys apart per caller', async () => {
    await post(tenantBody('acme'), { 'Idempotency-Key': 'k-1' });

    const res = await invoke(createTenant, { method: 'POST', path: '/v1/tenants', body: tenantBody('bravo'), headers: { 'Idempotency-Key': 'k-1' }, userArn: 'arn:aws:iam::123456789012:user/bob' });

    expect(res.status).toBe(202);
    expect(await tenantIds()).toEqual(['acme', 'bravo']);
  });

  it('converges when a request that failed half-way is retried with its Idempotency-Key', async () => {
    // prepare: the first attempt records the tenant and operation, then Step Functions is unavailable
    h.sfn.failNextStart(stepFunctionsDown());
    const failed = await post(tenantBody('acme'), { 'Idempotency-Key': 'k-1' });
    expect(failed.status).toBe(500);
    expect(failed.body.error.code).toBe('InternalError');

    // act
    const retried = await post(tenantBody('acme'), { 'Idempotency-Key': 'k-1' });

    // assess: one tenant, one slot, one operation, now running
    expect(retried.status).toBe(202);
    const repo = h.repo();
    expect(await tenantIds()).toEqual(['acme']);
    expect(await repo.cellLoads(['cell-a', 'cell-b'])).toEqual({ 'cell-a': 1, 'cell-b': 0 });
    expect(await repo.getOperation(retried.body.operation.operationId)).toMatchObject({ status: 'RUNNING' });
    expect(h.sfn.starts().map((s) => s.name)).toEqual([`acme-provision-${retried.body.operation.operationId}`, `acme-provision-${retried.body.operation.operationId}`]);
  });

  it('ends the operation and fails the tenant when the workflow cannot start and no key allows a retry', async () => {
    h.sfn.failNextStart(stepFunctionsDown());

    const res = await post(tenantBody('acme'));

    expect(res.status).toBe(500);
    const repo = h.repo();
    const tenant = await repo.requireTenant('acme');
    expect(tenant.status).toBe('FAILED');
    expect(tenant.lease).toBeUndefined();
    expect(await repo.cellLoads(['cell-a'])).toEqual({ 'cell-a': 0 });
  });

  it('rejects invalid input with 400, field by field, and writes nothing', async () => {
    const res = await post({
      tenantId: 'A!',
      displayName: '',
      odooVersion: '12.0',
      profile: { criticality: 'urgent', customization: 'light', compliance: ['pci'], expectedUsers: 0 },
      tags: ['Bad Tag'],
    });

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ValidationError');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['tenantId', 'displayName', 'odooVersion', 'profile.criticality', 'profile.compliance.0', 'profile.expectedUsers', 'tags.0']),
    );
    expect(await tenantIds()).toEqual([]);
    expect(h.sfn.starts()).toEqual([]);
  });

  it('names an unknown field in a 400', async () => {
    const res = await post({ ...tenantBody('acme'), colour: 'blue', profile: { ...tenantBody('acme').profile, tier: 'gold' } });

    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'colour', message: 'is not a known field' },
        { path: 'profile.tier', message: 'is not a known field' },
      ]),
    );
    expect(await tenantIds()).toEqual([]);
  });

  it('refuses regions other than the fleet\'s with 400', async () => {
    const res = await post(tenantBody('acme', { regions: { primary: 'us-east-1', dr: 'eu-central-1' } }));

    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'regions.primary', message: expect.stringContaining('eu-west-1') }]);
  });

  it('answers 413 to a body over 64 KiB', async () => {
    const res = await post({ ...tenantBody('acme'), displayName: 'x'.repeat(70 * 1024) });

    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PayloadTooLarge');
    expect(await tenantIds()).toEqual([]);
  });

  it('answers 415 to a body that is not JSON and 400 to malformed JSON', async () => {
    const form = await post('tenantId=acme', { 'Content-Type': 'application/x-www-form-urlencoded' });
    const broken = await post('{"tenantId": "acme",', {});

    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('UnsupportedMediaType');
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toMatch(/not valid JSON/);
  });

  it('answers 409 when the tenant id is taken, and leaves the first tenant and the cells as they were', async () => {
    const first = await post(tenantBody('acme'));

    const res = await post(tenantBody('acme', { displayName: 'Impostor' }));

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'Conflict', details: [{ path: 'tenantId', message: 'is taken' }] });
    expect(await h.repo().getTenant('acme')).toMatchObject({ displayName: 'Tenant acme', lease: { owner: first.body.operation.operationId } });
    expect(await h.repo().cellLoads(['cell-a', 'cell-b'])).toEqual({ 'cell-a': 1, 'cell-b': 0 });
  });

  it('answers 409 when the host name is taken, and gives back the cell slot it took', async () => {
    await post(tenantBody('acme', { hostname: 'erp.odoo.example.com' }));

    const res = await post(tenantBody('bravo', { hostname: 'ERP.odoo.example.com' }));

    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual([{ path: 'hostname', message: 'is taken' }]);
    expect(await tenantIds()).toEqual(['acme']);
    expect(await h.repo().cellLoads(['cell-a', 'cell-b'])).toEqual({ 'cell-a': 1, 'cell-b': 0 });
    expect(h.sfn.starts()).toHaveLength(1);
  });

  it('answers 400 for a host name outside the fleet zone, before anything is made', async () => {
    const res = await post(tenantBody('acme', { hostname: 'erp.acme-corp.test' }));

    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'hostname', message: expect.stringContaining('odoo.example.com') }]);
    expect(await tenantIds()).toEqual([]);
    expect(h.sfn.starts()).toHaveLength(0);
  });

  it('spreads pooled tenants over the least-loaded cells and answers 409 with the reason when all are full', async () => {
    await h.fresh(testFleetConfig(1));
    await post(tenantBody('acme'));
    await post(tenantBody('bravo'));

    const res = await post(tenantBody('charlie'));

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('PlacementUnavailable');
    expect(res.body.error.message).toMatch(/cell-a is full.*cell-b is full/);
    expect(await tenantIds()).toEqual(['acme', 'bravo']);
  });
});
