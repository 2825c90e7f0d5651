/**
 * Deterministic names for everything the control plane makes. A retried or redriven step computes
 * the same name and finds what an earlier attempt made instead of making a second one.
 */
export const TENANT_ID_PATTERN = /^[a-z][a-z0-9-]{2,30}$/;

const prefix = (p?: string) => p ?? 'odoo';

export const names = {
  /** Kubernetes namespace of a tenant. */
  namespace: (tenantId: string) => `tenant-${tenantId}`,
  /** PostgreSQL database name (identifiers: no dashes). */
  databaseName: (tenantId: string) => `odoo_${tenantId.replace(/-/g, '_')}`,
  /** PostgreSQL login role of a pooled tenant. */
  roleName: (tenantId: string) => `odoo_${tenantId.replace(/-/g, '_')}_app`,
  /** Dedicated Aurora cluster and its instances. */
  dbClusterIdentifier: (tenantId: string, p?: string) => `${prefix(p)}-${tenantId}`,
  dbInstanceIdentifier: (tenantId: string, index: number, p?: string) => `${prefix(p)}-${tenantId}-${index + 1}`,
  /**
   * Aurora global database of a dedicated tenant (its DR posture). The secondary in the DR region
   * keeps the primary's cluster identifier: identifiers are unique per region, and a failover then
   * changes no name the tenant's configuration holds.
   */
  globalClusterIdentifier: (tenantId: string, p?: string) => `${prefix(p)}-${tenantId}-global`,
  /** Role S3 assumes to replicate dedicated tenants' buckets to the DR region (made with the fleet, not per tenant). */
  replicationRoleName: (p?: string) => `${prefix(p)}-s3-replication`,
  finalSnapshotIdentifier: (tenantId: string, operationId: string, p?: string) =>
    `${prefix(p)}-${tenantId}-final-${shortId(operationId)}`,
  /** Dedicated filestore bucket; account and region keep it globally unique. */
  bucketName: (tenantId: string, accountId: string, region: string, p?: string) =>
    `${prefix(p)}-${tenantId}-${accountId}-${region}`.slice(0, 63),
  /** Key prefix of a tenant's filestore in its bucket (pooled: the cell bucket). */
  filestorePrefix: (tenantId: string) => `tenants/${tenantId}/`,
  /** EKS node group of a dedicated tenant. */
  nodegroupName: (tenantId: string, p?: string) => `${prefix(p)}-${tenantId}`,
  /** IAM role assumed by the tenant's pods through EKS Pod Identity. */
  podRoleName: (tenantId: string, p?: string) => `${prefix(p)}-tenant-${tenantId}`,
  serviceAccount: () => 'odoo',
  /** Secrets Manager secrets: database credentials and the Odoo admin password. */
  dbSecretName: (tenantId: string, p?: string) => `${prefix(p)}/${tenantId}/db`,
  adminSecretName: (tenantId: string, p?: string) => `${prefix(p)}/${tenantId}/admin`,
  /** Step Functions execution name: `{tenantId}-{op}-{operationId}` (80 characters at most). */
  executionName: (tenantId: string, op: string, operationId: string) => `${tenantId}-${op}-${operationId}`.slice(0, 80),
  /** Kubernetes Job that initialises the database (`odoo -i base --stop-after-init`). */
  initJobName: (operationId: string) => `odoo-init-${shortId(operationId)}`,
  finalDumpJobName: (operationId: string) => `odoo-final-dump-${shortId(operationId)}`,
  /** Archive keys written by offboarding. */
  archivePrefix: (tenantId: string, operationId: string) => `offboarded/${tenantId}/${operationId}/`,
};

/** Last 8 characters of an id, lower-cased: enough to tell operations of one tenant apart. */
export function shortId(id: string): string {
  return id.replace(/[^a-zA-Z0-9]/g, '').slice(-8).toLowerCase();
}

/** Tags on every AWS resource the control plane makes. */
export function resourceTags(tenantId: string, operationId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'odoo:tenant': tenantId, 'odoo:operation': operationId, 'odoo:managed-by': 'odoo-fleet-control-plane', ...extra };
}
