/**
 * The rehearsal's result on `Release.rehearsals[index]`: PASSED with the measured upgrade seconds,
 * or FAILED with the reason (the error caught on the way, or what the check found), and whether
 * the copy is confirmed gone.
 */
import type { RehearsalRecord } from '#shared/domain/release-types.ts';
import { caughtReleaseError, releaseStep } from '#shared/lib/release-step.ts';
import { updateRehearsal, type RehearsalState } from '#shared/lib/rehearsal-step.ts';

export const handler = releaseStep<RehearsalState, RehearsalRecord>(async (ctx) => {
  const { state, now } = ctx;
  const failure = state.error !== undefined ? caughtReleaseError(state) : undefined;
  const passed = !failure && state.check?.passed === true;
  const cleanedUp = state.teardown?.cleanedUp === true && state.teardownError === undefined;
  const leftover = cleanedUp ? '' : '; the copy could not be confirmed removed (it is tagged with the release id and expires)';
  const reason = passed ? (cleanedUp ? undefined : leftover.slice(2)) : `${failure ? `${failure.code}: ${failure.message}` : (state.check?.reason ?? 'the rehearsal did not finish')}${leftover}`;

  const release = await updateRehearsal(ctx, (r) => ({
    ...r,
    status: passed ? 'PASSED' : 'FAILED',
    endedAt: now().toISOString(),
    upgradeSeconds: state.check?.upgradeSeconds ?? state.upgrade?.seconds,
    cleanedUp,
    ...(reason ? { reason } : {}),
  }));
  return release.rehearsals[state.index]!;
});
