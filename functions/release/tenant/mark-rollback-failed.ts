/**
 * A rollback failed: the tenant cannot be trusted to be on a known version. Its outcome is FAILED
 * with the reason (through the rows of the outcome table that lead there), the tenant FAILED, the
 * whole release HALTED at once (no further tenant starts), an alert event is published, and the
 * lease released so an operator's repair can take the tenant.
 */
import { publishReleaseEvent } from '#shared/cloud/release-events.ts';
import type { TenantOutcomeEvent, TenantOutcomeStatus } from '#shared/domain/release-tenant-outcome.ts';
import { AppError } from '#shared/lib/errors.ts';
import { updateReleaseStatus } from '#shared/lib/release-step.ts';
import { caughtError, failRunningSteps, workflowStep } from '#shared/lib/workflow-step.ts';
import { load, moveOutcome, moveTenant, type UpgradeState } from './lib/upgrade-state.ts';

/** The events that take each outcome to FAILED; a changed tenant always passes through ROLLING_BACK. */
const TO_FAILED: Partial<Record<TenantOutcomeStatus, TenantOutcomeEvent[]>> = {
  UPGRADING: ['UpgradeFailed', 'RollbackFailed'],
  BAKING: ['RestoreNeedsDecision', 'RollbackDecided', 'RollbackFailed'],
  AWAITING_DECISION: ['RollbackDecided', 'RollbackFailed'],
  ROLLING_BACK: ['RollbackFailed'],
};

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { state, step, repo, now } = ctx;
  const error = caughtError(state);
  const at = now().toISOString();
  const reason = `rollback failed: ${error.code}: ${error.message}`;
  await failRunningSteps(repo, state.operationId, error, at, step);
  const { item, tenant } = await load(ctx);

  let outcome = item.outcome;
  for (const event of TO_FAILED[item.outcome] ?? []) outcome = (await moveOutcome(ctx, event, { reason, ...(event === 'RollbackFailed' ? { endedAt: at } : {}) })).outcome;
  if (tenant.status === 'UPDATING') await moveTenant(ctx, 'UpdateFailed', 'FAILED', () => ({ statusReason: `release ${state.releaseId}: ${reason}` }), 'ReleaseRollbackFailed');

  let release = await repo.requireRelease(state.releaseId);
  try {
    release = await updateReleaseStatus(repo, state.releaseId, now, (r) => ({ ...r, statusReason: `the rollback of tenant ${state.tenantId} failed: ${error.code}: ${error.message}` }), 'RollbackFailed');
  } catch (err) {
    // Already stopped another way (aborted, failed): it stays so, and the alert still goes out.
    if (!(err instanceof AppError && err.code === 'Conflict')) throw err;
  }
  await publishReleaseEvent({
    detailType: 'Release Rollback Failed',
    release,
    tenantId: state.tenantId,
    detail: { error, operationId: state.operationId, outcome, tenantStatus: tenant.status === 'UPDATING' ? 'FAILED' : tenant.status },
    at: now(),
  });
  await repo.releaseLease(state.tenantId, state.operationId);
  await repo.updateOperation(state.operationId, { status: 'FAILED', error, endedAt: at });
  return { outcome, releaseStatus: release.status, reason };
});
