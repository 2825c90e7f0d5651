/** Managed node groups: AWS's validation, the lifecycle computed from timestamps, and the output shape. */
import type { CreateNodegroupCommandInput, Nodegroup, NodegroupScalingConfig, NodegroupStatus, Taint } from '@aws-sdk/client-eks';
import { awsError, requireParams } from './errors.ts';

export interface SimNodegroup {
  name: string;
  arn: string;
  clusterName: string;
  scaling: Required<NodegroupScalingConfig>;
  instanceTypes: string[];
  subnets: string[];
  nodeRole: string;
  labels: Record<string, string>;
  taints: Taint[];
  tags: Record<string, string>;
  amiType: string;
  capacityType: string;
  diskSize: number;
  createdAt: Date;
  modifiedAt: Date;
  activeAt: number;
  updatingUntil?: number;
  goneAt?: number;
  /** When nodes are up to run pods; undefined while scaled to zero or deleting. */
  nodesAvailableAt?: number;
  clientRequestToken?: string;
}

const NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,62}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const TAINT_EFFECTS = ['NO_SCHEDULE', 'NO_EXECUTE', 'PREFER_NO_SCHEDULE'];

const invalid = (message: string) => awsError('eks', 'InvalidParameterException', message);

export function validateScaling(s: Partial<NodegroupScalingConfig>): void {
  const { minSize, maxSize, desiredSize } = s;
  if ([minSize, maxSize, desiredSize].some((v) => v !== undefined && (!Number.isInteger(v) || v < 0))) throw invalid('Scaling config sizes must be non-negative integers.');
  if (maxSize !== undefined && maxSize < 1) throw invalid('Maximum capacity must be at least 1.');
  if (minSize !== undefined && maxSize !== undefined && minSize > maxSize) throw invalid(`Minimum capacity ${minSize} can't be greater than maximum capacity ${maxSize}.`);
  if (minSize !== undefined && desiredSize !== undefined && desiredSize < minSize) throw invalid(`Desired capacity ${desiredSize} can't be lower than minimum capacity ${minSize}.`);
  if (maxSize !== undefined && desiredSize !== undefined && desiredSize > maxSize) throw invalid(`Desired capacity ${desiredSize} can't be greater than maximum capacity ${maxSize}.`);
}

export function validateTaints(taints: Taint[]): void {
  for (const t of taints) {
    if (!t.key || !LABEL_KEY.test(t.key)) throw invalid(`Invalid taint key: ${t.key}`);
    if (!t.effect || !TAINT_EFFECTS.includes(t.effect)) throw invalid(`Invalid taint effect: ${t.effect}`);
  }
}

export function validateNodegroupInput(i: CreateNodegroupCommandInput): void {
  requireParams('eks', i, ['nodegroupName', 'nodeRole']);
  if (!NAME.test(i.nodegroupName!)) throw invalid(`Invalid nodegroup name: ${i.nodegroupName}`);
  if (!i.subnets || i.subnets.length === 0) throw invalid('Subnets are required.');
  if (!/^arn:aws:iam::\d{12}:role\/.+$/.test(i.nodeRole!)) throw invalid(`Invalid node role ARN: ${i.nodeRole}`);
  for (const t of i.instanceTypes ?? []) if (!INSTANCE_TYPE.test(t)) throw invalid(`Instance type ${t} is not supported.`);
  if (i.scalingConfig) validateScaling(i.scalingConfig);
  for (const [k, v] of Object.entries(i.labels ?? {})) {
    if (!LABEL_KEY.test(k) || v.length > 63) throw invalid(`Invalid label: ${k}=${v}`);
  }
  validateTaints(i.taints ?? []);
}

export function nodegroupStatus(ng: SimNodegroup, now: number): NodegroupStatus {
  if (ng.goneAt !== undefined) return 'DELETING';
  if (now < ng.activeAt) return 'CREATING';
  if (ng.updatingUntil !== undefined && now < ng.updatingUntil) return 'UPDATING';
  return 'ACTIVE';
}

export function toNodegroup(ng: SimNodegroup, now: number): Nodegroup {
  return {
    nodegroupName: ng.name,
    nodegroupArn: ng.arn,
    clusterName: ng.clusterName,
    version: '1.31',
    releaseVersion: '1.31.0-20250101',
    createdAt: ng.createdAt,
    modifiedAt: ng.modifiedAt,
    status: nodegroupStatus(ng, now),
    capacityType: ng.capacityType as Nodegroup['capacityType'],
    scalingConfig: { ...ng.scaling },
    instanceTypes: [...ng.instanceTypes],
    subnets: [...ng.subnets],
    amiType: ng.amiType as Nodegroup['amiType'],
    nodeRole: ng.nodeRole,
    labels: { ...ng.labels },
    taints: ng.taints.map((t) => ({ ...t })),
    diskSize: ng.diskSize,
    health: { issues: [] },
    tags: { ...ng.tags },
  };
}
