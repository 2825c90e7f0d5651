/**
 * End of a wave: the circuit breaker reads the wave's outcomes as they stand. More failures than
 * the wave's budget, or any failed rollback, halts the release (HALTED, with a reason naming the
 * wave and its failures); the later waves then start nothing.
 *
 * Every batch ends only when its tenants' upgrades have ended, and the wave's verdicts were waited
 * for (`await-verdicts.ts`), so by now every tenant of the wave should be settled. One that is not
 * (a batch that failed every attempt left it PENDING, or its upgrade stopped half-way) halts the
 * release too, with a reason naming it: a release never ends SUCCEEDED with tenants left behind.
 * Otherwise the wave is done.
 */
import { budgetState } from '#shared/domain/circuit-breaker.ts';
import { isSettledOutcome } from '#shared/domain/release-tenant-outcome.ts';
import type { ReleaseEvent } from '#shared/domain/release-lifecycle.ts';
import type { Release } from '#shared/domain/release-types.ts';
import { notFound } from '#shared/lib/errors.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import { allTenantReleases, skipWaitingTenants } from '#shared/lib/release-tenants.ts';

export interface WaveEnd {
  halted: boolean;
  failures: number;
  budget: number;
  status: Release['status'];
  reason?: string;
  /** The first tenants found not settled, when any were. */
  unsettled?: string[];
}

const MOVING = new Set<Release['status']>(['ROLLING_OUT', 'PAUSED']);
/** How many unsettled tenants a reason names before it only counts the rest: the release record stays small. */
const NAMED = 20;

function unsettledReason(unsettled: { tenantId: string; outcome?: string }[]): string {
  const named = unsettled.slice(0, NAMED).map((u) => `${u.tenantId} (${u.outcome ?? 'no record'})`);
  const more = unsettled.length > NAMED ? ` and ${unsettled.length - NAMED} more` : '';
  return `${unsettled.length} tenant(s) not settled when the wave ended: ${named.join(', ')}${more}`;
}

export const handler = releaseStep<{ releaseId: string; actor: string; wave: number }, WaveEnd>(async ({ state, repo, now, release: load, updateRelease }) => {
  const release = await load();
  const wave = await repo.getWave(state.releaseId, state.wave);
  if (!wave) throw notFound(`Wave ${state.wave} of release ${state.releaseId} not found`);
  const items = await allTenantReleases(repo, state.releaseId, { wave: state.wave });
  const byId = new Map(items.map((i) => [i.tenantId, i.outcome]));
  const budget = budgetState({
    budget: wave.failureBudget,
    outcomes: wave.tenantIds.map((tenantId) => ({ tenantId, status: byId.get(tenantId) ?? 'SKIPPED' })),
  });

  const unsettled = wave.tenantIds.map((tenantId) => ({ tenantId, outcome: byId.get(tenantId) })).filter((u) => !u.outcome || !isSettledOutcome(u.outcome));
  const halt = budget.halt || unsettled.length > 0;

  const reason = budget.haltReason ? `wave ${state.wave}: ${budget.haltReason}` : unsettled.length > 0 ? `wave ${state.wave}: ${unsettledReason(unsettled)}` : undefined;
  const event: ReleaseEvent | undefined = MOVING.has(release.status)
    ? budget.halt
      ? budget.failedRollbacks.length > 0
        ? 'RollbackFailed'
        : 'BudgetExhausted'
      : halt
        ? 'TenantsUnsettled'
        : 'WaveCompleted'
    : undefined;
  const updated = await updateRelease(
    (r) => ({
      ...r,
      ...(event && reason ? { statusReason: reason } : {}),
      waves: r.waves.map((w) =>
        w.index === state.wave ? { ...w, status: w.status === 'SKIPPED' ? 'SKIPPED' : 'DONE', failures: budget.failures.length, endedAt: w.endedAt ?? now().toISOString() } : w,
      ),
    }),
    event,
  );
  if (halt) await skipWaitingTenants(repo, updated, items, `release ${updated.status}: ${reason}`, now());
  return {
    halted: halt,
    failures: budget.failures.length,
    budget: budget.budget,
    status: updated.status,
    ...(reason ? { reason } : {}),
    ...(unsettled.length > 0 ? { unsettled: unsettled.map((u) => u.tenantId).slice(0, NAMED) } : {}),
  };
});
