/**
 * Tenant filestores in S3: a dedicated tenant's own bucket, or a prefix of its cell's bucket. The
 * long operations (emptying, exporting) do a bounded number of list pages per call and report
 * whether they are done, so no Lambda runs out of time and the workflow loops until they are.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketReplicationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import { resourceFailed, validationError } from '#shared/lib/errors.ts';
import { isTransient } from '#shared/lib/transient-errors.ts';
import { hasName, isS3NotFound } from './aws-errors.ts';
import { tagList } from './tag-list.ts';

/** List pages (up to 1,000 keys each) one call deletes: DeleteObjects is quick, so ten fit easily in a Lambda. */
export const DELETE_PAGES_PER_CALL = 10;
/** List pages one call copies: 1,000 CopyObject calls each. */
export const EXPORT_PAGES_PER_CALL = 2;
const COPY_CONCURRENCY = 8;

export interface EnsureBucketInput {
  bucket: string;
  region: string;
  /** Customer managed KMS key; SSE-S3 (AES256) when absent. */
  kmsKeyId?: string;
  tags: Record<string, string>;
}

/**
 * Creates the bucket if needed, then applies every setting each time: a bucket created by an
 * attempt that crashed before its settings is still made versioned, encrypted and private.
 */
export async function ensureDedicatedBucket(s3: S3Client, input: EnsureBucketInput): Promise<{ bucket: string; created: boolean }> {
  const Bucket = input.bucket;
  let created = false;
  try {
    await s3.send(new HeadBucketCommand({ Bucket }));
  } catch (err) {
    if (!isS3NotFound(err)) throw err;
    try {
      await s3.send(
        new CreateBucketCommand({
          Bucket,
          // us-east-1 is the default location and refuses to be named as a constraint.
          CreateBucketConfiguration: input.region === 'us-east-1' ? undefined : { LocationConstraint: input.region as BucketLocationConstraint },
        }),
      );
      created = true;
    } catch (createErr) {
      if (hasName(createErr, 'BucketAlreadyExists')) throw resourceFailed(`bucket name ${Bucket} is taken by another AWS account`);
      if (!hasName(createErr, 'BucketAlreadyOwnedByYou')) throw createErr;
    }
  }

  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [
          input.kmsKeyId
            ? { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: input.kmsKeyId }, BucketKeyEnabled: true }
            : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }),
  );
  await s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
  await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tagList(input.tags) } }));
  return { bucket: Bucket, created };
}

export interface BucketReplicationInput {
  sourceBucket: string;
  destinationBucket: string;
  /** The role S3 assumes to read the source and write the destination. */
  roleArn: string;
  /** The destination region's key for replicas of KMS-encrypted objects; SSE-S3 objects need none. */
  destinationKmsKeyId?: string;
}

/** The id of the dedicated buckets' replication rule: the `RuleId` of its replication metrics. */
export const DR_REPLICATION_RULE_ID = 'dr-copy';

/**
 * Replicates every new object version (and delete markers, so a deletion is not undone by a
 * failover) of a dedicated tenant's bucket to its DR bucket. Both buckets must be versioned. Put
 * every time: the call replaces the whole configuration, so a retry converges on this one.
 * Replication metrics are on so failover readiness can read the backlog (`ReplicationLatency`);
 * they need no Replication Time Control, whose 15-minute SLA is not bought here.
 */
export async function ensureBucketReplication(s3: S3Client, input: BucketReplicationInput): Promise<void> {
  const kms = input.destinationKmsKeyId;
  await s3.send(
    new PutBucketReplicationCommand({
      Bucket: input.sourceBucket,
      ReplicationConfiguration: {
        Role: input.roleArn,
        Rules: [
          {
            ID: DR_REPLICATION_RULE_ID,
            Status: 'Enabled',
            Priority: 1,
            Filter: {},
            DeleteMarkerReplication: { Status: 'Enabled' },
            ...(kms ? { SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } } } : {}),
            Destination: {
              Bucket: `arn:aws:s3:::${input.destinationBucket}`,
              StorageClass: 'STANDARD',
              ...(kms ? { EncryptionConfiguration: { ReplicaKmsKeyID: kms } } : {}),
              Metrics: { Status: 'Enabled' },
            },
          },
        ],
      },
    }),
  );
}

/** The object that marks a prefix as a tenant's, so an operator listing the cell bucket sees whose it is. */
export const tenantMarkerKey = (prefix: string) => `${prefix}.tenant`;

export async function ensurePooledPrefix(
  s3: S3Client,
  input: { bucket: string; prefix: string; tenantId: string },
): Promise<{ bucket: string; prefix: string; created: boolean }> {
  const Key = tenantMarkerKey(input.prefix);
  const result = { bucket: input.bucket, prefix: input.prefix };
  try {
    await s3.send(new HeadObjectCommand({ Bucket: input.bucket, Key }));
    return { ...result, created: false };
  } catch (err) {
    if (!isS3NotFound(err)) throw err;
  }
  await s3.send(
    new PutObjectCommand({
      Bucket: input.bucket,
      Key,
      Body: JSON.stringify({ tenantId: input.tenantId, prefix: input.prefix }),
      ContentType: 'application/json',
    }),
  );
  return { ...result, created: true };
}

export interface RemovalProgress {
  deletedObjects: number;
}

/** Deletes every version and delete marker under `prefix` (the whole bucket when undefined), a bounded number of pages. */
async function deleteVersions(s3: S3Client, bucket: string, prefix: string | undefined, maxPages: number): Promise<{ empty: boolean; deletedObjects: number }> {
  let deletedObjects = 0;
  for (let page = 0; page < maxPages; page++) {
    // Always from the start: what the previous page listed is gone now.
    const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
    const objects: ObjectIdentifier[] = [...(listing.Versions ?? []), ...(listing.DeleteMarkers ?? [])]
      .filter((v): v is typeof v & { Key: string } => !!v.Key)
      .map((v) => ({ Key: v.Key, VersionId: v.VersionId }));
    if (objects.length === 0) return { empty: true, deletedObjects };
    const out = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    const failure = out.Errors?.[0];
    if (failure) {
      const code = failure.Code ?? 'Unknown';
      const message = `${out.Errors?.length ?? 1} objects of ${bucket} could not be deleted, first ${failure.Key}: ${code} ${failure.Message ?? ''}`.trim();
      if (isTransient({ name: code })) throw Object.assign(new Error(message), { name: code });
      throw resourceFailed(message);
    }
    deletedObjects += objects.length;
    if (!listing.IsTruncated) return { empty: true, deletedObjects };
  }
  return { empty: false, deletedObjects };
}

export async function emptyAndDeleteBucket(
  s3: S3Client,
  input: { bucket: string; maxPages?: number },
): Promise<RemovalProgress & { status: 'deleted' | 'absent' | 'in-progress' }> {
  let progress: { empty: boolean; deletedObjects: number };
  try {
    progress = await deleteVersions(s3, input.bucket, undefined, input.maxPages ?? DELETE_PAGES_PER_CALL);
  } catch (err) {
    if (hasName(err, 'NoSuchBucket')) return { status: 'absent', deletedObjects: 0 };
    throw err;
  }
  if (!progress.empty) return { status: 'in-progress', deletedObjects: progress.deletedObjects };
  try {
    await s3.send(new DeleteBucketCommand({ Bucket: input.bucket }));
  } catch (err) {
    if (hasName(err, 'NoSuchBucket')) return { status: 'absent', deletedObjects: progress.deletedObjects };
    // Something wrote while we emptied: the next call deletes that too.
    if (hasName(err, 'BucketNotEmpty')) return { status: 'in-progress', deletedObjects: progress.deletedObjects };
    throw err;
  }
  return { status: 'deleted', deletedObjects: progress.deletedObjects };
}

/**
 * A prefix must end with `/`: `tenants/acme` would also match `tenants/acme-corp/`, and an empty
 * prefix is the whole cell bucket.
 */
function assertTenantPrefix(prefix: string): void {
  if (!prefix || !prefix.endsWith('/')) throw validationError(`refusing to delete prefix "${prefix}": it must be non-empty and end with "/"`);
}

export async function deletePrefix(
  s3: S3Client,
  input: { bucket: string; prefix: string; maxPages?: number },
): Promise<RemovalProgress & { status: 'deleted' | 'in-progress' }> {
  assertTenantPrefix(input.prefix);
  try {
    const progress = await deleteVersions(s3, input.bucket, input.prefix, input.maxPages ?? DELETE_PAGES_PER_CALL);
    return { status: progress.empty ? 'deleted' : 'in-progress', deletedObjects: progress.deletedObjects };
  } catch (err) {
    if (hasName(err, 'NoSuchBucket')) return { status: 'deleted', deletedObjects: 0 };
    throw err;
  }
}

export interface ExportPrefixInput {
  sourceBucket: string;
  prefix: string;
  targetBucket: string;
  targetPrefix: string;
  /** From the previous call's answer; absent on the first call. */
  continuationToken?: string;
  maxPages?: number;
}

export interface ExportProgress {
  done: boolean;
  continuationToken?: string;
  copied: number;
}

/** CopySource is `bucket/key`, URL-encoded; slashes stay as they are. */
const copySource = (bucket: string, key: string) => `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

/**
 * Copies the current version of each object under `prefix` to `targetPrefix` (keys keep their path
 * below the prefix). Copying again overwrites with the same content, so a replayed page is harmless.
 * CopyObject takes objects up to 5 GB.
 */
export async function exportPrefix(s3: S3Client, input: ExportPrefixInput): Promise<ExportProgress> {
  let token = input.continuationToken;
  let copied = 0;
  const maxPages = input.maxPages ?? EXPORT_PAGES_PER_CALL;
  for (let page = 0; page < maxPages; page++) {
    const listing = await s3.send(new ListObjectsV2Command({ Bucket: input.sourceBucket, Prefix: input.prefix, ContinuationToken: token }));
    const keys = (listing.Contents ?? []).map((o) => o.Key).filter((k): k is string => !!k);
    for (let i = 0; i < keys.length; i += COPY_CONCURRENCY) {
      await Promise.all(
        keys.slice(i, i + COPY_CONCURRENCY).map((key) =>
          s3.send(
            new CopyObjectCommand({
              Bucket: input.targetBucket,
              Key: `${input.targetPrefix}${key.slice(input.prefix.length)}`,
              CopySource: copySource(input.sourceBucket, key),
            }),
          ),
        ),
      );
    }
    copied += keys.length;
    token = listing.IsTruncated ? listing.NextContinuationToken : undefined;
    if (!token) return { done: true, copied };
  }
  return { done: false, continuationToken: token, copied };
}
