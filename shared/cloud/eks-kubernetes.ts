/**
 * The Kubernetes API of an EKS cluster, called as the Lambda's own IAM role (an EKS access entry
 * maps it to a Kubernetes identity). Endpoint and CA come from DescribeCluster; HTTPS trusts only
 * that CA. Errors keep the names the workflows retry on: 429 is throttling, 5xx is unavailable,
 * anything else is a `KubernetesApiError` with the API server's status and reason.
 */
import http from 'node:http';
import https from 'node:https';
import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { THROTTLING_ERRORS, TRANSIENT_ERRORS } from '#shared/lib/transient-errors.ts';
import { eksToken, tokenCache } from './eks-token.ts';
import type { K8sObject, K8sRef, KubernetesApi } from './kubernetes-api.ts';
import { collectionPath, resourcePath } from './kubernetes-paths.ts';

const THROTTLED: (typeof THROTTLING_ERRORS)[number] = 'ThrottlingException';
const UNAVAILABLE: (typeof TRANSIENT_ERRORS)[number] = 'ServiceUnavailableException';
const NETWORK: (typeof TRANSIENT_ERRORS)[number] = 'NetworkingError';
const TIMEOUT: (typeof TRANSIENT_ERRORS)[number] = 'TimeoutError';

export interface KubeHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}
export interface KubeHttpResponse {
  status: number;
  body: string;
}
export type KubeTransport = (request: KubeHttpRequest) => Promise<KubeHttpResponse>;

export interface EksKubernetesOptions {
  region: string;
  clusterName: string;
  eks: EKSClient;
  /** @default the EKS client's own credentials */
  credentials?: AwsCredentialIdentityProvider;
  /** Replaces the endpoint DescribeCluster returns (a local server in tests). */
  endpoint?: string;
  /** Replaces HTTPS with the cluster CA. */
  transport?: KubeTransport;
  /** @default 30000 */
  timeoutMs?: number;
  now?: () => number;
}

/** A non-2xx answer of the API server. `name` is `KubernetesApiError`, or a retryable name for 429 and 5xx. */
export class KubernetesApiError extends Error {
  readonly status: number;
  readonly reason: string | undefined;
  constructor(status: number, reason: string | undefined, message: string) {
    super(message);
    this.name = status === 429 ? THROTTLED : status >= 500 ? UNAVAILABLE : 'KubernetesApiError';
    this.status = status;
    this.reason = reason;
  }
}

const networkError = (name: string, message: string, cause: unknown) => Object.assign(new Error(message, { cause }), { name });

/** HTTP(S) with node's client: `ca` pins the cluster CA, keep-alive reuses the connection across calls. */
export function nodeTransport(opts: { ca?: string; timeoutMs: number }): KubeTransport {
  const agents = { https: new https.Agent({ keepAlive: true, ...(opts.ca ? { ca: opts.ca } : {}) }), http: new http.Agent({ keepAlive: true }) };
  return (req) =>
    new Promise((resolve, reject) => {
      const url = new URL(req.url);
      const secure = url.protocol === 'https:';
      const send = secure ? https.request : http.request;
      // Node frames a DELETE body only with an explicit length (it never chunks DELETE).
      const headers = req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
      const r = send(url, { method: req.method, headers, agent: secure ? agents.https : agents.http }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => reject(networkError(NETWORK, `${req.method} ${url.pathname}: ${e.message}`, e)));
      });
      r.setTimeout(opts.timeoutMs, () => r.destroy(networkError(TIMEOUT, `${req.method} ${url.pathname} timed out after ${opts.timeoutMs} ms`, undefined)));
      r.on('error', (e) => reject(e.name === TIMEOUT ? e : networkError(NETWORK, `${req.method} ${url.pathname}: ${e.message}`, e)));
      r.end(req.body);
    });
}

async function describe(opts: EksKubernetesOptions): Promise<{ endpoint: string; ca?: string }> {
  const { cluster } = await opts.eks.send(new DescribeClusterCommand({ name: opts.clusterName }));
  const endpoint = opts.endpoint ?? cluster?.endpoint;
  if (!endpoint) throw new KubernetesApiError(503, 'NoEndpoint', `EKS cluster ${opts.clusterName} has no API endpoint (status ${cluster?.status ?? 'unknown'})`);
  const caData = cluster?.certificateAuthority?.data;
  return { endpoint: endpoint.replace(/\/+$/, ''), ...(caData ? { ca: Buffer.from(caData, 'base64').toString('utf8') } : {}) };
}

export async function eksKubernetesApi(opts: EksKubernetesOptions): Promise<KubernetesApi> {
  const { endpoint, ca } = await describe(opts);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const transport = opts.transport ?? nodeTransport({ ...(ca ? { ca } : {}), timeoutMs });
  const credentials = opts.credentials ?? opts.eks.config.credentials;
  const token = tokenCache(() => eksToken({ region: opts.region, clusterName: opts.clusterName, credentials }), opts.now);

  async function call(method: string, path: string, query: Record<string, string>, body?: { contentType: string; text: string }): Promise<KubeHttpResponse> {
    const qs = new URLSearchParams(query).toString();
    const url = `${endpoint}${path}${qs ? `?${qs}` : ''}`;
    let response: KubeHttpResponse | undefined;
    // A 401 may mean the cached token just expired: one retry with a fresh one.
    for (const refresh of [false, true]) {
      const headers: Record<string, string> = { authorization: `Bearer ${await token(refresh)}`, accept: 'application/json' };
      if (body) headers['content-type'] = body.contentType;
      response = await transport({ method, url, headers, ...(body ? { body: body.text } : {}) });
      if (response.status !== 401) break;
    }
    return response as KubeHttpResponse;
  }

  function fail(method: string, path: string, res: KubeHttpResponse): never {
    let status: { reason?: string; message?: string } = {};
    try {
      status = JSON.parse(res.body) as typeof status;
    } catch {
      // Not a Status object (a proxy or load balancer answered).
    }
    const detail = status.message ?? (res.body.slice(0, 200) || `HTTP ${res.status}`);
    throw new KubernetesApiError(res.status, status.reason, `${method} ${path}: ${res.status} ${status.reason ?? ''} ${detail}`.replace(/\s+/g, ' ').trim());
  }

  const ok = (res: KubeHttpResponse) => res.status >= 200 && res.status < 300;
  const parse = (res: KubeHttpResponse) => JSON.parse(res.body) as K8sObject;

  return {
    async apply(obj: K8sObject, fieldManager: string): Promise<K8sObject> {
      const path = resourcePath({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace });
      // JSON is YAML, so the object goes as it is.
      const res = await call('PATCH', path, { fieldManager, force: 'true' }, { contentType: 'application/apply-patch+yaml', text: JSON.stringify(obj) });
      if (!ok(res)) fail('PATCH', path, res);
      return parse(res);
    },

    async get(ref: K8sRef): Promise<K8sObject | undefined> {
      const path = resourcePath(ref);
      const res = await call('GET', path, {});
      if (res.status === 404) return undefined;
      if (!ok(res)) fail('GET', path, res);
      return parse(res);
    },

    async delete(ref: K8sRef): Promise<'deleted' | 'absent'> {
      const path = resourcePath(ref);
      const options = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground' };
      const res = await call('DELETE', path, {}, { contentType: 'application/json', text: JSON.stringify(options) });
      if (res.status === 404) return 'absent';
      if (!ok(res)) fail('DELETE', path, res);
      return 'deleted';
    },

    async list(ref: Omit<K8sRef, 'name'>, labelSelector?: string): Promise<K8sObject[]> {
      const path = collectionPath(ref);
      const res = await call('GET', path, labelSelector ? { labelSelector } : {});
      if (!ok(res)) fail('GET', path, res);
      const list = JSON.parse(res.body) as { items?: Omit<K8sObject, 'apiVersion' | 'kind'>[] };
      // List items come without apiVersion and kind; give them back so they can be applied or compared.
      return (list.items ?? []).map((item) => ({ apiVersion: ref.apiVersion, kind: ref.kind, ...item }) as K8sObject);
    },
  };
}
