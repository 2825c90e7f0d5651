/**
 * Where the tenant's pods run and what they may reach. Every tenant gets an IAM role bound to its
 * service account through EKS Pod Identity, scoped to its own filestore and secrets (and, for a
 * pooled tenant, writing its final dump under its own archive prefix). A dedicated tenant also gets
 * its own node group (tainted and labelled for it); the state machine polls this step until the
 * node group is ACTIVE.
 */
import { ensureNodegroup } from '#shared/cloud/adapters/nodegroup.ts';
import { ensurePodIdentity } from '#shared/cloud/adapters/pod-identity.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { tenantNodegroupInput, tenantPodIdentityInput } from '#shared/cloud/tenant-compute.ts';
import { filestoreLocation } from '#shared/domain/fleet-lookup.ts';
import { names, resourceTags } from '#shared/domain/names.ts';
import type { DedicatedResources, TenantResources } from '#shared/domain/types.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';

type State = WorkflowState & { plan: { region: string; cluster: string; namespace: string }; compute?: { since?: string } };

const MAX_WAIT_SECONDS = 3600;

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state, config, now, tenant: loadTenant, updateTenant }) => {
  const tenant = await loadTenant();
  const { region, cluster, namespace } = state.plan;
  const c = cloud();
  const tags = resourceTags(tenant.tenantId, state.operationId);
  const location = filestoreLocation(config, tenant.tenantId, tenant.placement, region);
  const identity = await ensurePodIdentity(
    c.iam(),
    c.eks(region),
    tenantPodIdentityInput(config, tenant, { operationId: state.operationId, clusterName: cluster, namespace, region, bucket: location.bucket, prefix: location.prefix, tags }),
  );
  const compute: NonNullable<TenantResources['compute']> = {
    cluster,
    podIdentityRoleArn: identity.roleArn,
    podIdentityAssociationId: identity.associationId,
  };

  if (tenant.placement.model === 'dedicated') {
    const since = pollSince(state.compute, now());
    const sizing = (tenant.placement.resources as DedicatedResources).nodeGroup;
    const nodegroupName = names.nodegroupName(tenant.tenantId, config.namePrefix);
    const ng = await ensureNodegroup(c.eks(region), tenantNodegroupInput(config, { tenantId: tenant.tenantId, operationId: state.operationId, clusterName: cluster, sizing, tags }));
    if (ng.status !== 'active') {
      assertWithinDeadline(`node group ${nodegroupName}`, since, now(), MAX_WAIT_SECONDS);
      return { ready: false, since, status: ng.status, nodegroup: nodegroupName };
    }
    compute.nodegroup = nodegroupName;
  }

  if (JSON.stringify(tenant.resources.compute) !== JSON.stringify(compute)) {
    await updateTenant((t) => ({ ...t, resources: { ...t.resources, compute } }), 'ComputeEnsured');
  }
  return { ready: true, ...compute };
});
