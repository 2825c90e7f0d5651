import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchBucket,
  NotFound,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketReplicationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { deletePrefix, emptyAndDeleteBucket, ensureBucketReplication, ensureDedicatedBucket, ensurePooledPrefix, exportPrefix } from '#shared/cloud/adapters/filestore.ts';

const s3 = mockClient(S3Client);
const client = () => new S3Client({ region: 'eu-west-1' });
const meta = { $metadata: {} };
const notFound = () => new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });

function mockBucketSettings() {
  for (const command of [PutBucketVersioningCommand, PutBucketEncryptionCommand, PutPublicAccessBlockCommand, PutBucketOwnershipControlsCommand, PutBucketTaggingCommand]) {
    s3.on(command as typeof PutBucketTaggingCommand).resolves({});
  }
}

beforeEach(() => s3.reset());

describe('ensureDedicatedBucket', () => {
  const input = { bucket: 'odoo-acme-123456789012-eu-west-1', region: 'eu-west-1', tags: { 'odoo:tenant': 'acme' } };

  it('creates the bucket in its region and makes it versioned, KMS-encrypted, private and owner-enforced', async () => {
    // prepare
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(CreateBucketCommand).resolves({});
    mockBucketSettings();

    // act
    const result = await ensureDedicatedBucket(client(), { ...input, kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k' });

    // assess
    expect(result).toEqual({ bucket: input.bucket, created: true });
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({ Bucket: input.bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } });
    expect(s3).toHaveReceivedCommandWith(PutBucketVersioningCommand, { Bucket: input.bucket, VersioningConfiguration: { Status: 'Enabled' } });
    expect(s3.commandCalls(PutBucketEncryptionCommand)[0]!.args[0].input).toEqual({
      Bucket: input.bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:aws:kms:eu-west-1:1:key/k' }, BucketKeyEnabled: true }],
      },
    });
    expect(s3).toHaveReceivedCommandWith(PutPublicAccessBlockCommand, {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    });
    expect(s3).toHaveReceivedCommandWith(PutBucketOwnershipControlsCommand, { OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
    expect(s3).toHaveReceivedCommandWith(PutBucketTaggingCommand, { Tagging: { TagSet: [{ Key: 'odoo:tenant', Value: 'acme' }] } });
  });

  it('sends no location constraint in us-east-1 and uses SSE-S3 without a KMS key', async () => {
    s3.on(HeadBucketCommand).rejects(Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 404 } }));
    s3.on(CreateBucketCommand).resolves({});
    mockBucketSettings();

    await ensureDedicatedBucket(client(), { ...input, region: 'us-east-1' });

    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({ Bucket: input.bucket });
    expect(s3).toHaveReceivedCommandWith(PutBucketEncryptionCommand, {
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
  });

  it('does not create an existing bucket but still converges its settings', async () => {
    s3.on(HeadBucketCommand).resolves({});
    mockBucketSettings();

    const result = await ensureDedicatedBucket(client(), input);

    expect(result.created).toBe(false);
    expect(s3).not.toHaveReceivedCommand(CreateBucketCommand);
    expect(s3).toHaveReceivedCommandOnce(PutBucketVersioningCommand);
    expect(s3).toHaveReceivedCommandOnce(PutPublicAccessBlockCommand);
  });

  it('accepts BucketAlreadyOwnedByYou as an earlier attempt`s bucket', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(CreateBucketCommand).rejects(new BucketAlreadyOwnedByYou({ message: 'yours', ...meta }));
    mockBucketSettings();

    await expect(ensureDedicatedBucket(client(), input)).resolves.toEqual({ bucket: input.bucket, created: false });
  });

  it('fails without retry (ResourceFailed) when another account owns the name', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(CreateBucketCommand).rejects(new BucketAlreadyExists({ message: 'taken', ...meta }));

    await expect(ensureDedicatedBucket(client(), input)).rejects.toMatchObject({ name: 'ResourceFailed' });
    expect(s3).not.toHaveReceivedCommand(PutBucketVersioningCommand);
  });
});

describe('ensureBucketReplication', () => {
  it('replicates every object and delete marker to the DR bucket, re-encrypting KMS objects with the DR key, with replication metrics on', async () => {
    // prepare
    s3.on(PutBucketReplicationCommand).resolves({});

    // act
    await ensureBucketReplication(client(), {
      sourceBucket: 'odoo-acme-1-eu-west-1',
      destinationBucket: 'odoo-acme-1-eu-central-1',
      roleArn: 'arn:aws:iam::1:role/odoo-s3-replication',
      destinationKmsKeyId: 'alias/odoo-tenants',
    });

    // assess
    expect(s3.commandCalls(PutBucketReplicationCommand).map((c) => c.args[0].input)).toEqual([
      {
        Bucket: 'odoo-acme-1-eu-west-1',
        ReplicationConfiguration: {
          Role: 'arn:aws:iam::1:role/odoo-s3-replication',
          Rules: [
            {
              ID: 'dr-copy',
              Status: 'Enabled',
              Priority: 1,
              Filter: {},
              DeleteMarkerReplication: { Status: 'Enabled' },
              SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
              // Metrics without ReplicationTime: S3 then publishes ReplicationLatency, which failover readiness reads.
              Destination: { Bucket: 'arn:aws:s3:::odoo-acme-1-eu-central-1', StorageClass: 'STANDARD', EncryptionConfiguration: { ReplicaKmsKeyID: 'alias/odoo-tenants' }, Metrics: { Status: 'Enabled' } },
            },
          ],
        },
      },
    ]);
  });
});

describe('ensurePooledPrefix', () => {
  it('writes the tenant marker when the prefix has none', async () => {
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(PutObjectCommand).resolves({});

    const result = await ensurePooledPrefix(client(), { bucket: 'cell-1', prefix: 'tenants/acme/', tenantId: 'acme' });

    expect(result).toEqual({ bucket: 'cell-1', prefix: 'tenants/acme/', created: true });
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: 'cell-1', Key: 'tenants/acme/.tenant', ContentType: 'application/json' });
    expect(JSON.parse(put.Body as string)).toEqual({ tenantId: 'acme', prefix: 'tenants/acme/' });
  });

  it('leaves an existing marker alone', async () => {
    s3.on(HeadObjectCommand).resolves({});

    await expect(ensurePooledPrefix(client(), { bucket: 'cell-1', prefix: 'tenants/acme/', tenantId: 'acme' })).resolves.toMatchObject({ created: false });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });
});

describe('emptyAndDeleteBucket', () => {
  it('deletes every object version and delete marker, then the bucket', async () => {
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: [{ Key: 'a', VersionId: 'v1' }, { Key: 'a', VersionId: 'v2' }],
        DeleteMarkers: [{ Key: 'b', VersionId: 'm1' }],
        IsTruncated: false,
      })
      .resolves({});
    s3.on(DeleteObjectsCommand).resolves({});
    s3.on(DeleteBucketCommand).resolves({});

    const result = await emptyAndDeleteBucket(client(), { bucket: 'odoo-acme' });

    expect(result).toEqual({ status: 'deleted', deletedObjects: 3 });
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Bucket: 'odoo-acme',
      Delete: { Objects: [{ Key: 'a', VersionId: 'v1' }, { Key: 'a', VersionId: 'v2' }, { Key: 'b', VersionId: 'm1' }], Quiet: true },
    });
    expect(s3).toHaveReceivedCommandWith(DeleteBucketCommand, { Bucket: 'odoo-acme' });
  });

  it('stops after its page budget and reports in-progress without deleting the bucket', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a', VersionId: 'v1' }], IsTruncated: true });
    s3.on(DeleteObjectsCommand).resolves({});

    const result = await emptyAndDeleteBucket(client(), { bucket: 'odoo-acme', maxPages: 2 });

    expect(result).toEqual({ status: 'in-progress', deletedObjects: 2 });
    expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 2);
    expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
  });

  it('reports absent when the bucket is already gone', async () => {
    s3.on(ListObjectVersionsCommand).rejects(new NoSuchBucket({ message: 'gone', ...meta }));

    await expect(emptyAndDeleteBucket(client(), { bucket: 'odoo-acme' })).resolves.toEqual({ status: 'absent', deletedObjects: 0 });
  });

  it('fails as ResourceFailed when S3 refuses to delete objects, and propagates SlowDown by name', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a', VersionId: 'v1' }] });
    s3.on(DeleteObjectsCommand).resolvesOnce({ Errors: [{ Key: 'a', Code: 'AccessDenied', Message: 'denied' }] }).resolves({ Errors: [{ Key: 'a', Code: 'SlowDown' }] });

    await expect(emptyAndDeleteBucket(client(), { bucket: 'odoo-acme' })).rejects.toMatchObject({ name: 'ResourceFailed' });
    await expect(emptyAndDeleteBucket(client(), { bucket: 'odoo-acme' })).rejects.toMatchObject({ name: 'SlowDown' });
  });
});

describe('deletePrefix', () => {
  it('deletes only the versions under the prefix', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'tenants/acme/x', VersionId: 'v1' }], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({});

    const result = await deletePrefix(client(), { bucket: 'cell-1', prefix: 'tenants/acme/' });

    expect(result).toEqual({ status: 'deleted', deletedObjects: 1 });
    expect(s3).toHaveReceivedCommandWith(ListObjectVersionsCommand, { Bucket: 'cell-1', Prefix: 'tenants/acme/' });
    expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
  });

  it('reports deleted when nothing is left', async () => {
    s3.on(ListObjectVersionsCommand).resolves({});

    await expect(deletePrefix(client(), { bucket: 'cell-1', prefix: 'tenants/acme/' })).resolves.toEqual({ status: 'deleted', deletedObjects: 0 });
  });

  it('refuses an empty prefix or one that would match other tenants', async () => {
    await expect(deletePrefix(client(), { bucket: 'cell-1', prefix: '' })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(deletePrefix(client(), { bucket: 'cell-1', prefix: 'tenants/acme' })).rejects.toMatchObject({ name: 'ValidationError' });
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});

describe('exportPrefix', () => {
  const input = { sourceBucket: 'cell-1', prefix: 'tenants/acme/', targetBucket: 'archive', targetPrefix: 'offboarded/acme/op-1/filestore/' };

  it('copies each object below the target prefix and reports done on the last page', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'tenants/acme/ab/c d.pdf' }, { Key: 'tenants/acme/.tenant' }], IsTruncated: false });
    s3.on(CopyObjectCommand).resolves({});

    const result = await exportPrefix(client(), input);

    expect(result).toEqual({ done: true, copied: 2 });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: 'archive',
      Key: 'offboarded/acme/op-1/filestore/ab/c d.pdf',
      CopySource: 'cell-1/tenants/acme/ab/c%20d.pdf',
    });
  });

  it('returns the continuation token after its page budget and resumes from it', async () => {
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({ Contents: [{ Key: 'tenants/acme/1' }], IsTruncated: true, NextContinuationToken: 't1' });
    s3.on(ListObjectsV2Command, { ContinuationToken: 't1' }).resolves({ Contents: [{ Key: 'tenants/acme/2' }], IsTruncated: false });
    s3.on(CopyObjectCommand).resolves({});

    const first = await exportPrefix(client(), { ...input, maxPages: 1 });
    const second = await exportPrefix(client(), { ...input, maxPages: 1, continuationToken: first.continuationToken });

    expect(first).toEqual({ done: false, continuationToken: 't1', copied: 1 });
    expect(second).toEqual({ done: true, copied: 1 });
  });

  it('lets SlowDown propagate unchanged', async () => {
    s3.on(ListObjectsV2Command).rejects(new S3ServiceException({ name: 'SlowDown', $fault: 'server', message: 'slow down', ...meta }));

    await expect(exportPrefix(client(), input)).rejects.toMatchObject({ name: 'SlowDown' });
  });
});
