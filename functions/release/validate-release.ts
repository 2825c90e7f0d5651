/**
 * First state of a release: the artifact (a pinned image, valid module names) and the selected
 * tenants, which must still exist. Tenants gone since the release was planned are skipped with the
 * reason; a bad artifact, or no tenant left, rejects the release before anything is touched.
 * Picks one representative tenant per distinct module set for the rehearsals.
 */
import { artifactProblems, pickRepresentatives, type Representative } from '#shared/domain/release-artifact.ts';
import type { Release } from '#shared/domain/release-types.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import { allTenantReleases, skipWaitingTenants } from '#shared/lib/release-tenants.ts';

export interface ValidationResult {
  ok: boolean;
  reason?: string;
  rehearsals: (Representative & { index: number })[];
}

/** Tenants that no longer exist for a release: their data is gone or going. */
const GONE = new Set(['OFFBOARDING', 'DELETED']);

const indexed = (release: Release): ValidationResult['rehearsals'] =>
  release.rehearsals.map((r, index) => ({ moduleSetKey: r.moduleSetKey, tenantId: r.tenantId, index }));

export const handler = releaseStep<{ releaseId: string; actor: string }, ValidationResult>(async ({ state, repo, now, executionArn, release: load, updateRelease }) => {
  const release = await load();
  // A replay after the release moved on answers what the first run decided.
  if (release.status === 'REJECTED' || release.status === 'ABORTED' || release.status === 'FAILED') {
    return { ok: false, reason: release.statusReason ?? `release is ${release.status}`, rehearsals: [] };
  }
  if (release.status !== 'PLANNED') return { ok: true, rehearsals: indexed(release) };

  const reject = async (reason: string): Promise<ValidationResult> => {
    await updateRelease((r) => ({ ...r, statusReason: reason, executionArn, endedAt: now().toISOString() }), 'ArtifactRejected');
    return { ok: false, reason, rehearsals: [] };
  };

  const problems = artifactProblems(release);
  if (problems.length > 0) return reject(`artifact rejected: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);

  const items = await allTenantReleases(repo, state.releaseId);
  const tenants: Tenant[] = [];
  const gone: typeof items = [];
  for (const item of items) {
    const tenant = await repo.getTenant(item.tenantId);
    if (tenant && !GONE.has(tenant.status)) tenants.push(tenant);
    else gone.push(item);
  }
  if (gone.length > 0) await skipWaitingTenants(repo, release, gone, 'tenant no longer exists (deleted or being offboarded since the release was planned)', now());
  if (tenants.length === 0) return reject('none of the selected tenants exists any more');

  const representatives = pickRepresentatives(tenants, release.modules);
  const updated = await updateRelease(
    (r) => ({ ...r, executionArn, rehearsals: representatives.map((p) => ({ moduleSetKey: p.moduleSetKey, tenantId: p.tenantId, status: 'PENDING' as const })) }),
    'RehearsalStarted',
  );
  return { ok: true, rehearsals: indexed(updated) };
});
