/**
 * The bearer token EKS accepts from an IAM identity (what `aws eks get-token` prints): a presigned
 * STS GetCallerIdentity URL that also signs the `x-k8s-aws-id` header naming the cluster, base64url
 * encoded behind `k8s-aws-v1.`. The API server replays the URL to learn who is calling.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export const TOKEN_PREFIX = 'k8s-aws-v1.';
/** EKS rejects tokens whose URL was presigned more than 15 minutes ago, whatever `X-Amz-Expires` says. */
export const TOKEN_REFRESH_MS = 14 * 60_000;

type SourceData = string | ArrayBuffer | ArrayBufferView;

const toBuffer = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 and HMAC-SHA-256 for the signer, from Node's native crypto. */
export class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

export function stsHostname(region: string): string {
  return `sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

export async function eksToken(opts: { region: string; clusterName: string; credentials: AwsCredentialIdentityProvider; signingDate?: Date }): Promise<string> {
  const signer = new SignatureV4({ service: 'sts', region: opts.region, credentials: opts.credentials, sha256: NodeSha256 });
  const hostname = stsHostname(opts.region);
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, 'x-k8s-aws-id': opts.clusterName },
    },
    { expiresIn: 60, ...(opts.signingDate ? { signingDate: opts.signingDate } : {}) },
  );
  const query = Object.entries(presigned.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return TOKEN_PREFIX + Buffer.from(`https://${hostname}/?${query}`, 'utf8').toString('base64url');
}

/** Keeps one token and makes a new one before EKS would refuse it (or when asked, after a 401). */
export function tokenCache(make: () => Promise<string>, now: () => number = Date.now): (refresh?: boolean) => Promise<string> {
  let cached: { token: Promise<string>; at: number } | undefined;
  return (refresh = false) => {
    const t = now();
    if (!cached || refresh || t - cached.at >= TOKEN_REFRESH_MS) {
      const token = make();
      const entry = { token, at: t };
      cached = entry;
      // A failed signing must not be served again.
      token.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.token;
  };
}
