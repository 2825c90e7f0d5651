/**
 * The drill's last state, reached on every path: measures RTO and RPO, decides the outcome (FAILED
 * with the reason when the drill could not restore or a check failed; BREACHED_TARGET when it passed
 * above the tenant's targets), completes the record with `cleanedUp` as the teardown confirmed it,
 * writes the evidence report, the metrics and (for a failure or breach) the event, records the
 * drill as the tenant's last (carrying when it was last proven restorable), gives the drill lock
 * back and ends the operation. A retry finds the record complete and redoes only what is idempotent.
 */
import { drillNames } from '#shared/domain/drill-names.ts';
import { measureDrill } from '#shared/domain/drill-measure.ts';
import type { DrillRecord, LastDrill } from '#shared/domain/drill-types.ts';
import { publishDrillEvent, putDrillMetrics, putEvidence } from '#shared/cloud/drill-evidence.ts';
import { logger } from '#shared/lib/logger.ts';
import { isTransient } from '#shared/lib/transient-errors.ts';
import { advanceDrill, type DrillState } from '#shared/lib/drill-step.ts';
import { caughtError, failRunningSteps, workflowStep } from '#shared/lib/workflow-step.ts';

export function lastDrillOf(drill: DrillRecord, previous: LastDrill | null): LastDrill {
  const restorable = drill.outcome === 'PASSED' || drill.outcome === 'BREACHED_TARGET';
  const lastRestorableAt = restorable ? drill.startedAt : previous?.lastRestorableAt;
  return {
    drillId: drill.drillId,
    startedAt: drill.startedAt,
    endedAt: drill.endedAt,
    outcome: drill.outcome,
    rtoSeconds: drill.rtoSeconds,
    rpoSeconds: drill.rpoSeconds,
    evidenceKey: drill.evidenceKey,
    cleanedUp: drill.cleanedUp,
    ...(lastRestorableAt ? { lastRestorableAt } : {}),
  };
}

export const handler = workflowStep<DrillState, { outcome?: string; cleanedUp: boolean; rtoSeconds?: number; rpoSeconds?: number }>(async ({ state, step, repo, now }) => {
  const at = now();
  const stored = await repo.getDrill(state.tenantId, state.drillId);
  const operation = await repo.getOperation(state.operationId);
  if (!stored) {
    // Started by hand with a drill that was never reserved: nothing was made under its name but the operation.
    if (operation && operation.status !== 'FAILED') {
      await repo.updateOperation(state.operationId, { status: 'FAILED', error: { code: 'DrillNotFound', message: `no drill ${state.drillId} for tenant ${state.tenantId}` }, endedAt: at.toISOString() });
    }
    return { cleanedUp: false };
  }

  let drill = stored;
  if (drill.status !== 'COMPLETED') {
    const crash = state.error ? caughtError(state) : undefined;
    const teardownCrash = state.teardownError ? caughtError(state, 'teardownError') : undefined;
    const measure = measureDrill({ ...drill, failure: crash ? `${crash.code}: ${crash.message}` : undefined });
    const reason = [measure.reason, teardownCrash ? `teardown did not finish (${teardownCrash.code}: ${teardownCrash.message}); the sweeper removes what is left once its TTL passes` : undefined]
      .filter(Boolean)
      .join('; ');
    drill = await advanceDrill(
      repo,
      state,
      (d) => ({
        ...d,
        rtoSeconds: measure.rtoSeconds,
        rpoSeconds: measure.rpoSeconds,
        outcome: measure.outcome,
        ...(reason ? { reason } : {}),
        endedAt: at.toISOString(),
        evidenceKey: drillNames.evidenceKey(d.tenantId, d.drillId, d.startedAt),
      }),
      'TornDown',
    );
  }

  // The lock first: the drill is over whatever the evidence bucket answers, and the next may start.
  await repo.releaseDrillLock(drill.tenantId, drill.drillId);

  try {
    await putEvidence(drill, drill.evidenceKey ?? drillNames.evidenceKey(drill.tenantId, drill.drillId, drill.startedAt), at.toISOString());
  } catch (error) {
    if (isTransient(error)) throw error;
    const message = (error as Error).message;
    logger.error('drill evidence not written', { drillId: drill.drillId, error });
    drill = await repo.updateDrill(drill.tenantId, drill.drillId, (d) => {
      const { evidenceKey: _key, ...rest } = d;
      return { ...rest, reason: [d.reason, `evidence report not written: ${message}`].filter(Boolean).join('; ') };
    });
  }
  const tenant = await repo.requireTenant(drill.tenantId);
  await repo.recordLastDrill(drill.tenantId, lastDrillOf(drill, tenant.lastDrill));
  await putDrillMetrics(drill, at).catch((error: unknown) => logger.warn('drill metrics not put', { drillId: drill.drillId, error }));
  await publishDrillEvent(drill, at);


  if (operation && !['SUCCEEDED', 'FAILED'].includes(operation.status)) {
    if (drill.outcome === 'FAILED') {
      const error = { code: 'DrillFailed', message: drill.reason ?? 'the drill failed' };
      await failRunningSteps(repo, state.operationId, error, at.toISOString(), step);
      await repo.updateOperation(state.operationId, { status: 'FAILED', error, endedAt: at.toISOString() });
    } else {
      await repo.updateOperation(state.operationId, { status: 'SUCCEEDED', endedAt: at.toISOString() });
    }
  }
  return { outcome: drill.outcome, cleanedUp: drill.cleanedUp, rtoSeconds: drill.rtoSeconds, rpoSeconds: drill.rpoSeconds };
});
