/**
 * On a schedule (EventBridge Scheduler, `failover.snapshotCopies.schedule`, hourly by default), in
 * each region's control plane: keeps the snapshot copies of the backup-restore cells whose copies
 * belong in this region (the cells active in the other one), so a failover can restore them here
 * from a recent copy. The region that would restore pulls, so the copies keep coming from a live
 * source whatever happens to the other control plane. Each cell's standing is recorded on the cell
 * (`drSnapshots`) and its copy's age published to `Odoo/Failover` (`SnapshotCopyAgeSeconds` by `Cell`).
 */
import middy from '@middy/core';
import { keepCellSnapshotCopies, type SnapshotCopiesResult } from '#shared/cloud/cell-snapshot-copies.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { controlPlaneRegion } from '#shared/cloud/release-events.ts';
import { fleetConfig } from '#shared/domain/fleet-config.ts';
import { clock } from '#shared/lib/clock.ts';
import { logger } from '#shared/lib/logger.ts';
import { FleetRepository } from '#shared/store/repository.ts';

export const handler = middy(async (): Promise<SnapshotCopiesResult> => {
  const config = fleetConfig();
  // The local control plane stands in for both regions' control planes: it runs both regions' jobs.
  const regions = cloud().kind === 'local' ? [config.primaryRegion, config.drRegion] : [controlPlaneRegion()];
  const runs: SnapshotCopiesResult[] = [];
  for (const region of regions) runs.push(await keepCellSnapshotCopies(FleetRepository.fromEnv(), config, cloud(), clock().now(), region));
  const result: SnapshotCopiesResult = { region: regions.join(','), ranAt: runs[0]!.ranAt, cells: runs.flatMap((r) => r.cells) };
  const failed = result.cells.filter((c) => c.error);
  if (failed.length > 0) logger.warn('cell snapshot copies incomplete', { failed: failed.slice(0, 20).map((c) => ({ cell: c.cell, fromRegion: c.fromRegion, error: c.error })) });
  logger.info('cell snapshot copies', {
    region: result.region,
    cells: result.cells.map((c) => ({ cell: c.cell, fromRegion: c.fromRegion, copyAgeSeconds: c.copyAgeSeconds, snapshotTaken: c.snapshotTaken, copyStarted: c.copyStarted, deleted: c.deleted.length })),
  });
  return result;
});
