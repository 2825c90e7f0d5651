import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpOdooProbe } from '#shared/cloud/http-probe.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server | undefined;

/** A stand-in for the tenant's Odoo behind Traefik; the probe reaches it as `http://127.0.0.1:<port>`. */
async function odoo(handler: Handler, timeoutMs = 10_000): Promise<{ probe: ReturnType<typeof httpOdooProbe>; seen: { method: string; url: string; body: string }[] }> {
  const seen: { method: string; url: string; body: string }[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { probe: httpOdooProbe({ timeoutMs, baseUrl: () => `http://127.0.0.1:${port}` }), seen };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

describe('httpOdooProbe.health', () => {
  it('passes when /web/health answers 200 with status pass', async () => {
    // prepare
    const { probe, seen } = await odoo((_req, _body, res) => json(res, 200, { status: 'pass' }));

    // act
    const result = await probe.health('acme.odoo.example.com');

    // assess
    expect(result).toEqual({ ok: true, status: 200 });
    expect(seen).toEqual([{ method: 'GET', url: '/web/health', body: '' }]);
  });

  it.each([
    ['a 503 from the ingress', (res: ServerResponse) => json(res, 503, { message: 'no available server' }), 503],
    ['a login page instead of the health answer', (res: ServerResponse) => (res.writeHead(200, { 'content-type': 'text/html' }), res.end('<html>login</html>')), 200],
    ['a redirect, which it does not follow', (res: ServerResponse) => (res.writeHead(303, { location: '/web/login' }), res.end()), 303],
  ])('fails on %s', async (_case, answer, status) => {
    // prepare
    const { probe, seen } = await odoo((_req, _body, res) => answer(res));

    // act
    const result = await probe.health('acme.odoo.example.com');

    // assess
    expect(result).toMatchObject({ ok: false, status });
    expect(result.detail).toBeTruthy();
    expect(seen).toHaveLength(1);
  });

  it('fails without throwing when Odoo does not answer in time', async () => {
    // prepare
    const { probe } = await odoo(() => undefined, 200);

    // act
    const result = await probe.health('acme.odoo.example.com');

    // assess
    expect(result).toEqual({ ok: false, status: 0, detail: 'no answer within 200 ms' });
  });

  it('fails without throwing when nothing listens', async () => {
    // prepare
    const probe = httpOdooProbe({ timeoutMs: 10_000, baseUrl: () => 'http://127.0.0.1:1' });

    // act
    const result = await probe.health('acme.odoo.example.com');

    // assess
    expect(result.ok).toBe(false);
    expect(result.status).toBe(0);
    expect(result.detail).toMatch(/^request failed/);
  });
});

describe('httpOdooProbe.login', () => {
  it('logs in over JSON-RPC and returns the user id', async () => {
    // prepare
    const { probe, seen } = await odoo((_req, _body, res) => json(res, 200, { jsonrpc: '2.0', id: 1, result: { uid: 2, db: 'odoo_acme' } }));

    // act
    const result = await probe.login('acme.odoo.example.com', 'odoo_acme', 'admin', 'S3cretPassw0rd');

    // assess
    expect(result).toEqual({ ok: true, uid: 2 });
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url).toBe('/web/session/authenticate');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ jsonrpc: '2.0', method: 'call', id: 1, params: { db: 'odoo_acme', login: 'admin', password: 'S3cretPassw0rd' } });
  });

  it('reports a refused login without the password', async () => {
    // prepare
    const { probe } = await odoo((_req, _body, res) =>
      json(res, 200, { jsonrpc: '2.0', id: 1, error: { code: 200, message: 'Odoo Server Error', data: { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' } } }),
    );

    // act
    const result = await probe.login('acme.odoo.example.com', 'odoo_acme', 'admin', 'S3cretPassw0rd');

    // assess
    expect(result).toEqual({ ok: false, detail: 'Access Denied' });
  });

  it('redacts the password should an error message echo it', async () => {
    // prepare
    const { probe } = await odoo((_req, body, res) => json(res, 200, { jsonrpc: '2.0', id: 1, error: { message: `bad request ${body}` } }));

    // act
    const result = await probe.login('acme.odoo.example.com', 'odoo_acme', 'admin', 'S3cretPassw0rd');

    // assess
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('S3cretPassw0rd');
  });

  it('treats a login answered with no user id as refused', async () => {
    // prepare
    const { probe } = await odoo((_req, _body, res) => json(res, 200, { jsonrpc: '2.0', id: 1, result: { uid: false } }));

    // act
    const result = await probe.login('acme.odoo.example.com', 'odoo_acme', 'admin', 'wrong-password-1');

    // assess
    expect(result).toEqual({ ok: false, detail: 'login refused' });
  });
});
