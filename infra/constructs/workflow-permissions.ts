/**
 * Least privilege for workflow functions: each handler module declares the cloud capabilities it
 * uses, and each capability grants only the actions it needs on resources named the way
 * `shared/domain/names.ts` names them (prefix `odoo`) or listed in the fleet configuration.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';

export type Capability = 'records' | 'rds' | 'rdsData' | 'secrets' | 's3' | 'eks' | 'podIdentity' | 'route53' | 'kubernetes';

/** What each workflow handler module touches. A module missing here gets only its table access. */
export const HANDLER_CAPABILITIES: Record<string, Capability[]> = {
  'functions/provision/validate-request.ts': [],
  'functions/common/acquire-lease.ts': [],
  'functions/provision/ensure-database.ts': ['rds', 'rdsData', 'secrets'],
  'functions/provision/ensure-filestore.ts': ['s3'],
  'functions/provision/ensure-compute.ts': ['eks', 'podIdentity'],
  'functions/provision/apply-kubernetes.ts': ['kubernetes', 'secrets'],
  'functions/provision/ensure-dns.ts': ['route53'],
  'functions/provision/ensure-odoo-init.ts': ['kubernetes'],
  'functions/provision/check-health.ts': ['secrets'],
  'functions/provision/activate-tenant.ts': [],
  'functions/provision/mark-failed.ts': [],
  'functions/common/record-operation-failed.ts': [],
  'functions/common/remove-tenant-resources.ts': ['rds', 'rdsData', 'secrets', 's3', 'eks', 'podIdentity', 'route53', 'kubernetes'],
  'functions/offboard/validate-request.ts': [],
  'functions/offboard/scale-to-zero.ts': ['kubernetes', 'eks'],
  'functions/offboard/take-final-backup.ts': ['rds', 'kubernetes'],
  'functions/offboard/export-filestore.ts': ['s3'],
  'functions/offboard/mark-deleted.ts': [],
  'functions/offboard/mark-failed.ts': [],
};

export function grantCloudAccess(fn: lambda.Function, entry: string, config: FleetConfig, account: string, region: string): void {
  const p = config.namePrefix;
  const arn = (service: string, resource: string, r = region) => `arn:aws:${service}:${r}:${account}:${resource}`;
  const add = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources, conditions }));

  for (const capability of HANDLER_CAPABILITIES[entry] ?? []) {
    switch (capability) {
      case 'rds':
        add(
          ['rds:CreateDBCluster', 'rds:CreateDBInstance', 'rds:DeleteDBCluster', 'rds:DeleteDBInstance', 'rds:ModifyDBCluster', 'rds:CreateDBClusterSnapshot', 'rds:AddTagsToResource'],
          [arn('rds', `cluster:${p}-*`), arn('rds', `db:${p}-*`), arn('rds', `cluster-snapshot:${p}-*`), arn('rds', `subgrp:${config.dedicated.dbSubnetGroupName}`), arn('rds', 'secgrp:*'), arn('rds', 'cluster-pg:*'), arn('rds', 'pg:*'), arn('rds', 'og:*')],
        );
        // Every Describe names its cluster, instance or snapshot, so IAM checks that one ARN:
        // dedicated tenants' own, and the cell clusters whose endpoints pooled tenants connect to.
        add(
          ['rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribeDBClusterSnapshots'],
          [arn('rds', `cluster:${p}-*`), arn('rds', `db:${p}-*`), arn('rds', `cluster-snapshot:${p}-*`), ...config.cells.map((c) => c.auroraClusterArn)],
        );
        // ManageMasterUserPassword: RDS creates the master secret on the caller's behalf.
        add(['secretsmanager:CreateSecret', 'secretsmanager:TagResource'], [arn('secretsmanager', 'secret:rds!*')]);
        break;
      case 'rdsData':
        add(['rds-data:ExecuteStatement'], config.cells.map((c) => c.auroraClusterArn));
        add(['secretsmanager:GetSecretValue'], config.cells.map((c) => c.masterSecretArn));
        break;
      case 'secrets':
        add(
          ['secretsmanager:CreateSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DeleteSecret', 'secretsmanager:TagResource'],
          [arn('secretsmanager', `secret:${p}/*`)],
        );
        break;
      case 's3':
        add(
          ['s3:CreateBucket', 's3:DeleteBucket', 's3:PutBucketVersioning', 's3:GetBucketVersioning', 's3:PutEncryptionConfiguration', 's3:PutBucketPublicAccessBlock', 's3:PutBucketOwnershipControls', 's3:PutBucketTagging', 's3:ListBucket', 's3:ListBucketVersions'],
          [`arn:aws:s3:::${p}-*`, ...config.cells.map((c) => `arn:aws:s3:::${c.bucket}`), `arn:aws:s3:::${config.archiveBucket}`],
        );
        add(
          ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObjectVersion'],
          [`arn:aws:s3:::${p}-*/*`, ...config.cells.map((c) => `arn:aws:s3:::${c.bucket}/tenants/*`), `arn:aws:s3:::${config.archiveBucket}/offboarded/*`],
        );
        break;
      case 'eks': {
        const clusters = config.eksClusters.map((c) => arn('eks', `cluster/${c.name}`, c.region));
        add(['eks:DescribeCluster', 'eks:ListNodegroups'], clusters);
        add(
          ['eks:CreateNodegroup', 'eks:DescribeNodegroup', 'eks:UpdateNodegroupConfig', 'eks:DeleteNodegroup', 'eks:TagResource'],
          [...clusters, ...config.eksClusters.map((c) => arn('eks', `nodegroup/${c.name}/${p}-*/*`, c.region))],
        );
        add(['iam:PassRole'], config.eksClusters.map((c) => c.nodeRoleArn), { StringEquals: { 'iam:PassedToService': 'eks.amazonaws.com' } });
        break;
      }
      case 'podIdentity': {
        const rolePattern = `arn:aws:iam::${account}:role${config.tenantRolePath}${p}-tenant-*`;
        add(['iam:CreateRole', 'iam:GetRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies', 'iam:DeleteRole', 'iam:TagRole'], [rolePattern]);
        add(['iam:PassRole'], [rolePattern], { StringEquals: { 'iam:PassedToService': 'pods.eks.amazonaws.com' } });
        add(
          ['eks:CreatePodIdentityAssociation', 'eks:ListPodIdentityAssociations', 'eks:DescribePodIdentityAssociation', 'eks:DeletePodIdentityAssociation', 'eks:TagResource'],
          [...config.eksClusters.map((c) => arn('eks', `cluster/${c.name}`, c.region)), ...config.eksClusters.map((c) => arn('eks', `podidentityassociation/${c.name}/*`, c.region))],
        );
        break;
      }
      case 'route53':
        add(['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'], [`arn:aws:route53:::hostedzone/${config.hostedZoneId}`]);
        break;
      case 'kubernetes':
        // Kubernetes RBAC (an EKS access entry mapped to this role) limits what it may do in-cluster.
        add(['eks:DescribeCluster'], config.eksClusters.map((c) => arn('eks', `cluster/${c.name}`, c.region)));
        break;
      case 'records':
        break;
    }
  }
}
