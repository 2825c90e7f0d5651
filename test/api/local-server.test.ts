import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '#local/server.ts';
import { startApiHarness, tenantBody } from './harness.ts';

type Harness = Awaited<ReturnType<typeof startApiHarness>>;
let h: Harness;
let server: ApiServer;
const extraCalls: string[] = [];

beforeAll(async () => {
  h = await startApiHarness();
  server = await startApiServer({
    port: 0,
    extraRoutes: async (req, res, url) => {
      if (!url.pathname.startsWith('/_local/')) return false;
      extraCalls.push(`${req.method} ${url.pathname}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"local":true}');
      return true;
    },
  });
});
afterAll(async () => {
  await server.close();
  await h.close();
});
beforeEach(async () => {
  await h.fresh();
  process.env.FLEET_LOCAL = '1';
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe('startApiServer', () => {
  it('listens on the loopback interface and answers /health', async () => {
    const res = await call('GET', '/health');

    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('refuses to listen anywhere but the loopback interface', async () => {
    await expect(startApiServer({ port: 0, host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });

  it('serves the API handlers, with path and query parameters and X-Actor as the caller', async () => {
    const created = await call('POST', '/v1/tenants', tenantBody('acme'), { 'X-Actor': 'sre-bob' });
    const fetched = await call('GET', '/v1/tenants/acme');
    const listed = await call('GET', '/v1/tenants?criticality=low&limit=1');
    const operation = await call('GET', `/v1/operations/${created.body.operation.operationId}`);

    expect(created.status).toBe(202);
    expect(created.body.operation.requestedBy).toBe('sre-bob');
    expect(created.headers.get('x-request-id')).toBeTruthy();
    expect(fetched).toMatchObject({ status: 200, body: { tenantId: 'acme', createdBy: 'sre-bob' } });
    expect(listed.body.items.map((t: { tenantId: string }) => t.tenantId)).toEqual(['acme']);
    expect(operation).toMatchObject({ status: 200, body: { type: 'PROVISION' } });
  });

  it('passes the handler\'s errors through: 404 for a missing tenant, 400 for bad input', async () => {
    const missing = await call('GET', '/v1/tenants/ghost');
    const invalid = await call('POST', '/v1/tenants', { tenantId: 'x' });

    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'NotFound' } } });
    expect(invalid.status).toBe(400);
  });

  it('answers 404 to an unknown path and 405 to a method the path does not take', async () => {
    const unknown = await call('GET', '/v2/nothing');
    const wrongMethod = await call('PUT', '/v1/tenants', {});

    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'NotFound' } } });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
  });

  it('answers 413 to a body over 1 MiB without handing it to a handler', async () => {
    const res = await call('POST', '/v1/tenants', JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) }));

    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PayloadTooLarge');
    expect((await h.repo().listTenants()).items).toEqual([]);
  });

  it('hands local-only paths to the extra routes', async () => {
    const res = await call('GET', '/_local/cloud');

    expect(res.body).toEqual({ local: true });
    expect(extraCalls).toContain('GET /_local/cloud');
  });
});
