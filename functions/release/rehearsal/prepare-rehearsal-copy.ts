/**
 * The rehearsal's copy of the representative tenant, isolated from production: a namespace of its
 * own and, for a pooled tenant, a new database on the cell cluster filled by a dump-and-restore
 * Job; for a dedicated tenant, its cluster restored to the latest restorable time into a new
 * cluster. Never a production name; tagged with the release id and an expiry. Polled until ready.
 */
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { ExecuteStatementCommand, type SqlParameter } from '@aws-sdk/client-rds-data';
import { ensureRestoredCluster } from '#shared/cloud/adapters/release-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { applyObjects, jobStatus } from '#shared/cloud/kubernetes-workloads.ts';
import { pooledSql } from '#shared/cloud/pooled-sql.ts';
import { cellIn } from '#shared/domain/fleet-lookup.ts';
import { names } from '#shared/domain/names.ts';
import { rehearsalNames, rehearsalTags, renderCopyJob, renderRehearsalWorkspace } from '#shared/domain/rehearsal-workspace.ts';
import { resourceFailed } from '#shared/lib/errors.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { releaseStep } from '#shared/lib/release-step.ts';
import { expiresAt, targetOf, updateRehearsal, type PreparedCopy, type RehearsalState } from '#shared/lib/rehearsal-step.ts';

export const FIELD_MANAGER = 'odoo-fleet-rehearsal';
/** A point-in-time restore of a large cluster can take an hour or more. */
const MAX_WAIT_SECONDS = 3 * 3600;

export const handler = releaseStep<RehearsalState, PreparedCopy>(async (ctx) => {
  const { state, repo, config, now, executionArn } = ctx;
  const since = pollSince(state.copy, now());
  assertWithinDeadline('rehearsal copy', since, now(), MAX_WAIT_SECONDS);
  const release = await ctx.release();
  if (release.rehearsals[state.index]?.status === 'PENDING') {
    await updateRehearsal(ctx, (r) => ({ ...r, status: 'RUNNING', startedAt: now().toISOString(), executionArn }));
  }
  const tenant = await repo.requireTenant(state.tenantId);
  const db = tenant.resources.database;
  if (!db) throw resourceFailed(`tenant ${tenant.tenantId} has no database to rehearse on`);
  const region = tenant.activeRegion;
  const base = { since, region, eksCluster: tenant.placement.cluster, model: tenant.placement.model };
  const tags = rehearsalTags({ tenantId: tenant.tenantId, releaseId: state.releaseId, expiresAt: expiresAt(since) });

  let copy: PreparedCopy;
  if (tenant.placement.model === 'dedicated') {
    const clusterIdentifier = rehearsalNames.copyCluster(state.releaseId, state.index, config.namePrefix);
    const resources = tenant.placement.resources;
    const restored = await ensureRestoredCluster(cloud().rds(region), { sourceClusterIdentifier: db.clusterIdentifier }, {
      clusterIdentifier,
      instanceIdentifiers: [rehearsalNames.copyInstance(state.releaseId, state.index, config.namePrefix)],
      instanceClass: resources.kind === 'dedicated' ? resources.database.instanceClass : 'db.r6g.large',
      dbSubnetGroupName: config.dedicated.dbSubnetGroupName,
      vpcSecurityGroupIds: config.dedicated.vpcSecurityGroupIds,
      kmsKeyId: config.dedicated.kmsKeyId,
      tags,
      // A copy for an hour's rehearsal: it must be removable by the teardown without a second step.
      deletionProtection: false,
    });
    copy = { ...base, ready: false, database: db.databaseName, clusterIdentifier, host: restored.endpoint, secretName: restored.masterSecretArn };
    if (restored.status !== 'available') return copy;
  } else {
    const cell = cellIn(config, tenant.placement, tenant.activeRegion);
    const data = cloud().rdsData(region);
    const exec = (s: { sql: string; parameters?: SqlParameter[] }) =>
      data.send(new ExecuteStatementCommand({ resourceArn: cell.auroraClusterArn, secretArn: cell.masterSecretArn, database: 'postgres', sql: s.sql, parameters: s.parameters }));
    const database = rehearsalNames.copyDatabase(tenant.tenantId, state.releaseId, state.index);
    if (((await exec(pooledSql.databaseExists(database))).records?.length ?? 0) === 0) {
      await exec(pooledSql.createDatabase(database, names.roleName(tenant.tenantId)));
      await exec(pooledSql.revokePublicConnect(database));
    }
    const host =
      cell.endpoint ??
      db.endpoint ??
      (await cloud().rds(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: cell.auroraClusterIdentifier }))).DBClusters?.[0]?.Endpoint;
    copy = { ...base, ready: false, database, host, secretName: cell.masterSecretArn };
  }

  const k8s = await cloud().kubernetes(region, tenant.placement.cluster);
  const target = targetOf({ ...state, copy }, tenant);
  await applyObjects(k8s, renderRehearsalWorkspace(target), FIELD_MANAGER);
  if (copy.model === 'dedicated') return { ...copy, ready: true };

  const namespace = rehearsalNames.namespace(state.releaseId, state.index);
  const status = await jobStatus(k8s, namespace, rehearsalNames.copyJob);
  if (status === 'absent') await applyObjects(k8s, [renderCopyJob(target, db.databaseName)], FIELD_MANAGER);
  if (status === 'failed') throw resourceFailed(`copying ${db.databaseName} into ${copy.database} failed (Job ${namespace}/${rehearsalNames.copyJob})`);
  return { ...copy, ready: status === 'succeeded' };
});
