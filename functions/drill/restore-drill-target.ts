/**
 * Restores the source cluster to the recorded restore point into an isolated target: a new cluster
 * named for the drill (never a production name) in the drill subnet group, with the drill security
 * groups (no ingress: validation goes through the Data API), deletion protection off, tagged with
 * the drill, the tenant and the instant after which the sweeper removes it. The restore request's
 * time is recorded before the call (RTO runs from it); polled until the cluster, its instance, its
 * master secret and its Data API endpoint are there, and given up after the restore timeout.
 */
import { ensureDrillRestore } from '#shared/cloud/adapters/drill-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { drillTags } from '#shared/domain/drill-names.ts';
import { resourceFailed } from '#shared/lib/errors.ts';
import { advanceDrill, drillExpiresAt, type DrillState } from '#shared/lib/drill-step.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep<DrillState, NonNullable<DrillState['restore']>>(async ({ state, repo, config, now }) => {
  const begun = state.begin;
  if (!begun) throw resourceFailed('the drill has no recorded restore point');
  const since = pollSince(state.restore, now());
  assertWithinDeadline(`the drill restore of ${begun.clusterIdentifier}`, since, now(), config.drills.restoreTimeoutMinutes * 60);

  let drill = await repo.requireDrill(state.tenantId, state.drillId);
  if (!drill.restoreRequestedAt) {
    drill = await advanceDrill(repo, state, (d) => ({ ...d, restoreRequestedAt: now().toISOString() }), 'RestoreRequested');
  }
  const restored = await ensureDrillRestore(cloud().rds(begun.region), {
    sourceClusterIdentifier: begun.sourceClusterIdentifier,
    clusterIdentifier: begun.clusterIdentifier,
    instanceIdentifier: begun.instanceIdentifier,
    restoreTo: new Date(begun.restorePoint),
    instanceClass: config.drills.instanceClass,
    dbSubnetGroupName: config.drills.dbSubnetGroupName,
    vpcSecurityGroupIds: config.drills.vpcSecurityGroupIds,
    kmsKeyId: config.dedicated.kmsKeyId,
    tags: drillTags(state.tenantId, state.drillId, drillExpiresAt(drill.startedAt, config.drills.ttlHours)),
  });
  const result = { ready: restored.ready, since, status: restored.status, clusterArn: restored.clusterArn, secretArn: restored.secretArn };
  if (restored.ready) {
    await advanceDrill(
      repo,
      state,
      (d) => ({
        ...d,
        restoreAvailableAt: d.restoreAvailableAt ?? now().toISOString(),
        target: d.target ? { ...d.target, clusterArn: restored.clusterArn, secretArn: restored.secretArn } : d.target,
      }),
      'RestoreAvailable',
    );
  }
  return result;
});
