/**
 * Hourly (EventBridge Scheduler): finds, in each region of the fleet, every cluster tagged as a
 * drill's whose TTL tag has passed (a teardown that never finished, an execution that was stopped
 * or timed out), deletes it, and records on its drill that the sweeper had to (`sweptAt`, and what
 * it found). A drill whose execution ended without recording it (stopped by hand, timed out) is
 * completed here: FAILED with that reason, its lock given back, its operation ended, so no drill
 * stays RESTORING forever. The answer names each leftover, so the schedule's logs show it.
 */
import middy from '@middy/core';
import { listExpiredDrillClusters, retireDrillCluster } from '#shared/cloud/adapters/drill-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import type { DrillRecord } from '#shared/domain/drill-types.ts';
import { fleetConfig, type FleetConfig } from '#shared/domain/fleet-config.ts';
import { clock } from '#shared/lib/clock.ts';
import { logger } from '#shared/lib/logger.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { lastDrillOf } from './record-drill.ts';

export interface SweepResult {
  swept: { region: string; clusterIdentifier: string; tenantId?: string; drillId?: string; expiresAt: string; state: string; completedDrill?: boolean }[];
}

/** Ends a drill its own execution never recorded: FAILED, with what the sweeper found. */
async function completeAbandoned(repo: FleetRepository, drill: DrillRecord, clusterIdentifier: string, now: Date): Promise<void> {
  const at = now.toISOString();
  const reason = `the drill's execution ended without recording it (stopped or timed out while ${drill.status}); the sweeper deleted ${clusterIdentifier} after its TTL`;
  const done = await repo.updateDrill(drill.tenantId, drill.drillId, (d) => (d.status === 'COMPLETED' ? d : { ...d, status: 'COMPLETED', outcome: 'FAILED', reason, endedAt: at, cleanedUp: false }));
  const tenant = await repo.requireTenant(drill.tenantId);
  await repo.recordLastDrill(drill.tenantId, lastDrillOf(done, tenant.lastDrill));
  await repo.releaseDrillLock(drill.tenantId, drill.drillId);
  const operation = await repo.getOperation(drill.operationId);
  if (operation && !['SUCCEEDED', 'FAILED'].includes(operation.status)) {
    await repo.updateOperation(drill.operationId, { status: 'FAILED', error: { code: 'DrillAbandoned', message: reason }, endedAt: at });
  }
}

export async function sweepDrillLeftovers(repo: FleetRepository, config: FleetConfig, now: Date): Promise<SweepResult> {
  const result: SweepResult = { swept: [] };
  for (const region of [...new Set([config.primaryRegion, config.drRegion])]) {
    const rds = cloud().rds(region);
    for (const leftover of await listExpiredDrillClusters(rds, now)) {
      const state = await retireDrillCluster(rds, leftover.clusterIdentifier);
      const entry: SweepResult['swept'][number] = { region, ...leftover, state };
      result.swept.push(entry);
      if (!leftover.tenantId || !leftover.drillId) continue;
      const drill = await repo.getDrill(leftover.tenantId, leftover.drillId);
      if (!drill) continue;
      const swept = await repo.updateDrill(drill.tenantId, drill.drillId, (d) => ({
        ...d,
        sweptAt: d.sweptAt ?? now.toISOString(),
        teardown: { ...d.teardown, [leftover.clusterIdentifier]: `swept (${state}) after its TTL ${leftover.expiresAt} passed` },
      }));
      if (swept.status !== 'COMPLETED') {
        await completeAbandoned(repo, swept, leftover.clusterIdentifier, now);
        entry.completedDrill = true;
      }
    }
  }
  if (result.swept.length > 0) logger.warn('drill leftovers swept', { count: result.swept.length, swept: result.swept.slice(0, 20) });
  return result;
}

export const handler = middy(async (): Promise<SweepResult> => sweepDrillLeftovers(FleetRepository.fromEnv(), fleetConfig(), clock().now()));
