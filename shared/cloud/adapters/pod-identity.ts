/**
 * The IAM role a tenant's pods run as, bound to its Kubernetes service account through EKS Pod
 * Identity. The role can reach only the tenant's own filestore prefix and its own secrets, and only
 * that namespace's service account can assume it.
 */
import {
  CreatePodIdentityAssociationCommand,
  DeletePodIdentityAssociationCommand,
  ListPodIdentityAssociationsCommand,
  type EKSClient,
  type PodIdentityAssociationSummary,
} from '@aws-sdk/client-eks';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import { resourceFailed, validationError } from '#shared/lib/errors.ts';
import { hasName } from './aws-errors.ts';
import { tagList } from './tag-list.ts';

export const STORAGE_POLICY_NAME = 'tenant-storage';

interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Record<string, unknown>[];
}

/** The partition of a region's ARNs (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * Who may assume the role: EKS Pod Identity, in our account, for this namespace's service account.
 * The cluster is left out on purpose so the same role serves the tenant's pods in the DR region.
 */
export function podIdentityTrustPolicy(input: { accountId: string; namespace: string; serviceAccount: string }): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EksPodIdentityForTenantServiceAccount',
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: {
          StringEquals: {
            'aws:SourceAccount': input.accountId,
            'aws:RequestTag/kubernetes-namespace': input.namespace,
            'aws:RequestTag/kubernetes-service-account': input.serviceAccount,
          },
        },
      },
    ],
  };
}

/** Where the tenant's final database dump is written when it is offboarded (`offboarded/<tenantId>/`). */
export interface TenantArchive {
  bucket: string;
  prefix: string;
}

export interface TenantStoragePolicyInput {
  bucket: string;
  prefix: string;
  secretArns: string[];
  partition?: string;
  archive?: TenantArchive;
}

const WILDCARD = /[*?]/;

/**
 * What the tenant's pods may do: list and read/write/delete objects under its prefix only, read
 * exactly the given secrets, and (with an archive) write objects under its own archive prefix, which
 * the offboarding `pg_dump` Job running as this role uploads to. Nothing else, and nothing in any
 * other tenant's prefix.
 */
export function tenantStoragePolicy(input: TenantStoragePolicyInput): PolicyDocument {
  if (!input.prefix) throw validationError('a tenant storage policy needs a non-empty prefix: an empty one grants the whole bucket');
  if (input.archive && (!input.archive.bucket || WILDCARD.test(input.archive.bucket))) throw validationError('a tenant archive needs one named bucket');
  if (input.archive && (!input.archive.prefix || WILDCARD.test(input.archive.prefix))) {
    throw validationError('a tenant archive needs a non-empty prefix without wildcards: an empty one grants the whole archive');
  }
  const partition = input.partition ?? 'aws';
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'ListTenantPrefix',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: `arn:${partition}:s3:::${input.bucket}`,
      Condition: { StringLike: { 's3:prefix': [`${input.prefix}*`] } },
    },
    {
      Sid: 'ReadWriteTenantObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: `arn:${partition}:s3:::${input.bucket}/${input.prefix}*`,
    },
  ];
  if (input.secretArns.length > 0) {
    statements.push({ Sid: 'ReadTenantSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [...input.secretArns] });
  }
  if (input.archive) {
    statements.push({
      Sid: 'WriteTenantArchive',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: `arn:${partition}:s3:::${input.archive.bucket}/${input.archive.prefix}*`,
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

export interface EnsurePodIdentityInput {
  tenantId: string;
  operationId: string;
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  roleName: string;
  rolePath: string;
  permissionsBoundaryArn?: string;
  bucket: string;
  prefix: string;
  secretArns: string[];
  /** Where the offboarding dump Job, running as this role, uploads the tenant's database. */
  archive?: TenantArchive;
  region: string;
  accountId: string;
  tags: Record<string, string>;
}

export interface PodIdentity {
  roleArn: string;
  associationId: string;
  created: { role: boolean; association: boolean };
}

async function getRole(iam: IAMClient, roleName: string): Promise<Role | undefined> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (err) {
    if (hasName(err, 'NoSuchEntityException')) return undefined;
    throw err;
  }
}

async function listAssociations(eks: EKSClient, input: { clusterName: string; namespace: string; serviceAccount: string }): Promise<PodIdentityAssociationSummary[]> {
  const out = await eks.send(
    new ListPodIdentityAssociationsCommand({ clusterName: input.clusterName, namespace: input.namespace, serviceAccount: input.serviceAccount }),
  );
  return out.associations ?? [];
}

export async function ensurePodIdentity(iam: IAMClient, eks: EKSClient, input: EnsurePodIdentityInput): Promise<PodIdentity> {
  const { roleName } = input;
  let roleCreated = false;
  let role = await getRole(iam, roleName);
  if (!role) {
    try {
      role = (
        await iam.send(
          new CreateRoleCommand({
            RoleName: roleName,
            Path: input.rolePath,
            AssumeRolePolicyDocument: JSON.stringify(podIdentityTrustPolicy(input)),
            PermissionsBoundary: input.permissionsBoundaryArn,
            Description: `Pods of Odoo tenant ${input.tenantId}`,
            Tags: tagList(input.tags),
          }),
        )
      ).Role;
      roleCreated = true;
    } catch (err) {
      if (!hasName(err, 'EntityAlreadyExistsException')) throw err;
      role = await getRole(iam, roleName);
    }
  }
  if (!role?.Arn) throw resourceFailed(`IAM role ${roleName} could not be read back`);

  // Every time: the grant follows the tenant's current bucket, prefix, secrets and archive.
  const policy = tenantStoragePolicy({
    bucket: input.bucket,
    prefix: input.prefix,
    secretArns: input.secretArns,
    partition: partitionOf(input.region),
    archive: input.archive,
  });
  await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: STORAGE_POLICY_NAME, PolicyDocument: JSON.stringify(policy) }));

  const existing = (await listAssociations(eks, input))[0];
  if (existing?.associationId) return { roleArn: role.Arn, associationId: existing.associationId, created: { role: roleCreated, association: false } };
  try {
    const out = await eks.send(
      new CreatePodIdentityAssociationCommand({
        clusterName: input.clusterName,
        namespace: input.namespace,
        serviceAccount: input.serviceAccount,
        roleArn: role.Arn,
        tags: input.tags,
      }),
    );
    const associationId = out.association?.associationId;
    if (!associationId) throw resourceFailed(`EKS returned no association id for ${input.namespace}/${input.serviceAccount}`);
    return { roleArn: role.Arn, associationId, created: { role: roleCreated, association: true } };
  } catch (err) {
    if (!hasName(err, 'ResourceInUseException')) throw err;
    const raced = (await listAssociations(eks, input))[0];
    if (!raced?.associationId) throw err;
    return { roleArn: role.Arn, associationId: raced.associationId, created: { role: roleCreated, association: false } };
  }
}

export interface DeletePodIdentityInput {
  tenantId?: string;
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  roleName: string;
}

/** Associations first (they name the role), then the role's inline policies, then the role. */
export async function deletePodIdentity(iam: IAMClient, eks: EKSClient, input: DeletePodIdentityInput): Promise<{ status: 'deleted' | 'absent' }> {
  let found = false;

  let associations: PodIdentityAssociationSummary[] = [];
  try {
    associations = await listAssociations(eks, input);
  } catch (err) {
    // No such cluster: nothing can be associated with it.
    if (!hasName(err, 'ResourceNotFoundException')) throw err;
  }
  for (const association of associations) {
    if (!association.associationId) continue;
    found = true;
    try {
      await eks.send(new DeletePodIdentityAssociationCommand({ clusterName: input.clusterName, associationId: association.associationId }));
    } catch (err) {
      if (!hasName(err, 'ResourceNotFoundException')) throw err;
    }
  }

  let policyNames: string[] | undefined;
  try {
    policyNames = (await iam.send(new ListRolePoliciesCommand({ RoleName: input.roleName }))).PolicyNames ?? [];
  } catch (err) {
    if (!hasName(err, 'NoSuchEntityException')) throw err;
  }
  if (policyNames) {
    found = true;
    for (const policyName of policyNames) {
      try {
        await iam.send(new DeleteRolePolicyCommand({ RoleName: input.roleName, PolicyName: policyName }));
      } catch (err) {
        if (!hasName(err, 'NoSuchEntityException')) throw err;
      }
    }
    try {
      await iam.send(new DeleteRoleCommand({ RoleName: input.roleName }));
    } catch (err) {
      if (!hasName(err, 'NoSuchEntityException')) throw err;
    }
  }
  return { status: found ? 'deleted' : 'absent' };
}
