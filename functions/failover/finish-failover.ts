/**
 * The failover's last state, whatever happened before it: a failover still CHECKING when its checks
 * crashed is REFUSED with the error; one whose approval wait ended without an answer (timed out) is
 * REJECTED; one FAILING_OVER ends SUCCEEDED, PARTIALLY_SUCCEEDED or FAILED from its tenants'
 * outcomes (a tenant whose unit execution crashed before recording is FAILED, saying so; skipped
 * tenants count as not moved). Then the figures (RTO: the slowest tenant; data-loss window: the
 * largest), the evidence report, metrics and event in the region being activated, and every
 * tenant's lease given back. Each part is safe to repeat.
 */
import { failoverEnding } from '#shared/domain/failover-lifecycle.ts';
import { unitTarget } from '#shared/lib/failover-unit-target.ts';
import type { Failover } from '#shared/domain/failover-types.ts';
import { failoverEvidenceKey, publishFailoverEvent, putFailoverEvidence, putFailoverMetrics } from '#shared/cloud/failover-evidence.ts';
import { logger } from '#shared/lib/logger.ts';
import { changeFailoverStatus, failoverStep, type FailoverState } from '#shared/lib/failover-step.ts';
import { caughtError } from '#shared/lib/workflow-step.ts';
import { allPages } from '#shared/store/query.ts';

type State = FailoverState & { error?: { Error?: string; Cause?: string } };

const ENDED = new Set(['REFUSED', 'REJECTED', 'SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED']);

export const handler = failoverStep<State, { status: string; evidenceKey?: string }>(async ({ state, repo, config, now }) => {
  let failover: Failover = await repo.requireFailover(state.failoverId);
  const at = () => now().toISOString();
  const error = state.error ? caughtError(state as never) : undefined;

  if (failover.status === 'CHECKING') {
    const reason = `the readiness checks could not run: ${error ? `${error.code}: ${error.message}` : 'unknown error'}`;
    failover = await changeFailoverStatus(repo, failover.failoverId, 'ChecksFailed', (f) => ({ ...f, statusReason: reason, decision: reason }));
  } else if (failover.status === 'AWAITING_APPROVAL') {
    const reason = `the approval wait ended without an approval${error ? ` (${error.code}: ${error.message})` : ''}`;
    failover = await changeFailoverStatus(repo, failover.failoverId, 'ApprovalRejected', (f) => ({ ...f, statusReason: reason }));
  }

  const tenants = await allPages((cursor) => repo.listFailoverTenants(failover.failoverId, cursor ? { cursor } : {}));
  if (failover.status === 'FAILING_OVER') {
    for (const t of tenants) {
      if (['SUCCEEDED', 'FAILED', 'SKIPPED'].includes(t.outcome)) continue;
      await repo.updateFailoverTenant(failover.failoverId, t.tenantId, (ft) => ({ ...ft, outcome: 'FAILED', reason: `its unit's execution ended without recording an outcome (last outcome ${t.outcome})` }));
    }
    const recorded = await allPages((cursor) => repo.listFailoverTenants(failover.failoverId, cursor ? { cursor } : {}));
    const outcomes = recorded.map((t) => (t.outcome === 'SUCCEEDED' ? ('SUCCEEDED' as const) : ('FAILED' as const)));
    const moved = recorded.filter((t) => t.outcome === 'SUCCEEDED');
    const rto = moved.map((t) => t.rtoSeconds).filter((s): s is number => typeof s === 'number');
    const windows = moved.map((t) => t.dataLossWindowSeconds);
    const known = windows.filter((w): w is number => typeof w === 'number');
    failover = await changeFailoverStatus(repo, failover.failoverId, failoverEnding(outcomes), (f) => ({
      ...f,
      ...(rto.length ? { rtoSeconds: Math.max(...rto) } : {}),
      // Unknown for any moved tenant makes the whole window unknown: a maximum over what is known would understate it.
      ...(moved.length ? { dataLossWindowSeconds: windows.some((w) => w === null || w === undefined) ? null : Math.max(...known) } : {}),
      statusReason: `${moved.length} of ${recorded.length} tenant(s) serving in ${f.toRegion}`,
    }));
  } else if (!ENDED.has(failover.status)) {
    throw new Error(`failover ${failover.failoverId} is ${failover.status}: the finish cannot end it`);
  } else {
    // Refused or rejected: nothing moved.
    for (const t of tenants.filter((x) => x.outcome === 'PENDING')) {
      await repo.updateFailoverTenant(failover.failoverId, t.tenantId, (ft) => ({ ...ft, outcome: 'SKIPPED', reason: ft.reason ?? `the failover was ${failover.status.toLowerCase()}: nothing moved` }));
    }
  }

  // What an unplanned failover left behind in the failed region is kept once that region answers.
  // A restored backup-restore cell leaves its old cluster behind in any mode: it must go (its
  // snapshot kept) before the cell can be restored there again on the way back.
  if (!failover.oldPrimaries && (failover.status === 'SUCCEEDED' || failover.status === 'PARTIALLY_SUCCEEDED')) {
    const moved = await allPages((cursor) => repo.listFailoverTenants(failover.failoverId, cursor ? { cursor } : {}));
    const units = failover.units.filter((u) => moved.some((t) => t.unit === u.key && t.outcome === 'SUCCEEDED'));
    const left = await Promise.all(
      units.map(async (u) => {
        const first = await repo.requireTenant(u.tenantIds[0]!);
        const target = unitTarget(config, u, [first], failover.fromRegion, failover.toRegion);
        if (failover.mode === 'planned' && target.posture !== 'backup-restore') return undefined;
        return { unit: u.key, region: failover.fromRegion, clusterIdentifier: target.from.clusterIdentifier, status: 'PENDING' as const, attempts: 0 };
      }),
    );
    const oldPrimaries = left.filter((o) => o !== undefined);
    if (oldPrimaries.length) failover = await repo.updateFailover(failover.failoverId, (f) => ({ ...f, oldPrimaries }));
  }

  if (!failover.endedAt) failover = await repo.updateFailover(failover.failoverId, (f) => ({ ...f, endedAt: at() }));
  const final = await allPages((cursor) => repo.listFailoverTenants(failover.failoverId, cursor ? { cursor } : {}));
  const region = failover.toRegion;
  const key = failover.evidenceKey ?? failoverEvidenceKey(failover);
  try {
    await putFailoverEvidence(region, failover, final, key, at());
    if (!failover.evidenceKey) failover = await repo.updateFailover(failover.failoverId, (f) => ({ ...f, evidenceKey: key }));
  } catch (err) {
    logger.error('failover evidence not written', { failoverId: failover.failoverId, error: err });
  }
  await putFailoverMetrics(region, failover, final, now()).catch((err: unknown) => logger.warn('failover metrics not published', { failoverId: failover.failoverId, error: err }));
  await publishFailoverEvent(region, failover, now());
  await Promise.all(final.map((t) => repo.releaseLease(t.tenantId, failover.failoverId).catch(() => undefined)));
  return { status: failover.status, ...(failover.evidenceKey ? { evidenceKey: failover.evidenceKey } : {}) };
});
