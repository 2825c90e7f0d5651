/**
 * SigV4 signing of calls to the deployed API (API Gateway with IAM authorization, service
 * `execute-api`), with the caller's credentials from the standard chain (environment, profile,
 * SSO, instance role).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): Buffer =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** SHA-256 (or HMAC-SHA-256 with a secret) from node:crypto, in the shape the signer asks for. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** `https://<id>.execute-api.<region>.amazonaws.com/<stage>` names its region. */
export function regionOfApiUrl(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
}

export interface SignableCall {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

let credentials: ReturnType<typeof defaultProvider> | undefined;

/** The headers to send: the given ones plus host, x-amz-date, the session token if any, and authorization. */
export async function signCall(call: SignableCall, region: string): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: (credentials ??= defaultProvider()), sha256: NodeSha256 });
  const query: Record<string, string> = {};
  for (const [k, v] of call.url.searchParams) query[k] = v;
  const signed = await signer.sign({
    method: call.method,
    protocol: call.url.protocol,
    hostname: call.url.hostname,
    port: call.url.port ? Number(call.url.port) : undefined,
    path: call.url.pathname,
    query,
    headers: { ...call.headers, host: call.url.host },
    body: call.body,
  });
  return signed.headers as Record<string, string>;
}
