/**
 * The release workflow stopped on an error no retry cleared: the release is FAILED with the error
 * (unless it had already ended), and tenants that had not started are skipped with the reason.
 * Tenants in flight run in their own executions and finish or roll back on their own.
 */
import { isTerminal } from '#shared/domain/release-lifecycle.ts';
import { caughtReleaseError, releaseStep } from '#shared/lib/release-step.ts';
import { allTenantReleases, skipWaitingTenants } from '#shared/lib/release-tenants.ts';

export const handler = releaseStep<{ releaseId: string; actor: string; error?: unknown }, { status: string; reason: string; skipped: number }>(
  async ({ state, repo, now, release: load, updateRelease }) => {
    const error = caughtReleaseError(state);
    const reason = `release workflow failed: ${error.code}: ${error.message}`;
    let release = await load();
    if (!isTerminal(release.status)) {
      release = await updateRelease((r) => ({ ...r, statusReason: reason, endedAt: now().toISOString() }), 'Failed');
    }
    const skipped = await skipWaitingTenants(repo, release, await allTenantReleases(repo, state.releaseId), `release ${release.status}: ${release.statusReason ?? reason}`, now());
    return { status: release.status, reason: release.statusReason ?? reason, skipped: skipped.length };
  },
);
