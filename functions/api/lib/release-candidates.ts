/**
 * What a release plan starts from: the tenants the selector may concern, read through the tenant
 * indexes (never a Scan), and the upgrade times earlier rehearsals measured per module set.
 *
 * Without named tenants, every status but DELETED is read: the ACTIVE tenants are the release, the
 * others are shown as skipped with their reason (a tenant UPDATING now is news to the SRE; the
 * fleet's history of deleted tenants is not).
 */
import type { ReleaseSelector } from '#shared/domain/release-plan.ts';
import { TENANT_STATUSES, type Tenant } from '#shared/domain/types.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { allPages } from '#shared/store/query.ts';

const PAGE = 100;
/** Named tenants are read this many at a time. */
const PARALLEL_READS = 16;
/** How many recent releases are searched for rehearsal timings. */
const RECENT_RELEASES = 25;

async function namedTenants(repo: FleetRepository, tenantIds: readonly string[]): Promise<Tenant[]> {
  const found: Tenant[] = [];
  for (let i = 0; i < tenantIds.length; i += PARALLEL_READS) {
    const batch = await Promise.all(tenantIds.slice(i, i + PARALLEL_READS).map((id) => repo.getTenant(id)));
    found.push(...batch.filter((t): t is Tenant => t !== undefined));
  }
  return found;
}

export async function candidateTenants(repo: FleetRepository, selector: ReleaseSelector): Promise<Tenant[]> {
  if (selector.tenantIds) return namedTenants(repo, selector.tenantIds);
  // One criticality narrows each status query through the filter; several are left to the planner.
  const criticality = typeof selector.criticality === 'string' ? selector.criticality : selector.criticality?.length === 1 ? selector.criticality[0] : undefined;
  const statuses = TENANT_STATUSES.filter((s) => s !== 'DELETED');
  const lists = await Promise.all(
    statuses.map((status) => allPages((cursor) => repo.listTenants({ status, criticality, limit: PAGE, cursor }))),
  );
  return lists.flat();
}

/**
 * Seconds the upgrade took in the newest passed rehearsal of each module set, among recent
 * releases: a cheap, honest prediction for a dry run. Module sets never rehearsed get the planner's default.
 */
export async function rehearsedUpgradeSeconds(repo: FleetRepository): Promise<Record<string, number>> {
  const { items } = await repo.listReleases({ limit: RECENT_RELEASES });
  const seconds: Record<string, number> = {};
  for (const release of items) {
    for (const r of release.rehearsals ?? []) {
      if (r.status === 'PASSED' && typeof r.upgradeSeconds === 'number' && !Object.hasOwn(seconds, r.moduleSetKey)) seconds[r.moduleSetKey] = r.upgradeSeconds;
    }
  }
  return seconds;
}
