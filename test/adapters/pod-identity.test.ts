import {
  CreatePodIdentityAssociationCommand,
  DeletePodIdentityAssociationCommand,
  EKSClient,
  ListPodIdentityAssociationsCommand,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  EntityAlreadyExistsException,
  GetRoleCommand,
  IAMClient,
  IAMServiceException,
  ListRolePoliciesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { deletePodIdentity, ensurePodIdentity, partitionOf, podIdentityTrustPolicy, tenantStoragePolicy } from '#shared/cloud/adapters/pod-identity.ts';

const iam = mockClient(IAMClient);
const eks = mockClient(EKSClient);
const meta = { $metadata: {} };
const ROLE_ARN = 'arn:aws:iam::123456789012:role/odoo-tenants/odoo-tenant-acme';
const SECRETS = ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:odoo/acme/*'];
const role = { Arn: ROLE_ARN, RoleName: 'odoo-tenant-acme', Path: '/odoo-tenants/', RoleId: 'r', CreateDate: new Date(0) };
const noSuchEntity = () => new NoSuchEntityException({ message: 'The role cannot be found.', ...meta });

const input = {
  tenantId: 'acme',
  operationId: 'op-0001',
  clusterName: 'eks-primary',
  namespace: 'tenant-acme',
  serviceAccount: 'odoo',
  roleName: 'odoo-tenant-acme',
  rolePath: '/odoo-tenants/',
  permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/tenant-boundary',
  bucket: 'cell-1',
  prefix: 'tenants/acme/',
  secretArns: SECRETS,
  region: 'eu-west-1',
  accountId: '123456789012',
  tags: { 'odoo:tenant': 'acme' },
};

beforeEach(() => {
  iam.reset();
  eks.reset();
});

describe('tenantStoragePolicy', () => {
  it('grants listing, object access and secret reads for the tenant only', () => {
    const policy = tenantStoragePolicy({ bucket: 'cell-1', prefix: 'tenants/acme/', secretArns: SECRETS });

    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ListTenantPrefix',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: 'arn:aws:s3:::cell-1',
          Condition: { StringLike: { 's3:prefix': ['tenants/acme/*'] } },
        },
        { Sid: 'ReadWriteTenantObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::cell-1/tenants/acme/*' },
        { Sid: 'ReadTenantSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRETS },
      ],
    });
  });

  it('grants nothing on the bucket root or other tenants, and no wildcard actions', () => {
    const text = JSON.stringify(tenantStoragePolicy({ bucket: 'cell-1', prefix: 'tenants/acme/', secretArns: [] }));

    expect(text).not.toContain('arn:aws:s3:::cell-1/*');
    expect(text).not.toMatch(/"(s3|secretsmanager):\*"|"\*"/);
    expect(text).not.toContain('secretsmanager');
  });

  it('refuses an empty prefix, which would grant the whole bucket', () => {
    expect(() => tenantStoragePolicy({ bucket: 'cell-1', prefix: '', secretArns: [] })).toThrow(expect.objectContaining({ name: 'ValidationError' }));
  });

  it('with an archive, adds exactly one statement: PutObject under the tenant archive prefix', () => {
    // prepare
    const base = tenantStoragePolicy({ bucket: 'cell-1', prefix: 'tenants/acme/', secretArns: SECRETS });

    // act
    const policy = tenantStoragePolicy({ bucket: 'cell-1', prefix: 'tenants/acme/', secretArns: SECRETS, archive: { bucket: 'odoo-fleet-archive', prefix: 'offboarded/acme/' } });

    // assess
    expect(policy.Statement.slice(0, base.Statement.length)).toEqual(base.Statement);
    expect(policy.Statement.slice(base.Statement.length)).toEqual([
      { Sid: 'WriteTenantArchive', Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::odoo-fleet-archive/offboarded/acme/*' },
    ]);
    const onArchive = policy.Statement.filter((st) => JSON.stringify(st.Resource).includes('odoo-fleet-archive'));
    expect(onArchive).toHaveLength(1);
    expect(JSON.stringify(policy)).not.toMatch(/arn:aws:s3:::\*|odoo-fleet-archive\/\*|odoo-fleet-archive"/);
  });

  it('refuses an archive with an empty prefix or a wildcard bucket', () => {
    const policy = (archive: { bucket: string; prefix: string }) => () => tenantStoragePolicy({ bucket: 'cell-1', prefix: 'tenants/acme/', secretArns: [], archive });

    expect(policy({ bucket: 'odoo-fleet-archive', prefix: '' })).toThrow(expect.objectContaining({ name: 'ValidationError' }));
    expect(policy({ bucket: '*', prefix: 'offboarded/acme/' })).toThrow(expect.objectContaining({ name: 'ValidationError' }));
    expect(policy({ bucket: '', prefix: 'offboarded/acme/' })).toThrow(expect.objectContaining({ name: 'ValidationError' }));
    expect(policy({ bucket: 'odoo-fleet-archive', prefix: 'offboarded/*/' })).toThrow(expect.objectContaining({ name: 'ValidationError' }));
  });

  it('uses the partition of the region', () => {
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(tenantStoragePolicy({ bucket: 'b', prefix: 'p/', secretArns: [], partition: 'aws-cn' }).Statement[0]!.Resource).toBe('arn:aws-cn:s3:::b');
  });
});

describe('ensurePodIdentity', () => {
  it('creates the role for EKS Pod Identity, scoped to the tenant service account, then its policy and the association', async () => {
    // prepare
    iam.on(GetRoleCommand).rejects(noSuchEntity());
    iam.on(CreateRoleCommand).resolves({ Role: role });
    iam.on(PutRolePolicyCommand).resolves({});
    eks.on(ListPodIdentityAssociationsCommand).resolves({ associations: [] });
    eks.on(CreatePodIdentityAssociationCommand).resolves({ association: { associationId: 'a-123' } });

    // act
    const result = await ensurePodIdentity(new IAMClient({}), new EKSClient({}), input);

    // assess
    expect(result).toEqual({ roleArn: ROLE_ARN, associationId: 'a-123', created: { role: true, association: true } });
    const create = iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect(create).toMatchObject({
      RoleName: 'odoo-tenant-acme',
      Path: '/odoo-tenants/',
      PermissionsBoundary: 'arn:aws:iam::123456789012:policy/tenant-boundary',
      Tags: [{ Key: 'odoo:tenant', Value: 'acme' }],
    });
    const trust = JSON.parse(create.AssumeRolePolicyDocument!);
    expect(trust).toEqual(podIdentityTrustPolicy({ accountId: '123456789012', namespace: 'tenant-acme', serviceAccount: 'odoo' }));
    expect(trust.Statement[0]).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'tenant-acme', 'aws:RequestTag/kubernetes-service-account': 'odoo' } },
    });
    const put = iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input;
    expect(put.PolicyName).toBe('tenant-storage');
    expect(JSON.parse(put.PolicyDocument!)).toEqual(tenantStoragePolicy({ bucket: 'cell-1', prefix: 'tenants/acme/', secretArns: SECRETS }));
    expect(eks).toHaveReceivedCommandWith(ListPodIdentityAssociationsCommand, { clusterName: 'eks-primary', namespace: 'tenant-acme', serviceAccount: 'odoo' });
    expect(eks).toHaveReceivedCommandWith(CreatePodIdentityAssociationCommand, {
      clusterName: 'eks-primary',
      namespace: 'tenant-acme',
      serviceAccount: 'odoo',
      roleArn: ROLE_ARN,
      tags: { 'odoo:tenant': 'acme' },
    });
  });

  it('writes the archive grant into the role policy when given an archive', async () => {
    // prepare
    iam.on(GetRoleCommand).resolves({ Role: role });
    iam.on(PutRolePolicyCommand).resolves({});
    eks.on(ListPodIdentityAssociationsCommand).resolves({ associations: [{ associationId: 'a-existing' }] });
    const archive = { bucket: 'odoo-fleet-archive', prefix: 'offboarded/acme/' };

    // act
    await ensurePodIdentity(new IAMClient({}), new EKSClient({}), { ...input, archive });

    // assess
    const document = JSON.parse(iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input.PolicyDocument!);
    expect(document).toEqual(tenantStoragePolicy({ bucket: 'cell-1', prefix: 'tenants/acme/', secretArns: SECRETS, archive }));
    expect(document.Statement).toContainEqual(expect.objectContaining({ Action: 's3:PutObject', Resource: 'arn:aws:s3:::odoo-fleet-archive/offboarded/acme/*' }));
  });

  it('reuses an existing role and association, and still refreshes the policy', async () => {
    iam.on(GetRoleCommand).resolves({ Role: role });
    iam.on(PutRolePolicyCommand).resolves({});
    eks.on(ListPodIdentityAssociationsCommand).resolves({ associations: [{ associationId: 'a-existing' }] });

    const result = await ensurePodIdentity(new IAMClient({}), new EKSClient({}), input);

    expect(result).toEqual({ roleArn: ROLE_ARN, associationId: 'a-existing', created: { role: false, association: false } });
    expect(iam).not.toHaveReceivedCommand(CreateRoleCommand);
    expect(iam).toHaveReceivedCommandOnce(PutRolePolicyCommand);
    expect(eks).not.toHaveReceivedCommand(CreatePodIdentityAssociationCommand);
  });

  it('uses what a concurrent attempt created (EntityAlreadyExistsException, ResourceInUseException)', async () => {
    iam.on(GetRoleCommand).rejectsOnce(noSuchEntity()).resolves({ Role: role });
    iam.on(CreateRoleCommand).rejects(new EntityAlreadyExistsException({ message: 'exists', ...meta }));
    iam.on(PutRolePolicyCommand).resolves({});
    eks.on(ListPodIdentityAssociationsCommand).resolvesOnce({ associations: [] }).resolves({ associations: [{ associationId: 'a-raced' }] });
    eks.on(CreatePodIdentityAssociationCommand).rejects(new ResourceInUseException({ message: 'exists', ...meta }));

    await expect(ensurePodIdentity(new IAMClient({}), new EKSClient({}), input)).resolves.toEqual({
      roleArn: ROLE_ARN,
      associationId: 'a-raced',
      created: { role: false, association: false },
    });
  });

  it('lets IAM throttling propagate unchanged', async () => {
    iam.on(GetRoleCommand).rejects(new IAMServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...meta }));

    await expect(ensurePodIdentity(new IAMClient({}), new EKSClient({}), input)).rejects.toMatchObject({ name: 'Throttling' });
  });
});

describe('deletePodIdentity', () => {
  const del = { clusterName: 'eks-primary', namespace: 'tenant-acme', serviceAccount: 'odoo', roleName: 'odoo-tenant-acme' };

  it('deletes the association, the inline policies and the role', async () => {
    eks.on(ListPodIdentityAssociationsCommand).resolves({ associations: [{ associationId: 'a-1' }] });
    eks.on(DeletePodIdentityAssociationCommand).resolves({});
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['tenant-storage'] });
    iam.on(DeleteRolePolicyCommand).resolves({});
    iam.on(DeleteRoleCommand).resolves({});

    await expect(deletePodIdentity(new IAMClient({}), new EKSClient({}), del)).resolves.toEqual({ status: 'deleted' });
    expect(eks).toHaveReceivedCommandWith(DeletePodIdentityAssociationCommand, { clusterName: 'eks-primary', associationId: 'a-1' });
    expect(iam).toHaveReceivedCommandWith(DeleteRolePolicyCommand, { RoleName: 'odoo-tenant-acme', PolicyName: 'tenant-storage' });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'odoo-tenant-acme' });
  });

  it('reports absent when neither the association nor the role exists', async () => {
    eks.on(ListPodIdentityAssociationsCommand).resolves({ associations: [] });
    iam.on(ListRolePoliciesCommand).rejects(noSuchEntity());

    await expect(deletePodIdentity(new IAMClient({}), new EKSClient({}), del)).resolves.toEqual({ status: 'absent' });
    expect(iam).not.toHaveReceivedCommand(DeleteRoleCommand);
  });

  it('tolerates pieces vanishing mid-way (ResourceNotFoundException, NoSuchEntityException)', async () => {
    eks.on(ListPodIdentityAssociationsCommand).resolves({ associations: [{ associationId: 'a-1' }] });
    eks.on(DeletePodIdentityAssociationCommand).rejects(new ResourceNotFoundException({ message: 'gone', ...meta }));
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['tenant-storage'] });
    iam.on(DeleteRolePolicyCommand).rejects(noSuchEntity());
    iam.on(DeleteRoleCommand).rejects(noSuchEntity());

    await expect(deletePodIdentity(new IAMClient({}), new EKSClient({}), del)).resolves.toEqual({ status: 'deleted' });
  });
});
