/**
 * What the local API refuses, and that a refusal changes nothing: a second operation on a busy
 * tenant, bad input, taken ids and host names, Idempotency-Key reuse, oversized bodies, unknown
 * records, damaged cursors and invalid fault rules. Every refusal has the contract's envelope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import type { ErrorDetail } from '#shared/lib/errors.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { api, type ApiAnswer, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;

beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

interface Refusal {
  error: { code: string; message: string; details: ErrorDetail[] };
}
interface Started {
  tenant: Tenant;
  operation: Operation;
}

/** The contract's error envelope, with the status and code expected. */
function expectRefusal(res: ApiAnswer<unknown>, status: number, code: string): Refusal['error'] {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  const { error } = res.body as Refusal;
  expect(error).toEqual({ code, message: expect.any(String), details: expect.any(Array) });
  expect(error.message.length).toBeGreaterThan(0);
  for (const d of error.details) expect(d).toEqual({ path: expect.any(String), message: expect.any(String) });
  return error;
}

const executionsOf = (tenantId: string, kind: 'provision' | 'offboard') => plane.runner.listExecutions().filter((e) => e.name.startsWith(`${tenantId}-${kind}-`));

async function provisioned(tenantId: string, extra: Record<string, unknown> = {}): Promise<Started> {
  const res = await api<Started>(plane, 'POST', '/v1/tenants', tenantBody(tenantId, {}, extra));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const op = await waitForOperation(plane, res.body.operation.operationId);
  expect(op.status, JSON.stringify(op)).toBe('SUCCEEDED');
  return res.body;
}

/** Everything a request could have written: tenant records, workflow executions, cell slots, the simulated cloud. */
async function everything() {
  await plane.runner.idle();
  const tenants = await api<{ items: Tenant[] }>(plane, 'GET', '/v1/tenants?limit=100');
  const inventory = plane.sim.inventory();
  const regions = Object.fromEntries(Object.entries(inventory.regions).map(([name, r]) => [name, { ...r, metrics: [] }]));
  return {
    tenants: tenants.body.items.map((t) => `${t.tenantId} ${t.status} v${t.version}`).sort(),
    executions: plane.runner.listExecutions().length,
    cells: await plane.repo.cellLoads(plane.config.cells.map((c) => c.id)),
    // The replication lag of the DR copies moves with the clock by itself; what matters is what exists.
    cloud: JSON.stringify({ regions, route53: inventory.route53, iam: inventory.iam }).replace(/"replicationLagMs":\d+/g, '"replicationLagMs":"…"'),
  };
}

describe('A second operation on a busy tenant', () => {
  it('is refused with 409 while the tenant is provisioning, and the provisioning carries on', async () => {
    // A crash-looping image keeps the health check polling: the tenant stays PROVISIONING meanwhile.
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'kubernetes', effect: 'crash-loop', image: 'odoo:17.0' }] });
    let created: ApiAnswer<Started>;
    let refused: ApiAnswer<unknown>;
    try {
      created = await api<Started>(plane, 'POST', '/v1/tenants', tenantBody('cf-busy'));
      refused = await api(plane, 'DELETE', '/v1/tenants/cf-busy');
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
    const op = await waitForOperation(plane, created.body.operation.operationId);

    expect(created.status).toBe(202);
    const error = expectRefusal(refused, 409, 'Conflict');
    expect(error.details).toEqual([{ path: 'status', message: 'PROVISIONING' }]);
    expect(op.status).toBe('SUCCEEDED');
    expect((await api<Tenant>(plane, 'GET', '/v1/tenants/cf-busy')).body.status).toBe('ACTIVE');
    expect(executionsOf('cf-busy', 'offboard')).toEqual([]);
  });

  it('is refused with 409 while the tenant is offboarding; the same request again (same key) gets the same operation', async () => {
    await provisioned('cf-leaving');

    const first = await api<Started>(plane, 'DELETE', '/v1/tenants/cf-leaving', undefined, { 'idempotency-key': 'cf-del-1' });
    const second = await api(plane, 'DELETE', '/v1/tenants/cf-leaving');
    const replay = await api<Started>(plane, 'DELETE', '/v1/tenants/cf-leaving', undefined, { 'idempotency-key': 'cf-del-1' });
    const op = await waitForOperation(plane, first.body.operation.operationId);
    const afterwards = await api(plane, 'DELETE', '/v1/tenants/cf-leaving');

    expect(first.status).toBe(202);
    expect(expectRefusal(second, 409, 'Conflict').details).toEqual([{ path: 'status', message: 'OFFBOARDING' }]);
    expect(replay.status).toBe(202);
    expect(replay.body.operation.operationId).toBe(first.body.operation.operationId);
    expect(op.status).toBe('SUCCEEDED');
    expect(expectRefusal(afterwards, 409, 'Conflict').details).toEqual([{ path: 'status', message: 'DELETED' }]);
    expect(executionsOf('cf-leaving', 'offboard')).toHaveLength(1);
    expect((await api<Tenant>(plane, 'GET', '/v1/tenants/cf-leaving')).body.status).toBe('DELETED');
  });
});

describe('Bad input', () => {
  const { profile: _omitted, ...withoutProfile } = tenantBody('cf-bad-profile');
  const cases: Array<{ label: string; tenantId?: string; body: unknown; paths: string[] }> = [
    { label: 'a missing profile', tenantId: 'cf-bad-profile', body: withoutProfile, paths: ['profile'] },
    { label: 'a tenantId that breaks the pattern', body: tenantBody('Bad_Id!'), paths: ['tenantId'] },
    { label: 'an unknown field', tenantId: 'cf-bad-field', body: { ...tenantBody('cf-bad-field'), colour: 'red' }, paths: ['colour'] },
    { label: 'an unknown profile field', tenantId: 'cf-bad-nested', body: tenantBody('cf-bad-nested', { tier: 'gold' } as never), paths: ['profile.tier'] },
    {
      label: 'wrong types',
      tenantId: 'cf-bad-types',
      body: { ...tenantBody('cf-bad-types', { expectedUsers: 'many', compliance: 'PCI' } as never), odooVersion: 17 },
      paths: ['profile.expectedUsers', 'profile.compliance', 'odooVersion'],
    },
    { label: 'a body that is not JSON', body: '{"tenantId": "cf-bad-json",', paths: ['body'] },
  ];

  it.each(cases)('is a 400 naming each offending field, and writes nothing: $label', async ({ tenantId, body, paths }) => {
    const before = await everything();

    const res = await api(plane, 'POST', '/v1/tenants', body);

    const error = expectRefusal(res, 400, 'ValidationError');
    expect(error.details.map((d) => d.path).sort()).toEqual([...paths].sort());
    expect(await everything()).toEqual(before);
    if (tenantId) {
      expect((await api(plane, 'GET', `/v1/tenants/${tenantId}`)).status).toBe(404);
      expect((await plane.repo.listOperationsByTenant(tenantId)).items).toEqual([]);
    }
  });

  it('names the offending query parameters of a list', async () => {
    const res = await api(plane, 'GET', '/v1/tenants?status=HAPPY&limit=0&colour=red');

    const error = expectRefusal(res, 400, 'ValidationError');
    expect(error.details.map((d) => d.path).sort()).toEqual(['colour', 'limit', 'status']);
  });
});

describe('Taken names', () => {
  it('refuses a tenant id already taken with 409, leaving the first tenant as it was', async () => {
    const { tenant } = await provisioned('cf-taken');
    const before = await everything();

    const res = await api(plane, 'POST', '/v1/tenants', tenantBody('cf-taken', { criticality: 'standard' }, { displayName: 'Someone else' }));

    expect(expectRefusal(res, 409, 'Conflict').details).toEqual([{ path: 'tenantId', message: 'is taken' }]);
    expect(await everything()).toEqual(before);
    expect((await api<Tenant>(plane, 'GET', '/v1/tenants/cf-taken')).body).toMatchObject({ displayName: tenant.displayName, profile: tenant.profile });
  });

  it('refuses a host name already taken (whatever its case) with 409, and keeps no record of the refused tenant', async () => {
    await provisioned('cf-host-a', { hostname: 'erp.odoo.local.test' });
    const before = await everything();

    const res = await api(plane, 'POST', '/v1/tenants', tenantBody('cf-host-b', {}, { hostname: 'ERP.Odoo.local.test' }));

    expect(expectRefusal(res, 409, 'Conflict').details).toEqual([{ path: 'hostname', message: 'is taken' }]);
    expect(await everything()).toEqual(before);
    expect((await api(plane, 'GET', '/v1/tenants/cf-host-b')).status).toBe(404);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same key and body, and starts no second execution', async () => {
    const headers = { 'idempotency-key': 'cf-create-1', 'x-actor': 'erin' };
    const first = await api<Started>(plane, 'POST', '/v1/tenants', tenantBody('cf-idem'), headers);
    await waitForOperation(plane, first.body.operation.operationId);

    const replay = await api<Started>(plane, 'POST', '/v1/tenants', tenantBody('cf-idem'), headers);

    expect(first.status).toBe(202);
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual(first.body);
    expect(executionsOf('cf-idem', 'provision')).toHaveLength(1);
    expect((await plane.repo.listOperationsByTenant('cf-idem')).items).toHaveLength(1);
  });

  it('refuses the same key with another body with 409, and writes nothing', async () => {
    const before = await everything();

    const res = await api(plane, 'POST', '/v1/tenants', tenantBody('cf-idem-other'), { 'idempotency-key': 'cf-create-1', 'x-actor': 'erin' });

    expect(expectRefusal(res, 409, 'Conflict').details).toEqual([{ path: 'Idempotency-Key', message: expect.any(String) }]);
    expect(await everything()).toEqual(before);
    expect((await api(plane, 'GET', '/v1/tenants/cf-idem-other')).status).toBe(404);
  });
});

describe('Oversized bodies', () => {
  it.each([
    { label: 'over the handler limit (64 KiB)', size: 100_000 },
    { label: 'over the server limit (1 MiB)', size: 1_500_000 },
  ])('are refused with 413 and write nothing: $label', async ({ size }) => {
    const before = await everything();

    const res = await api(plane, 'POST', '/v1/tenants', tenantBody('cf-big', {}, { displayName: 'x'.repeat(size) }));

    expectRefusal(res, 413, 'PayloadTooLarge');
    expect(await everything()).toEqual(before);
    expect((await api(plane, 'GET', '/v1/tenants/cf-big')).status).toBe(404);
  });
});

describe('Unknown records', () => {
  it.each([
    ['GET', '/v1/tenants/nobody-here'],
    ['DELETE', '/v1/tenants/nobody-here'],
    ['GET', '/v1/tenants/nobody-here/changes'],
    ['GET', '/v1/operations/op-00000000000000000000000000'],
    ['GET', '/v1/nothing-here'],
  ])('%s %s is a 404', async (method, path) => {
    expectRefusal(await api(plane, method, path), 404, 'NotFound');
  });
});

describe('Cursors', () => {
  it('refuses a damaged cursor, or one from another query, with 400 naming the cursor', async () => {
    await provisioned('cf-page-1');
    await provisioned('cf-page-2');
    const page = await api<{ nextCursor: string | null }>(plane, 'GET', '/v1/tenants?limit=1');
    const cursor = page.body.nextCursor!;

    const damaged = await api(plane, 'GET', '/v1/tenants?cursor=not-a-cursor');
    const foreign = await api(plane, 'GET', `/v1/tenants?status=ACTIVE&cursor=${encodeURIComponent(cursor)}`);
    const elsewhere = await api(plane, 'GET', `/v1/tenants/cf-page-1/changes?cursor=${encodeURIComponent(cursor)}`);

    expect(cursor).toEqual(expect.any(String));
    for (const res of [damaged, foreign, elsewhere]) expect(expectRefusal(res, 400, 'ValidationError').details).toEqual([{ path: 'cursor', message: expect.any(String) }]);
  });
});

describe('Local routes', () => {
  it('GET /health answers 200 {status: ok}', async () => {
    const res = await api(plane, 'GET', '/health');

    expect(res).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('POST /_local/faults with invalid rules is a 400 naming each field, and keeps the rules in force', async () => {
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'rds', rate: 0.1 }] });
    try {
      const res = await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'nope', rate: 2 }, { service: 'kubernetes', effect: 'crash-loop' }] });
      const missing = await api(plane, 'POST', '/_local/faults', { rule: [] });
      const rules = await api<{ rules: Array<{ service: string }> }>(plane, 'GET', '/_local/faults');

      const error = expectRefusal(res, 400, 'ValidationError');
      expect(error.details.map((d) => d.path).sort()).toEqual(['rules.0.rate', 'rules.0.service', 'rules.1.image']);
      expect(expectRefusal(missing, 400, 'ValidationError').details).toEqual([{ path: 'rules', message: expect.any(String) }]);
      expect(rules.body.rules).toEqual([expect.objectContaining({ service: 'rds', rate: 0.1 })]);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });
});
