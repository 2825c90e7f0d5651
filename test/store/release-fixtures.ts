import { DEFAULT_RELEASE_STRATEGY } from '#shared/domain/release-strategy.ts';
import type { Release, ReleaseWave, TenantRelease } from '#shared/domain/release-types.ts';

export const AT = '2030-01-01T00:00:00.000Z';

export function aRelease(releaseId: string, overrides: Partial<Release> = {}): Release {
  return {
    releaseId,
    status: 'PLANNED',
    image: 'registry.example.com/odoo:17.0-20300101',
    modules: ['sale', 'stock'],
    selector: { criticality: ['low'] },
    strategy: DEFAULT_RELEASE_STRATEGY,
    deadline: '2030-01-08T00:00:00.000Z',
    requestedBy: 'alice',
    waves: [],
    skipped: [],
    rehearsals: [],
    counts: { PENDING: 0 },
    predictedSeconds: 3600,
    lowerBoundSeconds: 3000,
    createdAt: AT,
    updatedAt: AT,
    version: 1,
    ...overrides,
  };
}

export function aWave(releaseId: string, index: number, tenantIds: string[], failureBudget = 1): ReleaseWave {
  return { releaseId, index, ring: 1, tenantIds, failureBudget, failures: 0, status: 'PENDING' };
}

export function aTenantRelease(releaseId: string, tenantId: string, wave = 0, overrides: Partial<TenantRelease> = {}): TenantRelease {
  return {
    releaseId,
    tenantId,
    wave,
    ring: 1,
    cell: 'cell-a',
    outcome: 'PENDING',
    operationId: `op-${tenantId}`,
    history: [],
    version: 1,
    ...overrides,
  };
}

/** A release of `tenantIds` in one wave, with counts that match its tenant items. */
export function aWholeRelease(releaseId: string, tenantIds: string[], overrides: Partial<Release> = {}) {
  return {
    release: aRelease(releaseId, { counts: { PENDING: tenantIds.length }, ...overrides }),
    waves: [aWave(releaseId, 0, tenantIds)],
    tenants: tenantIds.map((t) => aTenantRelease(releaseId, t)),
  };
}
