/**
 * Hourly (EventBridge Scheduler): finds, in each region of the fleet, every cluster tagged as a
 * drill's whose TTL tag has passed (a teardown that never finished, an execution that was stopped
 * or timed out), deletes it, and records on its drill that the sweeper had to (`sweptAt`, and what
 * it found). The answer names each leftover, so the schedule's logs show what was left behind.
 */
import middy from '@middy/core';
import { listExpiredDrillClusters, retireDrillCluster } from '#shared/cloud/adapters/drill-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { fleetConfig, type FleetConfig } from '#shared/domain/fleet-config.ts';
import { clock } from '#shared/lib/clock.ts';
import { logger } from '#shared/lib/logger.ts';
import { FleetRepository } from '#shared/store/repository.ts';

export interface SweepResult {
  swept: { region: string; clusterIdentifier: string; tenantId?: string; drillId?: string; expiresAt: string; state: string }[];
}

export async function sweepDrillLeftovers(repo: FleetRepository, config: FleetConfig, now: Date): Promise<SweepResult> {
  const result: SweepResult = { swept: [] };
  for (const region of [...new Set([config.primaryRegion, config.drRegion])]) {
    const rds = cloud().rds(region);
    for (const leftover of await listExpiredDrillClusters(rds, now)) {
      const state = await retireDrillCluster(rds, leftover.clusterIdentifier);
      result.swept.push({ region, ...leftover, state });
      if (!leftover.tenantId || !leftover.drillId) continue;
      const drill = await repo.getDrill(leftover.tenantId, leftover.drillId);
      if (!drill) continue;
      await repo.updateDrill(drill.tenantId, drill.drillId, (d) => ({
        ...d,
        sweptAt: d.sweptAt ?? now.toISOString(),
        teardown: { ...d.teardown, [leftover.clusterIdentifier]: `swept (${state}) after its TTL ${leftover.expiresAt} passed` },
      }));
    }
  }
  if (result.swept.length > 0) logger.warn('drill leftovers swept', { count: result.swept.length, swept: result.swept.slice(0, 20) });
  return result;
}

export const handler = middy(async (): Promise<SweepResult> => sweepDrillLeftovers(FleetRepository.fromEnv(), fleetConfig(), clock().now()));
