/**
 * How `odooctl` talks to the API: the local control plane over plain HTTP with `X-Actor`, or the
 * deployed API Gateway signed with SigV4. Failed calls that are safe to repeat (reads, and writes
 * carrying an Idempotency-Key) are retried a few times.
 */
import type { GlobalOptions } from './args.ts';
import { regionOfApiUrl, signCall } from './sigv4.ts';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export type ApiClient = (call: ApiCall) => Promise<ApiAnswer>;

export interface ClientDeps {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  env: Record<string, string | undefined>;
  sign?: typeof signCall;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const ATTEMPTS = 3;
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

export const isLocalEndpoint = (endpoint: URL) => LOOPBACK_HOSTS.has(endpoint.hostname);

function endpointUrl(globals: GlobalOptions): URL {
  try {
    const url = new URL(globals.endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return url;
  } catch {
    throw new CliError(`--endpoint must be an http(s) URL, got ${globals.endpoint}`, 2);
  }
}

export function urlOf(endpoint: URL, call: ApiCall): URL {
  const url = new URL(endpoint.href);
  url.pathname = `${endpoint.pathname.replace(/\/+$/, '')}${call.path}`;
  for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

export function createApiClient(globals: GlobalOptions, deps: ClientDeps): ApiClient {
  const endpoint = endpointUrl(globals);
  const local = isLocalEndpoint(endpoint);
  const region = local ? undefined : (globals.region ?? regionOfApiUrl(endpoint) ?? deps.env.AWS_REGION);
  if (!local && !region) throw new CliError(`Cannot tell the region of ${endpoint.host}: pass --region`, 2);
  const sign = deps.sign ?? signCall;

  async function once(call: ApiCall): Promise<ApiAnswer> {
    const url = urlOf(endpoint, call);
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    let headers: Record<string, string> = {
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(local && globals.actor ? { 'x-actor': globals.actor } : {}),
      ...call.headers,
    };
    if (!local) headers = await sign({ method: call.method, url, headers, body }, region!);
    const res = await deps.fetch(url, { method: call.method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page, say): shown as it came.
    }
    return { status: res.status, body: parsed };
  }

  return async (call) => {
    const repeatable = call.method === 'GET' || call.headers?.['idempotency-key'] !== undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await once(call);
        if (!(repeatable && RETRY_STATUSES.has(answer.status) && attempt < ATTEMPTS)) return answer;
      } catch (err) {
        if (!(repeatable && attempt < ATTEMPTS)) {
          const { cause } = err as { cause?: { code?: string; message?: string } };
          const reason = cause?.code ?? cause?.message ?? (err as Error).message;
          const hint = local ? ' Is the local control plane running (npm start)?' : '';
          throw new CliError(`Cannot reach ${endpoint.origin} (${reason}).${hint}`, 1);
        }
      }
      await deps.sleep(250 * 2 ** attempt);
    }
  };
}
