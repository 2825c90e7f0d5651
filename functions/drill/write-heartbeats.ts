/**
 * Every minute (EventBridge Scheduler): writes a heartbeat row into each drillable tenant's database
 * through the RDS Data API, pooled on its cell's cluster (cell master secret), dedicated on its own
 * cluster (its database secret). The newest heartbeat a restore holds is the drill's measure of
 * the data it kept (and, later, a failover's data-loss window). One tenant that cannot be written
 * never stops the others: each failure is counted, named in the result and logged.
 */
import middy from '@middy/core';
import { writeHeartbeat } from '#shared/cloud/adapters/heartbeat.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { DRILLABLE_STATUSES } from '#shared/domain/drill-schedule.ts';
import { fleetConfig, type FleetConfig } from '#shared/domain/fleet-config.ts';
import { tenantDataTarget } from '#shared/domain/fleet-lookup.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { logger } from '#shared/lib/logger.ts';
import { allPages } from '#shared/store/query.ts';
import { FleetRepository } from '#shared/store/repository.ts';

/** Data API calls in flight at once: enough for thousands of tenants inside the minute, well under its quotas. */
const CONCURRENCY = 16;
const WRITER = 'odoo-fleet-control-plane';

export interface HeartbeatResult {
  written: number;
  failed: { tenantId: string; error: string }[];
}

export async function writeHeartbeats(repo: FleetRepository, config: FleetConfig): Promise<HeartbeatResult> {
  const tenants: Tenant[] = [];
  for (const status of DRILLABLE_STATUSES) tenants.push(...(await allPages((cursor) => repo.listTenants({ status, limit: 100, cursor }))));
  const result: HeartbeatResult = { written: 0, failed: [] };
  let next = 0;
  const worker = async () => {
    while (next < tenants.length) {
      const tenant = tenants[next++]!;
      if (!tenant.resources.database) continue;
      try {
        await writeHeartbeat(cloud().rdsData(tenant.activeRegion), tenantDataTarget(config, tenant), WRITER);
        result.written++;
      } catch (error) {
        result.failed.push({ tenantId: tenant.tenantId, error: `${(error as Error).name}: ${(error as Error).message}`.slice(0, 300) });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (result.failed.length > 0) logger.warn('heartbeats not written', { failed: result.failed.length, first: result.failed.slice(0, 5) });
  return result;
}

export const handler = middy(async (): Promise<HeartbeatResult> => writeHeartbeats(FleetRepository.fromEnv(), fleetConfig()));
