/**
 * Which tenants a release touches. A tenant is selected when it matches every filter given (ids,
 * criticality, Odoo version) and is ACTIVE. A tenant that matches but is not ACTIVE is skipped with
 * its reason, and so is an id the selector names that does not exist or does not match the other
 * filters: an operator who names a tenant learns why it is left out.
 */
import type { ErrorDetail } from '#shared/lib/errors.ts';
import type { PlanTenant } from './release-plan.ts';
import { CRITICALITIES, type Criticality, type TenantStatus } from './types.ts';

export interface ReleaseSelector {
  tenantIds?: readonly string[];
  criticality?: readonly Criticality[] | Criticality;
  odooVersion?: string;
}

export interface SkippedTenant {
  tenantId: string;
  reason: string;
}

export const NO_SUCH_TENANT = 'no such tenant';

/** Why a tenant in each status is left out of a release; ACTIVE tenants are released. */
export const STATUS_SKIP_REASONS: Readonly<Record<TenantStatus, string | null>> = {
  ACTIVE: null,
  PROVISIONING: 'tenant is PROVISIONING, not ACTIVE: only ACTIVE tenants are released',
  UPDATING: 'tenant is UPDATING, not ACTIVE: another change is in progress',
  FAILING_OVER: 'tenant is FAILING_OVER, not ACTIVE: a failover is in progress',
  SUSPENDED: 'tenant is SUSPENDED: suspended tenants are never released',
  OFFBOARDING: 'tenant is OFFBOARDING: it is being removed',
  DELETED: 'tenant is DELETED',
  FAILED: 'tenant is FAILED: it needs an operator before any release',
};

export function selectionProblems(tenants: readonly PlanTenant[], selector: ReleaseSelector | undefined): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (!Array.isArray(tenants)) return [{ path: 'tenants', message: 'must be a list of tenants' }];
  const seen = new Set<string>();
  tenants.forEach((t, i) => {
    if (seen.has(t.tenantId)) problems.push({ path: `tenants[${i}].tenantId`, message: `${t.tenantId} appears twice` });
    seen.add(t.tenantId);
  });
  if (selector === undefined) return problems;
  if (selector === null || typeof selector !== 'object' || Array.isArray(selector)) {
    return [...problems, { path: 'selector', message: 'must be an object' }];
  }
  const { tenantIds, criticality, odooVersion } = selector;
  if (tenantIds !== undefined) {
    if (!Array.isArray(tenantIds)) problems.push({ path: 'selector.tenantIds', message: 'must be a list of tenant ids' });
    else if (tenantIds.length === 0) problems.push({ path: 'selector.tenantIds', message: 'must name at least one tenant; leave it out to select every tenant' });
    else tenantIds.forEach((id: unknown, i) => {
      if (typeof id !== 'string' || id === '') problems.push({ path: `selector.tenantIds[${i}]`, message: 'must be a tenant id' });
    });
  }
  if (criticality !== undefined) {
    const message = `must be one of ${CRITICALITIES.join(', ')}`;
    if (Array.isArray(criticality)) {
      if (criticality.length === 0) problems.push({ path: 'selector.criticality', message: 'must name at least one criticality' });
      criticality.forEach((c, i) => {
        if (!CRITICALITIES.includes(c)) problems.push({ path: `selector.criticality[${i}]`, message });
      });
    } else if (!CRITICALITIES.includes(criticality as Criticality)) {
      problems.push({ path: 'selector.criticality', message });
    }
  }
  if (odooVersion !== undefined && (typeof odooVersion !== 'string' || odooVersion === '')) {
    problems.push({ path: 'selector.odooVersion', message: 'must be an Odoo version such as 17.0' });
  }
  return problems;
}

/** Selected tenants in input order; skipped ones by tenant id. Expects a valid selector. */
export function selectTenants(
  tenants: readonly PlanTenant[],
  selector: ReleaseSelector = {},
): { selected: PlanTenant[]; skipped: SkippedTenant[] } {
  const named = selector.tenantIds ? new Set(selector.tenantIds) : null;
  const criticalities = selector.criticality === undefined
    ? null
    : new Set<Criticality>(typeof selector.criticality === 'string' ? [selector.criticality] : selector.criticality);

  const selected: PlanTenant[] = [];
  const skipped: SkippedTenant[] = [];
  const known = new Set<string>();
  for (const t of tenants) {
    known.add(t.tenantId);
    if (named && !named.has(t.tenantId)) continue;
    const mismatch = filterMismatch(t, criticalities, selector.odooVersion);
    if (mismatch !== null) {
      // Tenants out of the selector's scope are not news, unless the operator named them.
      if (named) skipped.push({ tenantId: t.tenantId, reason: mismatch });
      continue;
    }
    const statusReason = Object.hasOwn(STATUS_SKIP_REASONS, t.status) ? STATUS_SKIP_REASONS[t.status] : `tenant status ${t.status} is not ACTIVE`;
    if (statusReason !== null) skipped.push({ tenantId: t.tenantId, reason: statusReason });
    else selected.push(t);
  }
  for (const id of named ?? []) {
    if (!known.has(id)) skipped.push({ tenantId: id, reason: NO_SUCH_TENANT });
  }
  skipped.sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0));
  return { selected, skipped };
}

function filterMismatch(t: PlanTenant, criticalities: Set<Criticality> | null, odooVersion: string | undefined): string | null {
  if (criticalities && !criticalities.has(t.profile.criticality)) {
    return `criticality ${t.profile.criticality} is not selected (${[...criticalities].join(', ')})`;
  }
  if (odooVersion !== undefined && t.odooVersion !== odooVersion) {
    return `Odoo version ${t.odooVersion} is not selected (${odooVersion})`;
  }
  return null;
}
