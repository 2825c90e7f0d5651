/**
 * The copy a rollback restores, taken in maintenance so it holds every write users made. Dedicated:
 * a manual snapshot of the tenant's cluster, polled until available. Pooled: a template copy of the
 * tenant's database on the cell cluster (`CREATE DATABASE <db>_pre_<release> TEMPLATE <db>`) after
 * its remaining connections are ended. Both are found by name on a retry, never taken twice.
 */
import { ensureClusterSnapshot } from '#shared/cloud/adapters/database-dedicated.ts';
import { ensurePooledCopy } from '#shared/cloud/adapters/release-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { resourceTags } from '#shared/domain/names.ts';
import { conflict, resourceFailed } from '#shared/lib/errors.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';
import { cellFor, databaseOf, preChangeCopy } from './lib/tenant-database.ts';
import { load, patchItem, type UpgradeState } from './lib/upgrade-state.ts';

const MAX_WAIT_SECONDS = 2 * 3600;

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { state, config, now } = ctx;
  const { item, tenant } = await load(ctx);
  if (item.outcome !== 'UPGRADING') throw conflict(`a pre-change copy is taken while UPGRADING, not ${item.outcome}`);
  const database = databaseOf(tenant);
  const names = { ...preChangeCopy(config, tenant, state.releaseId), ...item.preflight };
  const since = pollSince(state.copy, now());
  const c = cloud();

  if (tenant.placement.model === 'pooled') {
    const copy = names.copyDatabase!;
    const status = await ensurePooledCopy(c.rdsData(tenant.activeRegion), cellFor(config, tenant), { database: database.databaseName, copy, owner: database.roleName });
    if (status !== 'copied') {
      assertWithinDeadline(`copy ${copy} of ${database.databaseName}`, since, now(), MAX_WAIT_SECONDS);
      return { ready: false, since, copyDatabase: copy, status };
    }
    if (item.preflight?.copyDatabase !== copy) await patchItem(ctx, (i) => ({ ...i, preflight: { ...i.preflight, copyDatabase: copy } }));
    return { ready: true, copyDatabase: copy };
  }

  const snapshotIdentifier = names.snapshotIdentifier!;
  const snapshot = await ensureClusterSnapshot(c.rds(tenant.activeRegion), {
    clusterIdentifier: database.clusterIdentifier,
    snapshotIdentifier,
    tags: resourceTags(tenant.tenantId, state.operationId, { 'odoo:purpose': 'pre-change', 'odoo:release': state.releaseId }),
  });
  if (snapshot.status === 'failed') throw resourceFailed(`pre-change snapshot ${snapshotIdentifier} failed`);
  if (snapshot.status !== 'available') {
    assertWithinDeadline(`pre-change snapshot ${snapshotIdentifier}`, since, now(), MAX_WAIT_SECONDS);
    return { ready: false, since, snapshotIdentifier, status: snapshot.status };
  }
  if (item.preflight?.snapshotIdentifier !== snapshotIdentifier) await patchItem(ctx, (i) => ({ ...i, preflight: { ...i.preflight, snapshotIdentifier } }));
  return { ready: true, snapshotIdentifier };
});
