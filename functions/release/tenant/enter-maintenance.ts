/**
 * Maintenance: the tenant is UPDATING and web, worker and cron are scaled to zero, so no user and
 * no cron writes while the database is copied, migrated or restored. Run on the way in (the outcome
 * becomes UPGRADING: from here the tenant is changed) and again before a rollback's restore; polled
 * until no Odoo pod is ready. A tenant this release never changed is left alone.
 */
import { scaleToZero } from '#shared/cloud/kubernetes-workloads.ts';
import { isSettledOutcome } from '#shared/domain/release-tenant-outcome.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';
import { scaledDown, tenantCluster } from './lib/tenant-workloads.ts';
import { load, moveOutcome, moveTenant, type UpgradeState } from './lib/upgrade-state.ts';

const MAX_WAIT_SECONDS = 900;

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { state, now } = ctx;
  const { item, tenant } = await load(ctx);
  if (isSettledOutcome(item.outcome)) return { ready: true, skipped: `the tenant is ${item.outcome}: nothing to put in maintenance` };
  if (item.outcome === 'PREFLIGHT') await moveOutcome(ctx, 'UpgradeStarted');
  if (tenant.status !== 'UPDATING') await moveTenant(ctx, 'UpdateStarted', 'UPDATING', () => ({ statusReason: `release ${state.releaseId}: maintenance` }), 'MaintenanceStarted');

  const where = await tenantCluster(tenant);
  const since = pollSince(state.maintenance, now());
  await scaleToZero(where.api, where.namespace);
  const { down, detail } = await scaledDown(where.api, where.namespace);
  if (!down) {
    assertWithinDeadline(`maintenance of ${tenant.tenantId} (${detail})`, since, now(), MAX_WAIT_SECONDS);
    return { ready: false, since, detail };
  }
  return { ready: true, detail };
});
