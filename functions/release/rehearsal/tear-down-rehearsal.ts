/**
 * Always runs, whatever failed before: the rehearsal namespace (and its Jobs) and the copy (the
 * pooled database, or the restored cluster) are deleted, polled until each is confirmed gone.
 */
import { dropPooledCopy, retireCluster } from '#shared/cloud/adapters/release-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { deleteNamespace } from '#shared/cloud/kubernetes-workloads.ts';
import { cellIn } from '#shared/domain/fleet-lookup.ts';
import { rehearsalNames } from '#shared/domain/rehearsal-workspace.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import type { RehearsalState } from '#shared/lib/rehearsal-step.ts';

export const handler = releaseStep<RehearsalState, { ready: boolean; cleanedUp: boolean; namespace: string; copy: string }>(async ({ state, repo, config }) => {
  const tenant = await repo.requireTenant(state.tenantId);
  // The copy may have failed before it was described: its names are deterministic either way.
  const region = state.copy?.region ?? tenant.activeRegion;
  const k8s = await cloud().kubernetes(region, state.copy?.eksCluster ?? tenant.placement.cluster);
  const namespace = await deleteNamespace(k8s, rehearsalNames.namespace(state.releaseId, state.index));

  let copy: string;
  if (tenant.placement.model === 'dedicated') {
    copy = await retireCluster(cloud().rds(region), rehearsalNames.copyCluster(state.releaseId, state.index, config.namePrefix));
  } else {
    copy = await dropPooledCopy(cloud().rdsData(region), cellIn(config, tenant.placement, tenant.activeRegion), rehearsalNames.copyDatabase(tenant.tenantId, state.releaseId, state.index));
    // Dropped by this call: gone, as far as PostgreSQL is concerned.
    if (copy === 'dropped') copy = 'absent';
  }
  const gone = namespace === 'absent' && copy === 'absent';
  return { ready: gone, cleanedUp: gone, namespace, copy };
});
