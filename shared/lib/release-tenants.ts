/**
 * Reading and skipping a release's tenants in bulk, as the release-level steps do: every tenant
 * item of a release (or of one wave), page after page, and skipping those not started when a
 * release halts, is aborted or stops.
 */
import { publishReleaseEvent } from '#shared/cloud/release-events.ts';
import type { Release, TenantRelease } from '#shared/domain/release-types.ts';
import type { TenantOutcomeStatus } from '#shared/domain/release-tenant-outcome.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { AppError } from './errors.ts';

const PAGE = 100;

/** Every tenant item of the release, or of one of its waves, in tenant id order. */
export async function allTenantReleases(repo: FleetRepository, releaseId: string, filter: { wave?: number } = {}): Promise<TenantRelease[]> {
  const out: TenantRelease[] = [];
  let cursor: string | undefined;
  do {
    const page = await repo.listTenantReleases(releaseId, { limit: PAGE, cursor });
    out.push(...page.items.filter((t) => filter.wave === undefined || t.wave === filter.wave));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Not yet started, and not about to be: what a halt, an abort or a stop skips. */
export const WAITING_TO_START: readonly TenantOutcomeStatus[] = ['PENDING', 'WAITING_WINDOW'];

/**
 * Marks each tenant still waiting to start SKIPPED with `reason`. A tenant whose gate started it
 * meanwhile is left to its own workflow (the outcome table refuses the skip; that is expected).
 * Returns the ids skipped.
 */
export async function skipWaitingTenants(repo: FleetRepository, release: Pick<Release, 'releaseId'>, items: TenantRelease[], reason: string, at: Date): Promise<string[]> {
  const skipped: string[] = [];
  for (const item of items) {
    if (!WAITING_TO_START.includes(item.outcome)) continue;
    try {
      await repo.moveTenantOutcome(release.releaseId, item.tenantId, 'Skipped', { reason, endedAt: at.toISOString() }, {}, at.toISOString());
      skipped.push(item.tenantId);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'Conflict')) throw err;
    }
  }
  return skipped;
}

/** Moves one tenant's outcome and tells subscribers (best effort). */
export async function moveAndPublish(
  repo: FleetRepository,
  release: Pick<Release, 'releaseId' | 'status'>,
  tenantId: string,
  move: Parameters<FleetRepository['moveTenantOutcome']>[2],
  patch: Partial<TenantRelease>,
  at: Date,
): Promise<TenantRelease> {
  const before = await repo.getTenantRelease(release.releaseId, tenantId);
  const item = await repo.moveTenantOutcome(release.releaseId, tenantId, move, patch, {}, at.toISOString());
  if (before?.outcome !== item.outcome) {
    await publishReleaseEvent({
      detailType: 'Release Tenant Outcome Changed',
      release,
      tenantId,
      detail: { from: before?.outcome, to: item.outcome, reason: item.reason, wave: item.wave },
      at,
    });
  }
  return item;
}
