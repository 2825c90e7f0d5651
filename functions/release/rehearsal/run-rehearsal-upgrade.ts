/**
 * The release's upgrade Job on the neutralized copy, timed: the measure the plan uses for every
 * tenant with this module set. It starts only once the neutralize Job succeeded. Polled until the
 * Job ends; a failed Job fails the rehearsal (the teardown still runs).
 */
import { cloud } from '#shared/cloud/clients.ts';
import { applyObjects, jobStatus } from '#shared/cloud/kubernetes-workloads.ts';
import { releaseNames } from '#shared/domain/release-names.ts';
import { rehearsalNames, renderRehearsalUpgradeJob } from '#shared/domain/rehearsal-workspace.ts';
import { AppError } from '#shared/lib/errors.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import { targetOf, type RehearsalState } from '#shared/lib/rehearsal-step.ts';
import { FIELD_MANAGER } from './prepare-rehearsal-copy.ts';

/** The tenants' own upgrade Job is bounded at 55 minutes; the rehearsal allows the same plus start-up. */
const MAX_WAIT_SECONDS = 3600;

export const handler = releaseStep<RehearsalState, NonNullable<RehearsalState['upgrade']>>(async ({ state, repo, now }) => {
  const since = pollSince(state.upgrade, now());
  assertWithinDeadline('rehearsal upgrade', since, now(), MAX_WAIT_SECONDS);
  const release = await repo.requireRelease(state.releaseId);
  const tenant = await repo.requireTenant(state.tenantId);
  const target = targetOf(state, tenant);
  const k8s = await cloud().kubernetes(state.copy!.region, state.copy!.eksCluster);
  const namespace = rehearsalNames.namespace(state.releaseId, state.index);

  const neutralized = await jobStatus(k8s, namespace, rehearsalNames.neutralizeJob);
  if (neutralized === 'failed') throw new AppError('ResourceFailed', `neutralizing the copy failed (Job ${namespace}/${rehearsalNames.neutralizeJob}): the upgrade was not run on it`);
  if (neutralized !== 'succeeded') return { ready: false, since, status: 'neutralizing' };

  const jobName = releaseNames.upgradeJob(state.releaseId);
  const status = await jobStatus(k8s, namespace, jobName);
  if (status === 'absent') {
    await applyObjects(k8s, [renderRehearsalUpgradeJob(target, release, state.copy!.clusterIdentifier)], FIELD_MANAGER);
    return { ready: false, since, startedAt: now().toISOString(), status: 'running' };
  }
  const startedAt = state.upgrade?.startedAt ?? since;
  if (status === 'running') return { ready: false, since, startedAt, status };
  const seconds = Math.max(1, Math.round((now().getTime() - Date.parse(startedAt)) / 1000));
  if (status === 'failed') {
    throw Object.assign(new AppError('ResourceFailed', `the upgrade Job failed on the copy after ${seconds} s (Job ${namespace}/${jobName}): the new image or a module did not migrate`), { name: 'UpgradeFailed' });
  }
  return { ready: true, since, startedAt, seconds, status };
});
