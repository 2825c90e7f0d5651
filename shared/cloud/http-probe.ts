/**
 * Checks a tenant's Odoo from outside, the way a user reaches it: through DNS, Traefik and TLS.
 * A probe never throws for an unhealthy Odoo; it says what it saw, and the workflow decides. The
 * password goes only into the request body, never into a result, an error or a log line.
 */
import type { OdooProbe } from './odoo-probe.ts';

export interface HttpOdooProbeOptions {
  fetchImpl?: typeof fetch;
  /** @default 10000 */
  timeoutMs?: number;
  /** @default `https://<hostname>` */
  baseUrl?: (hostname: string) => string;
}

interface JsonRpcReply {
  result?: { uid?: number | false | null };
  error?: { message?: string; data?: { name?: string; message?: string } };
}

export function httpOdooProbe(opts: HttpOdooProbeOptions = {}): OdooProbe {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const baseUrl = opts.baseUrl ?? ((hostname: string) => `https://${hostname}`);

  async function request(url: string, init: RequestInit): Promise<{ status: number; text: string } | { error: string }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      // A redirect (to /web/login, or to another host) is an answer to report, not to follow.
      const res = await fetchImpl(url, { ...init, redirect: 'manual', signal: controller.signal });
      return { status: res.status, text: await res.text() };
    } catch (e) {
      return { error: controller.signal.aborted ? `no answer within ${timeoutMs} ms` : `request failed: ${(e as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
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
