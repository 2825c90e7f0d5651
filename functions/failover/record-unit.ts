/**
 * Records the unit failed over: each tenant ACTIVE in the new region, its resources pointing at
 * what now serves it (promoted cluster endpoint, secret replicas, DR bucket, DR EKS cluster, DNS
 * target, desired-state version; a dedicated tenant's DR copy is now the cluster it left), with a
 * `FailedOver` change event; and on its failover record the outcome, RTO achieved (failover
 * requested -> tenant verified in the new region) and data-loss window with its basis.
 */
import { scaleNodegroup } from '#shared/cloud/adapters/nodegroup.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { standbyNodegroupSizing } from '#shared/domain/dr-compute.ts';
import { measureFailover } from '#shared/domain/failover-measure.ts';
import type { DedicatedResources } from '#shared/domain/types.ts';
import { timeBoxed } from '#shared/lib/time-box.ts';
import { failoverUnitStep, type UnitState } from '#shared/lib/failover-step.ts';
import { changeTenant, loadTenants } from '#shared/lib/failover-tenants.ts';
import { tenantSide } from '#shared/lib/failover-unit-target.ts';
import type { ComputeProgress } from './scale-dr-compute.ts';
import type { PromoteProgress } from './promote-database.ts';
import type { VerifyProgress } from './verify-failover.ts';

type State = UnitState & { promote: PromoteProgress; compute: ComputeProgress; verify: VerifyProgress };

export const handler = failoverUnitStep<State, { ready: true; recorded: number; detail: Record<string, string | number> }>(async ({ state, repo, config, now, failover, unit, members, executionArn }) => {
  const who = { failoverId: failover.failoverId, actor: state.actor, executionArn };
  const tenants = await loadTenants(repo, members.map((m) => m.tenantId));
  const to = failover.toRegion;
  for (const t of tenants) {
    const side = tenantSide(config, t, to);
    const verifiedAt = state.verify.verified[t.tenantId] ?? now().toISOString();
    const measure = measureFailover({
      startedAt: failover.createdAt,
      verifiedAt,
      mode: failover.mode,
      lagAtPromotionSeconds: state.promote.lagAtPromotionSeconds ?? null,
      // A switchover completes only once the secondary has caught up with the fenced primary.
      drainedToZero: failover.mode === 'planned',
      oldNewestHeartbeat: state.promote.oldNewestHeartbeat ?? null,
      newNewestHeartbeat: state.promote.newNewestHeartbeatBefore ?? null,
      snapshotAt: state.promote.restore?.snapshotAt ?? null,
    });
    await changeTenant(
      repo,
      who,
      t.tenantId,
      {
        event: 'FailoverSucceeded',
        target: 'ACTIVE',
        type: 'FailedOver',
        patch: (cur) => ({
          activeRegion: to,
          statusReason: undefined,
          resources: {
            ...cur.resources,
            ...(cur.resources.database ? { database: { ...cur.resources.database, endpoint: state.compute.endpoint ?? cur.resources.database.endpoint, secretArn: side.databaseSecretArn } } : {}),
            ...(cur.resources.filestore ? { filestore: { ...cur.resources.filestore, bucket: side.bucket } } : {}),
            ...(cur.resources.compute ? { compute: { ...cur.resources.compute, cluster: side.eksCluster } } : {}),
            ...(cur.resources.kubernetes && state.compute.applied[t.tenantId] !== undefined ? { kubernetes: { ...cur.resources.kubernetes, desiredStateVersion: state.compute.applied[t.tenantId]! } } : {}),
            ...(cur.resources.dns ? { dns: { ...cur.resources.dns, target: side.ingressHostname } } : {}),
            ...(side.adminSecretArn ? { adminSecretArn: side.adminSecretArn } : {}),
            ...(cur.resources.dr ? { dr: { ...cur.resources.dr, region: failover.fromRegion, ...(cur.resources.filestore ? { bucket: cur.resources.filestore.bucket } : {}), ...(cur.resources.compute?.nodegroup && cur.resources.dr.nodegroup ? { nodegroup: cur.resources.compute.nodegroup } : {}) } } : {}),
          },
        }),
      },
      now,
    );
    await repo.updateFailoverTenant(failover.failoverId, t.tenantId, (ft) => ({
      ...ft,
      outcome: 'SUCCEEDED',
      reason: undefined,
      ...(measure.rtoSeconds !== undefined ? { rtoSeconds: measure.rtoSeconds } : {}),
      dataLossWindowSeconds: measure.dataLossWindowSeconds,
      dataLossBasis: measure.dataLossBasis,
      heartbeats: { newAtPromotion: state.promote.newNewestHeartbeatBefore ?? null, oldNewest: state.promote.oldNewestHeartbeat ?? null },
    }));
  }
  const cellId = unit.kind === 'cell' ? tenants[0]?.placement.cell : undefined;
  if (cellId) await repo.setCellActiveRegion(cellId, to, now().toISOString());

  // What ran the tenants in the region left is scaled down to its standby size: a warm standby's
  // node group to one node (it stays warm for the way back), a pilot light's to zero (time-boxed:
  // that region may be the one down; what cannot be scaled now is said, not fatal).
  const scaledDown: string[] = [];
  const notScaled: string[] = [];
  for (const t of tenants.filter((x) => x.placement.model === 'dedicated' && x.placement.resources.kind === 'dedicated' && x.resources.compute?.nodegroup)) {
    const side = tenantSide(config, t, failover.fromRegion);
    const sizing = standbyNodegroupSizing(t.placement.drPosture, (t.placement.resources as DedicatedResources).nodeGroup);
    const out = await timeBoxed(
      () => scaleNodegroup(cloud().eks(failover.fromRegion), { clusterName: side.eksCluster, nodegroupName: t.resources.compute!.nodegroup!, minSize: sizing.minSize, desiredSize: sizing.desiredSize, maxSize: sizing.maxSize }),
      config.failover.oldRegionTimeoutSeconds,
      `scaling down ${t.tenantId} in ${failover.fromRegion}`,
    );
    if (out.ok) scaledDown.push(t.tenantId);
    else notScaled.push(out.error);
  }
  const detail: Record<string, string | number> = { recorded: tenants.length, oldComputeScaledDown: scaledDown.length };
  if (notScaled.length) detail.oldComputeNotScaledDown = notScaled.join('; ').slice(0, 500);
  return { ready: true, recorded: tenants.length, detail };
});
