/**
 * Keeps each backup-restore cell's snapshot copies in the region a failover would restore it in.
 * Aurora has no cross-region automated backup replication, so the cell's protection there is copies
 * of snapshots taken in the region it is active in: the age of the newest available copy is the
 * data a failover of the cell would lose.
 *
 * The job of a region handles the cells whose copies go INTO that region: it pulls. The region a
 * failover would restore in keeps its own copies, and when the cell's active region is down there
 * is nothing new to copy anyway, while the job there would be down with it. Every call into the
 * active (source) region is time-boxed and its failure recorded, never thrown.
 *
 * Each run moves every cell one step on and never waits: it takes a snapshot when the newest is
 * older than `failover.snapshotCopies.everySeconds`, starts the copy of the newest available one,
 * deletes what the copies made redundant, records where the cell stands and publishes the copy's
 * age (`Odoo/Failover` `SnapshotCopyAgeSeconds` by `Cell`), so an alarm sees copies falling behind.
 * Snapshots being made or copied are never deleted: deleting a copy in progress cancels it.
 */
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { CellConfig, FleetConfig } from '#shared/domain/fleet-config.ts';
import { cellDrPosture, cellIn, otherRegion } from '#shared/domain/fleet-lookup.ts';
import { timeBoxed, type Boxed } from '#shared/lib/time-box.ts';
import type { CellDrSnapshots } from '#shared/store/cells.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { describeAwsError } from './adapters/aws-errors.ts';
import { ensureClusterSnapshot } from './adapters/database-dedicated.ts';
import {
  DR_COPY_TAG,
  deleteSnapshot,
  drSnapshotIdentifier,
  ensureSnapshotCopy,
  newestAvailable,
  sinceActive,
  snapshotsOf,
  type SnapshotSummary,
} from './adapters/snapshot-copies.ts';
import type { CloudProvider } from './clients.ts';
import { FAILOVER_METRIC_NAMESPACE } from './failover-evidence.ts';

export const SNAPSHOT_COPY_AGE_METRIC = 'SnapshotCopyAgeSeconds';

/** Cells worked on at once: a dead source region costs each of them one time-boxed call. */
const CELL_CONCURRENCY = 8;

/** What one run did for one cell. */
export interface CellCopyResult {
  cell: string;
  fromRegion: string;
  toRegion: string;
  /** The snapshot started in the source region this run. */
  snapshotTaken?: string;
  /** The cluster could not be snapshotted now (busy: modifying, backing up); the next run tries again. */
  snapshotDeferred?: boolean;
  /** The copy started into `toRegion` this run. */
  copyStarted?: string;
  deleted: { region: string; identifier: string }[];
  /** Age of the newest available copy in `toRegion` (null: none yet). */
  copyAgeSeconds: number | null;
  /** What could not be done, by AWS error name. */
  error?: string;
}

export interface SnapshotCopiesResult {
  region: string;
  ranAt: string;
  cells: CellCopyResult[];
}

const byNewest = (a: SnapshotSummary, b: SnapshotSummary) => Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? '');
const key = (identifier: string) => identifier.toLowerCase();

/** The error as recorded, with what it means for the cell when AWS's name says it: the operator reads it on the cell. */
function explain(error: string): string {
  if (error.includes('SnapshotQuotaExceeded')) return `${error} (the region's manual cluster snapshot quota is used up)`;
  if (error.includes('KMSKeyNotAccessibleFault')) return `${error} (the copy's key in the receiving region cannot be used)`;
  if (error.includes('DBClusterNotFoundFault')) return `${error} (the cell's cluster is not in its active region)`;
  return error;
}

async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

interface CellRun {
  cell: CellConfig;
  fromRegion: string;
  /** Since when the cell has been active in `fromRegion` (absent: never moved). */
  since?: string;
}

export async function keepCellSnapshotCopies(repo: FleetRepository, config: FleetConfig, clients: CloudProvider, now: Date, region: string): Promise<SnapshotCopiesResult> {
  const runs: CellRun[] = [];
  for (const cell of config.cells.filter((c) => cellDrPosture(c) === 'backup-restore')) {
    const fromRegion = (await repo.cellActiveRegion(cell.id)) ?? cell.region;
    const since = await repo.cellActiveSince(cell.id);
    if (fromRegion !== region && otherRegion(config, fromRegion) === region) runs.push({ cell, fromRegion, ...(since ? { since } : {}) });
  }

  const results: CellCopyResult[] = [];
  await eachLimited(runs, CELL_CONCURRENCY, async (run) => {
    results.push(await keepCell(repo, config, clients, now, region, run));
  });
  results.sort((a, b) => a.cell.localeCompare(b.cell));

  const data: MetricDatum[] = results
    .filter((r) => r.copyAgeSeconds !== null)
    .map((r) => ({ MetricName: SNAPSHOT_COPY_AGE_METRIC, Value: r.copyAgeSeconds!, Unit: 'Seconds', Timestamp: now, Dimensions: [{ Name: 'Cell', Value: r.cell }] }));
  // A cell without any copy yet has no age to publish; its record says where it stands.
  for (let i = 0; i < data.length; i += 1000) {
    await clients.cloudwatch(region).send(new PutMetricDataCommand({ Namespace: FAILOVER_METRIC_NAMESPACE, MetricData: data.slice(i, i + 1000) }));
  }
  return { region, ranAt: now.toISOString(), cells: results };
}

async function keepCell(repo: FleetRepository, config: FleetConfig, clients: CloudProvider, now: Date, region: string, { cell, fromRegion, since }: CellRun): Promise<CellCopyResult> {
  const result: CellCopyResult = { cell: cell.id, fromRegion, toRegion: region, deleted: [], copyAgeSeconds: null };
  let here: Map<string, SnapshotSummary> | undefined;
  try {
    here = await reconcile(config, clients, now, region, cell, fromRegion, result, since);
  } catch (err) {
    result.error = explain(describeAwsError(err));
  }
  // Only copies of the cluster serving now protect the cell.
  if (here) here = new Map([...here].filter(([, s]) => sinceActive([s], since).length > 0 || s.status !== 'available'));
  const newest = here && newestAvailable([...here.values()], true);
  if (newest) result.copyAgeSeconds = Math.max(0, Math.round((now.getTime() - Date.parse(newest.createdAt!)) / 1000));
  try {
    await repo.setCellDrSnapshots(cell.id, await recordOf(repo, cell.id, region, now, here, result.error));
  } catch (err) {
    result.error = [result.error, `record not stored: ${describeAwsError(err)}`].filter(Boolean).join('; ');
  }
  return result;
}

/** The cell's record: what the region holds now, or (when it could not be listed) what the last run saw, with this run's error. */
async function recordOf(repo: FleetRepository, cellId: string, region: string, now: Date, here: Map<string, SnapshotSummary> | undefined, error: string | undefined): Promise<CellDrSnapshots> {
  const last = here ? undefined : await repo.cellDrSnapshots(cellId);
  const list = here ? [...here.values()] : [];
  const newest = here ? newestAvailable(list, true) : undefined;
  const copying = list.filter((s) => s.status === 'copying').sort(byNewest)[0];
  const seen = here
    ? { ...(newest ? { newestCopyAt: newest.createdAt!, newestCopyIdentifier: newest.identifier } : {}), ...(copying ? { copying: copying.identifier } : {}) }
    : last?.region === region
      ? { ...(last.newestCopyAt ? { newestCopyAt: last.newestCopyAt } : {}), ...(last.newestCopyIdentifier ? { newestCopyIdentifier: last.newestCopyIdentifier } : {}), ...(last.copying ? { copying: last.copying } : {}) }
      : {};
  return { region, ...seen, lastRunAt: now.toISOString(), ...(error ? { lastError: error } : {}) };
}

/**
 * One step for one cell; answers the copies the region holds after it (by lowercased identifier).
 * What the source region cannot do is recorded in `result.error` and stops the steps that need it.
 */
async function reconcile(config: FleetConfig, clients: CloudProvider, now: Date, region: string, cell: CellConfig, fromRegion: string, result: CellCopyResult, since?: string): Promise<Map<string, SnapshotSummary>> {
  const { everySeconds, keep } = config.failover.snapshotCopies;
  const cluster = cellIn(config, { cell: cell.id }, fromRegion).auroraClusterIdentifier;
  const kmsKeyId = cellIn(config, { cell: cell.id }, region).restore.kmsKeyId;
  const tags = { [DR_COPY_TAG]: cluster, 'odoo:cell': cell.id };
  const source = clients.rds(fromRegion);
  const rds = clients.rds(region);
  const boxed = <T>(what: string, work: () => Promise<T>): Promise<Boxed<T>> => timeBoxed(work, config.failover.oldRegionTimeoutSeconds, `${what} (${fromRegion})`);
  // Every step that could not be done is told, not only the last.
  const fail = (error: string) => {
    result.error = [result.error, explain(error)].filter(Boolean).join('; ');
  };

  // Copies keep the source cluster's identifier, so the same filter finds them on both sides.
  const here = new Map((await snapshotsOf(rds, cluster)).map((s) => [key(s.identifier), s]));

  // a. A snapshot in the source region when the newest is too old (one being made counts as new).
  const listed = await boxed('list snapshots', () => snapshotsOf(source, cluster));
  if (!listed.ok) {
    // Nothing is pruned here either: while the source cannot be read, these copies are all the protection there is.
    fail(listed.error);
    return here;
  }
  // Snapshots of the cluster serving now: one left by a failover under the same name does not count (and is not copied).
  const sourceDr = sinceActive(listed.value, since).filter((s) => s.tags[DR_COPY_TAG] !== undefined);
  const young = sourceDr.some((s) => s.status === 'creating' || (s.status === 'available' && s.createdAt !== undefined && now.getTime() - Date.parse(s.createdAt) < everySeconds * 1000));
  if (!young) {
    const identifier = drSnapshotIdentifier(cluster, now);
    const taken = await boxed('take snapshot', () => ensureClusterSnapshot(source, { clusterIdentifier: cluster, snapshotIdentifier: identifier, tags }));
    if (!taken.ok) fail(taken.error);
    // InvalidDBClusterStateFault: the cluster is busy (modifying, backing up); the next run tries again.
    else if (taken.value.status === 'pending') result.snapshotDeferred = true;
    else result.snapshotTaken = identifier;
  }

  // b. The newest available source snapshot, copied here when it is not yet (its copy has its identifier).
  const newest = newestAvailable(sourceDr, true);
  if (newest && !here.has(key(newest.identifier))) {
    // Time-boxed too: the copy is carried out by the source region, which may not answer.
    const copied = await boxed('copy snapshot', () => ensureSnapshotCopy(rds, { sourceSnapshotArn: newest.arn, targetIdentifier: newest.identifier, ...(kmsKeyId ? { kmsKeyId } : {}), tags }));
    if (!copied.ok) fail(copied.error);
    else {
      here.set(key(copied.value.identifier), copied.value);
      result.copyStarted = copied.value.identifier;
    }
  }

  // c. At the source, what is older than the newest snapshot whose copy here is available: that copy protects the cell.
  const copied = sourceDr.filter((s) => s.status === 'available' && here.get(key(s.identifier))?.status === 'available').sort(byNewest)[0];
  if (copied) {
    for (const s of sourceDr) {
      const copy = here.get(key(s.identifier));
      // A source whose copy is still on its way stays until that copy is done.
      const older = Date.parse(s.createdAt ?? '') < Date.parse(copied.createdAt ?? '');
      if (s.status !== 'available' || !older || (copy && copy.status !== 'available')) continue;
      const gone = await boxed('delete snapshot', () => deleteSnapshot(source, s.identifier));
      if (!gone.ok) fail(gone.error);
      else if (gone.value !== 'busy') result.deleted.push({ region: fromRegion, identifier: s.identifier });
    }
  }

  // d. Here, the newest `keep` available copies; never one still being copied (deleting it cancels the copy).
  const available = [...here.values()].filter((s) => s.tags[DR_COPY_TAG] !== undefined && s.status === 'available' && s.createdAt).sort(byNewest);
  for (const old of available.slice(Math.max(1, keep))) {
    if ((await deleteSnapshot(rds, old.identifier)) === 'busy') continue;
    here.delete(key(old.identifier));
    result.deleted.push({ region, identifier: old.identifier });
  }
  return here;
}
