/**
 * A tenant's child execution ended in an error its own Catch paths did not handle (a crash, a
 * timeout, an execution that could not be started). What that means depends on how far it got:
 * - settled already: nothing to do (the child had finished; only starting it again failed);
 * - nothing about the tenant changed yet (PENDING, WAITING_WINDOW, PREFLIGHT): SKIPPED with the
 *   error, lease given back; it does not count against the budget;
 * - the tenant was being changed: its state is unknown, like after a failed rollback. The outcome
 *   and the tenant become FAILED with the error, the release halts at once and an alert event goes
 *   out, as `mark-rollback-failed` does.
 * The tenant's operation ends FAILED either way.
 */
import { publishReleaseEvent } from '#shared/cloud/release-events.ts';
import type { TenantOutcomeEvent, TenantOutcomeStatus } from '#shared/domain/release-tenant-outcome.ts';
import { isSettledOutcome } from '#shared/domain/release-tenant-outcome.ts';
import { transition as tenantTransition } from '#shared/domain/tenant-lifecycle.ts';
import { caughtReleaseError, releaseStep, type ReleaseState, type ReleaseStepContext } from '#shared/lib/release-step.ts';
import { moveAndPublish } from '#shared/lib/release-tenants.ts';
import { notFound } from '#shared/lib/errors.ts';

type State = { releaseId: string; actor: string; wave: number; tenantId: string; operationId?: string; error?: unknown };

/** The outcome table's way from where a changed tenant stands to FAILED. */
const TO_FAILED: Partial<Record<TenantOutcomeStatus, TenantOutcomeEvent[]>> = {
  UPGRADING: ['UpgradeFailed', 'RollbackFailed'],
  BAKING: ['RestoreNeedsDecision', 'RollbackDecided', 'RollbackFailed'],
  AWAITING_DECISION: ['RollbackDecided', 'RollbackFailed'],
  ROLLING_BACK: ['RollbackFailed'],
};

export const handler = releaseStep<State, { outcome: TenantOutcomeStatus; halted: boolean }>((ctx) =>
  recordTenantCrash(ctx, { tenantId: ctx.state.tenantId, operationId: ctx.state.operationId, error: caughtReleaseError(ctx.state) }),
);

/**
 * Settles a tenant whose execution ended without settling it, as the header says; also used by the
 * wave's end for a verdict execution found ended (stopped or timed out) with its tenant unsettled.
 */
export async function recordTenantCrash(
  { state, repo, now, executionArn, release: load, updateRelease }: ReleaseStepContext<ReleaseState>,
  crash: { tenantId: string; operationId?: string; error: { code: string; message: string } },
): Promise<{ outcome: TenantOutcomeStatus; halted: boolean }> {
  const item = await repo.getTenantRelease(state.releaseId, crash.tenantId);
  if (!item) throw notFound(`Tenant ${crash.tenantId} is not part of release ${state.releaseId}`);
  if (isSettledOutcome(item.outcome)) return { outcome: item.outcome, halted: false };

  const error = crash.error;
  const operationId = crash.operationId || item.operationId;
  const at = now();
  const release = await load();
  const endOperation = async () => {
    if (operationId && (await repo.getOperation(operationId))) {
      await repo.updateOperation(operationId, { status: 'FAILED', error, endedAt: at.toISOString() });
    }
  };

  const path = TO_FAILED[item.outcome];
  if (!path) {
    const reason = `the tenant's workflow stopped before changing it: ${error.code}: ${error.message}`;
    const skipped = await moveAndPublish(repo, release, item.tenantId, 'Skipped', { reason, endedAt: at.toISOString() }, at);
    if (operationId) await repo.releaseLease(item.tenantId, operationId);
    await endOperation();
    return { outcome: skipped.outcome, halted: false };
  }

  const reason = `the tenant's workflow stopped while changing it (${item.outcome}): ${error.code}: ${error.message}; its state is unknown and needs an operator`;
  let outcome: TenantOutcomeStatus = item.outcome;
  for (const move of path) outcome = (await moveAndPublish(repo, release, item.tenantId, move, { reason, endedAt: at.toISOString() }, at)).outcome;

  const tenant = await repo.getTenant(item.tenantId);
  if (tenant) {
    const next = tenantTransition(tenant.status, 'UpdateFailed', { now: at, operationId, leaseOwner: tenant.lease?.owner, leaseExpiresAt: tenant.lease?.expiresAt });
    if (next.ok) {
      await repo.updateTenant(tenant.tenantId, tenant.version, (t) => ({ ...t, status: next.to, statusReason: reason }), {
        actor: state.actor,
        type: 'ReleaseFailed',
        operationId,
        executionArn,
      });
    }
  }
  if (operationId) await repo.releaseLease(item.tenantId, operationId);

  const halted = release.status === 'ROLLING_OUT' || release.status === 'PAUSED';
  const after = halted ? await updateRelease((r) => ({ ...r, statusReason: `tenant ${item.tenantId}: ${reason}` }), 'RollbackFailed') : release;
  await publishReleaseEvent({ detailType: 'Release Rollback Failed', release: after, tenantId: item.tenantId, detail: { reason, wave: item.wave, error }, at });
  await endOperation();
  return { outcome, halted };
}
