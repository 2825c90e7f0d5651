/**
 * The tenant back on the image it ran before the release, rendered from its current record (so a
 * restored database's new endpoint and secret reach the pods too), replicas and autoscaler back,
 * polled until every Deployment is ready. A rollout Kubernetes gave up on fails the rollback.
 */
import { pollSince } from '#shared/lib/polling.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';
import { rolloutFailed } from './lib/upgrade-errors.ts';
import { applyTenantBundle, rolloutProgress, tenantCluster } from './lib/tenant-workloads.ts';
import { load, type UpgradeState } from './lib/upgrade-state.ts';

const MAX_WAIT_SECONDS = 1800;

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { state, repo, config, now } = ctx;
  const { item, tenant } = await load(ctx);
  if (item.outcome !== 'ROLLING_BACK') return { ready: true, skipped: `the tenant is ${item.outcome}, not ROLLING_BACK` };
  // The tenant record keeps its previous release until the upgrade completes.
  const image = item.previous?.image ?? tenant.release.image;
  const where = await tenantCluster(tenant);
  let progress = await rolloutProgress(where.api, where.namespace, image);
  if (progress.needsApply) {
    await applyTenantBundle(repo, config, tenant, image, state.operationId, where);
    progress = await rolloutProgress(where.api, where.namespace, image);
  }
  if (progress.stuck) throw rolloutFailed(`the previous image ${image} did not roll out: ${progress.stuck}`);
  if (!progress.ready) {
    const since = pollSince(state.revert, now());
    const waited = (now().getTime() - Date.parse(since)) / 1000;
    if (waited > MAX_WAIT_SECONDS) throw rolloutFailed(`the previous image ${image} not ready after ${Math.round(waited)} s: ${progress.detail}`);
    return { ready: false, since, image, detail: progress.detail };
  }
  return { ready: true, image, detail: progress.detail };
});
