/**
 * What an unplanned failover left in the failed region, kept once that region answers again: each
 * old primary cluster is snapshotted (it may hold writes that never reached the DR region: the
 * snapshot keeps them for whoever must reconcile), and its newest heartbeat read. The heartbeat
 * turns each tenant's data-loss window from the replication-lag estimate into the measure the
 * issue asks for: the newest heartbeat written in the old primary that is missing in the new one.
 * Then the failed region is made the DR copy again: the diverged cluster (it cannot resynchronise)
 * is detached from the global database, deleted (its snapshot kept) and created again as a
 * secondary, so a planned failback can go once it is REPLICATED (a backup-restore cell's old cluster
 * is deleted instead, its snapshot kept: see `retireStep`). Run with the scheduled readiness
 * report, one step per cluster per run; every call into the old region is time-boxed, and a region
 * still down only counts an attempt.
 */
import { RemoveFromGlobalClusterCommand, type RDSClient } from '@aws-sdk/client-rds';
import { newestAvailable, snapshotsOf } from '#shared/cloud/adapters/snapshot-copies.ts';
import { hasName } from '#shared/cloud/adapters/aws-errors.ts';
import { deleteDedicatedCluster, describeCluster, ensureClusterSnapshot } from '#shared/cloud/adapters/database-dedicated.ts';
import { ensureSecondaryCluster, secondaryNetwork } from '#shared/cloud/adapters/database-dr.ts';
import { describeGlobalDatabase, memberIn } from '#shared/cloud/adapters/global-database.ts';
import { tagList } from '#shared/cloud/adapters/tag-list.ts';
import { names } from '#shared/domain/names.ts';
import { readNewestHeartbeat } from '#shared/cloud/adapters/heartbeat.ts';
import { measureFailover } from '#shared/domain/failover-measure.ts';
import type { Failover, OldPrimary } from '#shared/domain/failover-types.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { dataTargetIn } from '#shared/domain/fleet-lookup.ts';
import { unitTarget } from '#shared/lib/failover-unit-target.ts';
import { timeBoxed } from '#shared/lib/time-box.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { allPages } from '#shared/store/query.ts';
import type { CloudProvider } from './clients.ts';
import { failoverEvidenceKey, putFailoverEvidence } from './failover-evidence.ts';

/** Failovers older than this are not looked at any more (their old primaries are someone's decision by then). */
export const OLD_PRIMARY_HORIZON_DAYS = 30;

export const oldPrimarySnapshotName = (failoverId: string, clusterIdentifier: string) => `${clusterIdentifier}-${failoverId}`.slice(0, 255);

export interface PreservationResult {
  preserved: string[];
  /** Old primaries made the DR copy again in this run. */
  replicated: string[];
  stillUnreachable: string[];
}

async function preserveOne(repo: FleetRepository, config: FleetConfig, clients: CloudProvider, failover: Failover, old: OldPrimary, now: Date): Promise<OldPrimary> {
  const rds = clients.rds(old.region);
  const seconds = config.failover.oldRegionTimeoutSeconds;
  const snapshotIdentifier = oldPrimarySnapshotName(failover.failoverId, old.clusterIdentifier);
  const snap = await timeBoxed(
    async () => {
      const cluster = await describeCluster(rds, old.clusterIdentifier);
      if (!cluster) throw Object.assign(new Error(`cluster ${old.clusterIdentifier} is gone`), { name: 'DBClusterNotFoundFault' });
      return ensureClusterSnapshot(rds, { snapshotIdentifier, clusterIdentifier: old.clusterIdentifier, tags: { 'odoo:failover': failover.failoverId, 'odoo:old-primary': 'true' } });
    },
    seconds,
    `snapshot of ${old.clusterIdentifier} in ${old.region}`,
  );
  if (!snap.ok) return { ...old, attempts: old.attempts + 1, lastError: snap.error.slice(0, 500) };
  if (snap.value.status !== 'available') return { ...old, snapshotIdentifier, lastError: snap.value.status === 'failed' ? `snapshot ${snapshotIdentifier} failed` : undefined };

  // The tenants' windows, measured by heartbeats now that the old side can be read.
  const unit = failover.units.find((u) => u.key === old.unit);
  for (const tenantId of unit?.tenantIds ?? []) {
    const [tenant, record] = await Promise.all([repo.getTenant(tenantId), repo.getFailoverTenant(failover.failoverId, tenantId)]);
    // A drained switchover (or a restore of the fenced primary's snapshot) lost nothing: nothing to re-measure.
    if (!tenant || !record || record.outcome !== 'SUCCEEDED' || record.dataLossBasis === 'heartbeats' || record.dataLossBasis === 'drained') continue;
    const newest = await timeBoxed(() => readNewestHeartbeat(clients.rdsData(old.region), dataTargetIn(config, tenant, old.region)), seconds, 'newest heartbeat of the old primary');
    if (!newest.ok || !newest.value || !record.heartbeats?.newAtPromotion) continue;
    const measure = measureFailover({ startedAt: failover.createdAt, mode: 'unplanned', oldNewestHeartbeat: newest.value, newNewestHeartbeat: record.heartbeats.newAtPromotion });
    await repo.updateFailoverTenant(failover.failoverId, tenantId, (t) => ({
      ...t,
      dataLossWindowSeconds: measure.dataLossWindowSeconds,
      dataLossBasis: measure.dataLossBasis,
      heartbeats: { newAtPromotion: record.heartbeats!.newAtPromotion, oldNewest: newest.value },
    }));
  }
  return { ...old, status: 'PRESERVED', snapshotIdentifier, preservedAt: now.toISOString(), lastError: undefined };
}

/** Where the unit's global database is, and what the rebuilt secondary must be. */
async function rebuildStep(repo: FleetRepository, config: FleetConfig, clients: CloudProvider, failover: Failover, old: OldPrimary, now: Date): Promise<OldPrimary> {
  const unit = failover.units.find((u) => u.key === old.unit);
  const first = unit ? await repo.getTenant(unit.tenantIds[0]!) : undefined;
  if (!unit || !first) return { ...old, lastError: 'the unit or its tenants are gone: nothing to rebuild' };
  const target = unitTarget(config, unit, [first], failover.fromRegion, failover.toRegion);
  const globalId = target.globalClusterIdentifier;
  const rds = clients.rds(old.region);
  if (!globalId && target.posture === 'backup-restore') return retireStep(rds, config, target.to.clusterIdentifier, old, now, first.tenantId);
  if (!globalId) return { ...old, lastError: 'no global database recorded for the unit' };
  const step = await timeBoxed(
    async (): Promise<OldPrimary> => {
      const global = await describeGlobalDatabase(clients.rds(failover.toRegion), globalId);
      if (!global) throw new Error(`global database ${globalId} is not there`);
      const member = memberIn(global, old.region);
      const cluster = await describeCluster(rds, old.clusterIdentifier);
      // A secondary of this global database is there again: done once it is available.
      if (member && cluster && !member.isWriter && member.synchronizationStatus !== 'pending-resync' && cluster.Status === 'available') {
        return { ...old, status: 'REPLICATED', replicatedAt: now.toISOString(), lastError: undefined };
      }
      if (member && member.synchronizationStatus === 'pending-resync') {
        try {
          await rds.send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: globalId, DbClusterIdentifier: member.clusterArn }));
        } catch (err) {
          if (!hasName(err, 'InvalidGlobalClusterStateFault', 'InvalidDBClusterStateFault', 'DBClusterNotFoundFault')) throw err;
        }
        return { ...old, status: 'REBUILDING', lastError: undefined };
      }
      if (cluster && !member) {
        // Detached: the diverged copy goes (its snapshot is kept) so a fresh secondary can take its name.
        await deleteDedicatedCluster(rds, { tenantId: first.tenantId, clusterIdentifier: old.clusterIdentifier });
        return { ...old, status: 'REBUILDING', lastError: undefined };
      }
      const warm = unit.kind === 'dedicated' && first.placement.drPosture === 'warm-standby' && first.placement.resources.kind === 'dedicated';
      const instances = warm && first.placement.resources.kind === 'dedicated' ? Array.from({ length: first.placement.resources.database.instances }, (_, i) => names.dbInstanceIdentifier(first.tenantId, i, config.namePrefix)) : [];
      const secondary = await ensureSecondaryCluster(rds, {
        globalClusterIdentifier: globalId,
        clusterIdentifier: old.clusterIdentifier,
        ...(global.engineVersion ? { engineVersion: global.engineVersion } : {}),
        ...secondaryNetwork(config),
        backupRetentionDays: first.placement.backupRetentionDays,
        instanceIdentifiers: instances,
        instanceClass: first.placement.resources.kind === 'dedicated' ? first.placement.resources.database.instanceClass : config.failover.cellWriterInstanceClass,
        tags: tagList({ 'odoo:failover': failover.failoverId, ...(unit.kind === 'cell' ? { 'odoo:cell': first.placement.cell ?? '' } : { 'odoo:tenant': first.tenantId }) }),
      });
      return secondary.status === 'available' ? { ...old, status: 'REPLICATED', replicatedAt: now.toISOString(), lastError: undefined } : { ...old, status: 'REBUILDING', lastError: undefined };
    },
    config.failover.oldRegionTimeoutSeconds,
    `rebuilding ${old.clusterIdentifier} in ${old.region}`,
  );
  return step.ok ? step.value : { ...old, attempts: old.attempts + 1, lastError: step.error.slice(0, 500) };
}

/**
 * A backup-restore cell's old cluster cannot become a replica of anything: once its snapshot is
 * kept it is deleted, which frees its name for a restore on the way back, and the region is the
 * cell's DR copy again once a snapshot copy of the new primary (kept by the snapshot-copy job) is
 * available there.
 */
async function retireStep(rds: RDSClient, config: FleetConfig, newPrimaryIdentifier: string, old: OldPrimary, now: Date, tenantId: string): Promise<OldPrimary> {
  const step = await timeBoxed(
    async (): Promise<OldPrimary> => {
      const gone = await deleteDedicatedCluster(rds, { tenantId, clusterIdentifier: old.clusterIdentifier });
      if (gone.status !== 'absent') return { ...old, status: 'REBUILDING', lastError: undefined };
      const copy = newestAvailable(await snapshotsOf(rds, newPrimaryIdentifier));
      if (!copy) return { ...old, status: 'REBUILDING', lastError: `no snapshot copy of ${newPrimaryIdentifier} is available in ${old.region} yet` };
      return { ...old, status: 'REPLICATED', replicatedAt: now.toISOString(), lastError: undefined };
    },
    config.failover.oldRegionTimeoutSeconds,
    `retiring ${old.clusterIdentifier} in ${old.region}`,
  );
  return step.ok ? step.value : { ...old, attempts: old.attempts + 1, lastError: step.error.slice(0, 500) };
}

export async function preserveOldPrimaries(repo: FleetRepository, config: FleetConfig, clients: CloudProvider, now: Date): Promise<PreservationResult> {
  const horizon = new Date(now.getTime() - OLD_PRIMARY_HORIZON_DAYS * 86_400_000).toISOString();
  const recent: Failover[] = [];
  for (let cursor: string | undefined, done = false; !done; ) {
    const page = await repo.listFailovers(cursor ? { cursor } : {});
    for (const f of page.items) if (f.createdAt >= horizon) recent.push(f);
    done = !page.nextCursor || page.items.some((f) => f.createdAt < horizon);
    cursor = page.nextCursor;
  }
  const result: PreservationResult = { preserved: [], replicated: [], stillUnreachable: [] };
  for (const f of recent.filter((x) => x.oldPrimaries?.some((o) => o.status !== 'REPLICATED'))) {
    const next: OldPrimary[] = [];
    for (const old of f.oldPrimaries!) {
      if (old.status === 'REPLICATED') {
        next.push(old);
        continue;
      }
      if (old.status === 'PENDING') {
        const after = await preserveOne(repo, config, clients, f, old, now);
        (after.status === 'PRESERVED' ? result.preserved : result.stillUnreachable).push(`${f.failoverId}/${old.clusterIdentifier}`);
        next.push(after);
        continue;
      }
      const after = await rebuildStep(repo, config, clients, f, old, now);
      if (after.status === 'REPLICATED') result.replicated.push(`${f.failoverId}/${old.clusterIdentifier}`);
      next.push(after);
    }
    const tenants = await allPages((cursor) => repo.listFailoverTenants(f.failoverId, cursor ? { cursor } : {}));
    const windows = tenants.filter((t) => t.outcome === 'SUCCEEDED').map((t) => t.dataLossWindowSeconds);
    const updated = await repo.updateFailover(f.failoverId, (cur) => ({
      ...cur,
      oldPrimaries: next,
      ...(windows.length ? { dataLossWindowSeconds: windows.some((w) => w === null || w === undefined) ? null : Math.max(...(windows as number[])) } : {}),
    }));
    if (result.preserved.some((p) => p.startsWith(`${f.failoverId}/`)) && updated.evidenceKey) {
      // A new version of the report (the bucket keeps every version under Object Lock).
      await putFailoverEvidence(f.toRegion, updated, tenants, updated.evidenceKey ?? failoverEvidenceKey(updated), now.toISOString()).catch(() => undefined);
    }
  }
  return result;
}
