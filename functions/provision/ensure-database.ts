/**
 * The tenant's database. Pooled: a database and login role on the cell's Aurora cluster through the
 * RDS Data API, credentials in Secrets Manager (replicated to the DR region when the cell has a DR
 * copy there). Dedicated: its own Aurora PostgreSQL cluster and instances; the state machine polls
 * this step until they are available. A dedicated tenant with a DR copy (pilot light, warm standby)
 * gets a master secret the control plane owns, replicated to the DR region, instead of the
 * RDS-managed one: Aurora does not manage the master password of a cluster in a global database.
 */
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { ensureDedicatedCluster, MASTER_USERNAME } from '#shared/cloud/adapters/database-dedicated.ts';
import { drKmsKeyId } from '#shared/cloud/adapters/database-dr.ts';
import { ensurePooledDatabase, POSTGRES_PORT } from '#shared/cloud/adapters/database-pooled.ts';
import { ensureSecret, generatePassword, readSecretJson } from '#shared/cloud/adapters/secrets.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { cellDrPosture, cellIn, cellOf, otherRegion } from '#shared/domain/fleet-lookup.ts';
import { names, resourceTags } from '#shared/domain/names.ts';
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
    // The cell where its database takes writes now: a failed-over cell's new tenants go to its DR copy.
    const cell = cellIn(config, tenant.placement, region);
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
      // A cell with any DR copy (a global secondary, or snapshot copies to restore) is served from
      // the other region after a failover, with this secret's replica.
      replicaRegions: cellDrPosture(cellOf(config, tenant.placement)) !== 'none' ? [{ region: otherRegion(config, region) }] : undefined,
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
    let masterSecret: { arn: string; password: () => Promise<string> } | undefined;
    if (tenant.placement.drPosture !== 'backup-restore') {
      const drRegion = otherRegion(config, region);
      const secret = await ensureSecret(c.secrets(region), {
        name: names.dbSecretName(tenant.tenantId, config.namePrefix),
        tags: resourceTags(tenant.tenantId, state.operationId),
        kmsKeyId: config.dedicated.kmsKeyId,
        description: `Master user of the Aurora cluster of tenant ${tenant.tenantId}`,
        // The shape of RDS's own master secrets; the host differs by region, so it is not kept here.
        generate: () => ({ username: MASTER_USERNAME, password: generatePassword(32), engine: 'postgres', port: POSTGRES_PORT, dbname: names.databaseName(tenant.tenantId) }),
        replicaRegions: [{ region: drRegion, kmsKeyId: drKmsKeyId(config.dedicated.kmsKeyId, drRegion) }],
      });
      masterSecret = { arn: secret.arn, password: async () => (await readSecretJson<{ password: string }>(c.secrets(region), secret.arn)).password };
    }
    const result = await ensureDedicatedCluster(c.rds(region), {
      tenantId: tenant.tenantId,
      operationId: state.operationId,
      placement: tenant.placement,
      config,
      namePrefix: config.namePrefix,
      masterSecret,
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
