/**
 * The promotion of a backup-restore cell: it has no replica to promote, so its cluster is restored
 * in the region being activated, under the identifier the fleet configuration gives it there, from
 * a snapshot of the old primary held in that region:
 * - unplanned (the old region may be down): the newest available copy already there, kept by the
 *   scheduled snapshot-copy job; everything written after that snapshot's time is the data lost;
 * - planned (the old primary answers and was fenced): a snapshot taken now, after the fence, copied
 *   across; nothing written is lost, it only takes longer (snapshot, copy, restore).
 * Then the restored cluster's writer instance and its Data API. The restored cluster keeps the
 * snapshot's master password, which is the cell's master secret (replicated to this region): an
 * RDS-managed password would change it under that secret. Each pass finds where the last one got
 * to; an existing cluster of that name not made by this failover is refused, never taken over.
 */
import type { RDSClient } from '@aws-sdk/client-rds';
import { describeCluster, ensureClusterSnapshot } from '#shared/cloud/adapters/database-dedicated.ts';
import { ensureRestoredCluster } from '#shared/cloud/adapters/release-database.ts';
import { DR_COPY_TAG, describeSnapshot, ensureSnapshotCopy, newestAvailable, sinceActive, snapshotsOf } from '#shared/cloud/adapters/snapshot-copies.ts';
import type { Failover } from '#shared/domain/failover-types.ts';
import { resourceFailed } from '#shared/lib/errors.ts';
import type { UnitTarget } from '#shared/lib/failover-unit-target.ts';

export type RestorePhase = 'snapshotting' | 'copying' | 'restoring' | 'promoted';

export interface RestoreProgress {
  phase: RestorePhase;
  ready: boolean;
  /** The snapshot restored from, in the region being activated. */
  snapshotIdentifier?: string;
  /** When that snapshot's data is from: what a restore gets back. */
  snapshotAt?: string;
  /** Planned: the snapshot taken of the fenced primary in the old region. */
  sourceSnapshotIdentifier?: string;
}

/** The snapshot a planned move takes of the fenced primary (and its copy's name on the other side). */
export const moveSnapshotName = (clusterIdentifier: string, failoverId: string) => `${clusterIdentifier}-${failoverId}-move`.slice(0, 255);

export interface RestorePromotionInput {
  /** RDS of the region being activated, and of the region being left. */
  rds: RDSClient;
  rdsFrom: RDSClient;
  target: UnitTarget;
  failover: Pick<Failover, 'failoverId' | 'mode'>;
  cellId: string;
  /** Since when the cell has been active where it is being left: older snapshots are of an earlier cluster. */
  since?: string;
  progress: RestoreProgress;
}

export async function promoteByRestore(input: RestorePromotionInput): Promise<RestoreProgress> {
  const { rds, rdsFrom, target, failover } = input;
  const restoreTo = target.to.restore;
  if (!restoreTo) throw resourceFailed(`${target.to.clusterIdentifier} has no restore settings in ${target.to.region}: the cell has no dr section in the fleet configuration`);
  let progress = { ...input.progress };
  const tags = { 'odoo:failover': failover.failoverId, 'odoo:cell': input.cellId };

  if (!progress.snapshotIdentifier) {
    if (failover.mode === 'unplanned') {
      // The control plane's DR copies of the cluster serving now: not a snapshot kept of an old primary, nor one from before the cell last moved.
      const newest = newestAvailable(sinceActive(await snapshotsOf(rds, target.from.clusterIdentifier), input.since), true);
      if (!newest) throw resourceFailed(`no available snapshot of ${target.from.clusterIdentifier} is held in ${target.to.region}: nothing to restore from`);
      progress = { ...progress, phase: 'restoring', snapshotIdentifier: newest.identifier, ...(newest.createdAt ? { snapshotAt: newest.createdAt } : {}) };
    } else {
      // Planned: the fenced primary takes no writes, so a snapshot taken now holds everything.
      const name = moveSnapshotName(target.from.clusterIdentifier, failover.failoverId);
      const source = await ensureClusterSnapshot(rdsFrom, { snapshotIdentifier: name, clusterIdentifier: target.from.clusterIdentifier, tags: { ...tags, [DR_COPY_TAG]: target.from.clusterIdentifier } });
      if (source.status === 'failed') throw resourceFailed(`snapshot ${name} of ${target.from.clusterIdentifier} in ${target.from.region} failed`);
      if (source.status !== 'available' || !source.snapshotArn) return { ...progress, phase: 'snapshotting', ready: false, sourceSnapshotIdentifier: name };
      const copy = await ensureSnapshotCopy(rds, { sourceSnapshotArn: source.snapshotArn, targetIdentifier: name, ...(restoreTo.kmsKeyId ? { kmsKeyId: restoreTo.kmsKeyId } : {}), tags: { ...tags, [DR_COPY_TAG]: target.from.clusterIdentifier } });
      if (copy.status === 'failed') throw resourceFailed(`the copy of ${name} into ${target.to.region} failed`);
      if (copy.status !== 'available') return { ...progress, phase: 'copying', ready: false, sourceSnapshotIdentifier: name };
      progress = { ...progress, phase: 'restoring', sourceSnapshotIdentifier: name, snapshotIdentifier: copy.identifier, ...(copy.createdAt ? { snapshotAt: copy.createdAt } : {}) };
    }
  }

  // A cluster already under that name that this failover did not make (a diverged old primary not
  // yet retired, a hand-made one) is not ours to serve from or to replace.
  const existing = await describeCluster(rds, target.to.clusterIdentifier);
  const ownTag = existing?.TagList?.find((t) => t.Key === 'odoo:failover')?.Value;
  if (existing && ownTag !== failover.failoverId) {
    throw resourceFailed(
      `Aurora cluster ${target.to.clusterIdentifier} already exists in ${target.to.region} (status ${existing.Status ?? 'unknown'}${ownTag ? `, made by failover ${ownTag}` : ''}): ` +
        'a restore cannot take its name; the scheduled readiness run retires the diverged cluster an earlier failover left once its snapshot is kept',
    );
  }
  if (!existing) {
    // The chosen snapshot may have been pruned since: say so rather than restore something else silently.
    const snapshot = await describeSnapshot(rds, progress.snapshotIdentifier!);
    if (!snapshot) throw resourceFailed(`snapshot ${progress.snapshotIdentifier} is no longer in ${target.to.region}`);
  }
  const restored = await ensureRestoredCluster(
    rds,
    { snapshotIdentifier: progress.snapshotIdentifier! },
    {
      clusterIdentifier: target.to.clusterIdentifier,
      instanceIdentifiers: [target.to.writerInstanceIdentifier],
      instanceClass: target.to.writerInstanceClass,
      dbSubnetGroupName: restoreTo.dbSubnetGroupName,
      vpcSecurityGroupIds: restoreTo.vpcSecurityGroupIds,
      ...(restoreTo.kmsKeyId ? { kmsKeyId: restoreTo.kmsKeyId } : {}),
      tags,
      manageMasterPassword: false,
    },
  );
  if (restored.status !== 'available') return { ...progress, phase: 'restoring', ready: false };
  return { ...progress, phase: 'promoted', ready: true };
}
