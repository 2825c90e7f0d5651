/**
 * Out of maintenance on the new version: the tenant's bundle, rendered with the release's image, is
 * stored as its desired state and applied (replicas and autoscaler back), then polled until every
 * Deployment runs the new image and is ready. That moment is the cut-over: users may write again,
 * the outcome becomes BAKING and the bake ends `bakeSeconds` later (a Wait on `bakeUntil`).
 * Kubernetes giving up on the rollout (`ProgressDeadlineExceeded`), or our own bound, fails the
 * step with `RolloutFailed`.
 */
import { clock } from '#shared/lib/clock.ts';
import { conflict } from '#shared/lib/errors.ts';
import { pollSince } from '#shared/lib/polling.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';
import { rolloutFailed } from './lib/upgrade-errors.ts';
import { applyTenantBundle, rolloutProgress, tenantCluster } from './lib/tenant-workloads.ts';
import { load, moveOutcome, type UpgradeState } from './lib/upgrade-state.ts';

const MAX_WAIT_SECONDS = 1800;

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { state, repo, config, now } = ctx;
  const { release, item, tenant } = await load(ctx);
  const bakeUntil = (cutoverAt: string) => clock().timerDeadline(new Date(Date.parse(cutoverAt) + release.strategy.bakeSeconds * 1000)).toISOString();
  if (item.outcome === 'BAKING' && item.cutoverAt) return { ready: true, cutoverAt: item.cutoverAt, bakeUntil: item.bakeUntil ?? bakeUntil(item.cutoverAt) };
  if (item.outcome !== 'UPGRADING') throw conflict(`the new image is rolled out while UPGRADING, not ${item.outcome}`);

  const where = await tenantCluster(tenant);
  let progress = await rolloutProgress(where.api, where.namespace, release.image);
  if (progress.needsApply) {
    await applyTenantBundle(repo, config, tenant, release.image, state.operationId, where);
    progress = await rolloutProgress(where.api, where.namespace, release.image);
  }
  if (progress.stuck) throw rolloutFailed(`${release.image} did not roll out: ${progress.stuck}`);
  if (!progress.ready) {
    const since = pollSince(state.roll, now());
    const waited = (now().getTime() - Date.parse(since)) / 1000;
    if (waited > MAX_WAIT_SECONDS) throw rolloutFailed(`${release.image} not ready after ${Math.round(waited)} s: ${progress.detail}`);
    return { ready: false, since, detail: progress.detail };
  }

  const cutoverAt = now().toISOString();
  // The bake's end is kept with the cut-over: the wave's end compares it with the Wait clock's now.
  const moved = await moveOutcome(ctx, 'CutOver', { cutoverAt, bakeUntil: bakeUntil(cutoverAt) });
  const at = moved.cutoverAt ?? cutoverAt;
  return { ready: true, cutoverAt: at, bakeUntil: moved.bakeUntil ?? bakeUntil(at), detail: progress.detail };
});
