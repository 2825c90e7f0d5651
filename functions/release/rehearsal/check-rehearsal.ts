/**
 * Whether the rehearsal passed: the upgrade Job on the copy succeeded (an `-u` that cannot load a
 * module at the new version exits non-zero, so success means every module of the set migrated),
 * with a measured duration.
 */
import { cloud } from '#shared/cloud/clients.ts';
import { jobStatus } from '#shared/cloud/kubernetes-workloads.ts';
import { releaseNames } from '#shared/domain/release-names.ts';
import { rehearsalNames } from '#shared/domain/rehearsal-workspace.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import type { RehearsalState } from '#shared/lib/rehearsal-step.ts';

export const handler = releaseStep<RehearsalState, NonNullable<RehearsalState['check']>>(async ({ state }) => {
  const k8s = await cloud().kubernetes(state.copy!.region, state.copy!.eksCluster);
  const namespace = rehearsalNames.namespace(state.releaseId, state.index);
  const status = await jobStatus(k8s, namespace, releaseNames.upgradeJob(state.releaseId));
  const seconds = state.upgrade?.seconds;
  if (status !== 'succeeded') return { passed: false, reason: `the upgrade Job on the copy is ${status}` };
  if (seconds === undefined) return { passed: false, reason: 'the upgrade on the copy was not timed' };
  return { passed: true, upgradeSeconds: seconds };
});
