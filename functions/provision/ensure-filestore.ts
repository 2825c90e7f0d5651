/**
 * The tenant's filestore. Pooled: a prefix in the cell's versioned bucket. Dedicated: its own
 * versioned, encrypted, private bucket.
 */
import { ensureDedicatedBucket, ensurePooledPrefix } from '#shared/cloud/adapters/filestore.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { filestoreLocation } from '#shared/domain/fleet-lookup.ts';
import { resourceTags } from '#shared/domain/names.ts';
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
  if (JSON.stringify(tenant.resources.filestore) !== JSON.stringify(location)) {
    await updateTenant((t) => ({ ...t, resources: { ...t.resources, filestore: location } }), 'FilestoreEnsured');
  }
  return { ready: true, ...location };
});
