/**
 * Puts the database back as it was before the migration, while the tenant is in maintenance.
 * Pooled: the migrated database is dropped and the pre-change copy renamed into its place.
 * Dedicated: Aurora cannot restore over a cluster, so the pre-change snapshot is restored into a
 * new cluster (and instances); once it is available the tenant's record is switched to it (its
 * pods pick up the new endpoint and secret when the image is reverted) and the replaced cluster is
 * deleted, protection lifted first. Polled until done; each part is found done on a retry.
 */
import { ensureRestoredCluster, restorePooledCopy, retireCluster } from '#shared/cloud/adapters/release-database.ts';
import { removeDrCopy } from '#shared/cloud/adapters/database-dr.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { resourceTags } from '#shared/domain/names.ts';
import { releaseNames } from '#shared/domain/release-names.ts';
import type { DedicatedResources } from '#shared/domain/types.ts';
import { resourceFailed } from '#shared/lib/errors.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';
import { cellFor, databaseOf } from './lib/tenant-database.ts';
import { load, patchItem, requireItem, type UpgradeState } from './lib/upgrade-state.ts';

const MAX_WAIT_SECONDS = 4 * 3600;

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { state, config, now, updateTenant } = ctx;
  const { item, tenant } = await load(ctx);
  if (item.outcome !== 'ROLLING_BACK') return { ready: true, skipped: `the tenant is ${item.outcome}, not ROLLING_BACK` };
  if (!item.migrationStartedAt) return { ready: true, skipped: 'no migration ran: the database is as it was' };
  if (item.rollback?.databaseRestored) return { ready: true, restored: true };
  const database = databaseOf(tenant);
  const since = pollSince(state.restore, now());
  const waiting = (what: string, detail: Record<string, unknown>) => {
    assertWithinDeadline(what, since, now(), MAX_WAIT_SECONDS);
    return { ready: false, since, ...detail };
  };
  const restored = () => patchItem(ctx, (i) => ({ ...i, rollback: { reason: i.rollback?.reason ?? i.reason ?? 'rolled back', ...i.rollback, databaseRestored: true } }));
  const c = cloud();

  if (tenant.placement.model === 'pooled') {
    const copy = item.preflight?.copyDatabase;
    if (!copy) throw resourceFailed(`no pre-change copy of ${database.databaseName} was recorded: nothing to restore`);
    const result = await restorePooledCopy(c.rdsData(tenant.activeRegion), cellFor(config, tenant), { database: database.databaseName, copy });
    await restored();
    return { ready: true, restored: result, database: database.databaseName };
  }

  const rds = c.rds(tenant.activeRegion);
  const snapshotIdentifier = item.preflight?.snapshotIdentifier;
  if (!snapshotIdentifier) throw resourceFailed(`no pre-change snapshot of ${database.clusterIdentifier} was recorded: nothing to restore`);
  const target = releaseNames.restoredCluster(tenant.tenantId, state.releaseId, config.namePrefix);
  if (database.clusterIdentifier !== target) {
    const sizing = (tenant.placement.resources as DedicatedResources).database;
    // A tenant with a DR copy keeps its own secret (the snapshot's password): a global database does
    // not take a cluster whose password RDS manages, and the copy is rebuilt from the restored cluster.
    const ownPassword = tenant.placement.drPosture !== 'backup-restore';
    const cluster = await ensureRestoredCluster(rds, { snapshotIdentifier }, {
      clusterIdentifier: target,
      instanceIdentifiers: Array.from({ length: sizing.instances }, (_, i) => releaseNames.restoredInstance(tenant.tenantId, state.releaseId, i, config.namePrefix)),
      instanceClass: sizing.instanceClass,
      dbSubnetGroupName: config.dedicated.dbSubnetGroupName,
      vpcSecurityGroupIds: config.dedicated.vpcSecurityGroupIds,
      kmsKeyId: config.dedicated.kmsKeyId,
      tags: resourceTags(tenant.tenantId, state.operationId, { 'odoo:purpose': 'rollback-restore', 'odoo:release': state.releaseId }),
      ...(ownPassword ? { manageMasterPassword: false } : {}),
    });
    const secretArn = ownPassword ? database.secretArn : cluster.masterSecretArn;
    if (cluster.status !== 'available' || !cluster.endpoint || !secretArn) {
      return waiting(`restore of ${snapshotIdentifier} into ${target}`, { clusterIdentifier: target, status: cluster.status });
    }
    // Remembered before the switch, so the replaced cluster is deleted even if this step dies right after it.
    await patchItem(ctx, (i) => ({ ...i, rollback: { reason: i.rollback?.reason ?? i.reason ?? 'rolled back', databaseRestored: false, ...i.rollback, replacedCluster: database.clusterIdentifier } }));
    await updateTenant(
      (t) => ({
        ...t,
        resources: {
          ...t.resources,
          database: { ...databaseOf(t), clusterIdentifier: target, instanceIdentifiers: cluster.instanceIdentifiers, endpoint: cluster.endpoint, secretArn },
        },
      }),
      'DatabaseRestored',
    );
  }
  const replaced = (await requireItem(ctx)).rollback?.replacedCluster;
  // The replaced cluster is the writer of the tenant's DR copy, which RDS will not let go while it is one (and which copies the migrated data): taken apart first.
  // The scheduled readiness run rebuilds the copy from the restored cluster (shared/cloud/dr-copy-repair.ts).
  const dr = tenant.resources.dr;
  if (replaced && replaced !== target && dr?.globalClusterIdentifier) {
    const where = { globalClusterIdentifier: dr.globalClusterIdentifier, secondaryClusterIdentifier: dr.clusterIdentifier ?? replaced, region: tenant.activeRegion, drRegion: dr.region };
    if ((await removeDrCopy((r) => c.rds(r), where)) !== 'absent') return waiting(`removal of the DR copy of ${replaced}`, { clusterIdentifier: target, replacedCluster: replaced });
    await updateTenant((t) => ({ ...t, resources: { ...t.resources, dr: { region: dr.region, ...(t.resources.dr?.bucket ? { bucket: t.resources.dr.bucket } : {}) } } }), 'DrCopyRemoved');
  }
  if (replaced && replaced !== target && (await retireCluster(rds, replaced)) !== 'absent') {
    return waiting(`deletion of the replaced cluster ${replaced}`, { clusterIdentifier: target, replacedCluster: replaced });
  }
  await restored();
  return { ready: true, clusterIdentifier: target, replacedCluster: replaced ?? null };
});
