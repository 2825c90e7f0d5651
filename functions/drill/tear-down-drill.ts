/**
 * Always runs, whatever failed before: the drill cluster (its instance, then the cluster, no final
 * snapshot; the RDS-managed master secret goes with it) is deleted and polled until DescribeDBClusters
 * no longer finds it. The names are deterministic, so a drill that failed before its restore was
 * described still finds what it may have made. Gives up after two hours: the record then says
 * `cleanedUp: false`, and the sweeper removes the cluster once its TTL tag has passed.
 */
import { retireDrillCluster } from '#shared/cloud/adapters/drill-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { drillNames } from '#shared/domain/drill-names.ts';
import { advanceDrill, type DrillState } from '#shared/lib/drill-step.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';

const MAX_TEARDOWN_SECONDS = 2 * 3600;

export const handler = workflowStep<DrillState, NonNullable<DrillState['teardown']> & { cluster: string }>(async ({ state, repo, config, now }) => {
  const since = pollSince(state.teardown, now());
  const drill = await advanceDrill(repo, state, (d) => d, state.error ? 'Failed' : 'Validated');
  assertWithinDeadline(`the teardown of drill ${state.drillId}`, since, now(), MAX_TEARDOWN_SECONDS);
  const tenant = await repo.requireTenant(state.tenantId);
  const region = state.begin?.region ?? drill.target?.region ?? tenant.activeRegion;
  const clusterIdentifier = state.begin?.clusterIdentifier ?? drill.target?.clusterIdentifier ?? drillNames.cluster(state.tenantId, state.drillId, config.namePrefix);
  const cluster = await retireDrillCluster(cloud().rds(region), clusterIdentifier);
  const gone = cluster === 'absent';
  await advanceDrill(repo, state, (d) => ({ ...d, cleanedUp: gone, teardown: { ...d.teardown, [clusterIdentifier]: cluster } }));
  return { ready: gone, since, cleanedUp: gone, cluster };
});
