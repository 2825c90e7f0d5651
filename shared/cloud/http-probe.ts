/**
 * Checks a tenant's Odoo from outside, the way a user reaches it: through DNS, Traefik and TLS.
 * A probe never throws for an unhealthy Odoo; it says what it saw, and the workflow decides. The
 * password goes only into the request body, never into a result, an error or a log line; the
 * session cookie of the synthetic checks only into their own requests.
 */
import type { OdooProbe, SyntheticCheck } from './odoo-probe.ts';

export interface HttpOdooProbeOptions {
  fetchImpl?: typeof fetch;
  /** @default 10000 */
  timeoutMs?: number;
  /** @default `https://<hostname>` */
  baseUrl?: (hostname: string) => string;
}

interface JsonRpcReply<R = { uid?: number | false | null }> {
  result?: R;
  error?: { message?: string; data?: { name?: string; message?: string } };
}

type Answer = { status: number; text: string; cookie?: string } | { error: string };

/** An Odoo without the module that defines a model answers KeyError (Odoo 16+) or "Object <model> doesn't exist". */
function missingModel(error: NonNullable<JsonRpcReply['error']>, model: string, message: string): boolean {
  return (error.data?.name === 'builtins.KeyError' && message.includes(model)) || message.includes(`Object ${model} doesn't exist`);
}

export function httpOdooProbe(opts: HttpOdooProbeOptions = {}): OdooProbe {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const baseUrl = opts.baseUrl ?? ((hostname: string) => `https://${hostname}`);

  async function request(url: string, init: RequestInit): Promise<Answer> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      // A redirect (to /web/login, or to another host) is an answer to report, not to follow.
      const res = await fetchImpl(url, { ...init, redirect: 'manual', signal: controller.signal });
      const session = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('session_id='));
      return { status: res.status, text: await res.text(), ...(session ? { cookie: session } : {}) };
    } catch (e) {
      return { error: controller.signal.aborted ? `no answer within ${timeoutMs} ms` : `request failed: ${(e as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }

  const jsonRpc = (params: unknown, cookie?: string): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params }),
  });

  /** One `search_read` of a single record, as the logged-in user. */
  async function readOne(hostname: string, cookie: string, model: string, fields: string[], password: string): Promise<SyntheticCheck> {
    const res = await request(
      `${baseUrl(hostname)}/web/dataset/call_kw/${model}/search_read`,
      jsonRpc({ model, method: 'search_read', args: [[]], kwargs: { fields, limit: 1 } }, cookie),
    );
    if ('error' in res) return { result: 'fail', detail: res.error };
    if (res.status !== 200) return { result: 'fail', detail: `HTTP ${res.status}` };
    const reply = parseJson<JsonRpcReply<unknown[]>>(res.text);
    if (!reply) return { result: 'fail', detail: 'the answer is not JSON-RPC' };
    if (reply.error) {
      const message = redact(reply.error.data?.message ?? reply.error.message ?? 'JSON-RPC error', password);
      if (missingModel(reply.error, model, message)) return { result: 'pass', detail: `${model} is not installed` };
      return { result: 'fail', detail: message.slice(0, 200) };
    }
    if (!Array.isArray(reply.result)) return { result: 'fail', detail: `${model}.search_read answered no list` };
    return { result: 'pass', detail: `${model}: ${reply.result.length} record(s) read` };
  }

  return {
    async syntheticChecks(hostname, database, credentials) {
      const notRun = (why: string): SyntheticCheck => ({ result: 'error', detail: `not run: ${why}` });
      const res = await request(`${baseUrl(hostname)}/web/session/authenticate`, jsonRpc({ db: database, login: credentials.login, password: credentials.password }));
      let login: SyntheticCheck;
      if ('error' in res) login = { result: 'fail', detail: res.error };
      else if (res.status !== 200) login = { result: 'fail', detail: `HTTP ${res.status}` };
      else {
        const reply = parseJson<JsonRpcReply>(res.text);
        if (!reply) login = { result: 'fail', detail: 'the answer is not JSON-RPC' };
        else if (reply.error) login = { result: 'fail', detail: redact(reply.error.data?.message ?? reply.error.message ?? 'JSON-RPC error', credentials.password) };
        else if (typeof reply.result?.uid !== 'number') login = { result: 'fail', detail: 'login refused' };
        else if (!('cookie' in res) || !res.cookie) login = { result: 'fail', detail: 'no session cookie in the answer' };
        else login = { result: 'pass' };
      }
      const cookie = 'cookie' in res ? res.cookie : undefined;
      if (login.result !== 'pass' || !cookie) return { login, readSaleOrder: notRun('login failed'), stockAvailability: notRun('login failed') };
      return {
        login,
        readSaleOrder: await readOne(hostname, cookie, 'sale.order', ['name', 'state'], credentials.password),
        stockAvailability: await readOne(hostname, cookie, 'stock.quant', ['product_id', 'quantity'], credentials.password),
      };
    },

    async health(hostname) {
      const res = await request(`${baseUrl(hostname)}/web/health`, { method: 'GET', headers: { accept: 'application/json' } });
      if ('error' in res) return { ok: false, status: 0, detail: res.error };
      if (res.status !== 200) return { ok: false, status: res.status, detail: `HTTP ${res.status}` };
      const body = parseJson<{ status?: string }>(res.text);
      if (body?.status !== 'pass') return { ok: false, status: res.status, detail: `unexpected body: ${res.text.slice(0, 100)}` };
      return { ok: true, status: res.status };
    },

    async login(hostname, database, login, password) {
      const res = await request(`${baseUrl(hostname)}/web/session/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { db: database, login, password } }),
      });
      if ('error' in res) return { ok: false, detail: res.error };
      if (res.status !== 200) return { ok: false, detail: `HTTP ${res.status}` };
      const reply = parseJson<JsonRpcReply>(res.text);
      if (!reply) return { ok: false, detail: 'the answer is not JSON-RPC' };
      if (reply.error) return { ok: false, detail: redact(reply.error.data?.message ?? reply.error.message ?? 'JSON-RPC error', password) };
      const uid = reply.result?.uid;
      if (typeof uid !== 'number') return { ok: false, detail: 'login refused' };
      return { ok: true, uid };
    },
  };
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Odoo's error messages do not echo the password, but a proxy's might. */
function redact(message: string, password: string): string {
  return password ? message.split(password).join('***') : message;
}
