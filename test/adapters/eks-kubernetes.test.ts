import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { eksKubernetesApi, KubernetesApiError } from '#shared/cloud/eks-kubernetes.ts';
import { eksToken, tokenCache, TOKEN_REFRESH_MS } from '#shared/cloud/eks-token.ts';
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import { isTransient } from '#shared/lib/transient-errors.ts';

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}
type Reply = { status: number; body?: unknown };

/** A plain-HTTP stand-in for the API server: records each request and answers from a queue (200 `{}` when empty). */
async function startApiServer(): Promise<{ url: string; requests: Recorded[]; replies: Reply[]; server: Server }> {
  const requests: Recorded[] = [];
  const replies: Reply[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body });
      const reply = replies.shift() ?? { status: 200, body: {} };
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, replies, server };
}

const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
const deployment: K8sObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'odoo-web', namespace: 'tenant-acme' }, spec: { replicas: 1 } };

describe('eksKubernetesApi', () => {
  const eksMock = mockClient(EKSClient);
  let api: Awaited<ReturnType<typeof startApiServer>>;

  beforeEach(async () => {
    eksMock.reset();
    api = await startApiServer();
    eksMock.on(DescribeClusterCommand, { name: 'fleet-eu-1' }).resolves({
      cluster: { name: 'fleet-eu-1', status: 'ACTIVE', endpoint: `${api.url}/`, certificateAuthority: { data: Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64') } },
    });
  });

  afterEach(async () => {
    api.server.closeAllConnections();
    await new Promise((resolve) => api.server.close(resolve));
  });

  const connect = () => eksKubernetesApi({ region: 'eu-west-1', clusterName: 'fleet-eu-1', eks: new EKSClient({ region: 'eu-west-1' }), credentials });

  it('applies server-side with a PATCH of the object to its path, as the field manager, forcing ownership', async () => {
    // prepare
    const k8s = await connect();
    api.replies.push({ status: 201, body: { ...deployment, metadata: { ...deployment.metadata, uid: 'u-1' } } });

    // act
    const live = await k8s.apply(deployment, 'odoo-fleet-control-plane');

    // assess
    const [req] = api.requests;
    expect(req?.method).toBe('PATCH');
    expect(req?.path).toBe('/apis/apps/v1/namespaces/tenant-acme/deployments/odoo-web');
    expect(Object.fromEntries(req?.query ?? [])).toEqual({ fieldManager: 'odoo-fleet-control-plane', force: 'true' });
    expect(req?.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(JSON.parse(req?.body ?? '')).toEqual(deployment);
    expect(live.metadata.uid).toBe('u-1');
  });

  it('applies a cluster-scoped namespace under the core API path', async () => {
    // prepare
    const k8s = await connect();

    // act
    await k8s.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-acme' } }, 'm');

    // assess
    expect(api.requests[0]?.path).toBe('/api/v1/namespaces/tenant-acme');
  });

  it('authenticates with a k8s-aws-v1 token: a presigned STS GetCallerIdentity URL that signs the cluster name', async () => {
    // prepare
    const k8s = await connect();

    // act
    await k8s.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'odoo-config', namespace: 'tenant-acme' });

    // assess
    const auth = String(api.requests[0]?.headers.authorization);
    expect(auth).toMatch(/^Bearer k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(auth.slice('Bearer k8s-aws-v1.'.length), 'base64url').toString('utf8'));
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads an object, and reads a missing one as undefined', async () => {
    // prepare
    const k8s = await connect();
    api.replies.push({ status: 200, body: deployment }, { status: 404, body: { kind: 'Status', reason: 'NotFound', code: 404 } });

    // act
    const found = await k8s.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'odoo-web', namespace: 'tenant-acme' });
    const missing = await k8s.get({ apiVersion: 'batch/v1', kind: 'Job', name: 'odoo-init-1', namespace: 'tenant-acme' });

    // assess
    expect(found).toEqual(deployment);
    expect(missing).toBeUndefined();
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /apis/apps/v1/namespaces/tenant-acme/deployments/odoo-web',
      'GET /apis/batch/v1/namespaces/tenant-acme/jobs/odoo-init-1',
    ]);
  });

  it('deletes in the foreground, and deletes a missing object as absent', async () => {
    // prepare
    const k8s = await connect();
    api.replies.push({ status: 200, body: {} }, { status: 404, body: { kind: 'Status', reason: 'NotFound', code: 404 } });

    // act
    const first = await k8s.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'tenant-acme' });
    const second = await k8s.delete({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'odoo-web', namespace: 'tenant-acme' });

    // assess
    expect([first, second]).toEqual(['deleted', 'absent']);
    expect(api.requests[0]?.method).toBe('DELETE');
    expect(api.requests[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(api.requests[0]?.body ?? '')).toMatchObject({ kind: 'DeleteOptions', propagationPolicy: 'Foreground' });
    expect(api.requests[1]?.path).toBe('/apis/autoscaling/v2/namespaces/tenant-acme/horizontalpodautoscalers/odoo-web');
  });

  it('lists by label selector and gives the items back their kind', async () => {
    // prepare
    const k8s = await connect();
    api.replies.push({ status: 200, body: { kind: 'PodList', items: [{ metadata: { name: 'odoo-web-1', namespace: 'tenant-acme' } }] } });

    // act
    const pods = await k8s.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'tenant-acme' }, 'app.kubernetes.io/component=web');

    // assess
    expect(api.requests[0]?.path).toBe('/api/v1/namespaces/tenant-acme/pods');
    expect(api.requests[0]?.query.get('labelSelector')).toBe('app.kubernetes.io/component=web');
    expect(pods).toEqual([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'odoo-web-1', namespace: 'tenant-acme' } }]);
  });

  it.each([
    [403, 'Forbidden', 'KubernetesApiError', false],
    [422, 'Invalid', 'KubernetesApiError', false],
    [429, 'TooManyRequests', 'ThrottlingException', true],
    [500, 'InternalError', 'ServiceUnavailableException', true],
    [503, 'ServiceUnavailable', 'ServiceUnavailableException', true],
  ] as const)('turns a %i answer into %s named %s', async (status, reason, name, transient) => {
    // prepare
    const k8s = await connect();
    api.replies.push({ status, body: { kind: 'Status', status: 'Failure', reason, message: `${reason} happened`, code: status } });

    // act
    const error = await k8s.apply(deployment, 'm').catch((e: unknown) => e);

    // assess
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ name, status, reason });
    expect((error as Error).message).toContain(`${reason} happened`);
    expect(isTransient(error)).toBe(transient);
  });

  it('retries once with a fresh token when the API server answers 401', async () => {
    // prepare
    const k8s = await connect();
    api.replies.push({ status: 401, body: { kind: 'Status', reason: 'Unauthorized', code: 401 } }, { status: 200, body: deployment });

    // act
    const found = await k8s.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'odoo-web', namespace: 'tenant-acme' });

    // assess
    expect(found).toEqual(deployment);
    expect(api.requests).toHaveLength(2);
  });

  it('reports an API server that does not answer in time as a retryable timeout', async () => {
    // prepare
    api.server.removeAllListeners('request');
    api.server.on('request', () => undefined);
    const k8s = await eksKubernetesApi({ region: 'eu-west-1', clusterName: 'fleet-eu-1', eks: new EKSClient({ region: 'eu-west-1' }), credentials, timeoutMs: 50 });

    // act
    const error = await k8s.get({ apiVersion: 'v1', kind: 'Namespace', name: 'tenant-acme' }).catch((e: unknown) => e);

    // assess
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(isTransient(error)).toBe(true);
  });

  it('fails clearly when the cluster has no endpoint yet', async () => {
    // prepare
    eksMock.on(DescribeClusterCommand).resolves({ cluster: { name: 'fleet-eu-1', status: 'CREATING' } });

    // act
    const error = await connect().catch((e: unknown) => e);

    // assess
    expect((error as Error).message).toContain('has no API endpoint (status CREATING)');
  });
});

describe('eksToken', () => {
  it('signs the same request identically for the same time and differently for another cluster', async () => {
    // prepare
    const signingDate = new Date('2024-06-01T12:00:00Z');

    // act
    const a = await eksToken({ region: 'eu-west-1', clusterName: 'fleet-eu-1', credentials, signingDate });
    const b = await eksToken({ region: 'eu-west-1', clusterName: 'fleet-eu-1', credentials, signingDate });
    const c = await eksToken({ region: 'eu-west-1', clusterName: 'fleet-eu-2', credentials, signingDate });

    // assess
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(new URL(Buffer.from(a.slice('k8s-aws-v1.'.length), 'base64url').toString()).searchParams.get('X-Amz-Date')).toBe('20240601T120000Z');
  });
});

describe('tokenCache', () => {
  it('reuses a token for less than 14 minutes, then makes a new one', async () => {
    // prepare
    let clock = 0;
    let made = 0;
    const token = tokenCache(async () => `t${++made}`, () => clock);

    // act
    const first = await token();
    clock = TOKEN_REFRESH_MS - 1;
    const reused = await token();
    clock = TOKEN_REFRESH_MS;
    const renewed = await token();
    const forced = await token(true);

    // assess
    expect([first, reused, renewed, forced]).toEqual(['t1', 't1', 't2', 't3']);
  });

  it('does not keep a token whose signing failed', async () => {
    // prepare
    let calls = 0;
    const token = tokenCache(async () => {
      calls += 1;
      if (calls === 1) throw new Error('no credentials');
      return 'ok';
    }, () => 0);

    // act
    const failed = await token().catch((e: Error) => e.message);
    const next = await token();

    // assess
    expect([failed, next]).toEqual(['no credentials', 'ok']);
  });
});
