/**
 * Placement with capacity: the pure decision (`decidePlacement`) over the configured cells and their
 * current loads, then, for a pooled tenant, a slot taken in the chosen cell by a conditional write.
 * Two requests racing for a cell's last slot cannot both get it; the loser decides once more with
 * fresh loads and is refused if nothing fits.
 */
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { cellDrPosture } from '#shared/domain/fleet-lookup.ts';
import { decidePlacement, type CellLoad } from '#shared/domain/placement.ts';
import type { Placement, TenantProfile } from '#shared/domain/types.ts';
import { AppError } from '#shared/lib/errors.ts';
import type { FleetRepository } from '#shared/store/repository.ts';

const DECISIONS = 2;

async function cellLoads(repo: FleetRepository, config: FleetConfig): Promise<CellLoad[]> {
  const loads = await repo.cellLoads(config.cells.map((c) => c.id));
  return config.cells.map((c) => ({
    id: c.id,
    region: c.region,
    cluster: c.eksCluster,
    capacity: c.capacity,
    load: loads[c.id] ?? 0,
    accepts: [...c.accepts],
    protection: cellDrPosture(c),
  }));
}

function capacityOf(config: FleetConfig, cellId: string): number {
  const cell = config.cells.find((c) => c.id === cellId);
  if (!cell) throw new Error(`placement chose cell ${cellId}, which is not configured`);
  return cell.capacity;
}

/** Decides where the tenant goes and, if pooled, holds its slot. Refusals are 409 PlacementUnavailable with the reason. */
export async function placeTenant(
  repo: FleetRepository,
  config: FleetConfig,
  tenant: { tenantId: string; profile: TenantProfile; region: string },
): Promise<Placement> {
  let lastFull = '';
  for (let decision = 0; decision < DECISIONS; decision++) {
    const outcome = decidePlacement({
      profile: tenant.profile,
      region: tenant.region,
      cells: await cellLoads(repo, config),
      dedicatedCluster: config.dedicated.eksCluster,
    });
    if (!outcome.ok) throw new AppError('PlacementUnavailable', `No placement for ${tenant.tenantId}: ${outcome.reason}`);
    const { placement } = outcome;
    if (!placement.cell) return placement;
    if (await repo.reserveCellSlot(placement.cell, tenant.tenantId, capacityOf(config, placement.cell))) return placement;
    lastFull = placement.cell;
  }
  throw new AppError('PlacementUnavailable', `No placement for ${tenant.tenantId}: cell ${lastFull} filled up while the tenant was being placed; retry`);
}

/**
 * Gives back slots this tenant holds in cells other than `keep`: an interrupted earlier attempt
 * of the same request may have reserved one in a cell the retry did not choose.
 */
export async function releaseOtherSlots(repo: FleetRepository, config: FleetConfig, tenantId: string, keep: string | null): Promise<void> {
  await Promise.all(config.cells.filter((c) => c.id !== keep).map((c) => repo.releaseCellSlot(c.id, tenantId)));
}
