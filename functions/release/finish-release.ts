/**
 * Last state of a release. After the waves: SUCCEEDED, unless it already ended otherwise (HALTED,
 * ABORTED, REJECTED, FAILED stay as they are). After an approval wait that ended in an error: the
 * rejection, the abort or the approval timeout is recorded. Either way, tenants that never started
 * are skipped with the reason and the release gets its end time. A release still PAUSED is neither:
 * it is left as it is, and the workflow waits and asks again.
 */
import { isTerminal, type ReleaseEvent } from '#shared/domain/release-lifecycle.ts';
import type { Release } from '#shared/domain/release-types.ts';
import { caughtReleaseError, releaseStep } from '#shared/lib/release-step.ts';
import { allTenantReleases, skipWaitingTenants } from '#shared/lib/release-tenants.ts';

export interface FinishResult {
  status: Release['status'];
  statusReason?: string;
  counts: Release['counts'];
  skipped: number;
}

/** How an error that ended the approval wait is recorded on the release. */
function approvalEnding(code: string, message: string): { event: ReleaseEvent; reason: string } {
  if (code === 'ReleaseAborted') return { event: 'AbortRequested', reason: `aborted while awaiting approval: ${message}` };
  if (code === 'ReleaseRejected') return { event: 'ApprovalRejected', reason: `approval declined: ${message}` };
  if (code === 'States.Timeout') return { event: 'ApprovalRejected', reason: 'no one approved the release before the approval wait timed out' };
  return { event: 'Failed', reason: `approval wait failed: ${code}: ${message}` };
}

export const handler = releaseStep<{ releaseId: string; actor: string; error?: unknown }, FinishResult>(async ({ state, repo, now, release: load, updateRelease }) => {
  let release = await load();
  const at = () => now().toISOString();

  if (state.error !== undefined && !isTerminal(release.status)) {
    const { code, message } = caughtReleaseError(state);
    const { event, reason } = approvalEnding(code, message);
    release = await updateRelease((r) => ({ ...r, statusReason: reason }), event);
  } else if (release.status === 'ROLLING_OUT') {
    release = await updateRelease((r) => ({ ...r, statusReason: 'every wave is done' }), 'AllWavesDone');
  }
  // A release paused after its last tenant started is answered PAUSED, unchanged: the workflow asks
  // again a minute later, until whoever paused it resumes (SUCCEEDED then) or aborts it.

  let skipped: string[] = [];
  if (isTerminal(release.status)) {
    skipped = await skipWaitingTenants(repo, release, await allTenantReleases(repo, state.releaseId), `release ${release.status}: ${release.statusReason ?? 'ended'}`, now());
    if (!release.endedAt) await updateRelease((r) => ({ ...r, endedAt: at() }));
    // Skipping changed the counts.
    release = await load();
  }
  return { status: release.status, statusReason: release.statusReason, counts: release.counts, skipped: skipped.length };
});
