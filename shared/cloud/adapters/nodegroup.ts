/**
 * A dedicated tenant's EKS managed node group: labelled and tainted for the tenant alone, so only
 * its pods (which tolerate the taint and select the label) run there. Calls report the node group's
 * state for the workflow to poll; none waits.
 */
import {
  CreateNodegroupCommand,
  DeleteNodegroupCommand,
  DescribeNodegroupCommand,
  UpdateNodegroupConfigCommand,
  type AMITypes,
  type EKSClient,
  type Nodegroup,
} from '@aws-sdk/client-eks';
import { createHash } from 'node:crypto';
import { resourceFailed, validationError } from '#shared/lib/errors.ts';
import { hasName } from './aws-errors.ts';

export const TENANT_LABEL = 'odoo.fleet/tenant';

export interface NodegroupSizing {
  instanceType: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

export type NodegroupStatus = 'creating' | 'active' | 'updating' | 'degraded' | 'deleting';

export interface EnsureNodegroupInput {
  clusterName: string;
  nodegroupName: string;
  tenantId: string;
  operationId: string;
  nodeRoleArn: string;
  subnetIds: string[];
  sizing: NodegroupSizing;
  tags: Record<string, string>;
}

export interface EnsuredNodegroup {
  status: NodegroupStatus;
  nodegroupName: string;
  nodegroupArn?: string;
}

/** Graviton families carry a `g` right after their generation digit: m7g, c6gn, r8gd, t4g, im4gn, hpc7g; and a1. */
export function amiTypeFor(instanceType: string): AMITypes {
  const family = instanceType.split('.')[0] ?? '';
  return family === 'a1' || /^[a-z]+\d+g/.test(family) ? 'AL2023_ARM_64_STANDARD' : 'AL2023_x86_64_STANDARD';
}

/**
 * EKS's idempotency token for the create: the same operation asking for the same node group sends
 * the same token, so a create whose answer was lost is not made twice. A digest keeps it short
 * (64 characters, the bound EC2-style tokens share) whatever the ids' lengths.
 */
export function nodegroupRequestToken(clusterName: string, nodegroupName: string, operationId: string): string {
  return createHash('sha256').update(`${clusterName}/${nodegroupName}/${operationId}`).digest('hex');
}

function assertSizing(s: Omit<NodegroupSizing, 'instanceType'>): void {
  const ok = [s.minSize, s.desiredSize, s.maxSize].every((n) => Number.isInteger(n) && n >= 0) && s.maxSize >= 1 && s.minSize <= s.desiredSize && s.desiredSize <= s.maxSize;
  if (!ok) throw validationError(`node group sizing must satisfy 0 <= min <= desired <= max, max >= 1 (got ${s.minSize}/${s.desiredSize}/${s.maxSize})`);
}

async function describe(eks: EKSClient, clusterName: string, nodegroupName: string): Promise<Nodegroup | undefined> {
  try {
    const out = await eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName }));
    return out.nodegroup;
  } catch (err) {
    if (hasName(err, 'ResourceNotFoundException')) return undefined;
    throw err;
  }
}

function healthSummary(ng: Nodegroup): string {
  const issues = ng.health?.issues ?? [];
  if (issues.length === 0) return 'no health issues reported';
  return issues.map((i) => `${i.code ?? 'Unknown'}: ${i.message ?? ''}`.trim()).join('; ');
}

function stateOf(ng: Nodegroup, nodegroupName: string): EnsuredNodegroup {
  const base = { nodegroupName, nodegroupArn: ng.nodegroupArn };
  switch (ng.status) {
    case 'ACTIVE':
      return { status: 'active', ...base };
    case 'UPDATING':
      return { status: 'updating', ...base };
    case 'DEGRADED':
      return { status: 'degraded', ...base };
    case 'DELETING':
      return { status: 'deleting', ...base };
    case 'CREATE_FAILED':
    case 'DELETE_FAILED':
      throw resourceFailed(`node group ${nodegroupName} is ${ng.status}: ${healthSummary(ng)}`);
    default:
      return { status: 'creating', ...base };
  }
}

export async function ensureNodegroup(eks: EKSClient, input: EnsureNodegroupInput): Promise<EnsuredNodegroup> {
  const { clusterName, nodegroupName, tenantId, sizing } = input;
  assertSizing(sizing);
  const existing = await describe(eks, clusterName, nodegroupName);
  if (existing) return stateOf(existing, nodegroupName);
  try {
    const out = await eks.send(
      new CreateNodegroupCommand({
        clusterName,
        nodegroupName,
        nodeRole: input.nodeRoleArn,
        subnets: input.subnetIds,
        scalingConfig: { minSize: sizing.minSize, desiredSize: sizing.desiredSize, maxSize: sizing.maxSize },
        instanceTypes: [sizing.instanceType],
        amiType: amiTypeFor(sizing.instanceType),
        capacityType: 'ON_DEMAND',
        labels: { [TENANT_LABEL]: tenantId },
        taints: [{ key: TENANT_LABEL, value: tenantId, effect: 'NO_SCHEDULE' }],
        clientRequestToken: nodegroupRequestToken(clusterName, nodegroupName, input.operationId),
        tags: input.tags,
      }),
    );
    if (out.nodegroup) return stateOf(out.nodegroup, nodegroupName);
  } catch (err) {
    if (!hasName(err, 'ResourceInUseException')) throw err;
  }
  const raced = await describe(eks, clusterName, nodegroupName);
  return raced ? stateOf(raced, nodegroupName) : { status: 'creating', nodegroupName };
}

export interface ScaleNodegroupInput {
  clusterName: string;
  nodegroupName: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

/**
 * `active` when the node group already has this scaling, `updating` when a change is under way
 * (ours or an earlier one: EKS takes one at a time), `absent` when there is no node group.
 */
export async function scaleNodegroup(eks: EKSClient, input: ScaleNodegroupInput): Promise<{ status: 'active' | 'updating' | 'absent'; updateId?: string }> {
  const { clusterName, nodegroupName, minSize, desiredSize, maxSize } = input;
  assertSizing(input);
  const ng = await describe(eks, clusterName, nodegroupName);
  if (!ng) return { status: 'absent' };
  const current = ng.scalingConfig;
  if (current?.minSize === minSize && current.desiredSize === desiredSize && current.maxSize === maxSize) {
    return { status: ng.status === 'UPDATING' || ng.status === 'CREATING' ? 'updating' : 'active' };
  }
  if (ng.status === 'UPDATING') return { status: 'updating' };
  try {
    const out = await eks.send(new UpdateNodegroupConfigCommand({ clusterName, nodegroupName, scalingConfig: { minSize, desiredSize, maxSize } }));
    return { status: 'updating', updateId: out.update?.id };
  } catch (err) {
    if (hasName(err, 'ResourceNotFoundException')) return { status: 'absent' };
    if (hasName(err, 'ResourceInUseException')) return { status: 'updating' };
    throw err;
  }
}

export async function deleteNodegroup(eks: EKSClient, input: { clusterName: string; nodegroupName: string }): Promise<{ status: 'deleting' | 'absent' }> {
  const { clusterName, nodegroupName } = input;
  const ng = await describe(eks, clusterName, nodegroupName);
  if (!ng) return { status: 'absent' };
  if (ng.status === 'DELETING') return { status: 'deleting' };
  try {
    await eks.send(new DeleteNodegroupCommand({ clusterName, nodegroupName }));
  } catch (err) {
    if (hasName(err, 'ResourceNotFoundException')) return { status: 'absent' };
    // Still creating or updating: EKS takes the delete once that ends; the caller polls.
    if (!hasName(err, 'ResourceInUseException')) throw err;
  }
  return { status: 'deleting' };
}
