/**
 * `POST /v1/tenants/{tenantId}/drills`: reserves the drill (drill lock, operation, record; 409 when
 * one runs or the tenant has nothing to restore) and starts its workflow, named
 * `{tenantId}-drill-{drillId}`, so a retried request attaches to the same execution.
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
  const executionArn = await startNamedExecution(machineArn, drillNames.execution(c.tenantId, drillId), { tenantId: c.tenantId, operationId: drillId, drillId, actor: c.actor });
  const operation = await recordExecution(c.repo, drillId, executionArn);
  const recorded = drill.executionArn ? drill : await c.repo.updateDrill(c.tenantId, drillId, (d) => ({ ...d, executionArn: d.executionArn ?? executionArn }));
  return { drill: recorded, operation };
}
