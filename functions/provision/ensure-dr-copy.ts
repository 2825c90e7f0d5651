/**
 * The DR copy of a dedicated tenant's database, once its cluster is available: an Aurora global
 * database made from the cluster, and a secondary in the fleet's other region (with an instance
 * for warm standby, headless for pilot light), and for warm standby its node group in the DR
 * region scaled down to one node. Polled until the secondary (and that node group) is available. Pooled
 * tenants are covered by their cell's DR copy, and a backup-restore posture has none: both pass.
 */
import { ensureDedicatedDrDatabase } from '#shared/cloud/dedicated-dr-copy.ts';
import { tagList } from '#shared/cloud/adapters/tag-list.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { ensureNodegroup } from '#shared/cloud/adapters/nodegroup.ts';
import { standbyNodegroupSizing } from '#shared/domain/dr-compute.ts';
import { tenantNodegroupInput } from '#shared/cloud/tenant-compute.ts';
import { dedicatedEksCluster, otherRegion } from '#shared/domain/fleet-lookup.ts';
import { names, resourceTags } from '#shared/domain/names.ts';
import { resourceFailed } from '#shared/lib/errors.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';

type State = WorkflowState & { plan: { region: string }; dr?: { since?: string } };

/** A secondary (and its instance) takes about as long as the primary: an hour means something is wrong. */
const MAX_WAIT_SECONDS = 3600;

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state, config, now, tenant: loadTenant, updateTenant }) => {
  const tenant = await loadTenant();
  const placement = tenant.placement;
  if (placement.model !== 'dedicated' || placement.drPosture === 'backup-restore' || placement.resources.kind !== 'dedicated') {
    return { ready: true, skipped: `${placement.model} tenant with ${placement.drPosture}: no DR copy of its own` };
  }
  const database = tenant.resources.database;
  if (database?.kind !== 'dedicated') throw resourceFailed(`tenant ${tenant.tenantId} has no dedicated database to copy`);

  const region = state.plan.region;
  const drRegion = otherRegion(config, region);
  const c = cloud();
  const since = pollSince(state.dr, now());
  const waiting = (what: string, status: string) => {
    assertWithinDeadline(what, since, now(), MAX_WAIT_SECONDS);
    return { ready: false, since, status };
  };

  const tags = tagList(resourceTags(tenant.tenantId, state.operationId));
  const step = await ensureDedicatedDrDatabase(config, c, tenant, region, tags);
  if (step.status === 'pending') return waiting(`global cluster ${step.dr.globalClusterIdentifier ?? names.globalClusterIdentifier(tenant.tenantId, config.namePrefix)}`, 'pending');
  const { dr } = step;
  const globalClusterIdentifier = dr.globalClusterIdentifier!;
  const instanceIdentifiers = dr.instanceIdentifiers ?? [];
  if (JSON.stringify(tenant.resources.dr) !== JSON.stringify(dr)) {
    // Recorded as soon as it is asked for, so a compensation that follows knows to remove it.
    await updateTenant((t) => ({ ...t, resources: { ...t.resources, dr: { ...t.resources.dr, ...dr } } }), 'DrCopyEnsured');
  }
  if (step.status !== 'available') return waiting(`Aurora secondary ${database.clusterIdentifier} in ${drRegion}`, step.status);

  // Warm standby's compute: its node group in the DR region, scaled down to one node.
  if (placement.drPosture === 'warm-standby') {
    const input = tenantNodegroupInput(config, {
      tenantId: tenant.tenantId,
      operationId: state.operationId,
      clusterName: dedicatedEksCluster(config, drRegion),
      sizing: standbyNodegroupSizing('warm-standby', placement.resources.nodeGroup),
      tags: resourceTags(tenant.tenantId, state.operationId),
    });
    const { nodegroupName } = input;
    const ng = await ensureNodegroup(c.eks(drRegion), input);
    if (tenant.resources.dr?.nodegroup !== nodegroupName) {
      await updateTenant((t) => ({ ...t, resources: { ...t.resources, dr: { ...t.resources.dr!, nodegroup: nodegroupName } } }), 'DrComputeEnsured');
    }
    if (ng.status !== 'active') return waiting(`standby node group ${nodegroupName} in ${drRegion}`, ng.status);
  }
  return { ready: true, posture: placement.drPosture, region: drRegion, globalClusterIdentifier, clusterIdentifier: database.clusterIdentifier, instances: instanceIdentifiers.length };
});
