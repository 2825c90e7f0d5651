/**
 * What every step of a tenant's upgrade reads: the workflow state (results of earlier steps at the
 * paths the `odoo-fleet-release-tenant` machine gives them), the release, the tenant's release item
 * and the tenant; and the two ways a step changes them: the outcome (only through
 * `moveTenantOutcome`, which also tells subscribers) and the tenant (only through its lifecycle).
 */
import { publishReleaseEvent } from '#shared/cloud/release-events.ts';
import type { TenantOutcomeContext, TenantOutcomeEvent } from '#shared/domain/release-tenant-outcome.ts';
import type { Release, TenantRelease } from '#shared/domain/release-types.ts';
import { transition, type TenantEvent } from '#shared/domain/tenant-lifecycle.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { AppError, conflict, notFound } from '#shared/lib/errors.ts';
import type { StepContext, WorkflowState } from '#shared/lib/workflow-step.ts';

/** A poll step's result: `since` only while it waits, so a later loop over the same path starts afresh. */
export interface Poll {
  ready: boolean;
  since?: string;
}

export type UpgradeState = WorkflowState & {
  releaseId: string;
  wave?: number;
  preflight?: { ok: boolean; reason?: string };
  maintenance?: Poll;
  copy?: Poll;
  upgrade?: Poll;
  roll?: Poll & { bakeUntil?: string };
  verdict?: { outcome: 'pass' | 'fail' | 'inconclusive' | 'extend'; bakeUntil?: string; bakeSeconds?: number };
  decision?: { choice?: 'keep' | 'rollback' };
  rollback?: { restoreDatabase: boolean; needsDecision: boolean };
  restore?: Poll;
  revert?: Poll;
  error?: { Error?: string; Cause?: string };
};

export type UpgradeContext = StepContext<UpgradeState>;

export async function requireItem(ctx: UpgradeContext): Promise<TenantRelease> {
  const item = await ctx.repo.getTenantRelease(ctx.state.releaseId, ctx.state.tenantId);
  if (!item) throw notFound(`tenant ${ctx.state.tenantId} is not part of release ${ctx.state.releaseId}`);
  return item;
}

export async function load(ctx: UpgradeContext): Promise<{ release: Release; item: TenantRelease; tenant: Tenant }> {
  const [release, item, tenant] = await Promise.all([ctx.repo.requireRelease(ctx.state.releaseId), requireItem(ctx), ctx.tenant()]);
  return { release, item, tenant };
}

/** Moves the tenant's outcome (a replay whose target already holds is a no-op) and publishes the change. */
export async function moveOutcome(
  ctx: UpgradeContext,
  event: TenantOutcomeEvent,
  patch: Partial<TenantRelease> = {},
  guard: TenantOutcomeContext = {},
): Promise<TenantRelease> {
  const { releaseId, tenantId } = ctx.state;
  const before = await requireItem(ctx);
  const at = ctx.now().toISOString();
  const item = await ctx.repo.moveTenantOutcome(releaseId, tenantId, event, patch, guard, at);
  if (item.outcome !== before.outcome) {
    const release = await ctx.repo.requireRelease(releaseId);
    await publishReleaseEvent({
      detailType: 'Release Tenant Outcome Changed',
      release,
      tenantId,
      detail: { from: before.outcome, to: item.outcome, event, reason: item.reason, operationId: ctx.state.operationId },
      at: ctx.now(),
    });
  }
  return item;
}

/** Changes fields of the tenant's release item other than its outcome, re-reading on a version race. */
export async function patchItem(ctx: UpgradeContext, mutate: (item: TenantRelease) => TenantRelease): Promise<TenantRelease> {
  for (let attempt = 0; ; attempt++) {
    const current = await requireItem(ctx);
    try {
      return await ctx.repo.updateTenantRelease(ctx.state.releaseId, ctx.state.tenantId, current.version, mutate);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'Conflict') || attempt >= 4) throw err;
    }
  }
}

/**
 * Moves the tenant through its lifecycle (`UpdateStarted` and the like) under this operation's
 * lease; already in the target status, only `patch` applies.
 */
export async function moveTenant(ctx: UpgradeContext, event: TenantEvent, target: Tenant['status'], patch: (t: Tenant) => Partial<Tenant>, changeType: string): Promise<Tenant> {
  return ctx.updateTenant((t) => {
    if (t.status === target) return { ...t, ...patch(t) };
    const next = transition(t.status, event, { now: ctx.now(), operationId: ctx.state.operationId, leaseOwner: t.lease?.owner, leaseExpiresAt: t.lease?.expiresAt });
    if (!next.ok) throw conflict(next.reason);
    return { ...t, ...patch(t), status: next.to };
  }, changeType);
}

/** Outcomes in which this workflow has changed nothing about the tenant (or never will). */
export function untouched(item: TenantRelease): boolean {
  return item.outcome === 'PENDING' || item.outcome === 'WAITING_WINDOW' || item.outcome === 'PREFLIGHT' || item.outcome === 'SKIPPED';
}
