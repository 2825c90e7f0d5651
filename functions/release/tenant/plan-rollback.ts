/**
 * What a rollback must undo, decided once the upgrade failed, the verdict failed, or a human ordered
 * it. The image always goes back. The database is restored from the pre-change copy when the
 * migration ran, unless users wrote after the cut-over (newest `write_date` of the business tables
 * at or after `cutoverAt`): that restore would lose their work, so a human decides (`needsDecision`).
 * Unknown writes count as writes. A recorded human decision wins. A tenant never changed (the
 * failure came before maintenance) is skipped instead.
 */
import { newestBusinessWrite } from '#shared/cloud/adapters/release-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import type { TenantRelease } from '#shared/domain/release-types.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { logger } from '#shared/lib/logger.ts';
import { isTransient } from '#shared/lib/transient-errors.ts';
import { caughtError, workflowStep } from '#shared/lib/workflow-step.ts';
import { tenantDataTarget } from './lib/tenant-database.ts';
import { load, moveOutcome, type UpgradeContext, type UpgradeState } from './lib/upgrade-state.ts';

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { state, repo } = ctx;
  const { item, tenant } = await load(ctx);
  const migrationRan = item.migrationStartedAt !== undefined;
  const reason = failureReason(state, item);
  const rollback = (r: string) => ({ rollback: { reason: r, databaseRestored: false } });
  const plan = (needsDecision: boolean, extra: Record<string, unknown> = {}) => ({ restoreDatabase: migrationRan && !needsDecision, needsDecision, migrationRan, ...extra });
  const operation = await repo.requireOperation(state.operationId);
  if (operation.status === 'WAITING_APPROVAL') await repo.updateOperation(state.operationId, { status: 'RUNNING' });

  switch (item.outcome) {
    case 'PREFLIGHT':
      // Maintenance never began: nothing to undo.
      await moveOutcome(ctx, 'PreflightFailed', { reason: `not started: ${reason}`, endedAt: ctx.now().toISOString() });
      return { restoreDatabase: false, needsDecision: false, migrationRan: false, skipped: true };
    case 'UPGRADING':
      // Still in maintenance: no user can have written since the copy.
      await moveOutcome(ctx, 'UpgradeFailed', { reason, ...rollback(reason) });
      return plan(false);
    case 'BAKING': {
      if (!migrationRan) {
        await moveOutcome(ctx, 'VerdictFailed', { reason, ...rollback(reason) }, { migrationRan: false });
        return plan(false);
      }
      const writes = await userWritesSinceCutover(ctx, tenant, item);
      if (writes.known && !writes.wrote) {
        await moveOutcome(ctx, 'VerdictFailed', { reason, ...rollback(reason) }, { migrationRan: true, userWritesSinceCutover: false });
        return plan(false, { newestWrite: writes.newest });
      }
      const why = writes.known ? `users wrote at ${writes.newest} after the cut-over at ${item.cutoverAt}` : `whether users wrote after the cut-over is unknown (${writes.detail})`;
      await moveOutcome(ctx, 'RestoreNeedsDecision', { reason: `${reason}; ${why}: restoring the database would lose their data, a human decides` });
      return plan(true, { newestWrite: writes.newest ?? null });
    }
    case 'AWAITING_DECISION': {
      const choice = state.decision?.choice ?? item.decision?.choice;
      if (choice !== 'rollback') return plan(true);
      const by = item.decision?.by ?? state.actor;
      const decided = `rollback ordered by ${by}${item.decision?.reason ? `: ${item.decision.reason}` : ''}`;
      await moveOutcome(ctx, 'RollbackDecided', { reason: decided, ...rollback(decided) });
      return plan(false, { decidedBy: by });
    }
    case 'ROLLING_BACK':
      return plan(false);
    default:
      // Settled (a late error after the tenant completed): nothing is rolled back.
      return { restoreDatabase: false, needsDecision: false, migrationRan, skipped: true, outcome: item.outcome };
  }
});

function failureReason(state: UpgradeState, item: TenantRelease): string {
  if (state.error) {
    const e = caughtError(state);
    return `${e.code}: ${e.message}`;
  }
  if (item.verdict?.outcome === 'fail') return `verdict failed: ${item.verdict.reasons.join('; ')}`;
  return item.reason ?? 'rollback requested';
}

async function userWritesSinceCutover(ctx: UpgradeContext, tenant: Tenant, item: TenantRelease): Promise<{ known: boolean; wrote?: boolean; newest?: string; detail?: string }> {
  try {
    const newest = await newestBusinessWrite(cloud().rdsData(tenant.activeRegion), tenantDataTarget(ctx.config, tenant));
    if (!newest || !item.cutoverAt) return { known: !!item.cutoverAt, wrote: false, newest: newest?.toISOString() };
    return { known: true, wrote: newest.getTime() >= Date.parse(item.cutoverAt), newest: newest.toISOString() };
  } catch (error) {
    // Throttling and the like are retried by the workflow; anything else leaves the answer unknown.
    if (isTransient(error)) throw error;
    logger.warn('newest write unknown', { tenantId: tenant.tenantId, error });
    return { known: false, detail: (error as Error).message };
  }
}
