/**
 * Whether one tenant of a batch starts now, waits, or is skipped: the check made before every
 * tenant, which is how pause, abort and the circuit breaker act "between tenants".
 *
 * - already settled or cut over (a replay): skip, the tenant's verdict runs on its own; already
 *   started (its child execution exists): start again, which attaches to that execution instead of
 *   upgrading twice;
 * - release aborted or halted, or the wave's failure budget spent (which halts the release): SKIPPED;
 * - release paused: wait a minute and ask again;
 * - tenant not ACTIVE: SKIPPED with the reason;
 * - release window (the tenant's calendar, the fleet's freezes, the release's deadline; an
 *   emergency release ignores windows and freezes): closed -> WAITING_WINDOW until it opens (at
 *   most an hour at a time, so pause and abort are still noticed); never opens before the
 *   deadline -> SKIPPED;
 * - otherwise the tenant's RELEASE operation is created (once: a replay finds the same id) with
 *   what the tenant runs now, for a rollback to return to, and the tenant starts.
 */
import { clock } from '#shared/lib/clock.ts';
import { pendingOperation } from '#shared/domain/operations.ts';
import { isSettledOutcome } from '#shared/domain/release-tenant-outcome.ts';
import type { Release, TenantRelease } from '#shared/domain/release-types.ts';
import { evaluateRelease } from '#shared/domain/release-window-decision.ts';
import type { ReleaseWindow } from '#shared/domain/release-windows.ts';
import { STATUS_SKIP_REASONS } from '#shared/domain/release-selection.ts';
import { WEEKDAYS } from '#shared/domain/zoned-time.ts';
import { AppError, conflict, notFound } from '#shared/lib/errors.ts';
import { newOperationId } from '#shared/lib/ids.ts';
import { releaseStep, type ReleaseStepContext } from '#shared/lib/release-step.ts';
import { moveAndPublish, WAITING_TO_START } from '#shared/lib/release-tenants.ts';

export interface GateDecision {
  action: 'start' | 'wait' | 'skip';
  operationId?: string;
  /** For `wait`: the instant the Wait state wakes (`clock().timerDeadline`), ISO-8601. */
  waitUntil?: string;
  reason?: string;
}

type State = { releaseId: string; actor: string; wave: number; tenantId: string };
type Ctx = ReleaseStepContext<State>;

/** A tenant without a calendar may be released at any time. */
export const ALWAYS_OPEN: readonly ReleaseWindow[] = [{ days: [...WEEKDAYS], start: '00:00', end: '00:00', timeZone: 'UTC' }];
export const PAUSE_POLL_SECONDS = 60;
export const MAX_WINDOW_WAIT_SECONDS = 3600;

const wakeAt = (at: Date) => clock().timerDeadline(at).toISOString();

export const handler = releaseStep<State, GateDecision>(async (ctx) => {
  const { state, repo } = ctx;
  const item = await repo.getTenantRelease(state.releaseId, state.tenantId);
  if (!item) throw notFound(`Tenant ${state.tenantId} is not part of release ${state.releaseId}`);
  if (isSettledOutcome(item.outcome)) return { action: 'skip', reason: `already ${item.outcome}` };
  // Cut over: its upgrade execution has ended and its verdict runs on; the batch has nothing to do.
  if (item.cutoverAt) return { action: 'skip', reason: `cut over, ${item.outcome}: its verdict runs in its own execution` };
  // Started before (the gate or the batch was replayed): the child execution of the same name is found again.
  if (!WAITING_TO_START.includes(item.outcome)) return { action: 'start', operationId: item.operationId };

  const release = await ctx.release();
  const stop = await stopReason(ctx, release);
  if (stop) return skip(ctx, release, item, stop);
  if (release.status === 'PAUSED') {
    const until = new Date(ctx.now().getTime() + PAUSE_POLL_SECONDS * 1000);
    return { action: 'wait', waitUntil: wakeAt(until), reason: 'release is PAUSED' };
  }
  if (release.status !== 'ROLLING_OUT') throw conflict(`release ${release.releaseId} is ${release.status}: no tenant may start`);

  const tenant = await repo.getTenant(state.tenantId);
  const notActive = !tenant ? 'tenant no longer exists' : STATUS_SKIP_REASONS[tenant.status];
  if (!tenant || notActive) return skip(ctx, release, item, notActive ?? 'tenant is not ACTIVE');

  const now = ctx.now();
  const decision = evaluateRelease({
    windows: tenant.releaseCalendar?.windows ?? ALWAYS_OPEN,
    tenantFreezes: tenant.releaseCalendar?.freezes ?? [],
    fleetFreezes: ctx.config.release?.freezes ?? [],
    now,
    deadline: new Date(release.deadline),
    emergency: release.emergency,
    minimumSlotSeconds: item.predictedUpgradeSeconds,
  });
  if (decision.decision === 'skip') {
    return skip(ctx, release, item, decision.reason, { decision: 'skip', reason: decision.reason, ...(decision.nextOpening ? { until: decision.nextOpening.toISOString() } : {}) });
  }
  if (decision.decision === 'wait') {
    const window = { decision: 'wait' as const, until: decision.until.toISOString(), reason: decision.reason };
    if (item.outcome === 'PENDING') {
      await moveAndPublish(repo, release, item.tenantId, 'WindowWaitStarted', { reason: decision.reason, window }, now);
    } else {
      await updateItem(ctx, item.tenantId, (t) => ({ ...t, window }));
    }
    const until = new Date(Math.min(decision.until.getTime(), now.getTime() + MAX_WINDOW_WAIT_SECONDS * 1000));
    return { action: 'wait', waitUntil: wakeAt(until), reason: decision.reason };
  }

  const window = { decision: 'go' as const, until: decision.until.toISOString(), reason: decision.reason };
  const started = await ensureOperation(ctx, item, tenant.release, window);
  return { action: 'start', operationId: started.operationId, reason: decision.reason };
});

/** Why no tenant of the release may start any more, or null. The spent budget halts the release here. */
async function stopReason(ctx: Ctx, release: Release): Promise<string | null> {
  if (release.status === 'ABORTED' || release.status === 'HALTED' || release.status === 'FAILED' || release.status === 'REJECTED') {
    return `release ${release.status}${release.statusReason ? `: ${release.statusReason}` : ''}`;
  }
  const wave = await ctx.repo.getWave(ctx.state.releaseId, ctx.state.wave);
  if (wave && wave.failures > wave.failureBudget) {
    const reason = `wave ${wave.index}: failure budget spent: ${wave.failures} failures exceed the wave's budget of ${wave.failureBudget}`;
    if (release.status === 'ROLLING_OUT' || release.status === 'PAUSED') {
      await ctx.updateRelease((r) => ({ ...r, statusReason: reason }), 'BudgetExhausted');
    }
    return `release HALTED: ${reason}`;
  }
  return null;
}

async function skip(ctx: Ctx, release: Release, item: TenantRelease, reason: string, window?: TenantRelease['window']): Promise<GateDecision> {
  const now = ctx.now();
  await moveAndPublish(ctx.repo, release, item.tenantId, 'Skipped', { reason, endedAt: now.toISOString(), ...(window ? { window } : {}) }, now);
  return { action: 'skip', reason };
}

/** Re-reads the item on a version race: the per-tenant workflow never writes while the gate runs, an operator might. */
async function updateItem(ctx: Ctx, tenantId: string, mutate: (t: TenantRelease) => TenantRelease): Promise<TenantRelease> {
  for (let attempt = 0; ; attempt++) {
    const current = await ctx.repo.getTenantRelease(ctx.state.releaseId, tenantId);
    if (!current) throw notFound(`Tenant ${tenantId} is not part of release ${ctx.state.releaseId}`);
    try {
      return await ctx.repo.updateTenantRelease(ctx.state.releaseId, tenantId, current.version, mutate);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'Conflict') || attempt >= 4) throw err;
    }
  }
}

/**
 * The tenant's RELEASE operation: its id (unless the release already named one) and what the tenant
 * runs now are written on the tenant item first (conditional on the item's version), then the
 * operation record is created; a replay finds both and creates nothing new.
 */
async function ensureOperation(ctx: Ctx, item: TenantRelease, previous: { image: string; modules: string[] }, window: TenantRelease['window']): Promise<TenantRelease> {
  const now = ctx.now();
  const updated =
    item.operationId && item.previous
      ? item
      : await updateItem(ctx, item.tenantId, (t) => ({
          ...t,
          operationId: t.operationId || newOperationId(now),
          previous: t.previous ?? { image: previous.image, modules: [...previous.modules] },
          window,
        }));
  if (!(await ctx.repo.getOperation(updated.operationId))) {
    await ctx.repo.createOperation(
      pendingOperation({ operationId: updated.operationId, type: 'RELEASE', tenantId: item.tenantId, requestedBy: ctx.state.actor, at: now.toISOString() }),
    );
  }
  return updated;
}
