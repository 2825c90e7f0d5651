/**
 * `POST /v1/tenants/{tenantId}/drills`: reserves the drill (drill lock, operation, record; 409 when
 * one runs or the tenant has nothing to restore) and starts its workflow, named
 * `{tenantId}-drill-{drillId}`, so a retried request attaches to the same execution. When the
 * workflow cannot be started, the drill is recorded FAILED (nothing was made) and its lock given back.
 */
import type { DrillRecord } from '#shared/domain/drill-types.ts';
import { drillNames } from '#shared/domain/drill-names.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import type { Operation } from '#shared/domain/types.ts';
import { reserveDrill } from '#shared/lib/drill-reservation.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import type { Attempt } from './idempotency.ts';
import { recordExecution, startNamedExecution, stateMachineArn } from './workflow-start.ts';

export async function startDrill(c: { repo: FleetRepository; config: FleetConfig; tenantId: string; actor: string; attempt: Attempt; restoreTime?: string; now: Date }): Promise<{ drill: DrillRecord; operation: Operation }> {
  const machineArn = stateMachineArn('drill');
  const drillId = c.attempt.operationId;
  const { drill } = await reserveDrill({ repo: c.repo, config: c.config, tenantId: c.tenantId, drillId, actor: c.actor, trigger: 'on-demand', restoreTime: c.restoreTime, now: c.now });
  let executionArn: string;
  try {
    executionArn = await startNamedExecution(machineArn, drillNames.execution(c.tenantId, drillId), { tenantId: c.tenantId, operationId: drillId, drillId, actor: c.actor });
  } catch (err) {
    // Nothing was restored: the drill ends here, recorded, and the tenant can be drilled again at once.
    await abandonDrill(c.repo, c.tenantId, drillId, c.now, err as Error);
    throw err;
  }
  const operation = await recordExecution(c.repo, drillId, executionArn);
  const recorded = drill.executionArn ? drill : await c.repo.updateDrill(c.tenantId, drillId, (d) => ({ ...d, executionArn: d.executionArn ?? executionArn }));
  return { drill: recorded, operation };
}

async function abandonDrill(repo: FleetRepository, tenantId: string, drillId: string, now: Date, err: Error): Promise<void> {
  const reason = `the drill workflow could not be started: ${err.name}: ${err.message}`.slice(0, 500);
  const at = now.toISOString();
  await repo.updateDrill(tenantId, drillId, (d) => ({ ...d, status: 'COMPLETED', outcome: 'FAILED', reason, endedAt: at, cleanedUp: true })).catch(() => undefined);
  await repo.updateOperation(drillId, { status: 'FAILED', error: { code: 'WorkflowNotStarted', message: reason }, endedAt: at }).catch(() => undefined);
  await repo.releaseDrillLock(tenantId, drillId).catch(() => undefined);
}
