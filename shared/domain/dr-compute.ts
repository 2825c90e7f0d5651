/**
 * What a dedicated tenant keeps running in the region it is not active in. Warm standby keeps its
 * node group there scaled down to one node (the "scaled-down compute" of the placement table), so a
 * failover only scales it up instead of creating it; pilot light keeps none (scaled to zero once a
 * failover or failback leaves that region).
 */
import type { DedicatedResources, DrPosture } from './types.ts';

export type NodegroupSizing = DedicatedResources['nodeGroup'];

/** The standby size of the node group in the region the tenant is not active in; zero nodes for pilot light. */
export function standbyNodegroupSizing(posture: DrPosture, sizing: NodegroupSizing): NodegroupSizing {
  if (posture === 'warm-standby') return { ...sizing, minSize: 1, desiredSize: 1, maxSize: Math.max(1, sizing.maxSize) };
  return { ...sizing, minSize: 0, desiredSize: 0, maxSize: Math.max(1, sizing.maxSize) };
}
