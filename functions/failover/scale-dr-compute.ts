/**
 * Brings the unit's tenants up in the region being activated: each tenant's Pod Identity on the DR
 * EKS cluster (its role scoped to its DR bucket), a dedicated tenant's node group there, then its
 * Kubernetes objects rendered from the tenant's record as they are stored for it, but pointed at
 * the promoted database's endpoint, the secrets' replicas and the DR bucket; stored as the tenant's
 * new desired state and applied by server-side apply. Polled until every tenant's web and worker
 * Deployments are ready.
 */
import { ensureNodegroup, scaleNodegroup } from '#shared/cloud/adapters/nodegroup.ts';
import { ensurePodIdentity } from '#shared/cloud/adapters/pod-identity.ts';
import { describeCluster } from '#shared/cloud/adapters/database-dedicated.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { applyObjects, deploymentsReady } from '#shared/cloud/kubernetes-workloads.ts';
import { renderTenantBundle } from '#shared/domain/k8s-bundle.ts';
import { tenantNodegroupInput, tenantPodIdentityInput } from '#shared/cloud/tenant-compute.ts';
import { names, resourceTags } from '#shared/domain/names.ts';
import type { DedicatedResources, Tenant } from '#shared/domain/types.ts';
import { resourceFailed } from '#shared/lib/errors.ts';
import { failoverUnitStep, type UnitState } from '#shared/lib/failover-step.ts';
import { loadTenants } from '#shared/lib/failover-tenants.ts';
import { tenantSide, unitTarget } from '#shared/lib/failover-unit-target.ts';
import { FIELD_MANAGER } from '../provision/apply-kubernetes.ts';

export interface ComputeProgress {
  ready: boolean;
  endpoint?: string;
  /** Tenants whose objects are applied in the new region, with the desired-state version. */
  applied: Record<string, number>;
  waitingFor?: string;
  detail?: Record<string, string | number>;
}

type State = UnitState & { compute?: ComputeProgress };

async function bringUp(t: Tenant, ctx: { config: Parameters<typeof tenantSide>[0]; region: string; endpoint: string; failoverId: string; repo: Parameters<typeof loadTenants>[0] }): Promise<{ applied?: number; waiting?: string }> {
  const { config, region } = ctx;
  const c = cloud();
  const side = tenantSide(config, t, region);
  const namespace = t.resources.kubernetes?.namespace ?? names.namespace(t.tenantId);
  const tags = resourceTags(t.tenantId, ctx.failoverId);
  await ensurePodIdentity(
    c.iam(),
    c.eks(region),
    tenantPodIdentityInput(config, t, { operationId: ctx.failoverId, clusterName: side.eksCluster, namespace, region, bucket: side.bucket, prefix: names.filestorePrefix(t.tenantId), tags }),
  );
  if (t.placement.model === 'dedicated') {
    const ng = await ensureNodegroup(
      c.eks(region),
      tenantNodegroupInput(config, { tenantId: t.tenantId, operationId: ctx.failoverId, clusterName: side.eksCluster, sizing: (t.placement.resources as DedicatedResources).nodeGroup, tags }),
    );
    if (ng.status !== 'active') return { waiting: `node group of ${t.tenantId} is ${ng.status}` };
    // A node group left scaled to zero by an earlier failover (or failback) comes back to the tenant's size.
    const { minSize, desiredSize, maxSize } = (t.placement.resources as DedicatedResources).nodeGroup;
    const scaled = await scaleNodegroup(c.eks(region), { clusterName: side.eksCluster, nodegroupName: names.nodegroupName(t.tenantId, config.namePrefix), minSize, desiredSize, maxSize });
    if (scaled.status === 'updating') return { waiting: `node group of ${t.tenantId} is scaling to ${desiredSize}` };
  }
  const db = t.resources.database!;
  const objects = renderTenantBundle({
    tenant: t,
    image: t.release.image,
    database: { host: ctx.endpoint, port: 5432, name: db.databaseName, secretName: side.databaseSecretArn },
    filestore: { bucket: side.bucket, prefix: names.filestorePrefix(t.tenantId) },
    adminSecretName: names.adminSecretName(t.tenantId, config.namePrefix),
    region,
    ingress: { namespace: 'traefik', certResolver: 'letsencrypt' },
  });
  const version = await ctx.repo.putDesiredState(t.tenantId, objects, ctx.failoverId);
  await applyObjects(await c.kubernetes(region, side.eksCluster), objects, FIELD_MANAGER);
  return { applied: version };
}

export const handler = failoverUnitStep<State, ComputeProgress>(async ({ state, repo, config, failover, unit, members }) => {
  const tenants = await loadTenants(repo, members.map((m) => m.tenantId));
  const target = unitTarget(config, unit, tenants, failover.fromRegion, failover.toRegion);
  const region = failover.toRegion;
  const progress: ComputeProgress = { applied: {}, ...state.compute, ready: false };
  const endpoint = progress.endpoint ?? (await describeCluster(cloud().rds(region), target.to.clusterIdentifier))?.Endpoint;
  if (!endpoint) throw resourceFailed(`the promoted cluster ${target.to.clusterIdentifier} in ${region} has no endpoint`);

  const waiting: string[] = [];
  for (const t of tenants) {
    if (progress.applied[t.tenantId] !== undefined) continue;
    const up = await bringUp(t, { config, region, endpoint, failoverId: failover.failoverId, repo });
    if (up.applied !== undefined) progress.applied[t.tenantId] = up.applied;
    else waiting.push(up.waiting ?? t.tenantId);
  }
  if (waiting.length) return { ...progress, endpoint, waitingFor: waiting.join('; ') };

  for (const t of tenants) {
    const side = tenantSide(config, t, region);
    const readiness = await deploymentsReady(await cloud().kubernetes(region, side.eksCluster), t.resources.kubernetes?.namespace ?? names.namespace(t.tenantId), ['odoo-web', 'odoo-worker']);
    if (!readiness.ready) waiting.push(`${t.tenantId}: ${Object.entries(readiness.detail).map(([name, d]) => `${name} ${d.ready}/${d.desired}`).join(', ')}`);
  }
  if (waiting.length) return { ...progress, endpoint, waitingFor: waiting.join('; ').slice(0, 500) };
  return { ...progress, ready: true, endpoint, detail: { region, endpoint, tenants: tenants.length } };
});
