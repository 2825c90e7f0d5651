/**
 * The failover's pre-checks, read from the region being activated: readiness of every unit (its DR
 * copy healthy and promotable, engine versions, lag against each tenant's RPO, DR capacity, and for
 * a planned switchover a reachable primary and a lag that can drain), stored on each tenant's
 * failover record. Then the decision, by the lifecycle table:
 * - a planned switchover goes only if every tenant is ready; otherwise it is REFUSED, unchanged;
 * - an unplanned failover moves the units that can move; a unit that cannot is SKIPPED with its
 *   reasons, and when none can the failover is REFUSED;
 * - an unplanned failover, or one moving a critical tenant, then waits for a second person.
 */
import { failoverNeedsApproval } from '#shared/domain/failover-lifecycle.ts';
import type { FailoverUnit } from '#shared/domain/failover-plan.ts';
import type { Readiness } from '#shared/domain/failover-readiness.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { readUnitReadiness, type UnitReadiness } from '#shared/cloud/failover-readiness-facts.ts';
import { changeFailoverStatus, failoverStep, type FailoverState } from '#shared/lib/failover-step.ts';
import { unitCellSince } from '#shared/lib/failover-tenants.ts';

/** Units read at once: each reads a handful of DR-region APIs. */
const PARALLEL_READS = 8;

export interface ReadinessDecision {
  decision: 'go' | 'approval' | 'refused';
  units: { unitKey: string; index: string }[];
  reason: string;
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

const blockingFailures = (r: Readiness) => r.checks.filter((c) => c.blocking && !c.passed);

export const handler = failoverStep<FailoverState, ReadinessDecision>(async ({ state, repo, config, now }) => {
  const failover = await repo.requireFailover(state.failoverId);
  if (failover.status !== 'CHECKING') {
    // A retry after the decision was written: answer the same decision.
    const go = failover.units.map((u, i) => ({ unitKey: u.key, index: String(i) }));
    const members = await Promise.all(failover.units.map(async (u) => ({ u, skipped: (await repo.getFailoverTenant(failover.failoverId, u.tenantIds[0]!))?.outcome === 'SKIPPED' })));
    const units = go.filter((_, i) => !members[i]!.skipped);
    const decision = failover.status === 'AWAITING_APPROVAL' ? 'approval' : failover.status === 'FAILING_OVER' ? 'go' : 'refused';
    return { decision, units, reason: failover.decision ?? '' };
  }

  const readings = await inBatches(failover.units, PARALLEL_READS, async (unit: FailoverUnit): Promise<{ unit: FailoverUnit; readiness?: UnitReadiness; error?: string }> => {
    const tenants = (await Promise.all(unit.tenantIds.map((id) => repo.getTenant(id)))).filter((t): t is Tenant => !!t);
    try {
      const since = await unitCellSince(repo, unit, tenants);
      const readiness = await readUnitReadiness({ config, unit, tenants, mode: failover.mode, fromRegion: failover.fromRegion, toRegion: failover.toRegion, ...(failover.force ? { force: true } : {}), now: now(), ...(since ? { cellActiveSince: since } : {}) });
      return { unit, readiness };
    } catch (err) {
      return { unit, error: `readiness could not be read: ${(err as Error).name}: ${(err as Error).message}` };
    }
  });

  const ready: { unitKey: string; index: string }[] = [];
  const refusals: string[] = [];
  for (const [index, { unit, readiness, error }] of readings.entries()) {
    const problems: string[] = [];
    for (const tenantId of unit.tenantIds) {
      const r = readiness?.tenants[tenantId];
      const failing = r ? blockingFailures(r) : [];
      if (!r) problems.push(`${tenantId}: ${error ?? 'no readiness'}`);
      else if (failing.length) problems.push(`${tenantId}: ${failing.map((c) => `${c.name} (${c.detail})`).join(', ')}`);
      await repo.updateFailoverTenant(failover.failoverId, tenantId, (t) => ({ ...t, ...(r ? { readiness: r } : {}), ...(!r ? { reason: error ?? 'no readiness' } : {}) }));
    }
    if (problems.length) refusals.push(`${unit.key}: ${problems.join('; ')}`);
    else ready.push({ unitKey: unit.key, index: String(index) });
  }

  const at = now().toISOString();
  const refuse = async (reason: string) => {
    await changeFailoverStatus(repo, failover.failoverId, 'ChecksFailed', (f) => ({ ...f, statusReason: reason, decision: reason, endedAt: at }));
    return { decision: 'refused' as const, units: [], reason };
  };
  if (failover.mode === 'planned' && refusals.length) return refuse(`planned switchover refused, nothing changed: ${refusals.join(' | ')}`);
  if (ready.length === 0) return refuse(`no unit can fail over: ${refusals.join(' | ')}`);

  // An unplanned failover goes with the units that can move; the others are recorded as skipped.
  for (const { unit } of readings.filter((r) => !ready.some((u) => u.unitKey === r.unit.key))) {
    const why = refusals.find((r) => r.startsWith(`${unit.key}:`)) ?? 'not ready';
    await Promise.all(unit.tenantIds.map((id) => repo.updateFailoverTenant(failover.failoverId, id, (t) => ({ ...t, outcome: 'SKIPPED', reason: `not ready: ${why}` }))));
  }
  const moving = failover.units.filter((u) => ready.some((r) => r.unitKey === u.key));
  const approval = failoverNeedsApproval(failover.mode, moving.map((u) => u.criticality));
  const summary = `${ready.length} of ${failover.units.length} unit(s) ready${refusals.length ? `; skipped ${refusals.join(' | ')}` : ''}`;
  if (approval.needed) {
    await changeFailoverStatus(repo, failover.failoverId, 'ApprovalRequired', (f) => ({ ...f, decision: summary, statusReason: `awaiting approval by someone other than ${f.requestedBy}: ${approval.why}` }));
    return { decision: 'approval', units: ready, reason: summary };
  }
  await changeFailoverStatus(repo, failover.failoverId, 'ChecksPassed', (f) => ({ ...f, decision: summary, startedAt: at }));
  return { decision: 'go', units: ready, reason: summary };
});
