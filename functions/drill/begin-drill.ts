/**
 * The drill's first state: the drill must be reserved for this tenant and still hold the tenant's
 * drill lock; its operation becomes RUNNING; the restore point is read (the source cluster's latest
 * restorable time, or the chosen time checked against its restorable window) and recorded before
 * anything is restored, with the `restore-point` check (a latest restorable time far behind means
 * continuous backup has stalled). A retried step finds the point it recorded and reads nothing again.
 */
import { readRestorePoint } from '#shared/cloud/adapters/drill-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { restorePointCheck } from '#shared/domain/drill-measure.ts';
import { drillNames } from '#shared/domain/drill-names.ts';
import { backupCluster } from '#shared/domain/fleet-lookup.ts';
import { resourceFailed, validationError } from '#shared/lib/errors.ts';
import { advanceDrill, type DrillState } from '#shared/lib/drill-step.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep<DrillState, NonNullable<DrillState['begin']>>(async ({ state, repo, config, now, executionArn }) => {
  let drill = await repo.requireDrill(state.tenantId, state.drillId);
  if (!drill.executionArn) drill = await repo.updateDrill(state.tenantId, state.drillId, (d) => ({ ...d, executionArn }));
  const operation = await repo.requireOperation(state.operationId);
  if (operation.type !== 'DRILL' || operation.tenantId !== state.tenantId) throw validationError(`operation ${operation.operationId} is not a drill of ${state.tenantId}`);
  const tenant = await repo.requireTenant(state.tenantId);
  if (tenant.drillLock?.drillId !== drill.drillId) {
    throw resourceFailed(`drill ${drill.drillId} does not hold the drill lock of ${tenant.tenantId}${tenant.drillLock ? ` (drill ${tenant.drillLock.drillId} does)` : ''}`);
  }
  if (operation.status === 'PENDING') await repo.updateOperation(operation.operationId, { status: 'RUNNING', executionArn });
  const db = tenant.resources.database;
  if (!db) throw resourceFailed(`tenant ${tenant.tenantId} has no database to restore`);

  const region = tenant.activeRegion;
  const sourceClusterIdentifier = backupCluster(config, tenant);
  const begun = {
    region,
    sourceClusterIdentifier,
    clusterIdentifier: drillNames.cluster(tenant.tenantId, drill.drillId, config.namePrefix),
    instanceIdentifier: drillNames.instance(tenant.tenantId, drill.drillId, config.namePrefix),
    databaseName: db.databaseName,
  };
  if (drill.restorePoint && drill.referenceTime && drill.target) return { ...begun, restorePoint: drill.restorePoint };

  const chosen = state.restoreTime ?? (drill.restorePointKind === 'chosen' ? drill.restorePoint : undefined);
  const readAt = now().toISOString();
  const point = await readRestorePoint(cloud().rds(region), sourceClusterIdentifier, chosen ? new Date(chosen) : undefined);
  const restorePoint = point.restorePoint.toISOString();
  const check = restorePointCheck({ kind: point.kind, restorePoint, readAt, maxAgeSeconds: config.drills.maxRestorePointAgeMinutes * 60 });
  await advanceDrill(repo, state, (d) => ({
    ...d,
    restorePoint,
    restorePointKind: point.kind,
    referenceTime: restorePoint,
    target: {
      region,
      clusterIdentifier: begun.clusterIdentifier,
      databaseName: begun.databaseName,
      sourceClusterIdentifier,
      dbSubnetGroupName: config.drills.dbSubnetGroupName,
      vpcSecurityGroupIds: config.drills.vpcSecurityGroupIds,
    },
    checks: [check],
  }));
  return { ...begun, restorePoint };
});
