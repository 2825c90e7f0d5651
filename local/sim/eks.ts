/**
 * Amazon EKS of one region: the fleet's clusters (seeded, ACTIVE), managed node groups with their
 * lifecycle, and Pod Identity associations. The simulated Kubernetes asks it whether a pod pinned
 * to a tenant's nodes has anywhere to run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  Cluster,
  CreateNodegroupCommandInput,
  CreateNodegroupCommandOutput,
  CreatePodIdentityAssociationCommandInput,
  CreatePodIdentityAssociationCommandOutput,
  DeleteNodegroupCommandInput,
  DeleteNodegroupCommandOutput,
  DeletePodIdentityAssociationCommandInput,
  DeletePodIdentityAssociationCommandOutput,
  DescribeClusterCommandInput,
  DescribeClusterCommandOutput,
  DescribeNodegroupCommandInput,
  DescribeNodegroupCommandOutput,
  DescribePodIdentityAssociationCommandInput,
  DescribePodIdentityAssociationCommandOutput,
  ListNodegroupsCommandInput,
  ListNodegroupsCommandOutput,
  ListPodIdentityAssociationsCommandInput,
  ListPodIdentityAssociationsCommandOutput,
  NodegroupScalingConfig,
  PodIdentityAssociation,
  UpdateNodegroupConfigCommandInput,
  UpdateNodegroupConfigCommandOutput,
} from '@aws-sdk/client-eks';
import { awsError, requireParams } from './errors.ts';
import { nodegroupStatus, type SimNodegroup, toNodegroup, validateNodegroupInput, validateScaling, validateTaints } from './eks-nodegroups.ts';
import { randomId, type Out, type ServiceSim, type SimContext } from './types.ts';

export interface SimEksCluster {
  name: string;
  arn: string;
  endpoint: string;
  certificateAuthority: string;
  subnetIds: string[];
  nodegroups: Map<string, SimNodegroup>;
  podIdentity: Map<string, PodIdentityAssociation>;
  createdAt: Date;
}

function page<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined): { items: T[]; nextToken?: string } {
  const start = nextToken ? Number(nextToken) : 0;
  const size = maxResults ?? 100;
  const slice = items.slice(start, start + size);
  return { items: slice, nextToken: start + size < items.length ? String(start + size) : undefined };
}

export class EksSim implements ServiceSim {
  readonly clusters = new Map<string, SimEksCluster>();

  constructor(
    private readonly ctx: SimContext,
    readonly region: string,
  ) {}

  readonly operations = {
    DescribeCluster: (i: DescribeClusterCommandInput) => this.describeCluster(i),
    CreateNodegroup: (i: CreateNodegroupCommandInput) => this.createNodegroup(i),
    DescribeNodegroup: (i: DescribeNodegroupCommandInput) => this.describeNodegroup(i),
    ListNodegroups: (i: ListNodegroupsCommandInput) => this.listNodegroups(i),
    UpdateNodegroupConfig: (i: UpdateNodegroupConfigCommandInput) => this.updateNodegroup(i),
    DeleteNodegroup: (i: DeleteNodegroupCommandInput) => this.deleteNodegroup(i),
    CreatePodIdentityAssociation: (i: CreatePodIdentityAssociationCommandInput) => this.createAssociation(i),
    ListPodIdentityAssociations: (i: ListPodIdentityAssociationsCommandInput) => this.listAssociations(i),
    DescribePodIdentityAssociation: (i: DescribePodIdentityAssociationCommandInput) => this.describeAssociation(i),
    DeletePodIdentityAssociation: (i: DeletePodIdentityAssociationCommandInput) => this.deleteAssociation(i),
  };

  seedCluster(name: string, subnetIds: string[]): SimEksCluster {
    const id = randomBytes(16).toString('hex').toUpperCase();
    const cluster: SimEksCluster = {
      name,
      arn: `arn:aws:eks:${this.region}:${this.ctx.accountId}:cluster/${name}`,
      endpoint: `https://${id}.gr7.${this.region}.eks.amazonaws.com`,
      certificateAuthority: Buffer.from(`-----BEGIN CERTIFICATE-----\nsimulated ${name}\n-----END CERTIFICATE-----\n`).toString('base64'),
      subnetIds,
      nodegroups: new Map(),
      podIdentity: new Map(),
      createdAt: this.ctx.clock.now(),
    };
    this.clusters.set(name, cluster);
    return cluster;
  }

  /** Drops node groups that finished deleting. */
  sweep(): void {
    const now = this.ctx.clock.nowMs();
    for (const c of this.clusters.values()) for (const [n, ng] of c.nodegroups) if (ng.goneAt !== undefined && ng.goneAt <= now) c.nodegroups.delete(n);
  }

  mustCluster(name: string | undefined): SimEksCluster {
    requireParams('eks', { name }, ['name']);
    this.sweep();
    const c = this.clusters.get(name!);
    if (!c) throw awsError('eks', 'ResourceNotFoundException', `No cluster found for name: ${name}.`);
    return c;
  }

  status(ng: SimNodegroup) {
    return nodegroupStatus(ng, this.ctx.clock.nowMs());
  }

  /** Since when some node group of the cluster with all these labels has nodes (epoch ms); undefined if none does. */
  nodesSince(clusterName: string, labels: Record<string, string>): number | undefined {
    this.sweep();
    const c = this.clusters.get(clusterName);
    const times = [...(c?.nodegroups.values() ?? [])]
      .filter((ng) => ng.goneAt === undefined && ng.nodesAvailableAt !== undefined && Object.entries(labels).every(([k, v]) => ng.labels[k] === v))
      .map((ng) => ng.nodesAvailableAt!);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Taints of the node groups matching these labels (the pods must tolerate them). */
  taintsFor(clusterName: string, labels: Record<string, string>): Array<{ key?: string; value?: string; effect?: string }> {
    const c = this.clusters.get(clusterName);
    return [...(c?.nodegroups.values() ?? [])].filter((ng) => Object.entries(labels).every(([k, v]) => ng.labels[k] === v)).flatMap((ng) => ng.taints);
  }

  private describeCluster(i: DescribeClusterCommandInput): Out<DescribeClusterCommandOutput> {
    const c = this.mustCluster(i.name);
    const cluster: Cluster = {
      name: c.name,
      arn: c.arn,
      status: 'ACTIVE',
      version: '1.31',
      endpoint: c.endpoint,
      certificateAuthority: { data: c.certificateAuthority },
      createdAt: c.createdAt,
      platformVersion: 'eks.10',
      roleArn: `arn:aws:iam::${this.ctx.accountId}:role/${c.name}-cluster`,
      resourcesVpcConfig: { subnetIds: c.subnetIds, endpointPrivateAccess: true, endpointPublicAccess: false },
      accessConfig: { authenticationMode: 'API' },
      tags: {},
    };
    return { cluster };
  }

  private mustNodegroup(clusterName: string | undefined, name: string | undefined): { cluster: SimEksCluster; ng: SimNodegroup } {
    const cluster = this.mustCluster(clusterName);
    requireParams('eks', { nodegroupName: name }, ['nodegroupName']);
    const ng = cluster.nodegroups.get(name!);
    if (!ng) throw awsError('eks', 'ResourceNotFoundException', `No node group found for name: ${name}.`);
    return { cluster, ng };
  }

  private createNodegroup(i: CreateNodegroupCommandInput): Out<CreateNodegroupCommandOutput> {
    const cluster = this.mustCluster(i.clusterName);
    validateNodegroupInput(i);
    const existing = cluster.nodegroups.get(i.nodegroupName!);
    if (existing) {
      if (i.clientRequestToken && existing.clientRequestToken === i.clientRequestToken) return { nodegroup: toNodegroup(existing, this.ctx.clock.nowMs()) };
      throw awsError('eks', 'ResourceInUseException', `NodeGroup already exists with name ${i.nodegroupName} and cluster name ${cluster.name}`);
    }
    const scaling = { minSize: 1, maxSize: 2, desiredSize: 2, ...i.scalingConfig } as Required<NodegroupScalingConfig>;
    const now = this.ctx.clock.now();
    const activeAt = this.ctx.clock.after('nodegroupCreate');
    const ng: SimNodegroup = {
      name: i.nodegroupName!,
      arn: `arn:aws:eks:${this.region}:${this.ctx.accountId}:nodegroup/${cluster.name}/${i.nodegroupName}/${randomUUID()}`,
      clusterName: cluster.name,
      scaling,
      instanceTypes: i.instanceTypes ?? ['t3.medium'],
      subnets: i.subnets!,
      nodeRole: i.nodeRole!,
      labels: { ...i.labels },
      taints: (i.taints ?? []).map((t) => ({ ...t })),
      tags: { ...i.tags },
      amiType: i.amiType ?? 'AL2023_x86_64_STANDARD',
      capacityType: i.capacityType ?? 'ON_DEMAND',
      diskSize: i.diskSize ?? 20,
      createdAt: now,
      modifiedAt: now,
      activeAt,
      nodesAvailableAt: scaling.desiredSize > 0 ? activeAt : undefined,
      clientRequestToken: i.clientRequestToken,
    };
    cluster.nodegroups.set(ng.name, ng);
    return { nodegroup: toNodegroup(ng, this.ctx.clock.nowMs()) };
  }

  private describeNodegroup(i: DescribeNodegroupCommandInput): Out<DescribeNodegroupCommandOutput> {
    const { ng } = this.mustNodegroup(i.clusterName, i.nodegroupName);
    return { nodegroup: toNodegroup(ng, this.ctx.clock.nowMs()) };
  }

  private listNodegroups(i: ListNodegroupsCommandInput): Out<ListNodegroupsCommandOutput> {
    const cluster = this.mustCluster(i.clusterName);
    const { items, nextToken } = page([...cluster.nodegroups.keys()].sort(), i.maxResults, i.nextToken);
    return { nodegroups: items, nextToken };
  }

  private updateNodegroup(i: UpdateNodegroupConfigCommandInput): Out<UpdateNodegroupConfigCommandOutput> {
    const { ng } = this.mustNodegroup(i.clusterName, i.nodegroupName);
    const status = this.status(ng);
    if (status !== 'ACTIVE') throw awsError('eks', 'ResourceInUseException', `Nodegroup ${ng.name} cannot be updated while it is ${status}.`);
    if (!i.scalingConfig && !i.labels && !i.taints && !i.updateConfig) throw awsError('eks', 'InvalidParameterException', 'No changes needed');
    const scaling = { ...ng.scaling, ...i.scalingConfig } as Required<NodegroupScalingConfig>;
    validateScaling(scaling);
    if (i.taints?.addOrUpdateTaints) validateTaints(i.taints.addOrUpdateTaints);
    const now = this.ctx.clock.now();
    const updatingUntil = this.ctx.clock.after('nodegroupUpdate');
    if (scaling.desiredSize === 0) ng.nodesAvailableAt = undefined;
    else if (ng.nodesAvailableAt === undefined) ng.nodesAvailableAt = updatingUntil;
    ng.scaling = scaling;
    for (const k of i.labels?.removeLabels ?? []) delete ng.labels[k];
    Object.assign(ng.labels, i.labels?.addOrUpdateLabels ?? {});
    const removed = i.taints?.removeTaints ?? [];
    ng.taints = ng.taints.filter((t) => !removed.some((r) => r.key === t.key && r.effect === t.effect));
    for (const t of i.taints?.addOrUpdateTaints ?? []) {
      ng.taints = [...ng.taints.filter((x) => !(x.key === t.key && x.effect === t.effect)), { ...t }];
    }
    ng.modifiedAt = now;
    ng.updatingUntil = updatingUntil;
    return { update: { id: randomUUID(), status: 'InProgress', type: 'ConfigUpdate', params: [], createdAt: now, errors: [] } };
  }

  private deleteNodegroup(i: DeleteNodegroupCommandInput): Out<DeleteNodegroupCommandOutput> {
    const { ng } = this.mustNodegroup(i.clusterName, i.nodegroupName);
    const status = this.status(ng);
    if (status === 'CREATING' || status === 'UPDATING') throw awsError('eks', 'ResourceInUseException', `Nodegroup ${ng.name} cannot be deleted while it is ${status}.`);
    if (ng.goneAt === undefined) {
      ng.goneAt = this.ctx.clock.after('nodegroupDelete');
      ng.nodesAvailableAt = undefined;
    }
    return { nodegroup: toNodegroup(ng, this.ctx.clock.nowMs()) };
  }

  private createAssociation(i: CreatePodIdentityAssociationCommandInput): Out<CreatePodIdentityAssociationCommandOutput> {
    const cluster = this.mustCluster(i.clusterName);
    requireParams('eks', i, ['namespace', 'serviceAccount', 'roleArn']);
    if (!/^arn:aws:iam::\d{12}:role\/.+$/.test(i.roleArn!)) throw awsError('eks', 'InvalidParameterException', `Invalid role ARN: ${i.roleArn}`);
    const existing = [...cluster.podIdentity.values()].find((a) => a.namespace === i.namespace && a.serviceAccount === i.serviceAccount);
    if (existing) throw awsError('eks', 'ResourceInUseException', 'Association already exists with the same namespace and service account.');
    const now = this.ctx.clock.now();
    const associationId = `a-${randomId(17)}`;
    const association: PodIdentityAssociation = {
      clusterName: cluster.name,
      namespace: i.namespace,
      serviceAccount: i.serviceAccount,
      roleArn: i.roleArn,
      associationId,
      associationArn: `arn:aws:eks:${this.region}:${this.ctx.accountId}:podidentityassociation/${cluster.name}/${associationId}`,
      tags: { ...i.tags },
      createdAt: now,
      modifiedAt: now,
      disableSessionTags: i.disableSessionTags ?? false,
    };
    cluster.podIdentity.set(associationId, association);
    return { association: { ...association } };
  }

  private listAssociations(i: ListPodIdentityAssociationsCommandInput): Out<ListPodIdentityAssociationsCommandOutput> {
    const cluster = this.mustCluster(i.clusterName);
    const matching = [...cluster.podIdentity.values()].filter((a) => (!i.namespace || a.namespace === i.namespace) && (!i.serviceAccount || a.serviceAccount === i.serviceAccount));
    const { items, nextToken } = page(matching, i.maxResults, i.nextToken);
    return {
      associations: items.map((a) => ({ clusterName: a.clusterName, namespace: a.namespace, serviceAccount: a.serviceAccount, associationArn: a.associationArn, associationId: a.associationId })),
      nextToken,
    };
  }

  private mustAssociation(clusterName: string | undefined, id: string | undefined): { cluster: SimEksCluster; association: PodIdentityAssociation } {
    const cluster = this.mustCluster(clusterName);
    requireParams('eks', { associationId: id }, ['associationId']);
    const association = cluster.podIdentity.get(id!);
    if (!association) throw awsError('eks', 'ResourceNotFoundException', `Association ${id} not found.`);
    return { cluster, association };
  }

  private describeAssociation(i: DescribePodIdentityAssociationCommandInput): Out<DescribePodIdentityAssociationCommandOutput> {
    return { association: { ...this.mustAssociation(i.clusterName, i.associationId).association } };
  }

  private deleteAssociation(i: DeletePodIdentityAssociationCommandInput): Out<DeletePodIdentityAssociationCommandOutput> {
    const { cluster, association } = this.mustAssociation(i.clusterName, i.associationId);
    cluster.podIdentity.delete(association.associationId!);
    return { association: { ...association } };
  }
}
