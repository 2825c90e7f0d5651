/**
 * The job that keeps a backup-restore cell's snapshot copies in the other region, against the
 * simulated two-region cloud: `cell-c` (backup-restore) is snapshotted in its active region, the
 * snapshot copied into the region a failover would restore it in, the cell's record says where the
 * copies stand; newer ones follow on the configured cadence, old ones are pruned; a source region
 * that does not answer is recorded and changes nothing; and once a failover has moved the cell,
 * copies flow the other way, taken by the scheduled job of the other region's control plane.
 */
import { RestoreDBClusterFromSnapshotCommand } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import { SNAPSHOT_COPIES_SCHEDULE_NAME } from '#infra/constructs/snapshot-copies.ts';
import { DR_COPY_TAG } from '#shared/cloud/adapters/snapshot-copies.ts';
import { keepCellSnapshotCopies, type SnapshotCopiesResult } from '#shared/cloud/cell-snapshot-copies.ts';
import { cloud } from '#shared/cloud/clients.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { cellIn } from '#shared/domain/fleet-lookup.ts';
import { api, startPlane } from '../support/local-plane.ts';

const PRIMARY = 'eu-west-1';
const DR = 'eu-central-1';
const CELL = 'cell-c';
const CLUSTER = 'odoo-cell-c';
/** The simulated RDS's snapshot and cross-region copy times, plus a second. */
const SNAPSHOT_TAKES = 121;
const COPY_TAKES = 1201;

let plane: LocalControlPlane;
let config: FleetConfig;

beforeAll(async () => {
  // Durations a twentieth of their typical length (a snapshot 6 s, a copy a minute): the test moves the clock past each one, so a snapshot seen 'creating' does not finish on its own while a loaded machine runs the test.
  plane = await startPlane({ timeScale: 0.05 });
  // Two copies kept, so pruning shows after three rounds.
  config = { ...plane.config, failover: { ...plane.config.failover, snapshotCopies: { ...plane.config.failover.snapshotCopies, keep: 2 } } };
});
afterAll(async () => {
  await plane?.close();
});

type Snapshot = { identifier: string; cluster: string; status: string; tags: Record<string, string>; copiedFrom?: string };
async function drSnapshots(region: string): Promise<Snapshot[]> {
  const inventory = (await api<{ regions: Record<string, { rds: { snapshots: Snapshot[] } }> }>(plane, 'GET', '/_local/cloud')).body;
  return inventory.regions[region]!.rds.snapshots.filter((s) => s.cluster === CLUSTER && s.tags[DR_COPY_TAG] !== undefined).sort((a, b) => a.identifier.localeCompare(b.identifier));
}
type Point = { namespace: string; name: string; dimensions: Record<string, string>; value?: number; unit?: string; timestamp: string };
async function copyAgePoints(region: string): Promise<Point[]> {
  const inventory = (await api<{ regions: Record<string, { metrics: Point[] }> }>(plane, 'GET', '/_local/cloud')).body;
  return inventory.regions[region]!.metrics.filter((m) => m.namespace === 'Odoo/Failover' && m.name === 'SnapshotCopyAgeSeconds');
}
const names = (list: Snapshot[], status?: string) => list.filter((s) => !status || s.status === status).map((s) => s.identifier);

async function setFaults(rules: unknown[]): Promise<void> {
  const res = await api(plane, 'POST', '/_local/faults', { rules });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
const clearFaults = async () => void (await api(plane, 'DELETE', '/_local/faults'));

async function run(region: string): Promise<SnapshotCopiesResult> {
  return keepCellSnapshotCopies(plane.repo, config, cloud(), plane.clock.now(), region);
}
const cellResult = (result: SnapshotCopiesResult) => result.cells.find((c) => c.cell === CELL);

/** One round: a snapshot taken, its copy started once it is available, and finished. Answers the last run and the snapshot. */
async function round(region: string): Promise<{ last: SnapshotCopiesResult; taken: string }> {
  const took = await run(region);
  expect(cellResult(took)?.snapshotTaken, JSON.stringify(took)).toBeDefined();
  plane.clock.advance(SNAPSHOT_TAKES);
  const copying = await run(region);
  expect(cellResult(copying)?.copyStarted, JSON.stringify(copying)).toBe(cellResult(took)?.snapshotTaken);
  plane.clock.advance(COPY_TAKES);
  return { last: await run(region), taken: cellResult(took)!.snapshotTaken! };
}

describe('snapshot copies of a backup-restore cell', () => {
  it('takes a snapshot in the active region, copies it into the other one and records where the copies stand', async () => {
    // Act
    const first = await run(DR);
    const taken = cellResult(first)!.snapshotTaken!;
    const afterFirst = { source: await drSnapshots(PRIMARY), copies: await drSnapshots(DR), record: await plane.repo.cellDrSnapshots(CELL) };
    plane.clock.advance(SNAPSHOT_TAKES);
    const second = await run(DR);
    const afterSecond = { copies: await drSnapshots(DR), record: await plane.repo.cellDrSnapshots(CELL) };
    plane.clock.advance(COPY_TAKES);
    const third = await run(DR);
    const afterThird = { source: await drSnapshots(PRIMARY), copies: await drSnapshots(DR), record: await plane.repo.cellDrSnapshots(CELL) };

    // Assess
    expect(first.cells.map((c) => c.cell)).toEqual([CELL]);
    expect(taken).toMatch(/^odoo-cell-c-dr-\d{12}$/);
    expect(afterFirst.source.map((s) => [s.identifier, s.status])).toEqual([[taken, 'creating']]);
    expect(afterFirst.source[0]!.tags).toMatchObject({ [DR_COPY_TAG]: CLUSTER, 'odoo:cell': CELL });
    expect(afterFirst.copies).toEqual([]);
    expect(afterFirst.record).toEqual({ region: DR, lastRunAt: first.ranAt });
    expect(cellResult(second)?.copyStarted).toBe(taken);
    expect(afterSecond.copies.map((s) => [s.identifier, s.status])).toEqual([[taken, 'copying']]);
    expect(afterSecond.copies[0]!.copiedFrom).toBe(`arn:aws:rds:${PRIMARY}:000000000000:cluster-snapshot:${taken}`);
    expect(afterSecond.record).toEqual({ region: DR, copying: taken, lastRunAt: second.ranAt });
    expect(afterThird.copies.map((s) => [s.identifier, s.status])).toEqual([[taken, 'available']]);
    expect(afterThird.source.map((s) => [s.identifier, s.status])).toEqual([[taken, 'available']]);
    expect(afterThird.record).toMatchObject({ region: DR, newestCopyIdentifier: taken, lastRunAt: third.ranAt });
    expect(afterThird.record?.lastError).toBeUndefined();
    // The simulated clock also runs on between runs (real speed): the snapshot is from the first run, give or take that.
    expect(Math.abs(Date.parse(afterThird.record!.newestCopyAt!) - Date.parse(first.ranAt))).toBeLessThan(5_000);
    expect(cellResult(third)?.copyAgeSeconds).toBeGreaterThanOrEqual(SNAPSHOT_TAKES + COPY_TAKES - 5);
    expect(cellResult(third)?.copyAgeSeconds).toBeLessThanOrEqual(SNAPSHOT_TAKES + COPY_TAKES + 5);
    expect(cellResult(third)?.snapshotTaken).toBeUndefined();
    // Published by the region holding the copies, once there is one.
    expect((await copyAgePoints(DR)).map((p) => [p.dimensions, p.value, p.unit, p.timestamp])).toEqual([[{ Cell: CELL }, cellResult(third)?.copyAgeSeconds, 'Seconds', third.ranAt]]);
  });

  it('takes no new snapshot before everySeconds have passed, and a newer one after', async () => {
    // Prepare
    const before = names(await drSnapshots(PRIMARY));

    // Act
    plane.clock.advance(config.failover.snapshotCopies.everySeconds - SNAPSHOT_TAKES - COPY_TAKES - 60);
    const early = await run(DR);
    const afterEarly = names(await drSnapshots(PRIMARY));
    plane.clock.advance(60);
    const { last } = await round(DR);
    const source = await drSnapshots(PRIMARY);
    const copies = await drSnapshots(DR);

    // Assess
    expect(cellResult(early)?.snapshotTaken).toBeUndefined();
    expect(afterEarly).toEqual(before);
    expect(copies.map((s) => s.status)).toEqual(['available', 'available']);
    // At the source, only the newest: its copy protects the cell, the older one is redundant.
    expect(names(source)).toEqual([names(copies)[1]]);
    expect(cellResult(last)?.deleted).toEqual([{ region: PRIMARY, identifier: before[0] }]);
    expect((await plane.repo.cellDrSnapshots(CELL))?.newestCopyIdentifier).toBe(names(copies)[1]);
  });

  it('keeps the newest `keep` available copies in the other region and deletes older ones', async () => {
    // Prepare
    const before = names(await drSnapshots(DR));

    // Act
    plane.clock.advance(config.failover.snapshotCopies.everySeconds);
    const { last, taken } = await round(DR);
    const copies = await drSnapshots(DR);

    // Assess
    expect(copies).toHaveLength(config.failover.snapshotCopies.keep);
    expect(names(copies, 'available')).toEqual([before[1], taken]);
    expect(cellResult(last)?.deleted).toEqual(expect.arrayContaining([{ region: DR, identifier: before[0] }]));
  });

  it('records the error and changes nothing in the other region while the active region does not answer', async () => {
    // Prepare
    const copiesBefore = await drSnapshots(DR);
    const recordBefore = await plane.repo.cellDrSnapshots(CELL);
    plane.clock.advance(config.failover.snapshotCopies.everySeconds);
    await setFaults([{ service: 'rds', effect: 'unreachable', region: PRIMARY }]);

    // Act
    const result = await run(DR).finally(clearFaults);
    const copiesAfter = await drSnapshots(DR);
    const record = await plane.repo.cellDrSnapshots(CELL);

    // Assess
    expect(cellResult(result)?.error).toMatch(new RegExp(`list snapshots \\(${PRIMARY}\\)`));
    expect(cellResult(result)).toMatchObject({ deleted: [] });
    expect(cellResult(result)?.copyStarted).toBeUndefined();
    expect(copiesAfter).toEqual(copiesBefore);
    expect(record).toMatchObject({ region: DR, newestCopyIdentifier: recordBefore?.newestCopyIdentifier, newestCopyAt: recordBefore?.newestCopyAt, lastRunAt: result.ranAt });
    expect(record?.lastError).toContain(PRIMARY);
  });

  it('defers the snapshot of a busy cluster to the next run, and records a copy the receiving key refuses by its AWS name', async () => {
    // Prepare
    const sourceBefore = names(await drSnapshots(PRIMARY));
    const copiesBefore = await drSnapshots(DR);

    // Act: the cluster is busy (modifying, backing up) when the snapshot is due.
    await setFaults([{ service: 'rds', operation: 'CreateDBClusterSnapshot', error: 'InvalidDBClusterStateFault', region: PRIMARY }]);
    const busy = await run(DR).finally(clearFaults);
    const sourceWhileBusy = names(await drSnapshots(PRIMARY));
    const next = await run(DR);
    plane.clock.advance(SNAPSHOT_TAKES);
    // Then the receiving region's key cannot be used for the copy.
    await setFaults([{ service: 'rds', operation: 'CopyDBClusterSnapshot', error: 'KMSKeyNotAccessibleFault', region: DR }]);
    const refused = await run(DR).finally(clearFaults);
    const copiesWhileRefused = await drSnapshots(DR);
    const recordWhileRefused = await plane.repo.cellDrSnapshots(CELL);
    const retried = await run(DR);

    // Assess
    expect(cellResult(busy)).toMatchObject({ snapshotDeferred: true, deleted: [] });
    expect(cellResult(busy)?.error).toBeUndefined();
    expect(sourceWhileBusy).toEqual(sourceBefore);
    expect(cellResult(next)?.snapshotTaken).toBeDefined();
    expect(cellResult(refused)?.error).toContain('KMSKeyNotAccessibleFault');
    expect(copiesWhileRefused).toEqual(copiesBefore);
    expect(recordWhileRefused?.lastError).toContain('KMSKeyNotAccessibleFault');
    expect(cellResult(retried)?.copyStarted).toBe(cellResult(next)?.snapshotTaken);
    expect((await plane.repo.cellDrSnapshots(CELL))?.lastError).toBeUndefined();
    plane.clock.advance(COPY_TAKES);
    await run(DR);
  });

  it('once a failover has moved the cell, the other region\'s scheduled job takes the copies back the other way', async () => {
    // Prepare: the failover records the move, and restores the cell's cluster in the DR region from its newest copy.
    const newest = (await plane.repo.cellDrSnapshots(CELL))!.newestCopyIdentifier!;
    const restore = cellIn(plane.config, { cell: CELL }, DR).restore;
    await plane.repo.setCellActiveRegion(CELL, DR);
    plane.clock.advance(config.failover.snapshotCopies.everySeconds);
    // A snapshot is due before the restored cluster is there.
    const notYet = await plane.scheduler.run(SNAPSHOT_COPIES_SCHEDULE_NAME);
    const recordNotYet = await plane.repo.cellDrSnapshots(CELL);
    await cloud()
      .rds(DR)
      .send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: CLUSTER, SnapshotIdentifier: newest, Engine: 'aurora-postgresql', DBSubnetGroupName: restore.dbSubnetGroupName, VpcSecurityGroupIds: restore.vpcSecurityGroupIds }));
    plane.clock.advance(3600);

    // Act
    const inDr = await run(DR);
    const took = await plane.scheduler.run(SNAPSHOT_COPIES_SCHEDULE_NAME);
    const taken = names(await drSnapshots(DR), 'creating');
    plane.clock.advance(SNAPSHOT_TAKES);
    await plane.scheduler.run(SNAPSHOT_COPIES_SCHEDULE_NAME);
    plane.clock.advance(COPY_TAKES);
    const done = await plane.scheduler.run(SNAPSHOT_COPIES_SCHEDULE_NAME);
    const inPrimary = await drSnapshots(PRIMARY);
    const record = await plane.repo.cellDrSnapshots(CELL);

    // Assess: while the restored cluster is not there yet, the run says so by AWS's name.
    expect(notYet.result).toMatchObject({ status: 'SUCCEEDED' });
    expect(recordNotYet).toMatchObject({ region: PRIMARY });
    expect(recordNotYet?.lastError).toContain('DBClusterNotFoundFault');
    expect(inDr.cells).toEqual([]);
    // The local control plane runs both regions' jobs (each region's control plane runs its own in AWS).
    expect(took.result).toMatchObject({ status: 'SUCCEEDED', output: { region: `${PRIMARY},${DR}` } });
    expect(taken).toHaveLength(1);
    expect(done.result).toMatchObject({ status: 'SUCCEEDED' });
    expect(inPrimary.find((s) => s.identifier === taken[0])).toMatchObject({ status: 'available', copiedFrom: `arn:aws:rds:${DR}:000000000000:cluster-snapshot:${taken[0]}` });
    expect(record).toMatchObject({ region: PRIMARY, newestCopyIdentifier: taken[0] });
    expect(record?.lastError).toBeUndefined();
  });
});
