/**
 * Tenants that exist without having been provisioned: each ACTIVE in the repository with the
 * placement, resources and desired state provisioning would have left, and the simulated cloud
 * holding what provisioning makes for a pooled tenant: its database and login role on the cell's
 * Aurora cluster (initialised, as the init Job leaves it), its database and admin secrets (with
 * their replicas in the DR region when the cell has a DR copy), its namespace and workloads
 * applied from its rendered bundle, and its DNS record. A dedicated tenant (critical, or heavy
 * customization) gets its own cluster, node group and bucket and its DR copy instead of the cell's
 * (seed-dedicated.ts). Thousands can be seeded in the time the provisioning workflow takes for a
 * few, so a benchmark or a test can run a release or a failover over a large fleet.
 *
 * The cloud side goes through the same adapters and SDK clients the provisioning steps use, so a
 * seeded tenant is indistinguishable from a provisioned one to every later workflow. Left out, as
 * nothing a release reads depends on them: the filestore marker object and the pod identity role.
 */
import { randomUUID } from 'node:crypto';
import { ensurePooledDatabase } from '#shared/cloud/adapters/database-pooled.ts';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { DEFAULT_TTL_SECONDS } from '#shared/cloud/adapters/dns.ts';
import { ensureSecret, generatePassword } from '#shared/cloud/adapters/secrets.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { applyObjects } from '#shared/cloud/kubernetes-workloads.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { cellOf, clusterOf, filestoreLocation, otherRegion } from '#shared/domain/fleet-lookup.ts';
import { renderTenantBundle } from '#shared/domain/k8s-bundle.ts';
import { names, resourceTags } from '#shared/domain/names.ts';
import { createTenantBodySchema, withFleetDefaults } from '#shared/domain/tenant-request.ts';
import type { Criticality, Customization, Tenant, TenantResources } from '#shared/domain/types.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { placeTenant } from '#functions/api/lib/cell-placement.ts';
import { requestedTenant } from '#functions/api/lib/tenant-creation.ts';
import { FIELD_MANAGER } from '#functions/provision/apply-kubernetes.ts';
import { seedDedicatedCloud } from './seed-dedicated.ts';
import type { SimCloud } from './sim-cloud.ts';

export interface SeedTarget {
  repo: FleetRepository;
  config: FleetConfig;
  sim: SimCloud;
}

export interface SeedTenantSpec {
  tenantId: string;
  /** A critical tenant is placed dedicated (warm standby). @default 'low' */
  criticality?: Criticality;
  /** A standard tenant with heavy customization is placed dedicated (pilot light). @default 'light' */
  customization?: Exclude<Customization, 'none'>;
  tags?: string[];
  odooVersion?: string;
}

export interface SeedOptions {
  /** Tenants seeded side by side. @default 16 */
  concurrency?: number;
  actor?: string;
}

const SEEDER = 'seed@local';

/** DNS changes per ChangeResourceRecordSets call (Route 53 takes up to 1,000). */
const DNS_BATCH = 500;

/**
 * Seeds every tenant (`concurrency` at a time) and returns their records, in the order given. The
 * DNS records are written in batches, and each tenant's record last, once all it names exists.
 */
export async function seedTenants(target: SeedTarget, specs: readonly SeedTenantSpec[], options: SeedOptions = {}): Promise<Tenant[]> {
  const actor = options.actor ?? SEEDER;
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const prepared = await inParallel(specs, concurrency, (spec) => prepareTenant(target, spec, actor));
  const c = cloud();
  for (let i = 0; i < prepared.length; i += DNS_BATCH) {
    const batch = prepared.slice(i, i + DNS_BATCH).map((p) => p.tenant.resources.dns!);
    await c.route53().send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: target.config.hostedZoneId,
        ChangeBatch: {
          Comment: 'seeded odoo tenants',
          Changes: batch.map((dns) => ({ Action: 'UPSERT', ResourceRecordSet: { Name: dns.name, Type: 'CNAME', TTL: DEFAULT_TTL_SECONDS, ResourceRecords: [{ Value: dns.target }] } })),
        },
      }),
    );
  }
  return inParallel(prepared, concurrency, async ({ tenant, operationId }) => {
    await target.repo.createTenant(tenant, { actor, type: 'TenantCreated', operationId });
    return tenant;
  });
}

/** One tenant, ACTIVE on the fleet's default image for its Odoo version. */
export async function seedTenant(target: SeedTarget, spec: SeedTenantSpec, actor = SEEDER): Promise<Tenant> {
  return (await seedTenants(target, [spec], { actor }))[0]!;
}

async function inParallel<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/** Everything but the DNS record and the tenant's own record. */
async function prepareTenant(target: SeedTarget, spec: SeedTenantSpec, actor: string): Promise<{ tenant: Tenant; operationId: string }> {
  const { repo, config, sim } = target;
  const request = withFleetDefaults(
    createTenantBodySchema.parse({
      tenantId: spec.tenantId,
      displayName: spec.tenantId,
      odooVersion: spec.odooVersion ?? '17.0',
      profile: { criticality: spec.criticality ?? 'low', customization: spec.customization ?? 'light', compliance: [], expectedUsers: 20 },
      tags: spec.tags ?? [],
    }),
    config,
  );
  const region = request.regions.primary;
  const placement = await placeTenant(repo, config, { tenantId: request.tenantId, profile: request.profile, region });
  const operationId = `seed-${randomUUID()}`;
  const tags = resourceTags(request.tenantId, operationId);
  const c = cloud();
  let database: NonNullable<TenantResources['database']>;
  let seeded: Pick<TenantResources, 'compute' | 'dr'> = { compute: { cluster: placement.cluster } };
  if (placement.model === 'dedicated') {
    const d = await seedDedicatedCloud(sim, config, { tenantId: request.tenantId, operationId, placement, region, tags });
    database = d.database;
    seeded = { compute: d.compute, ...(d.dr ? { dr: d.dr } : {}) };
  } else {
    const cell = cellOf(config, placement);
    const store = sim.region(region).rds.store;
    const cluster = store.clusters.get(cell.auroraClusterIdentifier);
    // As the database step reads it when the configuration names none: the cluster's writer endpoint.
    const endpoint = cell.endpoint ?? (cluster ? store.endpoint(cluster) : cell.auroraClusterIdentifier);
    const replicaRegions = cell.dr ? [{ region: otherRegion(config, cell.region) }] : undefined;
    const db = await ensurePooledDatabase(c.rdsData(region), c.secrets(region), { cell: { ...cell, endpoint }, tenantId: request.tenantId, operationId, namePrefix: config.namePrefix, endpoint, replicaRegions });
    // What the init Job leaves behind: Odoo's base schema in the database.
    sim.initialisedDatabases.set(db.databaseName, { host: endpoint, at: sim.clock.now() });
    database = { kind: 'pooled', clusterIdentifier: cell.auroraClusterIdentifier, databaseName: db.databaseName, roleName: db.roleName, endpoint, secretArn: db.secretArn };
  }
  const adminSecretName = names.adminSecretName(request.tenantId, config.namePrefix);
  // As provisioning makes it: replicated, since the health check and a failover's verification log in from the DR region too.
  const admin = await ensureSecret(c.secrets(region), {
    name: adminSecretName,
    tags,
    kmsKeyId: config.dedicated.kmsKeyId,
    generate: () => ({ login: 'admin', password: generatePassword(32) }),
    replicaRegions: [{ region: otherRegion(config, region) }],
  });

  const at = sim.clock.iso();
  const namespace = names.namespace(request.tenantId);
  const endpoint = database.endpoint!;
  const filestore = filestoreLocation(config, request.tenantId, placement, region);
  const tenant: Tenant = {
    ...requestedTenant(request, config.defaultOdooImage),
    status: 'ACTIVE',
    placement,
    resources: { database, filestore, ...seeded },
    version: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: actor,
  };

  const objects = renderTenantBundle({
    tenant,
    image: tenant.release.image,
    database: { host: endpoint, port: 5432, name: database.databaseName, secretName: database.secretArn },
    filestore,
    adminSecretName,
    region,
    ingress: { namespace: 'traefik', certResolver: 'letsencrypt' },
  });
  const desiredStateVersion = await repo.putDesiredState(tenant.tenantId, objects, operationId);
  await applyObjects(await c.kubernetes(region, placement.cluster), objects, FIELD_MANAGER);
  const dns = { zone: config.hostedZoneId, name: tenant.hostname, target: clusterOf(config, placement.cluster).ingressHostname };
  tenant.resources = { ...tenant.resources, kubernetes: { namespace, objects: objects.length, desiredStateVersion }, dns, adminSecretArn: admin.arn };
  return { tenant, operationId };
}
