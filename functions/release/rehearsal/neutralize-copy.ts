/**
 * Neutralizes the copy before anything runs on it: `odoo neutralize` (crons and outgoing mail
 * servers off, `database.is_neutralized` set) as a Job with the tenant's current image. The upgrade
 * step waits for this Job before it starts its own, so no cron or mail ever leaves a copy.
 */
import { cloud } from '#shared/cloud/clients.ts';
import { applyObjects, jobStatus } from '#shared/cloud/kubernetes-workloads.ts';
import { rehearsalNames, renderNeutralizeJob } from '#shared/domain/rehearsal-workspace.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import { targetOf, type RehearsalState } from '#shared/lib/rehearsal-step.ts';
import { FIELD_MANAGER } from './prepare-rehearsal-copy.ts';

export const handler = releaseStep<RehearsalState, { job: string; status: string }>(async ({ state, repo }) => {
  const tenant = await repo.requireTenant(state.tenantId);
  const target = targetOf(state, tenant);
  const k8s = await cloud().kubernetes(state.copy!.region, state.copy!.eksCluster);
  const namespace = rehearsalNames.namespace(state.releaseId, state.index);
  let status = await jobStatus(k8s, namespace, rehearsalNames.neutralizeJob);
  if (status === 'absent') {
    await applyObjects(k8s, [renderNeutralizeJob(target)], FIELD_MANAGER);
    status = 'running';
  }
  return { job: `${namespace}/${rehearsalNames.neutralizeJob}`, status };
});
