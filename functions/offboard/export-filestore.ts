/**
 * Copies the tenant's filestore to the archive bucket, a bounded number of pages per invocation so
 * no Lambda runs out of time; the state machine calls it again with the continuation token.
 */
import { exportPrefix } from '#shared/cloud/adapters/filestore.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { names } from '#shared/domain/names.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';

type State = WorkflowState & { plan: { region: string }; export?: { continuationToken?: string; copied?: number } };

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state, config, tenant: loadTenant, updateTenant }) => {
  const tenant = await loadTenant();
  const filestore = tenant.resources.filestore;
  if (!filestore) return { done: true, copied: 0, skipped: 'no filestore was ever made' };
  const targetPrefix = `${names.archivePrefix(tenant.tenantId, state.operationId)}filestore/`;
  const page = await exportPrefix(cloud().s3(state.plan.region), {
    sourceBucket: filestore.bucket,
    prefix: filestore.prefix,
    targetBucket: config.archiveBucket,
    targetPrefix,
    continuationToken: state.export?.continuationToken,
  });
  const copied = (state.export?.copied ?? 0) + page.copied;
  if (!page.done) return { done: false, continuationToken: page.continuationToken, copied };
  await updateTenant(
    (t) => ({ ...t, resources: { ...t.resources, finalBackup: { ...t.resources.finalBackup, filestoreExportPrefix: targetPrefix, bucket: config.archiveBucket } } }),
    'FilestoreExported',
  );
  return { done: true, copied, targetPrefix };
});
