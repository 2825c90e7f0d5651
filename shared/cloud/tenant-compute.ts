/**
 * What a tenant's compute is asked for, in whichever region and EKS cluster it runs: its node group
 * (dedicated) and its Pod Identity role and association. Provisioning, the DR copy, a failover and
 * the seeded fleet all make them from here, so the two regions can never be set up differently.
 */
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { clusterOf } from '#shared/domain/fleet-lookup.ts';
import { names } from '#shared/domain/names.ts';
import type { Tenant } from '#shared/domain/types.ts';
import type { EnsureNodegroupInput, NodegroupSizing } from './adapters/nodegroup.ts';
import type { EnsurePodIdentityInput } from './adapters/pod-identity.ts';

export function tenantNodegroupInput(
  config: FleetConfig,
  c: { tenantId: string; operationId: string; clusterName: string; sizing: NodegroupSizing; tags: Record<string, string> },
): EnsureNodegroupInput {
  const eks = clusterOf(config, c.clusterName);
  return {
    clusterName: c.clusterName,
    nodegroupName: names.nodegroupName(c.tenantId, config.namePrefix),
    tenantId: c.tenantId,
    operationId: c.operationId,
    nodeRoleArn: eks.nodeRoleArn,
    subnetIds: eks.subnetIds,
    sizing: c.sizing,
    tags: c.tags,
  };
}

export function tenantPodIdentityInput(
  config: FleetConfig,
  tenant: Pick<Tenant, 'tenantId' | 'placement'>,
  c: { operationId: string; clusterName: string; namespace: string; region: string; bucket: string; prefix: string; tags: Record<string, string> },
): EnsurePodIdentityInput {
  return {
    tenantId: tenant.tenantId,
    operationId: c.operationId,
    clusterName: c.clusterName,
    namespace: c.namespace,
    serviceAccount: names.serviceAccount(),
    roleName: names.podRoleName(tenant.tenantId, config.namePrefix),
    rolePath: config.tenantRolePath,
    permissionsBoundaryArn: config.tenantRoleBoundaryArn,
    bucket: c.bucket,
    prefix: c.prefix,
    // The tenant's secrets, by name: `<prefix>/<tenantId>/*` (ARNs carry a random suffix).
    secretArns: [`arn:aws:secretsmanager:${c.region}:${config.accountId}:secret:${config.namePrefix}/${tenant.tenantId}/*`],
    // A pooled tenant's final pg_dump Job runs as this role and uploads under its archive prefix;
    // a dedicated tenant's final backup is a cluster snapshot, so its pods get no archive access.
    archive: tenant.placement.model === 'pooled' ? { bucket: config.archiveBucket, prefix: `offboarded/${tenant.tenantId}/` } : undefined,
    region: c.region,
    accountId: config.accountId,
    tags: c.tags,
  };
}
