/** Finds a tenant's cell, cluster and storage in the fleet configuration; a missing one is a clear error. */
import { validationError } from '#shared/lib/errors.ts';
import type { CellConfig, EksClusterConfig, FleetConfig } from './fleet-config.ts';
import { names } from './names.ts';
import type { Placement } from './types.ts';

export function cellOf(config: FleetConfig, placement: Placement): CellConfig {
  const cell = config.cells.find((c) => c.id === placement.cell);
  if (!cell) throw validationError(`cell ${placement.cell ?? '(none)'} is not in the fleet configuration`);
  return cell;
}

export function clusterOf(config: FleetConfig, name: string): EksClusterConfig {
  const cluster = config.eksClusters.find((c) => c.name === name);
  if (!cluster) throw validationError(`EKS cluster ${name} is not in the fleet configuration`);
  return cluster;
}

/** Where a tenant's filestore lives: a prefix of the cell bucket, or a prefix of its own bucket. */
export function filestoreLocation(config: FleetConfig, tenantId: string, placement: Placement, region: string): { bucket: string; prefix: string } {
  const prefix = names.filestorePrefix(tenantId);
  if (placement.model === 'pooled') return { bucket: cellOf(config, placement).bucket, prefix };
  return { bucket: names.bucketName(tenantId, config.accountId, region, config.namePrefix), prefix };
}
