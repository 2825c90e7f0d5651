/**
 * The tenant's database. Pooled: a database and login role on the cell's Aurora cluster through the
 * RDS Data API, credentials in Secrets Manager. Dedicated: its own Aurora PostgreSQL cluster and
 * instances; the state machine polls this step until they are available.
 */
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { ensureDedicatedCluster } from '#shared/cloud/adapters/database-dedicated.ts';
import { ensurePooledDatabase } from '#shared/cloud/adapters/database-pooled.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { cellOf } from '#shared/domain/fleet-lookup.ts';
import { names } from '#shared/domain/names.ts';
import type { TenantResources } from '#shared/domain/types.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';

type State = WorkflowState & { plan: { region: string }; database?: { since?: string } };

/** Aurora cluster + instance creation takes 10-20 minutes; an hour means something is wrong. */
const MAX_WAIT_SECONDS = 3600;

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state, config, now, tenant: loadTenant, updateTenant }) => {
  const tenant = await loadTenant();
  const region = state.plan.region;
  const c = cloud();
  let database: NonNullable<TenantResources['database']>;

  if (tenant.placement.model === 'pooled') {
    const cell = cellOf(config, tenant.placement);
    let endpoint = cell.endpoint;
    if (!endpoint) {
      const out = await c.rds(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: cell.auroraClusterIdentifier }));
      endpoint = out.DBClusters?.[0]?.Endpoint ?? cell.auroraClusterIdentifier;
    }
    const result = await ensurePooledDatabase(c.rdsData(region), c.secrets(region), {
      cell: { ...cell, endpoint },
      tenantId: tenant.tenantId,
      operationId: state.operationId,
      namePrefix: config.namePrefix,
      endpoint,
    });
    database = {
      kind: 'pooled',
      clusterIdentifier: cell.auroraClusterIdentifier,
      databaseName: result.databaseName,
      roleName: result.roleName,
      endpoint,
      secretArn: result.secretArn,
    };
  } else {
    const since = pollSince(state.database, now());
    const result = await ensureDedicatedCluster(c.rds(region), {
      tenantId: tenant.tenantId,
      operationId: state.operationId,
      placement: tenant.placement,
      config,
      namePrefix: config.namePrefix,
    });
    if (result.status !== 'available' || !result.endpoint || !result.masterSecretArn) {
      assertWithinDeadline(`Aurora cluster ${result.clusterIdentifier}`, since, now(), MAX_WAIT_SECONDS);
      return { ready: false, since, status: result.status, clusterIdentifier: result.clusterIdentifier };
    }
    database = {
      kind: 'dedicated',
      clusterIdentifier: result.clusterIdentifier,
      instanceIdentifiers: result.instanceIdentifiers,
      databaseName: names.databaseName(tenant.tenantId),
      roleName: 'odoo_admin',
      endpoint: result.endpoint,
      secretArn: result.masterSecretArn,
    };
  }

  if (JSON.stringify(tenant.resources.database) !== JSON.stringify(database)) {
    await updateTenant((t) => ({ ...t, resources: { ...t.resources, database } }), 'DatabaseEnsured');
  }
  return { ready: true, ...database, instanceIdentifiers: undefined };
});
