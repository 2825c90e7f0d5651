import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpOdooProbe } from '#shared/cloud/http-probe.ts';

let server: Server | undefined;

/** A stand-in Odoo: JSON-RPC answers by path; the session cookie is required after login. */
async function odoo(answers: Record<string, (cookie: string | undefined) => { status?: number; body: unknown; cookie?: string }>) {
  const seen: { url: string; cookie?: string; body: string }[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', cookie: req.headers.cookie, body });
      const answer = answers[req.url ?? '']?.(req.headers.cookie) ?? { status: 404, body: {} };
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...(answer.cookie ? { 'set-cookie': `${answer.cookie}; Path=/; HttpOnly` } : {}) });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { probe: httpOdooProbe({ baseUrl: () => `http://127.0.0.1:${port}` }), seen };
}

afterEach(async () => {
  const running = server;
  server = undefined;
  running?.closeAllConnections();
  if (running) await new Promise((resolve) => running.close(resolve));
});

const login = () => ({ body: { jsonrpc: '2.0', id: 1, result: { uid: 2 } }, cookie: 'session_id=abc123' });

describe('httpOdooProbe.syntheticChecks', () => {
  it('logs in, then reads one sale order and one stock quant with the session', async () => {
    // prepare
    const { probe, seen } = await odoo({
      '/web/session/authenticate': login,
      '/web/dataset/call_kw/sale.order/search_read': (cookie) => (cookie === 'session_id=abc123' ? { body: { result: [{ id: 1, name: 'S00001' }] } } : { status: 403, body: {} }),
      '/web/dataset/call_kw/stock.quant/search_read': () => ({ body: { result: [] } }),
    });

    // act
    const checks = await probe.syntheticChecks('acme.example.com', 'odoo_acme', { login: 'admin', password: 'S3cretPassw0rd' });

    // assess
    expect(checks).toEqual({
      login: { result: 'pass' },
      readSaleOrder: { result: 'pass', detail: 'sale.order: 1 record(s) read' },
      stockAvailability: { result: 'pass', detail: 'stock.quant: 0 record(s) read' },
    });
    expect(JSON.parse(seen[1]!.body)).toMatchObject({ params: { model: 'sale.order', method: 'search_read', args: [[]], kwargs: { limit: 1 } } });
  });

  it('fails a check Odoo answers with an error, and passes one whose module is not installed', async () => {
    const { probe } = await odoo({
      '/web/session/authenticate': login,
      '/web/dataset/call_kw/sale.order/search_read': () => ({ body: { error: { message: 'Odoo Server Error', data: { name: 'psycopg2.errors.UndefinedColumn', message: 'column sale_order.foo does not exist... S3cretPassw0rd' } } } }),
      '/web/dataset/call_kw/stock.quant/search_read': () => ({ body: { error: { message: 'Odoo Server Error', data: { name: 'builtins.KeyError', message: "'stock.quant'" } } } }),
    });
    const checks = await probe.syntheticChecks('acme.example.com', 'odoo_acme', { login: 'admin', password: 'S3cretPassw0rd' });
    expect(checks.readSaleOrder).toEqual({ result: 'fail', detail: 'column sale_order.foo does not exist... ***' });
    expect(checks.stockAvailability).toEqual({ result: 'pass', detail: 'stock.quant is not installed' });
    expect(JSON.stringify(checks)).not.toContain('S3cretPassw0rd');
  });

  it('does not run the business checks when the login is refused', async () => {
    const { probe, seen } = await odoo({ '/web/session/authenticate': () => ({ body: { error: { message: 'Access Denied' } } }) });
    const checks = await probe.syntheticChecks('acme.example.com', 'odoo_acme', { login: 'admin', password: 'wrong' });
    expect(checks).toEqual({
      login: { result: 'fail', detail: 'Access Denied' },
      readSaleOrder: { result: 'error', detail: 'not run: login failed' },
      stockAvailability: { result: 'error', detail: 'not run: login failed' },
    });
    expect(seen).toHaveLength(1);
  });
});
