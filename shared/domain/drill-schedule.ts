/**
 * Which tenants a scheduled drill run takes. A tenant is due when its backups were last proven
 * restorable (a PASSED or BREACHED_TARGET drill: the restore worked, whatever its figures) longer
 * ago than its criticality's cadence, or never. The longest-unproven go first, and one run takes at
 * most `maxPerRun` (the cost cap); the rest stay due and are taken by the next runs. A tenant with
 * a drill still running, or in a status with nothing steady to restore, is skipped and says why.
 */
import type { DrillPolicy } from './fleet-config.ts';
import type { LastDrill } from './drill-types.ts';
import type { Criticality, TenantStatus } from './types.ts';

/** Statuses whose database has backups worth proving. A failover moves the tenant's backups: skipped until it ends. */
export const DRILLABLE_STATUSES: readonly TenantStatus[] = ['ACTIVE', 'UPDATING', 'SUSPENDED'];

const DAY_MS = 86_400_000;

export interface DrillCandidate {
  tenantId: string;
  criticality: Criticality;
  status: TenantStatus;
  createdAt: string;
  hasDatabase: boolean;
  lastDrill: LastDrill | null;
  /** The drill holding the tenant's drill lock, when one runs (its lock not yet expired). */
  runningDrillId?: string;
}

export type DrillSelection =
  | { tenantId: string; selected: true; reason: string }
  | { tenantId: string; selected: false; reason: string; code: 'not-due' | 'running' | 'status' | 'no-database' | 'cap' };

/** When the tenant is next due: its last proof plus the cadence, or at once when never proven. */
export function nextDueAt(lastDrill: LastDrill | null, cadenceDays: number): Date | null {
  const proven = lastDrill?.lastRestorableAt;
  return proven ? new Date(Date.parse(proven) + cadenceDays * DAY_MS) : null;
}

export function isDue(lastDrill: LastDrill | null, cadenceDays: number, now: Date): boolean {
  const due = nextDueAt(lastDrill, cadenceDays);
  return due === null || due.getTime() <= now.getTime();
}

/**
 * The run's decision for every candidate, selected first (in drill order), then the rest. The
 * order: never proven (oldest tenant first), then the oldest proof; ties by tenant id.
 */
export function selectDueDrills(candidates: readonly DrillCandidate[], policy: Pick<DrillPolicy, 'cadenceDays' | 'maxPerRun'>, now: Date): DrillSelection[] {
  const out: DrillSelection[] = [];
  const due: DrillCandidate[] = [];
  for (const c of candidates) {
    const cadence = policy.cadenceDays[c.criticality];
    if (!DRILLABLE_STATUSES.includes(c.status)) out.push({ tenantId: c.tenantId, selected: false, code: 'status', reason: `tenant is ${c.status}` });
    else if (!c.hasDatabase) out.push({ tenantId: c.tenantId, selected: false, code: 'no-database', reason: 'tenant has no database yet' });
    else if (c.runningDrillId) out.push({ tenantId: c.tenantId, selected: false, code: 'running', reason: `drill ${c.runningDrillId} is still running` });
    else if (!isDue(c.lastDrill, cadence, now)) {
      const at = nextDueAt(c.lastDrill, cadence)!.toISOString();
      out.push({ tenantId: c.tenantId, selected: false, code: 'not-due', reason: `last proven restorable ${c.lastDrill?.lastRestorableAt}; due ${at} (every ${cadence} days)` });
    } else due.push(c);
  }
  const provenAt = (c: DrillCandidate) => (c.lastDrill?.lastRestorableAt ? Date.parse(c.lastDrill.lastRestorableAt) : Number.NEGATIVE_INFINITY);
  due.sort((a, b) => provenAt(a) - provenAt(b) || Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.tenantId.localeCompare(b.tenantId));
  const selected = due.slice(0, policy.maxPerRun).map((c): DrillSelection => ({
    tenantId: c.tenantId,
    selected: true,
    reason: c.lastDrill?.lastRestorableAt ? `last proven restorable ${c.lastDrill.lastRestorableAt}, more than ${policy.cadenceDays[c.criticality]} days ago` : 'never proven restorable',
  }));
  const capped = due.slice(policy.maxPerRun).map((c): DrillSelection => ({
    tenantId: c.tenantId,
    selected: false,
    code: 'cap',
    reason: `due, but this run takes at most ${policy.maxPerRun} tenants; the next run takes it`,
  }));
  return [...selected, ...capped, ...out];
}
