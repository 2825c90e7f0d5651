/**
 * S3 in front of s3rver. Objects go to s3rver untouched; the bucket settings s3rver does not have
 * (versioning, default encryption, public access block, ownership controls, tags) are answered
 * here and shown in the inventory; ListObjectVersions lists the current objects as the single
 * `null` version each, dated on the simulated clock when the simulator wrote them (Odoo's
 * attachments), since s3rver dates them on the wall clock. Bucket names are global, so one s3rver
 * serves every region; the region a bucket was created in is remembered for the inventory.
 * Replication configurations are validated and kept as S3 does (both buckets versioned, the
 * destination existing) and shown in the inventory; objects are not copied to the destination.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type CreateBucketCommandInput,
  type DeleteBucketCommandInput,
  type DeleteObjectsCommandInput,
  type GetBucketEncryptionCommandOutput,
  type ListObjectVersionsCommandInput,
  type ListObjectVersionsCommandOutput,
  type PublicAccessBlockConfiguration,
  type PutBucketEncryptionCommandInput,
  type PutBucketOwnershipControlsCommandInput,
  type PutBucketReplicationCommandInput,
  type ReplicationConfiguration,
  type PutBucketTaggingCommandInput,
  type PutBucketVersioningCommandInput,
  type PutPublicAccessBlockCommandInput,
  type S3Client,
  type ServerSideEncryptionConfiguration,
} from '@aws-sdk/client-s3';
import { awsError, notImplemented } from './errors.ts';
import type { Out, ServiceSim, SimCall, Tags } from './types.ts';

export interface S3Backend {
  /** A client straight to s3rver, without the simulator in front. */
  client: S3Client;
  /** s3rver's storage directory, when this process runs it: listings are read from it synchronously. */
  directory?: string;
}

export interface BucketSettings {
  region: string;
  versioning?: 'Enabled' | 'Suspended';
  encryption?: ServerSideEncryptionConfiguration;
  publicAccessBlock?: PublicAccessBlockConfiguration;
  ownership?: string;
  tags?: Tags;
  replication?: ReplicationConfiguration;
}

const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const OBJECT_SUFFIX = '._S3rver_object';

type Input = { Bucket?: string };

export class S3Sim implements ServiceSim {
  readonly settings = new Map<string, BucketSettings>();
  private seeding: Promise<void> | undefined;
  /** When the simulator wrote an object (`bucket/key` -> epoch ms on the simulated clock). */
  private readonly writtenAt = new Map<string, number>();

  constructor(
    readonly backend: S3Backend,
    private readonly defaultRegion: string,
    private readonly seeds: Array<{ name: string; region: string }>,
  ) {
    for (const s of seeds) this.settings.set(s.name, { region: s.region, versioning: 'Enabled', encryption: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] } });
    if (backend.directory) {
      for (const s of seeds) mkdirSync(path.join(backend.directory, s.name), { recursive: true });
      this.seeding = Promise.resolve();
    }
  }

  /** A bucket that exists from the start (a cell's DR bucket), versioned and encrypted like the seeded ones. */
  seedBucket(name: string, region: string): void {
    this.settings.set(name, { region, versioning: 'Enabled', encryption: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] } });
    this.seeds.push({ name, region });
    if (this.backend.directory) mkdirSync(path.join(this.backend.directory, name), { recursive: true });
    // Seeding already under way or done: this one is made in its turn.
    else if (this.seeding) this.seeding = this.seeding.then(() => this.createSeed(name));
  }

  /** A seeded bucket's replication to another (a cell's bucket to its DR bucket). */
  seedReplication(source: string, destination: string, roleArn: string): void {
    const s = this.settings.get(source);
    if (!s) throw new Error(`bucket ${source} is not seeded`);
    s.replication = {
      Role: roleArn,
      Rules: [{ ID: 'dr-copy', Status: 'Enabled', Priority: 1, Filter: {}, DeleteMarkerReplication: { Status: 'Enabled' }, Destination: { Bucket: `arn:aws:s3:::${destination}`, StorageClass: 'STANDARD', Metrics: { Status: 'Enabled' } } }],
    };
  }

  private createSeed(name: string): Promise<void> {
    return this.backend.client.send(new CreateBucketCommand({ Bucket: name })).then(
      () => undefined,
      (err: Error) => {
        if (err.name !== 'BucketAlreadyExists' && err.name !== 'BucketAlreadyOwnedByYou') throw err;
      },
    );
  }

  readonly operations = {
    CreateBucket: (i: CreateBucketCommandInput, c: SimCall) => this.createBucket(i, c),
    DeleteBucket: (i: DeleteBucketCommandInput, c: SimCall) => this.deleteBucket(i, c),
    DeleteObjects: (i: DeleteObjectsCommandInput, c: SimCall) => this.deleteObjects(i, c),
    ListObjectVersions: (i: ListObjectVersionsCommandInput) => this.listObjectVersions(i),
    PutBucketVersioning: (i: PutBucketVersioningCommandInput) => this.configure(i, (s) => (s.versioning = i.VersioningConfiguration?.Status)),
    GetBucketVersioning: async (i: Input) => ({ Status: (await this.bucket(i)).versioning }),
    PutBucketEncryption: (i: PutBucketEncryptionCommandInput) => this.configure(i, (s) => (s.encryption = i.ServerSideEncryptionConfiguration)),
    GetBucketEncryption: async (i: Input): Promise<Out<GetBucketEncryptionCommandOutput>> => ({
      // Every bucket has SSE-S3 at least since 2023.
      ServerSideEncryptionConfiguration: (await this.bucket(i)).encryption ?? { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }] },
    }),
    PutPublicAccessBlock: (i: PutPublicAccessBlockCommandInput) => this.configure(i, (s) => (s.publicAccessBlock = i.PublicAccessBlockConfiguration)),
    GetPublicAccessBlock: async (i: Input) => {
      const s = await this.bucket(i);
      if (!s.publicAccessBlock) throw awsError('s3', 'NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found');
      return { PublicAccessBlockConfiguration: s.publicAccessBlock };
    },
    PutBucketOwnershipControls: (i: PutBucketOwnershipControlsCommandInput) => this.configure(i, (s) => (s.ownership = i.OwnershipControls?.Rules?.[0]?.ObjectOwnership)),
    GetBucketOwnershipControls: async (i: Input) => ({ OwnershipControls: { Rules: [{ ObjectOwnership: (await this.bucket(i)).ownership ?? 'BucketOwnerEnforced' }] } }),
    PutBucketTagging: (i: PutBucketTaggingCommandInput) =>
      this.configure(i, (s) => (s.tags = Object.fromEntries((i.Tagging?.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])))),
    GetBucketTagging: async (i: Input) => {
      const s = await this.bucket(i);
      if (!s.tags) throw awsError('s3', 'NoSuchTagSet', 'The TagSet does not exist');
      return { TagSet: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })) };
    },
    DeleteBucketTagging: (i: Input) => this.configure(i, (s) => (s.tags = undefined)),
    PutBucketReplication: (i: PutBucketReplicationCommandInput) => this.putReplication(i),
    GetBucketReplication: async (i: Input) => {
      const s = await this.bucket(i);
      if (!s.replication) throw awsError('s3', 'ReplicationConfigurationNotFoundError', 'The replication configuration was not found', { BucketName: i.Bucket ?? '' });
      return { ReplicationConfiguration: s.replication };
    },
    DeleteBucketReplication: (i: Input) => this.configure(i, (s) => (s.replication = undefined)),
  };

  /** As S3 validates a replication configuration: a role, versioning on both sides, destinations that exist. */
  private async putReplication(i: PutBucketReplicationCommandInput): Promise<Record<string, never>> {
    const source = await this.bucket(i);
    const config = i.ReplicationConfiguration;
    if (!config?.Role || !config.Rules?.length) throw awsError('s3', 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    if (source.versioning !== 'Enabled') throw awsError('s3', 'InvalidRequest', 'Versioning must be \'Enabled\' on the bucket to apply a replication configuration');
    for (const rule of config.Rules) {
      if (rule.Filter && !rule.DeleteMarkerReplication) throw awsError('s3', 'InvalidRequest', 'DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.');
      const name = /^arn:aws:s3:::(.+)$/.exec(rule.Destination?.Bucket ?? '')?.[1];
      if (!name || !(await this.exists(name))) throw awsError('s3', 'InvalidRequest', 'Destination bucket must exist.');
      if (this.settings.get(name)?.versioning !== 'Enabled') throw awsError('s3', 'InvalidRequest', 'Destination bucket must have versioning enabled.');
    }
    source.replication = structuredClone(config);
    return {};
  }

  /** Unknown operations go on to s3rver. */
  passThrough(call: SimCall, input?: object): Promise<Record<string, unknown>> {
    if (!call.next) throw notImplemented('s3', call.operation);
    return this.ready().then(() => call.next!(input));
  }

  /** Makes sure the seeded buckets exist in s3rver before the first request reaches it. */
  ready(): Promise<void> {
    this.seeding ??= Promise.all(this.seeds.map((s) => this.createSeed(s.name))).then(() => undefined);
    return this.seeding;
  }

  async exists(bucket: string): Promise<boolean> {
    await this.ready();
    if (this.backend.directory) return existsSync(path.join(this.backend.directory, bucket));
    try {
      await this.backend.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (err) {
      if ((err as Error).name === 'NotFound' || (err as Error).name === 'NoSuchBucket') return false;
      throw err;
    }
  }

  /** Buckets and their keys, read from s3rver's directory (empty when s3rver runs elsewhere). */
  listing(): Array<{ name: string; keys: string[] }> {
    const dir = this.backend.directory;
    if (!dir || !existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => ({
        name: d.name,
        keys: (readdirSync(path.join(dir, d.name), { recursive: true }) as string[])
          .filter((f) => f.endsWith(OBJECT_SUFFIX))
          .map((f) => f.slice(0, -OBJECT_SUFFIX.length).split(path.sep).join('/')),
      }));
  }

  /** Writes an object as of `at` (simulated epoch ms): ListObjectVersions dates it then. */
  async writeObject(bucket: string, key: string, body: string, at: number): Promise<void> {
    await this.ready();
    await this.backend.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }));
    this.writtenAt.set(`${bucket}/${key}`, at);
  }

  /** Deletes objects with every version, as a `DeleteObject` per version would: no delete marker is left to date them. */
  async destroyObjects(bucket: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.ready();
    await this.backend.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
    for (const key of keys) this.writtenAt.delete(`${bucket}/${key}`);
  }

  regionOf(bucket: string): string {
    return this.settings.get(bucket)?.region ?? this.defaultRegion;
  }

  private async bucket(i: Input): Promise<BucketSettings> {
    const name = i.Bucket ?? '';
    if (!(await this.exists(name))) throw awsError('s3', 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: name });
    let s = this.settings.get(name);
    if (!s) {
      s = { region: this.defaultRegion };
      this.settings.set(name, s);
    }
    return s;
  }

  private async configure(i: Input, apply: (s: BucketSettings) => void): Promise<Record<string, never>> {
    apply(await this.bucket(i));
    return {};
  }

  private async createBucket(i: CreateBucketCommandInput, call: SimCall): Promise<Record<string, unknown>> {
    const name = i.Bucket ?? '';
    if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) throw awsError('s3', 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name });
    const constraint = i.CreateBucketConfiguration?.LocationConstraint;
    if (constraint && constraint !== call.region) throw awsError('s3', 'IllegalLocationConstraintException', `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`);
    if (await this.exists(name)) throw awsError('s3', 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: name });
    const out = await this.passThrough(call);
    this.settings.set(name, { region: call.region });
    return out;
  }

  private async deleteBucket(i: DeleteBucketCommandInput, call: SimCall): Promise<Record<string, unknown>> {
    const out = await this.passThrough(call);
    this.settings.delete(i.Bucket ?? '');
    return out;
  }

  private async deleteObjects(i: DeleteObjectsCommandInput, call: SimCall): Promise<Record<string, unknown>> {
    // Without versioning in s3rver, the only version of an object is the object itself.
    const objects = (i.Delete?.Objects ?? []).map(({ VersionId, ...o }) => {
      if (VersionId !== undefined && VersionId !== 'null') throw awsError('s3', 'NoSuchVersion', `The specified version ${VersionId} does not exist.`);
      return o;
    });
    for (const o of objects) this.writtenAt.delete(`${i.Bucket}/${o.Key}`);
    return this.passThrough(call, { ...i, Delete: { ...i.Delete, Objects: objects } });
  }

  private async listObjectVersions(i: ListObjectVersionsCommandInput): Promise<Out<ListObjectVersionsCommandOutput>> {
    await this.bucket(i);
    const max = Math.min(i.MaxKeys ?? 1000, 1000);
    const page = await this.backend.client.send(
      new ListObjectsV2Command({ Bucket: i.Bucket, Prefix: i.Prefix, Delimiter: i.Delimiter, StartAfter: i.KeyMarker, MaxKeys: max }),
    );
    const versions = (page.Contents ?? []).map((o) => {
      const written = this.writtenAt.get(`${i.Bucket}/${o.Key}`);
      return { Key: o.Key, VersionId: 'null', IsLatest: true, ETag: o.ETag, Size: o.Size, LastModified: written !== undefined ? new Date(written) : o.LastModified, StorageClass: 'STANDARD' as const };
    });
    const last = versions.at(-1)?.Key;
    return {
      Name: i.Bucket,
      Prefix: i.Prefix,
      Delimiter: i.Delimiter,
      KeyMarker: i.KeyMarker,
      MaxKeys: max,
      IsTruncated: page.IsTruncated ?? false,
      NextKeyMarker: page.IsTruncated ? last : undefined,
      NextVersionIdMarker: page.IsTruncated ? 'null' : undefined,
      Versions: versions,
      DeleteMarkers: [],
      CommonPrefixes: page.CommonPrefixes,
    };
  }
}
