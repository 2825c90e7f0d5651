/**
 * The last state of a scheduled drill run: what became of each drill it started, read from the
 * drill records (the truth, whatever the child executions said): outcomes, and any drill that left
 * something behind or did not complete.
 */
import type { DrillRunSelection } from './select-due-drills.ts';
import { runStep } from '#shared/lib/run-step.ts';

export interface DrillRunSummary {
  criticality: string;
  scheduledAt: string;
  considered: number;
  started: number;
  outcomes: Record<string, number>;
  /** Drills whose record does not say `cleanedUp: true`. */
  leftovers: { tenantId: string; drillId: string }[];
  /** Drills whose record is not COMPLETED (their execution ended without recording them). */
  incomplete: { tenantId: string; drillId: string; status: string }[];
  notSelected: Record<string, number>;
}

export const handler = runStep<{ selection: DrillRunSelection }, DrillRunSummary>(async ({ state, repo }) => {
  const { selection } = state;
  const outcomes: Record<string, number> = {};
  const leftovers: DrillRunSummary['leftovers'] = [];
  const incomplete: DrillRunSummary['incomplete'] = [];
  for (const { tenantId, drillId } of selection.drills) {
    const drill = await repo.getDrill(tenantId, drillId);
    if (!drill || drill.status !== 'COMPLETED') incomplete.push({ tenantId, drillId, status: drill?.status ?? 'MISSING' });
    if (drill?.outcome) outcomes[drill.outcome] = (outcomes[drill.outcome] ?? 0) + 1;
    if (!drill?.cleanedUp) leftovers.push({ tenantId, drillId });
  }
  return {
    criticality: selection.criticality,
    scheduledAt: selection.scheduledAt,
    considered: selection.considered,
    started: selection.drills.length,
    outcomes,
    leftovers,
    incomplete,
    notSelected: selection.notSelected,
  };
});
