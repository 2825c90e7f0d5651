import { describe, expect, it } from 'vitest';
import { formatApiError, formatOperation, formatStarted, formatTenant, formatTenantList, table } from '#local/cli/format.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';

const tenant = (tenantId: string, over: Partial<Tenant> = {}): Tenant => ({
  tenantId,
  displayName: `Tenant ${tenantId}`,
  profile: { criticality: 'low', customization: 'light', compliance: [], expectedUsers: 20 },
  odooVersion: '17.0',
  hostname: `${tenantId}.odoo.example.com`,
  tags: [],
  regions: { primary: 'eu-west-1', dr: 'eu-central-1' },
  status: 'ACTIVE',
  placement: {
    model: 'pooled',
    cell: 'cell-a',
    cluster: 'eks-shared-1',
    drPosture: 'backup-restore',
    rpoSeconds: 86400,
    rtoSeconds: 28800,
    backupRetentionDays: 7,
    resources: { kind: 'pooled', quota: { cpu: '4', memory: '8Gi', pods: 10 }, web: { minReplicas: 1, maxReplicas: 2, cpu: '500m', memory: '1Gi' }, workers: 1 },
    reason: 'low criticality with light customization is placed pooled with backup-restore',
  },
  resources: {},
  release: { image: 'odoo:17.0', modules: [] },
  activeRegion: 'eu-west-1',
  lastDrill: null,
  version: 3,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  createdBy: 'alice',
  ...over,
});

const operation: Operation = {
  operationId: 'op-1',
  type: 'PROVISION',
  tenantId: 'acme',
  status: 'FAILED',
  requestedBy: 'alice',
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:09.000Z',
  endedAt: '2030-01-01T00:00:09.000Z',
  error: { code: 'ResourceFailed', message: 'cluster failed' },
  steps: [
    { name: 'ValidateRequest', status: 'SUCCEEDED', startedAt: '2030-01-01T00:00:01.000Z', endedAt: '2030-01-01T00:00:01.500Z', attempts: 1 },
    { name: 'EnsureTenantDatabase', status: 'FAILED', startedAt: '2030-01-01T00:00:02.000Z', endedAt: '2030-01-01T00:00:08.000Z', attempts: 3, error: { code: 'ResourceFailed', message: 'cluster failed' } },
  ],
};

describe('table', () => {
  it('aligns columns to their widest cell', () => {
    expect(table(['A', 'BB'], [['long', 'x'], ['s', 'yy']])).toBe('A     BB\nlong  x\ns     yy');
  });
});

describe('formatTenantList', () => {
  it('shows one row per tenant and how to get the next page', () => {
    const out = formatTenantList({ items: [tenant('acme'), tenant('bank', { placement: { ...tenant('x').placement, model: 'dedicated', cell: null } })], nextCursor: 'abc' });

    expect(out.split('\n')).toEqual([
      'TENANT  STATUS  CRITICALITY  MODEL      CELL    REGION     HOST',
      'acme    ACTIVE  low          pooled     cell-a  eu-west-1  acme.odoo.example.com',
      'bank    ACTIVE  low          dedicated  -       eu-west-1  bank.odoo.example.com',
      '',
      'More: --cursor abc',
    ]);
  });

  it('says so when there are none', () => {
    expect(formatTenantList({ items: [] })).toBe('No tenants.');
  });
});

describe('formatTenant', () => {
  it('summarises status, placement with its reason, DR targets and lease', () => {
    const out = formatTenant(tenant('acme', { status: 'FAILED', statusReason: 'ResourceFailed: boom', lease: { owner: 'op-9', expiresAt: '2030-01-01T02:00:00.000Z' } }));

    expect(out).toMatch(/^Status: +FAILED: ResourceFailed: boom$/m);
    expect(out).toMatch(/^Placement: pooled on cell cell-a, cluster eks-shared-1$/m);
    expect(out).toMatch(/^DR: +backup-restore, RPO 24 h, RTO 8 h, backups 7 days$/m);
    expect(out).toMatch(/^Why: +low criticality/m);
    expect(out).toMatch(/^Lease: +held by op-9 until 2030-01-01T02:00:00.000Z$/m);
  });

  it('lists the resources of a pooled tenant under their own heading', () => {
    const out = formatTenant(
      tenant('acme', {
        resources: {
          database: { kind: 'pooled', clusterIdentifier: 'odoo-cell-a', databaseName: 'odoo_acme', roleName: 'odoo_acme_app', secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:odoo/acme/db' },
          filestore: { bucket: 'odoo-cell-a-bucket', prefix: 'tenants/acme/' },
          compute: { cluster: 'fleet-euw1', podIdentityRoleArn: 'arn:aws:iam::1:role/odoo-tenants/odoo-tenant-acme' },
          kubernetes: { namespace: 'tenant-acme', objects: 20, desiredStateVersion: 2 },
          dns: { zone: 'Z1', name: 'acme.odoo.example.com', target: 'traefik.elb.amazonaws.com' },
        },
      }),
    );

    expect(out.split('\n\nResources:\n')[1]!.split('\n')).toEqual([
      '  Database:   pooled, odoo_acme on cluster odoo-cell-a, role odoo_acme_app',
      '  Filestore:  s3://odoo-cell-a-bucket/tenants/acme/',
      '  Compute:    cluster fleet-euw1, pod role odoo-tenant-acme',
      '  Kubernetes: namespace tenant-acme, 20 objects (desired state v2)',
      '  DNS:        acme.odoo.example.com -> traefik.elb.amazonaws.com',
    ]);
    expect(out).not.toMatch(/^Lease:/m);
  });

  it('shows a dedicated tenant\'s node group and instances, and an offboarded tenant\'s final backup', () => {
    const dedicated = formatTenant(
      tenant('bank', {
        resources: {
          database: { kind: 'dedicated', clusterIdentifier: 'odoo-bank', instanceIdentifiers: ['odoo-bank-1', 'odoo-bank-2'], databaseName: 'odoo_bank', roleName: 'odoo_admin', secretArn: 'arn:x' },
          compute: { cluster: 'fleet-euw1', nodegroup: 'odoo-bank' },
        },
      }),
    );
    const gone = formatTenant(
      tenant('gone', {
        status: 'DELETED',
        resources: { finalBackup: { snapshotIdentifier: 'odoo-gone-final-1', dumpKey: 'offboarded/gone/op-1/database.dump', filestoreExportPrefix: 'offboarded/gone/op-1/filestore/', bucket: 'odoo-archive' } },
      }),
    );

    expect(dedicated).toMatch(/^ {2}Database: +dedicated, odoo_bank on cluster odoo-bank \(instances odoo-bank-1, odoo-bank-2\), role odoo_admin$/m);
    expect(dedicated).toMatch(/^ {2}Compute: +cluster fleet-euw1, node group odoo-bank$/m);
    expect(gone).toMatch(
      /^ {2}Final backup: snapshot odoo-gone-final-1, dump s3:\/\/odoo-archive\/offboarded\/gone\/op-1\/database.dump, filestore export s3:\/\/odoo-archive\/offboarded\/gone\/op-1\/filestore\/$/m,
    );
  });

  it('says when the tenant has no resources yet', () => {
    const out = formatTenant(tenant('acme', { status: 'PROVISIONING' }));

    expect(out).toMatch(/^Resources: +none$/m);
    expect(out).not.toMatch(/^Resources:$/m);
  });
});

describe('formatStarted', () => {
  it('names the tenant, the operation and how to follow it', () => {
    const out = formatStarted({ tenant: tenant('acme', { status: 'PROVISIONING' }), operation: { ...operation, status: 'RUNNING', steps: [] } });

    expect(out).toBe('Tenant acme: PROVISIONING (pooled on cell cell-a, backup-restore)\nOperation op-1: PROVISION RUNNING\nFollow it with: odooctl operations watch op-1');
  });
});

describe('formatOperation', () => {
  it('lists the steps with durations, invocations and errors', () => {
    const out = formatOperation(operation);

    expect(out).toMatch(/^STEP\s+STATUS\s+STARTED\s+TOOK\s+INVOCATIONS\s+ERROR$/m);
    expect(out).toMatch(/^Error: +ResourceFailed: cluster failed$/m);
    expect(out).toMatch(/EnsureTenantDatabase\s+FAILED\s+2030-01-01T00:00:02.000Z\s+6.0 s\s+3\s+ResourceFailed: cluster failed/);
    expect(out).toMatch(/ValidateRequest\s+SUCCEEDED\s+\S+\s+0.5 s\s+1/);
  });
});

describe('formatApiError', () => {
  it('prints the code, the message and each field detail', () => {
    const out = formatApiError(400, { error: { code: 'ValidationError', message: 'Invalid request body', details: [{ path: 'profile.criticality', message: 'Invalid option' }] } });

    expect(out).toBe('Error 400 ValidationError: Invalid request body\n  - profile.criticality: Invalid option');
  });

  it('shows a body that is not the API envelope as it came', () => {
    expect(formatApiError(502, 'Bad Gateway')).toBe('HTTP 502: Bad Gateway');
  });
});

describe('formatTenant: active region and DR readiness', () => {
  const report = (over: Partial<NonNullable<Tenant['drReadiness']>> = {}): NonNullable<Tenant['drReadiness']> => ({
    checkedAt: '2030-01-01T01:00:00.000Z',
    fromRegion: 'eu-west-1',
    toRegion: 'eu-central-1',
    ready: true,
    wouldMiss: [],
    expectedDataLossSeconds: 4,
    checks: [
      { name: 'replicated-backup', passed: true, blocking: true, detail: 'newest replicated backup 2030-01-01T00:59:56.000Z (4 s old)' },
      { name: 'dr-capacity', passed: true, blocking: true, detail: 'cell-a DR node pool has room' },
    ],
    ...over,
  });

  it('shows the newest readiness report: ready, the expected data loss, the targets, and when it was checked', () => {
    const out = formatTenant(tenant('acme', { drReadiness: report() }));

    expect(out).toMatch(/^DR readiness: ready to fail over eu-west-1 -> eu-central-1, expected data loss 4 s, within its targets; checked 2030-01-01T01:00:00.000Z$/m);
    expect(out).toMatch(/^Regions: +eu-west-1 \(DR eu-central-1\), active in eu-west-1$/m);
  });

  it('names the blocking checks that failed and the targets a failover would miss', () => {
    const out = formatTenant(
      tenant('acme', {
        drReadiness: report({
          ready: false,
          wouldMiss: ['RPO'],
          expectedDataLossSeconds: null,
          checks: [
            { name: 'replicated-backup', passed: false, blocking: true, detail: 'no automated backup replicated to the DR region' },
            { name: 'dr-capacity', passed: false, blocking: true, detail: 'cell-a DR node pool is full' },
            { name: 'rpo', passed: false, blocking: false, detail: 'the data-loss window cannot be known (no lag or backup figure)' },
          ],
        }),
      }),
    );

    expect(out).toMatch(
      /^DR readiness: NOT READY \(replicated-backup, dr-capacity\) to fail over eu-west-1 -> eu-central-1, expected data loss unknown, would miss RPO; checked 2030-01-01T01:00:00.000Z$/m,
    );
  });

  it('says when the tenant runs in its DR region, and prints no readiness line without a report', () => {
    const out = formatTenant(tenant('acme', { activeRegion: 'eu-central-1' }));

    expect(out).toMatch(/^Regions: +eu-west-1 \(DR eu-central-1\), active in eu-central-1 \(the DR region: failed over\)$/m);
    expect(out).not.toMatch(/^DR readiness:/m);
  });
});
