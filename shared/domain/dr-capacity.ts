/**
 * What a failover unit needs in the region being activated, counted against that region's quotas:
 * the On-Demand vCPUs of a dedicated tenant's node group brought to its full size there (warm
 * standby keeps it at one node, pilot light at none or not at all: `dr-compute.ts`), and one more
 * managed node group on the DR EKS cluster when the tenant has none there yet. A cell's node pool
 * runs there already: it needs nothing more.
 *
 * Each unit is judged on its own. A region failover of many units draws on one headroom, so units
 * that each fit may not all fit together: `addNeeds` gives what they need at once.
 */
import { standbyNodegroupSizing } from './dr-compute.ts';
import type { DedicatedResources, DrPosture } from './types.ts';

/** EC2 "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", in vCPUs. */
export const EC2_STANDARD_VCPU_QUOTA = { serviceCode: 'ec2', quotaCode: 'L-1216C47A' } as const;
/** EKS "Managed node groups per cluster". */
export const EKS_NODEGROUP_QUOTA = { serviceCode: 'eks', quotaCode: 'L-6D54EA21' } as const;

/** vCPUs by size, the same across the standard families but for the burstable ones' small sizes. */
const VCPUS_BY_SIZE: Record<string, number> = {
  medium: 1,
  large: 2,
  xlarge: 4,
  '2xlarge': 8,
  '3xlarge': 12,
  '4xlarge': 16,
  '6xlarge': 24,
  '8xlarge': 32,
  '9xlarge': 36,
  '10xlarge': 40,
  '12xlarge': 48,
  '16xlarge': 64,
  '18xlarge': 72,
  '24xlarge': 96,
  '32xlarge': 128,
  '48xlarge': 192,
};

/** Families counted by other quotas (GPU, accelerators, HPC, high memory, Mac, X) though their letter is a standard one. */
const NON_STANDARD_PREFIXES = ['hpc', 'inf', 'dl', 'trn', 'u-', 'mac'];
const STANDARD_LETTERS = new Set(['a', 'c', 'd', 'h', 'i', 'm', 'r', 't', 'z']);

/**
 * The vCPUs of one instance of a type the Standard On-Demand quota counts, or null when the type is
 * not one (another quota counts it) or its size is not in the table (metal sizes differ by family).
 */
export function standardInstanceVcpus(instanceType: string): number | null {
  const [family = '', size = ''] = instanceType.toLowerCase().split('.');
  if (!STANDARD_LETTERS.has(family[0] ?? '') || NON_STANDARD_PREFIXES.some((p) => family.startsWith(p))) return null;
  if (family.startsWith('t')) {
    // t3, t3a and t4g have 2 vCPUs from nano to large; t2's nano to small have 1.
    if (['nano', 'micro', 'small'].includes(size)) return family === 't2' ? 1 : 2;
    if (size === 'medium') return 2;
  }
  return VCPUS_BY_SIZE[size] ?? null;
}

/** What a unit adds in the region being activated. */
export interface ComputeNeed {
  /** Extra On-Demand Standard vCPUs; null when the instance type's vCPUs are unknown. */
  vcpus: number | null;
  /** Managed node groups to create on the DR EKS cluster. */
  nodegroups: number;
  /** In words, for the check's detail. */
  what: string;
}

export const NO_NEED: ComputeNeed = { vcpus: 0, nodegroups: 0, what: "the cell's node pool runs there already" };

/**
 * A dedicated tenant's need: its node group at `desiredSize` nodes, minus what its standby node
 * group there already runs (`exists`: the DR EKS cluster lists it).
 */
export function dedicatedNeed(posture: DrPosture, nodeGroup: DedicatedResources['nodeGroup'], exists: boolean): ComputeNeed {
  const standby = exists ? standbyNodegroupSizing(posture, nodeGroup).desiredSize : 0;
  const nodes = Math.max(0, nodeGroup.desiredSize - standby);
  const perNode = standardInstanceVcpus(nodeGroup.instanceType);
  return {
    vcpus: perNode === null ? null : nodes * perNode,
    nodegroups: exists ? 0 : 1,
    what: `${nodes} more ${nodeGroup.instanceType} node${nodes === 1 ? '' : 's'}${exists ? '' : ' in a new node group'}`,
  };
}

/** Two needs together (a region failover's units). */
export function addNeeds(a: ComputeNeed, b: ComputeNeed): ComputeNeed {
  return { vcpus: a.vcpus === null || b.vcpus === null ? null : a.vcpus + b.vcpus, nodegroups: a.nodegroups + b.nodegroups, what: `${a.what}; ${b.what}` };
}

/** A quota's value and what already counts against it, or why either is unknown. */
export type Headroom = { quota: number; used: number } | { unknown: string };

export interface CapacityVerdict {
  /** False only when a known need exceeds a known headroom: an unknown quota never refuses. */
  fits: boolean;
  detail: string;
}

function judge(need: number | null, unit: string, headroom: Headroom, quotaCode: string): CapacityVerdict | undefined {
  if (need === 0) return undefined;
  if (need === null) return { fits: true, detail: `${unit} needed unknown (instance type not counted by ${quotaCode})` };
  if ('unknown' in headroom) return { fits: true, detail: `needs ${need} ${unit}, headroom unknown (${quotaCode}: ${headroom.unknown})` };
  const free = Math.max(0, headroom.quota - headroom.used);
  return { fits: need <= free, detail: `needs ${need} ${unit}, ${free} free of ${headroom.quota} (${quotaCode})` };
}

/** The need against the vCPU and node group headroom of the region being activated. */
export function judgeCapacity(need: ComputeNeed, vcpu: Headroom, nodegroups: Headroom): CapacityVerdict {
  const verdicts = [judge(need.vcpus, 'vCPU', vcpu, EC2_STANDARD_VCPU_QUOTA.quotaCode), judge(need.nodegroups, need.nodegroups === 1 ? 'node group' : 'node groups', nodegroups, EKS_NODEGROUP_QUOTA.quotaCode)].filter(
    (v): v is CapacityVerdict => v !== undefined,
  );
  if (verdicts.length === 0) return { fits: true, detail: `no extra compute needed (${need.what})` };
  return { fits: verdicts.every((v) => v.fits), detail: `${need.what}: ${verdicts.map((v) => v.detail).join('; ')}` };
}
