import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

describe('simulated S3 in front of s3rver', () => {
  let h: SimHarness;
  const s3 = () => h.provider.s3(PRIMARY);
  const bucket = 'odoo-globex-000000000000-eu-west-1';

  beforeAll(async () => {
    h = await startSim();
  });
  afterAll(async () => h.stop());

  it('stores and lists objects in a seeded cell bucket through s3rver', async () => {
    // prepare
    const cellBucket = h.config.cells[0]!.bucket;

    // act
    await s3().send(new PutObjectCommand({ Bucket: cellBucket, Key: 'tenants/acme/filestore/ab/cdef', Body: 'attachment' }));
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: cellBucket, Prefix: 'tenants/acme/' }));

    // assess
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['tenants/acme/filestore/ab/cdef']);
    const inv = h.sim.inventory().regions[PRIMARY]!.s3.buckets.find((b) => b.name === cellBucket);
    expect(inv).toMatchObject({ versioning: 'Enabled', prefixes: ['tenants/acme/'] });
  });

  it('creates a bucket once; a second create answers BucketAlreadyOwnedByYou', async () => {
    // act
    await s3().send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: PRIMARY } }));
    const again = await rejection(s3().send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: PRIMARY } })));
    const invalid = await rejection(s3().send(new CreateBucketCommand({ Bucket: 'Not_A_Bucket' })));

    // assess
    expect(again.name).toBe('BucketAlreadyOwnedByYou');
    expect(invalid.name).toBe('InvalidBucketName');
  });

  it('records versioning, encryption, public access block and tags that s3rver lacks', async () => {
    // act
    await s3().send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3().send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } }));
    await s3().send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true } }));
    await s3().send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'odoo:tenant', Value: 'globex' }] } }));
    const versioning = await s3().send(new GetBucketVersioningCommand({ Bucket: bucket }));
    const tags = await s3().send(new GetBucketTaggingCommand({ Bucket: bucket }));
    const missing = await rejection(s3().send(new GetBucketVersioningCommand({ Bucket: 'odoo-nobody-000000000000-eu-west-1' })));

    // assess
    expect(versioning.Status).toBe('Enabled');
    expect(tags.TagSet).toEqual([{ Key: 'odoo:tenant', Value: 'globex' }]);
    expect(missing.name).toBe('NoSuchBucket');
    const inv = h.sim.inventory().regions[PRIMARY]!.s3.buckets.find((b) => b.name === bucket);
    expect(inv).toMatchObject({ versioning: 'Enabled', encryption: 'aws:kms', publicAccessBlocked: true, tags: { 'odoo:tenant': 'globex' } });
  });

  it("lists each object as its single 'null' version, and deletes by that version", async () => {
    // prepare
    for (const key of ['tenants/globex/a', 'tenants/globex/b']) await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));

    // act
    const versions = await s3().send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'tenants/globex/' }));
    const deleted = await s3().send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: (versions.Versions ?? []).map((v) => ({ Key: v.Key, VersionId: v.VersionId })) } }),
    );
    const after = await s3().send(new ListObjectsV2Command({ Bucket: bucket }));

    // assess
    expect(versions.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ['tenants/globex/a', 'null', true],
      ['tenants/globex/b', 'null', true],
    ]);
    expect(versions.DeleteMarkers).toEqual([]);
    expect(deleted.Deleted).toHaveLength(2);
    expect(after.Contents ?? []).toEqual([]);
  });
});
