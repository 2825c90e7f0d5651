/**
 * Nothing is deleted before a final backup exists. Dedicated: a final cluster snapshot. Pooled: a
 * `pg_dump` of the tenant's database to the archive bucket, run as a Job in its namespace. Polled
 * until done; the record keeps where the backup is.
 */
import { ensureClusterSnapshot } from '#shared/cloud/adapters/database-dedicated.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { applyObjects, jobStatus } from '#shared/cloud/kubernetes-workloads.ts';
import { renderFinalDumpJob } from '#shared/domain/k8s-bundle.ts';
import { names, resourceTags } from '#shared/domain/names.ts';
import { resourceFailed } from '#shared/lib/errors.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';
import { FIELD_MANAGER } from '../provision/apply-kubernetes.ts';

type State = WorkflowState & { plan: { region: string; cluster: string; namespace: string }; backup?: { since?: string } };

const MAX_WAIT_SECONDS = 4 * 3600;

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state, config, now, tenant: loadTenant, updateTenant }) => {
  const tenant = await loadTenant();
  const { region, cluster, namespace } = state.plan;
  const since = pollSince(state.backup, now());
  const c = cloud();
  const database = tenant.resources.database;
  if (!database) return { done: true, skipped: 'no database was ever made' };

  let finalBackup: { snapshotIdentifier?: string; dumpKey?: string; bucket?: string };
  if (tenant.placement.model === 'dedicated') {
    const snapshotIdentifier = names.finalSnapshotIdentifier(tenant.tenantId, state.operationId, config.namePrefix);
    const snap = await ensureClusterSnapshot(c.rds(region), {
      clusterIdentifier: database.clusterIdentifier,
      snapshotIdentifier,
      tags: resourceTags(tenant.tenantId, state.operationId, { 'odoo:purpose': 'final-backup' }),
    });
    if (snap.status === 'failed') throw resourceFailed(`final snapshot ${snapshotIdentifier} failed`);
    if (snap.status !== 'available') {
      assertWithinDeadline(`final snapshot ${snapshotIdentifier}`, since, now(), MAX_WAIT_SECONDS);
      return { done: false, since, snapshotIdentifier, status: snap.status };
    }
    finalBackup = { snapshotIdentifier };
  } else {
    const api = await c.kubernetes(region, cluster);
    const jobName = names.finalDumpJobName(state.operationId);
    const archiveKey = `${names.archivePrefix(tenant.tenantId, state.operationId)}database.dump`;
    let status = await jobStatus(api, namespace, jobName);
    if (status === 'absent') {
      const job = renderFinalDumpJob({
        tenantId: tenant.tenantId,
        operationId: state.operationId,
        databaseName: database.databaseName,
        archiveBucket: config.archiveBucket,
        archiveKey,
      });
      await applyObjects(api, [job], FIELD_MANAGER);
      status = 'running';
    }
    if (status === 'failed') throw resourceFailed(`final dump job ${jobName} failed`);
    if (status !== 'succeeded') {
      assertWithinDeadline(`final dump job ${jobName}`, since, now(), MAX_WAIT_SECONDS);
      return { done: false, since, job: jobName, status };
    }
    finalBackup = { dumpKey: archiveKey, bucket: config.archiveBucket };
  }
  await updateTenant((t) => ({ ...t, resources: { ...t.resources, finalBackup: { ...t.resources.finalBackup, ...finalBackup } } }), 'FinalBackupTaken');
  return { done: true, ...finalBackup };
});
