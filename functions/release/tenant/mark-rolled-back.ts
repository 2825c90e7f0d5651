/**
 * The rollback is done: the outcome is ROLLED_BACK with what was undone, the tenant ACTIVE on its
 * previous version and out of maintenance, an unused pooled copy dropped, the lease released. The
 * tenant's operation ends FAILED (its upgrade did not happen) with the reason.
 */
import { dropPooledCopy } from '#shared/cloud/adapters/release-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';
import { cellFor } from './lib/tenant-database.ts';
import { load, moveOutcome, moveTenant, type UpgradeState } from './lib/upgrade-state.ts';

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { state, repo, config, now } = ctx;
  const loaded = await load(ctx);
  const tenant = loaded.tenant;
  let item = loaded.item;
  const at = now().toISOString();
  const reason = item.rollback?.reason ?? item.reason ?? 'rolled back';
  if (item.outcome === 'ROLLING_BACK') {
    item = await moveOutcome(ctx, 'RollbackSucceeded', { endedAt: at, rollback: { ...item.rollback, reason, databaseRestored: item.rollback?.databaseRestored ?? false, at } });
  }
  if (tenant.status === 'UPDATING') {
    const previous = item.previous ?? tenant.release;
    await moveTenant(ctx, 'UpdateRolledBack', 'ACTIVE', () => ({ release: previous, statusReason: `release ${state.releaseId} rolled back: ${reason}` }), 'ReleaseRolledBack');
  }
  const copy = item.preflight?.copyDatabase;
  const dropped = tenant.placement.model === 'pooled' && copy ? await dropPooledCopy(cloud().rdsData(tenant.activeRegion), cellFor(config, tenant), copy) : 'none';
  await repo.releaseLease(state.tenantId, state.operationId);
  const operation = await repo.requireOperation(state.operationId);
  if (!['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(operation.status)) {
    const status = item.outcome === 'SKIPPED' ? 'CANCELLED' : 'FAILED';
    await repo.updateOperation(state.operationId, { status, error: { code: item.outcome === 'SKIPPED' ? 'TenantSkipped' : 'TenantRolledBack', message: reason }, endedAt: at });
  }
  return { outcome: item.outcome, databaseRestored: item.rollback?.databaseRestored ?? false, copy: dropped };
});
