/**
 * Promotes the unit's DR copy, from the region being activated only:
 * 1. on its first pass, the facts of the data-loss window are read: the replication lag
 *    (`AuroraGlobalDBRPOLag`, DR region) and the newest heartbeat on both sides (the old primary's
 *    time-boxed: it may be gone);
 * 2. a headless secondary (pilot light) gets its writer instance, polled until available;
 * 3. a planned switchover calls `SwitchoverGlobalCluster` (Aurora waits for the secondary to catch
 *    up: no data loss); an unplanned one `FailoverGlobalCluster` with `AllowDataLoss`;
 * 4. polled until the global database's writer is the cluster in the new region and it is available.
 * Each pass finds where the last one got to, so a retried or redriven state never promotes twice.
 */
import { FailoverGlobalClusterCommand, SwitchoverGlobalClusterCommand } from '@aws-sdk/client-rds';
import { hasName } from '#shared/cloud/adapters/aws-errors.ts';
import { describeCluster, ensureClusterInstances } from '#shared/cloud/adapters/database-dedicated.ts';
import { describeGlobalDatabase, globalRpoLagSeconds, memberIn } from '#shared/cloud/adapters/global-database.ts';
import { readNewestHeartbeat } from '#shared/cloud/adapters/heartbeat.ts';
import { tagList } from '#shared/cloud/adapters/tag-list.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { dataTargetIn } from '#shared/domain/fleet-lookup.ts';
import { resourceFailed } from '#shared/lib/errors.ts';
import { failoverUnitStep, type UnitState } from '#shared/lib/failover-step.ts';
import { loadTenants, unitCellSince } from '#shared/lib/failover-tenants.ts';
import { unitTarget } from '#shared/lib/failover-unit-target.ts';
import { timeBoxed } from '#shared/lib/time-box.ts';
import { promoteByRestore, type RestorePhase, type RestoreProgress } from '#shared/cloud/restore-promotion.ts';

export interface PromoteProgress {
  ready: boolean;
  phase: 'adding-writer' | 'promoting' | 'promoted' | RestorePhase;
  requestedAt?: string;
  promotedAt?: string;
  lagAtPromotionSeconds?: number | null;
  /** The newest heartbeat each side held just before promotion (null: none, or unreadable). */
  oldNewestHeartbeat?: string | null;
  newNewestHeartbeatBefore?: string | null;
  clusterIdentifier?: string;
  /** When the lag and heartbeats were read (the first pass). */
  factsReadAt?: string;
  /** Backup-restore: the snapshot the cluster was restored from, and when its data is from. */
  restore?: RestoreProgress;
  detail?: Record<string, string | number | boolean | null>;
}

type State = UnitState & { promote?: PromoteProgress };

export const handler = failoverUnitStep<State, PromoteProgress>(async ({ state, repo, config, now, failover, unit, members }) => {
  const tenants = await loadTenants(repo, members.map((m) => m.tenantId));
  const target = unitTarget(config, unit, tenants, failover.fromRegion, failover.toRegion);
  const c = cloud();
  const rds = c.rds(failover.toRegion);
  const progress: PromoteProgress = { ...(state.promote ?? { ready: false, phase: 'adding-writer' }), clusterIdentifier: target.to.clusterIdentifier };
  const first = tenants[0]!;

  if (!target.globalClusterIdentifier) {
    if (unit.kind !== 'cell' || target.posture !== 'backup-restore') throw resourceFailed(`${state.unitKey} has no global database to promote (posture ${target.posture})`);
    // Nothing to drain and no lag to read: the old side's newest heartbeat, time-boxed, is the one fact read first.
    if (!progress.factsReadAt) {
      const oldSide = await timeBoxed(() => readNewestHeartbeat(c.rdsData(failover.fromRegion), dataTargetIn(config, first, failover.fromRegion)), config.failover.oldRegionTimeoutSeconds, 'newest heartbeat of the old primary');
      progress.factsReadAt = now().toISOString();
      progress.lagAtPromotionSeconds = null;
      progress.oldNewestHeartbeat = oldSide.ok ? oldSide.value : null;
    }
    const restore = await promoteByRestore({
      rds,
      rdsFrom: c.rds(failover.fromRegion),
      target,
      failover,
      cellId: first.placement.cell ?? unit.key,
      since: await unitCellSince(repo, unit, tenants),
      progress: progress.restore ?? { phase: failover.mode === 'planned' ? 'snapshotting' : 'restoring', ready: false },
    });
    if (!restore.ready) return { ...progress, ready: false, phase: restore.phase, restore };
    // What the restored database holds: the newest heartbeat in it is the snapshot's.
    const newSide = progress.newNewestHeartbeatBefore !== undefined ? progress.newNewestHeartbeatBefore : await readNewestHeartbeat(c.rdsData(failover.toRegion), dataTargetIn(config, first, failover.toRegion)).catch(() => null);
    const promotedAt = progress.promotedAt ?? now().toISOString();
    const done: PromoteProgress = {
      ...progress,
      ready: true,
      phase: 'promoted',
      promotedAt,
      newNewestHeartbeatBefore: newSide,
      restore,
      detail: { cluster: target.to.clusterIdentifier, region: failover.toRegion, restoredFrom: restore.snapshotIdentifier ?? null, snapshotAt: restore.snapshotAt ?? null, mode: failover.mode },
    };
    return done;
  }

  const global = await describeGlobalDatabase(rds, target.globalClusterIdentifier);
  if (!global) throw resourceFailed(`global database ${target.globalClusterIdentifier} is not there (read from ${failover.toRegion})`);
  const member = memberIn(global, failover.toRegion);
  if (!member) throw resourceFailed(`global database ${target.globalClusterIdentifier} has no member in ${failover.toRegion}`);

  // Already the writer, settled: promoted (by this step's earlier pass, or by hand before it).
  if (member.isWriter && !global.failover) {
    const cluster = await describeCluster(rds, target.to.clusterIdentifier);
    if (cluster?.Status !== 'available') return { ...progress, ready: false, phase: 'promoting' };
    const promotedAt = progress.promotedAt ?? now().toISOString();
    return {
      ...progress,
      ready: true,
      phase: 'promoted',
      promotedAt,
      detail: { cluster: target.to.clusterIdentifier, region: failover.toRegion, lagAtPromotionSeconds: progress.lagAtPromotionSeconds ?? null, mode: failover.mode },
    };
  }
  if (progress.requestedAt) {
    // A switchover waits for the secondary to catch up; one that cannot within the drain time is
    // given up, before anything was promoted, and the unit's failure record unfences the primary.
    const waited = (now().getTime() - Date.parse(progress.requestedAt)) / 1000;
    if (failover.mode === 'planned' && waited > config.failover.drainTimeoutSeconds) {
      throw resourceFailed(`the switchover of ${target.globalClusterIdentifier} did not complete within ${config.failover.drainTimeoutSeconds} s (failover.drainTimeoutSeconds): the lag did not drain`);
    }
    return { ...progress, ready: false, phase: 'promoting' };
  }

  // The facts of the data-loss window, read once, on the first pass: before the writer instance
  // (minutes) is added, so a lag that grows while the primary is gone is not counted twice.
  if (!progress.factsReadAt) {
    const lag = await globalRpoLagSeconds(c.cloudwatch(failover.toRegion), target.to.clusterIdentifier, now()).catch(() => null);
    const newSide = await readNewestHeartbeat(c.rdsData(failover.toRegion), dataTargetIn(config, first, failover.toRegion)).catch(() => null);
    const oldSide = await timeBoxed(() => readNewestHeartbeat(c.rdsData(failover.fromRegion), dataTargetIn(config, first, failover.fromRegion)), config.failover.oldRegionTimeoutSeconds, 'newest heartbeat of the old primary');
    progress.factsReadAt = now().toISOString();
    progress.lagAtPromotionSeconds = lag;
    progress.newNewestHeartbeatBefore = newSide;
    progress.oldNewestHeartbeat = oldSide.ok ? oldSide.value : null;
  }

  // A headless secondary cannot take writes: its writer instance comes first.
  const writerReady = await ensureClusterInstances(rds, {
    clusterIdentifier: target.to.clusterIdentifier,
    instanceIdentifiers: member.readers.length || member.isWriter ? [] : [target.to.writerInstanceIdentifier],
    instanceClass: target.to.writerInstanceClass,
    tags: tagList({ 'odoo:failover': failover.failoverId }),
  });
  const cluster = await describeCluster(rds, target.to.clusterIdentifier);
  if (!writerReady || (cluster?.DBClusterMembers ?? []).length === 0) return { ...progress, ready: false, phase: 'adding-writer' };

  const input = { GlobalClusterIdentifier: target.globalClusterIdentifier, TargetDbClusterIdentifier: target.to.clusterArn };
  try {
    if (failover.mode === 'planned') await rds.send(new SwitchoverGlobalClusterCommand(input));
    else await rds.send(new FailoverGlobalClusterCommand({ ...input, AllowDataLoss: true }));
  } catch (err) {
    // A retried pass whose first call went through finds the operation under way, toward this cluster.
    const underWay = hasName(err, 'InvalidGlobalClusterStateFault') && global.failover?.toDbClusterArn === target.to.clusterArn;
    if (!underWay) throw err;
  }
  return { ...progress, ready: false, phase: 'promoting', requestedAt: now().toISOString() };
});
