import {
  CreateNodegroupCommand,
  CreatePodIdentityAssociationCommand,
  DeleteNodegroupCommand,
  DeletePodIdentityAssociationCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  ListNodegroupsCommand,
  ListPodIdentityAssociationsCommand,
  UpdateNodegroupConfigCommand,
  type CreateNodegroupCommandInput,
} from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DR, PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

describe('simulated EKS', () => {
  let h: SimHarness;
  const eks = () => h.provider.eks(PRIMARY);
  const nodegroup = (name: string, extra: Partial<CreateNodegroupCommandInput> = {}): CreateNodegroupCommandInput => ({
    clusterName: 'fleet-euw1',
    nodegroupName: name,
    nodeRole: h.config.eksClusters[0]!.nodeRoleArn,
    subnets: h.config.eksClusters[0]!.subnetIds,
    instanceTypes: ['m6i.large'],
    scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 3 },
    labels: { 'odoo.fleet/tenant': 'globex' },
    taints: [{ key: 'odoo.fleet/tenant', value: 'globex', effect: 'NO_SCHEDULE' }],
    tags: { 'odoo:tenant': 'globex' },
    clientRequestToken: 'token-1',
    ...extra,
  });
  const ngStatus = async (name: string) => (await eks().send(new DescribeNodegroupCommand({ clusterName: 'fleet-euw1', nodegroupName: name }))).nodegroup?.status;

  beforeAll(async () => {
    h = await startSim();
  });
  afterAll(async () => h.stop());

  it('describes the fleet clusters of each region', async () => {
    // act
    const primary = await eks().send(new DescribeClusterCommand({ name: 'fleet-euw1' }));
    const missing = await rejection(h.provider.eks(DR).send(new DescribeClusterCommand({ name: 'fleet-euw1' })));

    // assess
    expect(primary.cluster).toMatchObject({ name: 'fleet-euw1', status: 'ACTIVE' });
    expect(primary.cluster?.endpoint).toMatch(/^https:\/\/.+\.eu-west-1\.eks\.amazonaws\.com$/);
    expect(Buffer.from(primary.cluster!.certificateAuthority!.data!, 'base64').toString()).toContain('BEGIN CERTIFICATE');
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('creates a node group that is CREATING, then ACTIVE, with its labels and taints', async () => {
    // act
    const created = await eks().send(new CreateNodegroupCommand(nodegroup('odoo-globex')));
    const early = await ngStatus('odoo-globex');
    h.clock.advance(300);
    const active = await eks().send(new DescribeNodegroupCommand({ clusterName: 'fleet-euw1', nodegroupName: 'odoo-globex' }));

    // assess
    expect(created.nodegroup?.status).toBe('CREATING');
    expect(early).toBe('CREATING');
    expect(active.nodegroup).toMatchObject({ status: 'ACTIVE', instanceTypes: ['m6i.large'], labels: { 'odoo.fleet/tenant': 'globex' }, scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 3 } });
    expect(active.nodegroup?.taints).toEqual([{ key: 'odoo.fleet/tenant', value: 'globex', effect: 'NO_SCHEDULE' }]);
  });

  it('returns the same node group for a retried request with the same token, and ResourceInUseException otherwise', async () => {
    // act
    const retried = await eks().send(new CreateNodegroupCommand(nodegroup('odoo-globex')));
    const other = await rejection(eks().send(new CreateNodegroupCommand(nodegroup('odoo-globex', { clientRequestToken: 'token-2' }))));

    // assess
    expect(retried.nodegroup?.nodegroupName).toBe('odoo-globex');
    expect(other.name).toBe('ResourceInUseException');
  });

  it('rejects a scaling configuration AWS would reject', async () => {
    for (const scalingConfig of [{ minSize: 3, desiredSize: 2, maxSize: 4 }, { minSize: 1, desiredSize: 5, maxSize: 3 }, { minSize: 0, desiredSize: 0, maxSize: 0 }]) {
      const err = await rejection(eks().send(new CreateNodegroupCommand(nodegroup('odoo-bad', { scalingConfig }))));
      expect(err.name, JSON.stringify(scalingConfig)).toBe('InvalidParameterException');
    }
  });

  it('lists node groups and updates the scaling, UPDATING for a while', async () => {
    // act
    const list = await eks().send(new ListNodegroupsCommand({ clusterName: 'fleet-euw1' }));
    const update = await eks().send(new UpdateNodegroupConfigCommand({ clusterName: 'fleet-euw1', nodegroupName: 'odoo-globex', scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 3 } }));
    const during = await ngStatus('odoo-globex');
    const busy = await rejection(eks().send(new UpdateNodegroupConfigCommand({ clusterName: 'fleet-euw1', nodegroupName: 'odoo-globex', scalingConfig: { desiredSize: 1 } })));
    h.clock.advance(90);
    const after = await eks().send(new DescribeNodegroupCommand({ clusterName: 'fleet-euw1', nodegroupName: 'odoo-globex' }));

    // assess
    expect(list.nodegroups).toEqual(['odoo-globex']);
    expect(update.update?.status).toBe('InProgress');
    expect(during).toBe('UPDATING');
    expect(busy.name).toBe('ResourceInUseException');
    expect(after.nodegroup).toMatchObject({ status: 'ACTIVE', scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 3 } });
  });

  it('deletes a node group: DELETING, then ResourceNotFoundException', async () => {
    // act
    const deleting = await eks().send(new DeleteNodegroupCommand({ clusterName: 'fleet-euw1', nodegroupName: 'odoo-globex' }));
    h.clock.advance(150);
    const gone = await rejection(eks().send(new DescribeNodegroupCommand({ clusterName: 'fleet-euw1', nodegroupName: 'odoo-globex' })));

    // assess
    expect(deleting.nodegroup?.status).toBe('DELETING');
    expect(gone.name).toBe('ResourceNotFoundException');
    expect((await eks().send(new ListNodegroupsCommand({ clusterName: 'fleet-euw1' }))).nodegroups).toEqual([]);
  });

  it('keeps one Pod Identity association per namespace and service account', async () => {
    // prepare
    const input = { clusterName: 'fleet-euw1', namespace: 'tenant-acme', serviceAccount: 'odoo', roleArn: 'arn:aws:iam::000000000000:role/odoo-tenants/odoo-tenant-acme', tags: { 'odoo:tenant': 'acme' } };

    // act
    const created = await eks().send(new CreatePodIdentityAssociationCommand(input));
    const again = await rejection(eks().send(new CreatePodIdentityAssociationCommand(input)));
    const listed = await eks().send(new ListPodIdentityAssociationsCommand({ clusterName: 'fleet-euw1', namespace: 'tenant-acme', serviceAccount: 'odoo' }));
    const otherNs = await eks().send(new ListPodIdentityAssociationsCommand({ clusterName: 'fleet-euw1', namespace: 'tenant-other' }));
    const id = created.association!.associationId!;
    const described = await eks().send(new DescribePodIdentityAssociationCommand({ clusterName: 'fleet-euw1', associationId: id }));
    await eks().send(new DeletePodIdentityAssociationCommand({ clusterName: 'fleet-euw1', associationId: id }));
    const afterDelete = await rejection(eks().send(new DescribePodIdentityAssociationCommand({ clusterName: 'fleet-euw1', associationId: id })));

    // assess
    expect(again.name).toBe('ResourceInUseException');
    expect(listed.associations?.map((a) => a.associationId)).toEqual([id]);
    expect(otherNs.associations).toEqual([]);
    expect(described.association).toMatchObject({ namespace: 'tenant-acme', serviceAccount: 'odoo', roleArn: input.roleArn });
    expect(afterDelete.name).toBe('ResourceNotFoundException');
  });
});
