/**
 * Before the tenant is touched: the lease is ours; the tenant is ACTIVE with a database; its backups
 * are fresh (the newest automated backup younger than the fleet's policy) and point-in-time recovery
 * has a restorable time, recorded as the restore point. The names of the pre-change copy are
 * recorded too; the copy itself is taken once the tenant is in maintenance, so no write made
 * between the copy and the maintenance can be lost by a restore. `ok: false` skips the tenant.
 */
import { backupsAllowRelease, backupState } from '#shared/cloud/adapters/release-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';
import { backupCluster, preChangeCopy } from './lib/tenant-database.ts';
import { load, moveOutcome, patchItem, type UpgradeState } from './lib/upgrade-state.ts';

/** Outcomes a (re-)run may go on from: nothing done yet, or an upgrade whose every step converges. */
const MAY_PROCEED = new Set(['PENDING', 'WAITING_WINDOW', 'PREFLIGHT', 'UPGRADING']);

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { repo, state, config, now } = ctx;
  const { item, tenant } = await load(ctx);
  const operation = await repo.requireOperation(state.operationId);
  if (operation.status === 'PENDING') await repo.updateOperation(state.operationId, { status: 'RUNNING' });

  if (!MAY_PROCEED.has(item.outcome)) return { ok: false, reason: `the tenant is already ${item.outcome} in this release` };
  if (item.outcome === 'PENDING' || item.outcome === 'WAITING_WINDOW') {
    await moveOutcome(ctx, 'PreflightStarted', { startedAt: now().toISOString(), executionArn: ctx.executionArn });
  }
  if (item.outcome !== 'UPGRADING' && tenant.status !== 'ACTIVE') return { ok: false, reason: `tenant ${tenant.tenantId} is ${tenant.status}, not ACTIVE` };
  if (!tenant.resources.database) return { ok: false, reason: `tenant ${tenant.tenantId} has no database` };

  const cluster = backupCluster(config, tenant);
  const backups = await backupState(cloud().rds(tenant.activeRegion), cluster);
  const allowed = backupsAllowRelease(backups, now(), config.release.backupMaxAgeHours);
  if (!allowed.ok) return { ok: false, reason: `backups of ${cluster}: ${allowed.reason}` };

  const preflight = {
    backupAt: backups.newestBackupAt!.toISOString(),
    restorePoint: backups.latestRestorableTime!.toISOString(),
    ...preChangeCopy(config, tenant, state.releaseId),
  };
  await patchItem(ctx, (i) => ({ ...i, preflight: { ...i.preflight, ...preflight } }));
  return { ok: true, ...preflight };
});
