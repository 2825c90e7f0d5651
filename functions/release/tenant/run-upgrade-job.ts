/**
 * The migration: one Kubernetes Job `odoo -u <modules> --stop-after-init` with the release's image,
 * named after the release so a retry finds it instead of starting a second one. When it was
 * started is recorded before it is created: from then on the database may be migrated, and a
 * rollback restores the pre-change copy. A release with no modules to update runs no Job. A failed
 * Job fails the step with `UpgradeFailed`.
 */
import { applyObjects, jobStatus } from '#shared/cloud/kubernetes-workloads.ts';
import { renderUpgradeJob } from '#shared/domain/k8s-jobs.ts';
import { releaseNames } from '#shared/domain/release-names.ts';
import { conflict } from '#shared/lib/errors.ts';
import { pollSince } from '#shared/lib/polling.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';
import { FIELD_MANAGER } from '../../provision/apply-kubernetes.ts';
import { databaseOf } from './lib/tenant-database.ts';
import { upgradeFailed } from './lib/upgrade-errors.ts';
import { tenantCluster } from './lib/tenant-workloads.ts';
import { load, patchItem, type UpgradeState } from './lib/upgrade-state.ts';

/** Below the Job's own deadline (3300 s) plus the time to notice it. */
const MAX_WAIT_SECONDS = 3600;

interface JobView {
  status?: { startTime?: string; completionTime?: string; conditions?: { type: string; status: string; message?: string }[] };
}

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { state, now } = ctx;
  const { release, item, tenant } = await load(ctx);
  if (item.outcome !== 'UPGRADING') throw conflict(`the upgrade Job runs while UPGRADING, not ${item.outcome}`);
  if (release.modules.length === 0) return { ready: true, skipped: 'no modules to update: the image changes, the database does not' };

  const where = await tenantCluster(tenant);
  const job = releaseNames.upgradeJob(state.releaseId);
  let status = await jobStatus(where.api, where.namespace, job);
  // The Job is kept a day after it ends; a finished upgrade recorded on the item is not run again.
  if (status === 'absent' && item.upgradeSeconds !== undefined) return { ready: true, job, status: 'succeeded' };
  if (status === 'absent') {
    if (!item.migrationStartedAt) await patchItem(ctx, (i) => ({ ...i, migrationStartedAt: now().toISOString() }));
    const database = databaseOf(tenant);
    const manifest = renderUpgradeJob({
      tenantId: tenant.tenantId,
      image: release.image,
      releaseId: state.releaseId,
      operationId: state.operationId,
      databaseName: database.databaseName,
      clusterIdentifier: database.clusterIdentifier,
      modules: release.modules,
      placement: tenant.placement,
    });
    await applyObjects(where.api, [manifest], FIELD_MANAGER);
    status = 'running';
  }

  const view = (await where.api.get({ apiVersion: 'batch/v1', kind: 'Job', name: job, namespace: where.namespace })) as JobView | undefined;
  if (status === 'failed') {
    const why = view?.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True')?.message ?? 'no reason given';
    throw upgradeFailed(`upgrade Job ${job} failed: ${why}`);
  }
  const since = pollSince(state.upgrade, now());
  if (status !== 'succeeded') {
    const waited = (now().getTime() - Date.parse(since)) / 1000;
    if (waited > MAX_WAIT_SECONDS) throw upgradeFailed(`upgrade Job ${job} still running after ${Math.round(waited)} s (limit ${MAX_WAIT_SECONDS} s)`);
    return { ready: false, since, job, status };
  }
  const started = Date.parse(view?.status?.startTime ?? '');
  const ended = Date.parse(view?.status?.completionTime ?? '');
  const seconds = Number.isFinite(started) && Number.isFinite(ended) ? Math.max(0, Math.round((ended - started) / 1000)) : undefined;
  if (item.upgradeSeconds === undefined && seconds !== undefined) await patchItem(ctx, (i) => ({ ...i, upgradeSeconds: seconds }));
  return { ready: true, job, status, seconds: seconds ?? null };
});
