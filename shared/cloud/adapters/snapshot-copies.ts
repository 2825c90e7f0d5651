/**
 * Cluster snapshots kept in the other region for a backup-restore cell: Aurora has no cross-region
 * automated backup replication, so a cell's protection there is copies of its snapshots. A copy is
 * made by `CopyDBClusterSnapshot` called in the region that receives it, with the source's ARN
 * (the SDK's RDS middleware adds the pre-signed URL when that ARN is of another region; only
 * GovCloud reads it), and `KmsKeyId` naming a key of the receiving region: an encrypted copy
 * across regions needs one there, a key never leaves its region. A copy keeps the
 * source cluster's identifier and the source snapshot's creation time, which is what its age (the
 * data it could lose) is measured from.
 */
import {
  CopyDBClusterSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  type DBClusterSnapshot,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { hasName } from './aws-errors.ts';
import { tagList } from './tag-list.ts';

/** Tag on every snapshot the control plane takes or copies for a cell's DR: the cluster it protects. */
export const DR_COPY_TAG = 'odoo:dr-copy-of';

export interface SnapshotSummary {
  identifier: string;
  arn: string;
  /** The cluster it was taken of (a copy keeps the source's). */
  clusterIdentifier: string;
  status: string;
  /** When the source snapshot was taken: what a restore from it gets back. */
  createdAt?: string;
  type: string;
  tags: Record<string, string>;
}

function summary(s: DBClusterSnapshot): SnapshotSummary {
  return {
    identifier: s.DBClusterSnapshotIdentifier ?? '',
    arn: s.DBClusterSnapshotArn ?? '',
    clusterIdentifier: s.DBClusterIdentifier ?? '',
    status: s.Status ?? 'unknown',
    ...(s.SnapshotCreateTime ? { createdAt: new Date(s.SnapshotCreateTime).toISOString() } : {}),
    type: s.SnapshotType ?? 'manual',
    tags: Object.fromEntries((s.TagList ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? ''])),
  };
}

/**
 * The manual snapshots of `clusterIdentifier` held in the client's region, copies included. The
 * `db-cluster-id` filter, not `DBClusterIdentifier`, which must name a cluster of that region
 * (a region holding only copies has none); the filter is checked again on each result.
 */
export async function snapshotsOf(rds: RDSClient, clusterIdentifier: string): Promise<SnapshotSummary[]> {
  const id = clusterIdentifier.toLowerCase();
  const out: SnapshotSummary[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(
      new DescribeDBClusterSnapshotsCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterIdentifier] }], SnapshotType: 'manual', MaxRecords: 100, ...(marker ? { Marker: marker } : {}) }),
    );
    for (const s of page.DBClusterSnapshots ?? []) if (s.DBClusterIdentifier?.toLowerCase() === id) out.push(summary(s));
    marker = page.Marker;
  } while (marker);
  return out;
}

/** The newest available snapshot among `list` (by the time its data is from), optionally only the control plane's DR ones. */
export function newestAvailable(list: readonly SnapshotSummary[], onlyDrCopies = false): SnapshotSummary | undefined {
  return list
    .filter((s) => s.status === 'available' && s.createdAt && (!onlyDrCopies || s.tags[DR_COPY_TAG] !== undefined))
    .sort((a, b) => Date.parse(b.createdAt!) - Date.parse(a.createdAt!))[0];
}

/**
 * The snapshots taken since `since` (when the cell became active where it is): after a failover the
 * cluster keeps its identifier, so older snapshots under that identifier are of the cluster the
 * failover left, whose data stops before the move. Without `since` (never moved), all of them.
 */
export function sinceActive(list: readonly SnapshotSummary[], since: string | undefined): SnapshotSummary[] {
  if (!since) return [...list];
  const from = Date.parse(since);
  return list.filter((s) => s.createdAt !== undefined && Date.parse(s.createdAt) >= from);
}

export async function describeSnapshot(rds: RDSClient, identifier: string): Promise<SnapshotSummary | undefined> {
  try {
    const s = (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: identifier }))).DBClusterSnapshots?.[0];
    return s ? summary(s) : undefined;
  } catch (err) {
    if (hasName(err, 'DBClusterSnapshotNotFoundFault')) return undefined;
    throw err;
  }
}

export interface SnapshotCopyInput {
  /** ARN of the snapshot in the other region. */
  sourceSnapshotArn: string;
  /** The copy's identifier in the receiving region (the source's, so each side names it alike). */
  targetIdentifier: string;
  /** A key of the receiving region; its `aws/rds` key when absent. */
  kmsKeyId?: string;
  tags: Record<string, string>;
}

/**
 * Starts the copy into the client's region, or finds it started: a second call for the same
 * target (a retried run) answers the copy already there.
 */
export async function ensureSnapshotCopy(rds: RDSClient, input: SnapshotCopyInput): Promise<SnapshotSummary> {
  const existing = await describeSnapshot(rds, input.targetIdentifier);
  if (existing) return existing;
  try {
    const out = await rds.send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: input.sourceSnapshotArn,
        TargetDBClusterSnapshotIdentifier: input.targetIdentifier,
        KmsKeyId: input.kmsKeyId ?? 'alias/aws/rds',
        CopyTags: true,
        Tags: tagList(input.tags),
      }),
    );
    if (out.DBClusterSnapshot) return summary(out.DBClusterSnapshot);
  } catch (err) {
    if (!hasName(err, 'DBClusterSnapshotAlreadyExistsFault')) throw err;
  }
  const raced = await describeSnapshot(rds, input.targetIdentifier);
  return raced ?? { identifier: input.targetIdentifier, arn: '', clusterIdentifier: '', status: 'copying', type: 'manual', tags: input.tags };
}

/** Deletes a snapshot; `absent` when it was already gone, `busy` while it is still being made or copied. */
export async function deleteSnapshot(rds: RDSClient, identifier: string): Promise<'deleted' | 'absent' | 'busy'> {
  try {
    await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: identifier }));
    return 'deleted';
  } catch (err) {
    if (hasName(err, 'DBClusterSnapshotNotFoundFault')) return 'absent';
    if (hasName(err, 'InvalidDBClusterSnapshotStateFault')) return 'busy';
    throw err;
  }
}

/** The identifier of the snapshot the control plane takes of a cell's cluster at `at` (also its copy's). */
export function drSnapshotIdentifier(clusterIdentifier: string, at: Date): string {
  const stamp = at.toISOString().slice(0, 16).replace(/[-T:]/g, '');
  return `${clusterIdentifier}-dr-${stamp}`.slice(0, 255);
}
