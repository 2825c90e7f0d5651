/**
 * Between a wave's last upgrade and its end: the tenants cut over bake and are judged in their own
 * executions (`odoo-fleet-release-verdict`), which free their concurrency slots, so the wave waits
 * here until none of its tenants is past its cut-over and still unsettled (baking, awaiting a
 * human decision, rolling back). Then the circuit breaker (`end-wave.ts`) reads the wave's outcomes.
 *
 * It says when to look again: just after the last bake ends while tenants bake; every
 * `ROLLBACK_POLL_SECONDS` while one rolls back; every `DECISION_POLL_SECONDS` while only human
 * decisions are pending (a decision may take a day: the release's history stays small). Tenants
 * not cut over (never started, left by a crashed batch) are not waited for: the wave's end finds them.
 */
import { clock } from '#shared/lib/clock.ts';
import { isSettledOutcome } from '#shared/domain/release-tenant-outcome.ts';
import type { TenantRelease } from '#shared/domain/release-types.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import { allTenantReleases } from '#shared/lib/release-tenants.ts';

export interface VerdictsWait {
  settled: boolean;
  /** Tenants cut over and not yet settled. */
  pending: number;
  /** For an unsettled wave: the instant the Wait state wakes (`clock().timerDeadline`), ISO-8601. */
  waitUntil?: string;
}

/** After the last bake's end, the verdict step's own time before its outcome is written. */
export const VERDICT_MARGIN_SECONDS = 5;
export const ROLLBACK_POLL_SECONDS = 30;
export const DECISION_POLL_SECONDS = 300;

/** Cut over (its verdict runs in its own execution) and not settled. */
export function awaitingVerdict(item: TenantRelease): boolean {
  return item.cutoverAt !== undefined && !isSettledOutcome(item.outcome);
}

/** When to look again, in control-plane time, or null when nothing is pending. */
export function nextLook(items: readonly TenantRelease[], bakeSeconds: number, now: Date): Date | null {
  const pending = items.filter(awaitingVerdict);
  if (pending.length === 0) return null;
  const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
  const baking = pending.filter((i) => i.outcome === 'BAKING');
  if (baking.length > 0) {
    // An extended bake (too little traffic) ends later than the strategy's: past the last end, look every poll.
    const lastBakeEnd = Math.max(...baking.map((i) => Date.parse(i.cutoverAt!) + bakeSeconds * 1000));
    const wake = lastBakeEnd + VERDICT_MARGIN_SECONDS * 1000;
    return wake > now.getTime() ? new Date(wake) : at(ROLLBACK_POLL_SECONDS);
  }
  if (pending.some((i) => i.outcome !== 'AWAITING_DECISION')) return at(ROLLBACK_POLL_SECONDS);
  return at(DECISION_POLL_SECONDS);
}

export const handler = releaseStep<{ releaseId: string; actor: string; wave: number }, VerdictsWait>(async ({ state, repo, now, release: load }) => {
  const [release, items] = await Promise.all([load(), allTenantReleases(repo, state.releaseId, { wave: state.wave })]);
  const wake = nextLook(items, release.strategy.bakeSeconds, now());
  if (!wake) return { settled: true, pending: 0 };
  return { settled: false, pending: items.filter(awaitingVerdict).length, waitUntil: clock().timerDeadline(wake).toISOString() };
});
