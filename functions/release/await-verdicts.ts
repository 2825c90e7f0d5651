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
 *
 * A verdict execution records its own crash, but one stopped by hand or timed out cannot: each look
 * describes the verdict executions of the tenants whose bake is over, and settles the tenant of one
 * found ended (`recordTenantCrash`: FAILED, the release halted, an alert), so the wave never waits
 * for a verdict that will not come.
 */
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { cloud } from '#shared/cloud/clients.ts';
import { verdictExecutionArn } from '#shared/domain/release-names.ts';
import { clock, timerAfter } from '#shared/lib/clock.ts';
import { isSettledOutcome } from '#shared/domain/release-tenant-outcome.ts';
import type { TenantRelease } from '#shared/domain/release-types.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import { allTenantReleases } from '#shared/lib/release-tenants.ts';
import { recordTenantCrash } from './record-tenant-crash.ts';

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
/** How long after its bake's end a cut-over tenant's verdict execution may still be starting (retried, throttled). */
export const START_GRACE_SECONDS = 900;

/** Cut over (its verdict runs in its own execution) and not settled. */
export function awaitingVerdict(item: TenantRelease): boolean {
  return item.cutoverAt !== undefined && !isSettledOutcome(item.outcome);
}

/**
 * Instants on the clock Wait states run on (`clock().timerNow()`, `timerDeadline`), so that a stored
 * bake end compares with now the way the bake's own Wait does; and the control plane's intervals
 * on that clock.
 */
export interface WaitClock {
  nowMs: number;
  /** Milliseconds on the Wait clock of `seconds` of control-plane time. */
  ms(seconds: number): number;
}

/** When the tenant's bake ends, on the Wait clock: the instant stored at the cut-over (or moved by an extension). */
export function bakeEndMs(item: TenantRelease, bakeSeconds: number): number {
  return item.bakeUntil ? Date.parse(item.bakeUntil) : clock().timerDeadline(new Date(Date.parse(item.cutoverAt!) + bakeSeconds * 1000)).getTime();
}

/** When to look again, on the Wait clock, or null when nothing is pending. */
export function nextLook(items: readonly TenantRelease[], bakeEnd: (item: TenantRelease) => number, at: WaitClock): number | null {
  const pending = items.filter(awaitingVerdict);
  if (pending.length === 0) return null;
  const baking = pending.filter((i) => i.outcome === 'BAKING');
  if (baking.length > 0) {
    // Past the last bake's end (a slow verdict, an extension not seen yet): look every poll.
    const wake = Math.max(...baking.map(bakeEnd)) + at.ms(VERDICT_MARGIN_SECONDS);
    return wake > at.nowMs ? wake : at.nowMs + at.ms(ROLLBACK_POLL_SECONDS);
  }
  if (pending.some((i) => i.outcome !== 'AWAITING_DECISION')) return at.nowMs + at.ms(ROLLBACK_POLL_SECONDS);
  return at.nowMs + at.ms(DECISION_POLL_SECONDS);
}

function waitClock(): WaitClock {
  const nowMs = clock().timerNow().getTime();
  return { nowMs, ms: (seconds) => Math.max(1, timerAfter(seconds).getTime() - nowMs) };
}

export const handler = releaseStep<{ releaseId: string; actor: string; wave: number }, VerdictsWait>(async (ctx) => {
  const { state, repo, release: load } = ctx;
  const [release, items] = await Promise.all([load(), allTenantReleases(repo, state.releaseId, { wave: state.wave })]);
  const bakeEnd = (i: TenantRelease) => bakeEndMs(i, release.strategy.bakeSeconds);
  const at = waitClock();
  const overdue = items.filter((i) => awaitingVerdict(i) && bakeEnd(i) <= at.nowMs);
  let settledHere = 0;
  for (const item of overdue) {
    const graceOver = bakeEnd(item) + at.ms(START_GRACE_SECONDS) <= at.nowMs;
    const ended = await endedVerdict(ctx.executionArn, state.releaseId, item.tenantId, graceOver);
    if (!ended) continue;
    await recordTenantCrash(ctx, { tenantId: item.tenantId, operationId: item.operationId, error: ended });
    settledHere += 1;
  }
  const current = settledHere > 0 ? await allTenantReleases(repo, state.releaseId, { wave: state.wave }) : items;
  const wake = nextLook(current, bakeEnd, at);
  if (wake === null) return { settled: true, pending: 0 };
  return { settled: false, pending: current.filter(awaitingVerdict).length, waitUntil: new Date(wake).toISOString() };
});

/** The error to record when the tenant's verdict execution has ended without settling it (or never started); null while it runs. */
async function endedVerdict(ownExecutionArn: string, releaseId: string, tenantId: string, missingIsFinal: boolean): Promise<{ code: string; message: string } | null> {
  const executionArn = verdictExecutionArn(ownExecutionArn, releaseId, tenantId);
  const region = executionArn.split(':')[3]!;
  try {
    const e = await cloud().sfn(region).send(new DescribeExecutionCommand({ executionArn }));
    if (e.status === 'RUNNING' || e.status === 'PENDING_REDRIVE') return null;
    // Even SUCCEEDED: one that settled its tenant after the items were read is found settled by `recordTenantCrash`, which then changes nothing.
    return { code: `VerdictExecution${e.status ?? 'Ended'}`, message: `the verdict execution ${executionArn} ended ${e.status ?? ''}${e.error ? `: ${e.error}` : ''}${e.cause ? ` (${e.cause})` : ''}` };
  } catch (err) {
    if ((err as { name?: string }).name === 'ExecutionDoesNotExist') {
      // Its start may still be being retried (throttled): only long after the bake is it missing for good.
      if (!missingIsFinal) return null;
      return { code: 'VerdictExecutionMissing', message: `the tenant was cut over but its verdict execution ${executionArn} does not exist` };
    }
    throw err;
  }
}
