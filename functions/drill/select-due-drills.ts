/**
 * The first state of a scheduled drill run (input `{criticality, trigger, scheduledAt?}`, also
 * startable from the console): lists the criticality's tenants, decides who is due
 * (`shared/domain/drill-schedule.ts`) and reserves their drills. Drill ids are derived from the
 * run (its scheduled time, or its execution) and the tenant, so a retried selection, or a second
 * start for the same scheduled time, reserves the same drills again instead of new ones.
 */
import * as z from 'zod/mini';
import { selectDueDrills, type DrillCandidate, type DrillSelection } from '#shared/domain/drill-schedule.ts';
import { CRITICALITIES, type Criticality } from '#shared/domain/types.ts';
import { drillReservationId } from '#shared/lib/drill-ids.ts';
import { reserveDrill } from '#shared/lib/drill-reservation.ts';
import { AppError, validationError } from '#shared/lib/errors.ts';
import { runStep } from '#shared/lib/run-step.ts';
import { allPages } from '#shared/store/query.ts';

const inputSchema = z.object({
  criticality: z.enum(CRITICALITIES),
  trigger: z.optional(z.literal('schedule')),
  scheduledAt: z.optional(z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time'))),
});

export interface DrillRunSelection {
  criticality: Criticality;
  scheduledAt: string;
  considered: number;
  drills: { tenantId: string; drillId: string; actor: string }[];
  /** Tenants not drilled by this run, by reason code (not-due, running, status, no-database, cap, refused). */
  notSelected: Record<string, number>;
  /** The first few not taken, with the reason in words. */
  examples: { tenantId: string; reason: string }[];
}

export const handler = runStep<Record<string, unknown>, DrillRunSelection>(async ({ state, repo, config, now, executionArn }) => {
  const parsed = inputSchema.safeParse(state);
  if (!parsed.success) {
    throw validationError('Invalid drill run input: expected {"criticality": "critical" | "standard" | "low", "trigger"?: "schedule", "scheduledAt"?: ISO time}', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const { criticality } = parsed.data;
  const at = now();
  const scheduledAt = parsed.data.scheduledAt ? new Date(parsed.data.scheduledAt).toISOString() : undefined;
  const runKey = scheduledAt ? `${criticality}#${scheduledAt}` : executionArn;
  const runTime = scheduledAt ? new Date(scheduledAt) : new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  const actor = `schedule:drills-${criticality}`;

  const tenants = await allPages((cursor) => repo.listTenants({ criticality, limit: 100, cursor }));
  const idOf = (tenantId: string) => drillReservationId(runKey, tenantId, runTime);
  const candidates: DrillCandidate[] = tenants.map((t) => {
    const lock = t.drillLock && t.drillLock.expiresAt > at.toISOString() && t.drillLock.drillId !== idOf(t.tenantId) ? t.drillLock : undefined;
    return {
      tenantId: t.tenantId,
      criticality: t.profile.criticality,
      status: t.status,
      createdAt: t.createdAt,
      hasDatabase: !!t.resources.database,
      lastDrill: t.lastDrill ?? null,
      ...(lock ? { runningDrillId: lock.drillId } : {}),
    };
  });
  const decisions: DrillSelection[] = selectDueDrills(candidates, config.drills, at);

  const drills: DrillRunSelection['drills'] = [];
  const notSelected: Record<string, number> = {};
  const examples: DrillRunSelection['examples'] = [];
  const skip = (tenantId: string, code: string, reason: string) => {
    notSelected[code] = (notSelected[code] ?? 0) + 1;
    if (examples.length < 10) examples.push({ tenantId, reason });
  };
  for (const d of decisions) {
    if (!d.selected) {
      skip(d.tenantId, d.code, d.reason);
      continue;
    }
    const drillId = idOf(d.tenantId);
    try {
      await reserveDrill({ repo, config, tenantId: d.tenantId, drillId, actor, trigger: 'schedule', now: at });
      drills.push({ tenantId: d.tenantId, drillId, actor });
    } catch (err) {
      // Changed since it was listed (a drill started on demand, the tenant went away): the next run sees it again.
      if (!(err instanceof AppError) || !['Conflict', 'NotFound'].includes(err.code)) throw err;
      skip(d.tenantId, 'refused', err.message);
    }
  }
  return { criticality, scheduledAt: (scheduledAt ?? runTime.toISOString()), considered: tenants.length, drills, notSelected, examples };
});
