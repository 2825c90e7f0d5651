/**
 * What every drill step shares: the state the drill workflow carries, and a safe way to move the
 * drill's record (its status changes only along the drill lifecycle table).
 */
import { drillAlreadyPast, drillTransition, type DrillEvent } from '#shared/domain/drill-lifecycle.ts';
import type { DrillRecord } from '#shared/domain/drill-types.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { AppError } from './errors.ts';
import type { WorkflowState } from './workflow-step.ts';

export type DrillState = WorkflowState & {
  drillId: string;
  /** Asked for by the requester: restore to this instant instead of the latest restorable time. */
  restoreTime?: string;
  begin?: {
    region: string;
    sourceClusterIdentifier: string;
    clusterIdentifier: string;
    instanceIdentifier: string;
    databaseName: string;
    restorePoint: string;
  };
  restore?: { ready: boolean; since: string; status?: string; clusterArn?: string; secretArn?: string };
  validation?: { passed: boolean };
  teardown?: { ready: boolean; since?: string; cleanedUp?: boolean };
  error?: { Error?: string; Cause?: string };
  teardownError?: { Error?: string; Cause?: string };
};

/**
 * Applies `change` to the drill and, when `event` is given, moves its status along the lifecycle
 * table. An event the drill already went through (a retried step) is not applied twice.
 */
export async function advanceDrill(repo: FleetRepository, state: Pick<DrillState, 'tenantId' | 'drillId'>, change: (d: DrillRecord) => DrillRecord, event?: DrillEvent): Promise<DrillRecord> {
  return repo.updateDrill(state.tenantId, state.drillId, (d) => {
    const changed = change(d);
    if (!event) return changed;
    const moved = drillTransition(d.status, event);
    if (!moved.ok) {
      // A retried step finds the drill already moved on by its first attempt: keep where it is.
      if (drillAlreadyPast(d.status, event)) return changed;
      throw new AppError('ValidationError', `drill ${d.drillId}: ${moved.reason}`);
    }
    return { ...changed, status: moved.to };
  });
}

/** A drill's leftovers expire this long after it began: what the sweeper reads from the tags. */
export function drillExpiresAt(startedAt: string, ttlHours: number): string {
  return new Date(Date.parse(startedAt) + ttlHours * 3600_000).toISOString();
}
