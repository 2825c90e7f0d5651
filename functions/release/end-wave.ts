/**
 * End of a wave: the circuit breaker reads the wave's outcomes as they stand. More failures than
 * the wave's budget, or any failed rollback, halts the release (HALTED, with a reason naming the
 * wave and its failures); the later waves then start nothing. Otherwise the wave is done.
 */
import { budgetState } from '#shared/domain/circuit-breaker.ts';
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
}

const MOVING = new Set<Release['status']>(['ROLLING_OUT', 'PAUSED']);

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

  const reason = budget.haltReason ? `wave ${state.wave}: ${budget.haltReason}` : undefined;
  const event: ReleaseEvent | undefined = MOVING.has(release.status)
    ? budget.halt
      ? budget.failedRollbacks.length > 0
        ? 'RollbackFailed'
        : 'BudgetExhausted'
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
  if (budget.halt) await skipWaitingTenants(repo, updated, items, `release HALTED: ${reason}`, now());
  return { halted: budget.halt, failures: budget.failures.length, budget: budget.budget, status: updated.status, ...(reason ? { reason } : {}) };
});
