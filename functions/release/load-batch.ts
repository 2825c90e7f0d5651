/**
 * First state of a batch: the tenant ids it upgrades, lane by lane, read from the wave item where
 * the wave's start stored them (the parent workflow passes only the slot and batch numbers). A batch the
 * wave does not hold is an error: its tenants are left for the end of the wave to find unsettled.
 */
import { batchLanes } from '#shared/domain/release-types.ts';
import { notFound } from '#shared/lib/errors.ts';
import { releaseStep } from '#shared/lib/release-step.ts';

type State = { releaseId: string; actor: string; wave: number; slot: number; batch: number };

export const handler = releaseStep<State, string[][]>(async ({ state, repo }) => {
  const wave = await repo.getWave(state.releaseId, state.wave);
  if (!wave) throw notFound(`Wave ${state.wave} of release ${state.releaseId} not found`);
  const found = wave.batches?.find((b) => b.slot === state.slot && b.batch === state.batch);
  if (!found) throw notFound(`Wave ${state.wave} of release ${state.releaseId} has no batch ${state.batch} in slot ${state.slot}`);
  return batchLanes(found);
});
