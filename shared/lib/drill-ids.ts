/**
 * Drill ids. A drill's id is its operation's id: time-sortable, so a tenant's drills list newest
 * first. A drill of a scheduled run gets an id derived from the run and the tenant, so the run's
 * retries find the drills they reserved.
 */
import { idempotentOperationId } from './ids.ts';

export function drillReservationId(runKey: string, tenantId: string, runTime: Date): string {
  return idempotentOperationId('odoo-fleet-drill-run', `${runKey}#${tenantId}`, runTime);
}
