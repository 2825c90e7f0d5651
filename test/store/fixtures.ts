import type { Criticality, Operation, TenancyModel, Tenant, TenantStatus } from '#shared/domain/types.ts';

export function aTenant(
  tenantId: string,
  opts: { status?: TenantStatus; criticality?: Criticality; model?: TenancyModel; hostname?: string } = {},
): Tenant {
  const model = opts.model ?? 'pooled';
  const at = '2030-01-01T00:00:00.000Z';
  return {
    tenantId,
    displayName: `Tenant ${tenantId}`,
    profile: { criticality: opts.criticality ?? 'standard', customization: 'light', compliance: [], expectedUsers: 50 },
    odooVersion: '17.0',
    hostname: opts.hostname ?? `${tenantId}.odoo.example.com`,
    tags: [],
    regions: { primary: 'eu-west-1', dr: 'eu-central-1' },
    status: opts.status ?? 'PROVISIONING',
    placement: {
      model,
      cell: model === 'pooled' ? 'cell-1' : null,
      cluster: 'eks-shared-1',
      drPosture: 'pilot-light',
      rpoSeconds: 900,
      rtoSeconds: 7200,
      backupRetentionDays: 14,
      resources: {
        kind: 'pooled',
        quota: { cpu: '4', memory: '8Gi', pods: 20 },
        web: { minReplicas: 1, maxReplicas: 3, cpu: '500m', memory: '1Gi' },
        workers: 2,
      },
      reason: 'standard criticality, light customization: pooled',
    },
    resources: {},
    release: { image: 'odoo:17.0-20300101', modules: ['base', 'web'] },
    activeRegion: 'eu-west-1',
    lastDrill: null,
    version: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: 'alice',
  };
}

export function anOperation(operationId: string, tenantId: string, createdAt: string, type: Operation['type'] = 'PROVISION'): Operation {
  return { operationId, type, tenantId, status: 'PENDING', requestedBy: 'alice', createdAt, updatedAt: createdAt, steps: [] };
}
