import { describe, expect, it } from 'vitest';
import { createApiClient, CliError } from '#local/cli/api-client.ts';

function recordingFetch(status = 200, body: unknown = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fake = (async (url: URL | string, init: RequestInit = {}) => {
    calls.push({ url: String(url), init });
    return new Response(JSON.stringify(body), { status });
  }) as typeof fetch;
  return { calls, fake };
}

const noSleep = async () => undefined;

describe('createApiClient', () => {
  it('calls the local control plane unsigned, with X-Actor', async () => {
    const { calls, fake } = recordingFetch();
    const api = createApiClient({ endpoint: 'http://127.0.0.1:8787', actor: 'bob', json: false }, { fetch: fake, sleep: noSleep, env: {} });

    await api({ method: 'GET', path: '/v1/tenants', query: { status: 'ACTIVE', cursor: undefined } });

    expect(calls[0]!.url).toBe('http://127.0.0.1:8787/v1/tenants?status=ACTIVE');
    const headers = calls[0]!.init.headers as Record<string, string>;
    expect(headers['x-actor']).toBe('bob');
    expect(headers.authorization).toBeUndefined();
  });

  it('signs calls to a deployed API with SigV4 for execute-api in the URL\'s region, and sends no X-Actor', async () => {
    const { calls, fake } = recordingFetch();
    const api = createApiClient(
      { endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod', actor: 'bob', json: false },
      // Credentials come from the standard chain: here the environment test/setup.ts fills in.
      { fetch: fake, sleep: noSleep, env: {} },
    );

    await api({ method: 'POST', path: '/v1/tenants', body: { tenantId: 'acme' } });

    expect(calls[0]!.url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/v1/tenants');
    const headers = calls[0]!.init.headers as Record<string, string>;
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*x-amz-date/);
    expect(headers['x-actor']).toBeUndefined();
  });

  it('asks for --region when a custom domain does not name it', () => {
    expect(() => createApiClient({ endpoint: 'https://fleet.example.com', json: false }, { fetch, sleep: noSleep, env: {} })).toThrow(CliError);
  });

  it('retries a throttled read, but not a refused one', async () => {
    let n = 0;
    const flaky = (async () => new Response('{}', { status: ++n < 3 ? 429 : 200 })) as typeof fetch;
    const refused = recordingFetch(404, { error: { code: 'NotFound' } });

    const ok = await createApiClient({ endpoint: 'http://127.0.0.1:1234', json: false }, { fetch: flaky, sleep: noSleep, env: {} })({ method: 'GET', path: '/v1/tenants' });
    const notFound = await createApiClient({ endpoint: 'http://127.0.0.1:1234', json: false }, { fetch: refused.fake, sleep: noSleep, env: {} })({ method: 'GET', path: '/v1/tenants/x' });

    expect(ok.status).toBe(200);
    expect(n).toBe(3);
    expect(notFound.status).toBe(404);
    expect(refused.calls).toHaveLength(1);
  });
});
