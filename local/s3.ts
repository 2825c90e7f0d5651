/**
 * S3 on s3rver, in-process, storing objects in a fresh temporary directory that is removed on
 * stop. Objects, listings, copies and multipart uploads are real; what s3rver lacks (versioning,
 * encryption, public access blocks, tagging) the simulated cloud answers in front of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export interface LocalS3 {
  endpoint: string;
  /** Where s3rver keeps the objects: the simulated cloud reads its listing from here. */
  directory: string;
  stop(): Promise<void>;
}

/** s3rver accepts only its built-in key pair. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** What every S3 client talking to s3rver needs (path-style addressing, no aws-chunked uploads). */
export function localS3ClientConfig(endpoint: string, region: string) {
  return {
    region,
    endpoint,
    forcePathStyle: true,
    credentials: LOCAL_S3_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
  };
}

const directories = new Map<string, string>();

/** The storage directory behind an endpoint this process started, if any. */
export function localS3Directory(endpoint: string): string | undefined {
  return directories.get(endpoint);
}

export async function startLocalS3(): Promise<LocalS3> {
  const directory = mkdtempSync(path.join(tmpdir(), 'odoo-fleet-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, resetOnClose: false });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  directories.set(endpoint, directory);
  let stopped = false;
  return {
    endpoint,
    directory,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.httpServer?.closeAllConnections();
      await server.close();
      directories.delete(endpoint);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
