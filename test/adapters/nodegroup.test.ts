import {
  CreateNodegroupCommand,
  DeleteNodegroupCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ResourceInUseException,
  ResourceNotFoundException,
  ThrottlingException,
  UpdateNodegroupConfigCommand,
  type Nodegroup,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { amiTypeFor, deleteNodegroup, ensureNodegroup, nodegroupRequestToken, scaleNodegroup } from '#shared/cloud/adapters/nodegroup.ts';

const eks = mockClient(EKSClient);
const client = () => new EKSClient({});
const meta = { $metadata: {} };
const notFound = () => new ResourceNotFoundException({ message: 'No node group found', ...meta });

const input = {
  clusterName: 'eks-primary',
  nodegroupName: 'odoo-acme',
  tenantId: 'acme',
  operationId: 'op-0001',
  nodeRoleArn: 'arn:aws:iam::1:role/nodes',
  subnetIds: ['subnet-a', 'subnet-b'],
  sizing: { instanceType: 'm7g.xlarge', minSize: 2, desiredSize: 2, maxSize: 4 },
  tags: { 'odoo:tenant': 'acme' },
};
const nodegroup = (over: Partial<Nodegroup>): Nodegroup => ({ nodegroupName: 'odoo-acme', nodegroupArn: 'arn:ng', status: 'ACTIVE', ...over });

beforeEach(() => eks.reset());

describe('ensureNodegroup', () => {
  it('creates an on-demand Graviton node group labelled and tainted for the tenant, with a deterministic request token', async () => {
    // prepare
    eks.on(DescribeNodegroupCommand).rejects(notFound());
    eks.on(CreateNodegroupCommand).resolves({ nodegroup: nodegroup({ status: 'CREATING' }) });

    // act
    const result = await ensureNodegroup(client(), input);

    // assess
    expect(result).toEqual({ status: 'creating', nodegroupName: 'odoo-acme', nodegroupArn: 'arn:ng' });
    const token = eks.commandCalls(CreateNodegroupCommand)[0]!.args[0].input.clientRequestToken!;
    expect(eks.commandCalls(CreateNodegroupCommand)[0]!.args[0].input).toEqual({
      clusterName: 'eks-primary',
      nodegroupName: 'odoo-acme',
      nodeRole: 'arn:aws:iam::1:role/nodes',
      subnets: ['subnet-a', 'subnet-b'],
      scalingConfig: { minSize: 2, desiredSize: 2, maxSize: 4 },
      instanceTypes: ['m7g.xlarge'],
      amiType: 'AL2023_ARM_64_STANDARD',
      capacityType: 'ON_DEMAND',
      labels: { 'odoo.fleet/tenant': 'acme' },
      taints: [{ key: 'odoo.fleet/tenant', value: 'acme', effect: 'NO_SCHEDULE' }],
      clientRequestToken: token,
      tags: { 'odoo:tenant': 'acme' },
    });
    expect(token).toBe(nodegroupRequestToken('eks-primary', 'odoo-acme', 'op-0001'));
    expect(token.length).toBeLessThanOrEqual(64);
    expect(nodegroupRequestToken('eks-primary', 'odoo-acme', 'op-0002')).not.toBe(token);
  });

  it('reports active for an existing active node group without creating it again', async () => {
    eks.on(DescribeNodegroupCommand).resolves({ nodegroup: nodegroup({}) });

    await expect(ensureNodegroup(client(), input)).resolves.toMatchObject({ status: 'active' });
    expect(eks).not.toHaveReceivedCommand(CreateNodegroupCommand);
  });

  it('treats ResourceInUseException as a create an earlier attempt made', async () => {
    eks.on(DescribeNodegroupCommand).rejectsOnce(notFound()).resolves({ nodegroup: nodegroup({ status: 'CREATING' }) });
    eks.on(CreateNodegroupCommand).rejects(new ResourceInUseException({ message: 'exists', ...meta }));

    await expect(ensureNodegroup(client(), input)).resolves.toMatchObject({ status: 'creating' });
  });

  it('fails as ResourceFailed with the health issues when creation failed', async () => {
    eks.on(DescribeNodegroupCommand).resolves({
      nodegroup: nodegroup({ status: 'CREATE_FAILED', health: { issues: [{ code: 'AsgInstanceLaunchFailures', message: 'InsufficientInstanceCapacity' }] } }),
    });

    await expect(ensureNodegroup(client(), input)).rejects.toMatchObject({
      name: 'ResourceFailed',
      message: expect.stringContaining('AsgInstanceLaunchFailures: InsufficientInstanceCapacity'),
    });
  });

  it('lets ThrottlingException propagate unchanged', async () => {
    eks.on(DescribeNodegroupCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', ...meta }));

    await expect(ensureNodegroup(client(), input)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('amiTypeFor', () => {
  it('picks the ARM image for Graviton families and x86 otherwise', () => {
    expect(['m7g.large', 'c6gn.xlarge', 'r8gd.large', 't4g.medium', 'a1.large'].map(amiTypeFor)).toEqual(Array(5).fill('AL2023_ARM_64_STANDARD'));
    expect(['m7i.large', 'c5.xlarge', 'g5.xlarge', 'r6a.large'].map(amiTypeFor)).toEqual(Array(4).fill('AL2023_x86_64_STANDARD'));
  });
});

describe('scaleNodegroup', () => {
  const scale = { clusterName: 'eks-primary', nodegroupName: 'odoo-acme', minSize: 0, desiredSize: 0, maxSize: 1 };

  it('updates the scaling configuration and reports updating', async () => {
    eks.on(DescribeNodegroupCommand).resolves({ nodegroup: nodegroup({ scalingConfig: { minSize: 2, desiredSize: 2, maxSize: 4 } }) });
    eks.on(UpdateNodegroupConfigCommand).resolves({ update: { id: 'u-1' } });

    await expect(scaleNodegroup(client(), scale)).resolves.toEqual({ status: 'updating', updateId: 'u-1' });
    expect(eks).toHaveReceivedCommandWith(UpdateNodegroupConfigCommand, {
      clusterName: 'eks-primary',
      nodegroupName: 'odoo-acme',
      scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 1 },
    });
  });

  it('does nothing when the node group already has that scaling', async () => {
    eks.on(DescribeNodegroupCommand).resolves({ nodegroup: nodegroup({ scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 1 } }) });

    await expect(scaleNodegroup(client(), scale)).resolves.toEqual({ status: 'active' });
    expect(eks).not.toHaveReceivedCommand(UpdateNodegroupConfigCommand);
  });

  it('reports absent for a missing node group and updating while another update holds it', async () => {
    eks.on(DescribeNodegroupCommand).rejectsOnce(notFound()).resolves({ nodegroup: nodegroup({ scalingConfig: { minSize: 2, desiredSize: 2, maxSize: 4 } }) });
    eks.on(UpdateNodegroupConfigCommand).rejects(new ResourceInUseException({ message: 'update in progress', ...meta }));

    await expect(scaleNodegroup(client(), scale)).resolves.toEqual({ status: 'absent' });
    await expect(scaleNodegroup(client(), scale)).resolves.toEqual({ status: 'updating' });
  });

  it('refuses sizing EKS would reject', async () => {
    await expect(scaleNodegroup(client(), { ...scale, maxSize: 0 })).rejects.toMatchObject({ name: 'ValidationError' });
    expect(eks).not.toHaveReceivedAnyCommand();
  });
});

describe('deleteNodegroup', () => {
  it('deletes an existing node group and reports deleting', async () => {
    eks.on(DescribeNodegroupCommand).resolves({ nodegroup: nodegroup({}) });
    eks.on(DeleteNodegroupCommand).resolves({});

    await expect(deleteNodegroup(client(), { clusterName: 'eks-primary', nodegroupName: 'odoo-acme' })).resolves.toEqual({ status: 'deleting' });
    expect(eks).toHaveReceivedCommandWith(DeleteNodegroupCommand, { clusterName: 'eks-primary', nodegroupName: 'odoo-acme' });
  });

  it('does not delete again while it is deleting, and reports absent once it is gone', async () => {
    eks.on(DescribeNodegroupCommand).resolvesOnce({ nodegroup: nodegroup({ status: 'DELETING' }) }).rejects(notFound());

    await expect(deleteNodegroup(client(), { clusterName: 'eks-primary', nodegroupName: 'odoo-acme' })).resolves.toEqual({ status: 'deleting' });
    await expect(deleteNodegroup(client(), { clusterName: 'eks-primary', nodegroupName: 'odoo-acme' })).resolves.toEqual({ status: 'absent' });
    expect(eks).not.toHaveReceivedCommand(DeleteNodegroupCommand);
  });

  it('treats ResourceInUseException as deleting and ResourceNotFoundException as absent', async () => {
    eks.on(DescribeNodegroupCommand).resolves({ nodegroup: nodegroup({ status: 'CREATING' }) });
    eks.on(DeleteNodegroupCommand).rejectsOnce(new ResourceInUseException({ message: 'busy', ...meta })).rejects(notFound());

    await expect(deleteNodegroup(client(), { clusterName: 'eks-primary', nodegroupName: 'odoo-acme' })).resolves.toEqual({ status: 'deleting' });
    await expect(deleteNodegroup(client(), { clusterName: 'eks-primary', nodegroupName: 'odoo-acme' })).resolves.toEqual({ status: 'absent' });
  });
});
