/**
 * The tenant's filestore. Pooled: a prefix in the cell's versioned bucket (the cell's bucket has its
 * own replica in the DR region). Dedicated: its own versioned, encrypted, private bucket; with a DR
 * posture, a bucket like it in the DR region, which S3 replication fills.
 */
import { drKmsKeyId } from '#shared/cloud/adapters/database-dr.ts';
import { ensureBucketReplication, ensureDedicatedBucket, ensurePooledPrefix } from '#shared/cloud/adapters/filestore.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { filestoreLocation, otherRegion } from '#shared/domain/fleet-lookup.ts';
import { names, resourceTags } from '#shared/domain/names.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';

type State = WorkflowState & { plan: { region: string } };

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state, config, tenant: loadTenant, updateTenant }) => {
  const tenant = await loadTenant();
  const region = state.plan.region;
  const s3 = cloud().s3(region);
  const location = filestoreLocation(config, tenant.tenantId, tenant.placement, region);
  if (tenant.placement.model === 'dedicated') {
    await ensureDedicatedBucket(s3, {
      bucket: location.bucket,
      region,
      kmsKeyId: config.dedicated.kmsKeyId,
      tags: resourceTags(tenant.tenantId, state.operationId),
    });
  }
  await ensurePooledPrefix(s3, { bucket: location.bucket, prefix: location.prefix, tenantId: tenant.tenantId });
  if (tenant.placement.model === 'dedicated' && tenant.placement.drPosture !== 'backup-restore') {
    const drRegion = otherRegion(config, region);
    const bucket = names.bucketName(tenant.tenantId, config.accountId, drRegion, config.namePrefix);
    const kmsKeyId = drKmsKeyId(config.dedicated.kmsKeyId, drRegion);
    await ensureDedicatedBucket(cloud().s3(drRegion), { bucket, region: drRegion, kmsKeyId, tags: resourceTags(tenant.tenantId, state.operationId) });
    await ensureBucketReplication(s3, {
      sourceBucket: location.bucket,
      destinationBucket: bucket,
      roleArn: `arn:aws:iam::${config.accountId}:role/${names.replicationRoleName(config.namePrefix)}`,
      destinationKmsKeyId: kmsKeyId,
    });
    if (tenant.resources.dr?.bucket !== bucket || tenant.resources.dr.region !== drRegion) {
      await updateTenant((t) => ({ ...t, resources: { ...t.resources, dr: { ...t.resources.dr, region: drRegion, bucket } } }), 'FilestoreDrCopyEnsured');
    }
  }
  if (JSON.stringify(tenant.resources.filestore) !== JSON.stringify(location)) {
    await updateTenant((t) => ({ ...t, resources: { ...t.resources, filestore: location } }), 'FilestoreEnsured');
  }
  return { ready: true, ...location };
});
