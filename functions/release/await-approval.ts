/**
 * The approval wait: a `waitForTaskToken` task. The token is stored on the release, where the
 * approve, reject and abort calls find it to end the wait. The release stays AWAITING_APPROVAL;
 * a release aborted or rejected before the token was stored would never be woken, so that is
 * checked after storing it too.
 */
import { releaseStep, ReleaseStopped } from '#shared/lib/release-step.ts';
import { validationError } from '#shared/lib/errors.ts';
import type { Release } from '#shared/domain/release-types.ts';

function stopIfEnded(release: Release): void {
  if (release.status === 'ABORTED') throw new ReleaseStopped('ReleaseAborted', release.statusReason ?? `release ${release.releaseId} was aborted`);
  if (release.status === 'REJECTED') throw new ReleaseStopped('ReleaseRejected', release.statusReason ?? `release ${release.releaseId} was rejected`);
}

export const handler = releaseStep<{ releaseId: string; actor: string }, { waiting: boolean; status: string }>(async ({ state, repo, taskToken, release: load }) => {
  if (!taskToken) throw validationError('the approval wait needs a task token', [{ path: 'taskToken', message: 'is required' }]);
  stopIfEnded(await load());
  await repo.setApprovalToken(state.releaseId, taskToken);
  const release = await load();
  stopIfEnded(release);
  return { waiting: true, status: release.status };
});
