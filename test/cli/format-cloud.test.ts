import { describe, expect, it } from 'vitest';
import { describeFaultRule, formatCloudSummary, formatFaultRules, formatTenantInventory } from '#local/cli/format-cloud.ts';
import { render } from '#local/cli/run.ts';
import type { CloudInventory, RegionInventory } from '#local/sim/inventory.ts';

const emptyRegion = (): RegionInventory => ({
  rds: { clusters: [], databases: {}, roles: {}, snapshots: [] },
  eks: { clusters: [], podIdentityAssociations: [] },
  kubernetes: {},
  s3: { buckets: [] },
  secrets: [],
  metrics: [],
});

const aurora = (identifier: string, instances: string[] = []) => ({
  identifier,
  status: 'available',
  engine: 'aurora-postgresql',
  engineVersion: '16.4',
  deletionProtection: true,
  storageEncrypted: true,
  backupRetentionPeriod: 7,
  tags: {},
  instances: instances.map((i) => ({ identifier: i, status: 'available', class: 'db.r6g.large' })),
});

const inventory: CloudInventory = {
  at: '2030-01-01T00:00:00.000Z',
  timeScale: 0.005,
  regions: {
    'eu-west-1': {
      rds: {
        clusters: [aurora('odoo-cell-a'), aurora('odoo-globex', ['odoo-globex-1', 'odoo-globex-2'])],
        databases: {
          'odoo-cell-a': [
            { name: 'postgres', owner: 'fleet_admin', initialised: false },
            { name: 'odoo_acme', owner: 'odoo_acme_app', initialised: true },
          ],
          'odoo-globex': [{ name: 'odoo_globex', owner: 'odoo_admin', initialised: true }],
        },
        roles: {},
        snapshots: [{ identifier: 'odoo-gone-final-1', cluster: 'odoo-gone', status: 'available', tags: {} }],
      },
      eks: {
        clusters: [{ name: 'fleet-euw1', nodegroups: [{ name: 'odoo-globex', status: 'ACTIVE', scaling: { minSize: 2 }, labels: {}, taints: [] }] }],
        podIdentityAssociations: [{ cluster: 'fleet-euw1', namespace: 'tenant-acme' }, { cluster: 'fleet-euw1', namespace: 'tenant-globex' }],
      },
      kubernetes: {
        'fleet-euw1': {
          'kube-system': [{ kind: 'Namespace', name: 'kube-system', status: 'Active' }],
          'tenant-acme': [
            { kind: 'Namespace', name: 'tenant-acme', status: 'Active' },
            { kind: 'Deployment', name: 'odoo-web', image: 'odoo:17.0', replicas: 2, ready: 2 },
            { kind: 'Deployment', name: 'odoo-worker', image: 'odoo:17.0', replicas: 1, ready: 0 },
            { kind: 'Service', name: 'odoo-web' },
          ],
          'tenant-globex': [{ kind: 'Namespace', name: 'tenant-globex', status: 'Terminating' }],
        },
      },
      s3: { buckets: [{ name: 'odoo-cell-a-bucket', versioning: 'Enabled', publicAccessBlocked: true, prefixes: ['tenants/acme/'] }] },
      secrets: [{ name: 'odoo/acme/db' }, { name: 'odoo/gone/db', deleted: true }],
      metrics: [],
    },
    'eu-central-1': { ...emptyRegion(), eks: { clusters: [{ name: 'fleet-euc1', nodegroups: [] }], podIdentityAssociations: [] } },
  },
  route53: {
    zones: [{ id: 'Z1', name: 'odoo.example.com.' }],
    records: [
      { zone: 'Z1', name: 'odoo.example.com.', type: 'NS', value: 'ns-1.' },
      { zone: 'Z1', name: 'odoo.example.com.', type: 'SOA', value: 'ns-1. hostmaster. 1' },
      { zone: 'Z1', name: 'acme.odoo.example.com.', type: 'CNAME', value: 'traefik.elb.amazonaws.com' },
    ],
  },
  iam: { roles: [{ name: 'odoo-tenant-acme', arn: 'arn:aws:iam::1:role/odoo-tenant-acme', policies: ['filestore'], tags: {} }] },
  faults: [{ id: 1, service: 'rds', rate: 0.3, effect: 'error', fired: 4 }],
};

describe('formatCloudSummary', () => {
  it('counts each kind of resource per region, with the global ones on one line', () => {
    const out = formatCloudSummary(inventory);

    expect(out.split('\n').slice(0, 14)).toEqual([
      'Simulated cloud at 2030-01-01T00:00:00.000Z (time scale 0.005)',
      '',
      'RESOURCE           eu-west-1  eu-central-1',
      'Aurora clusters    2          0',
      'Aurora instances   2          0',
      'Databases          3          0',
      'Cluster snapshots  1          0',
      'EKS clusters       1          1',
      'Node groups        1          0',
      'Pod identities     2          0',
      'Namespaces         3          0',
      'S3 buckets         1          0',
      'Secrets            1          0',
      'Route 53 records: 1 in 1 zone; IAM roles: 1',
    ]);
  });

  it('lists the tenants\' namespaces with their objects and ready pods, then the fault rules', () => {
    const out = formatCloudSummary(inventory);

    expect(out).toContain(
      [
        'TENANT NAMESPACE  REGION     CLUSTER     STATUS       OBJECTS  READY',
        'tenant-acme       eu-west-1  fleet-euw1  Active       3        2/3',
        'tenant-globex     eu-west-1  fleet-euw1  Terminating  0        -',
      ].join('\n'),
    );
    expect(out).not.toContain('kube-system');
    expect(out).toContain('Fault rules:\n  rds: error, rate 0.3 (fired 4)');
    expect(out.split('\n').at(-1)).toMatch(/--json/);
  });

  it('says so when there are no tenants and no fault rules', () => {
    const out = formatCloudSummary({ ...inventory, regions: { 'eu-west-1': emptyRegion() }, faults: [] });

    expect(out).toContain('No tenant namespaces.');
    expect(out).toContain('No fault rules.');
  });
});

describe('formatTenantInventory', () => {
  it('shows one row per resource, global ones without a region, retained ones marked', () => {
    const out = formatTenantInventory({
      tenantId: 'globex',
      resources: [
        { service: 'rds', type: 'cluster', id: 'odoo-globex', region: 'eu-west-1', status: 'available' },
        { service: 'rds', type: 'database', id: 'odoo-globex/odoo_globex', region: 'eu-west-1' },
        { service: 'rds', type: 'cluster-snapshot', id: 'odoo-globex-final-1', region: 'eu-west-1', status: 'available', retained: true },
        { service: 'iam', type: 'role', id: 'odoo-tenant-globex', status: '1 inline policies' },
      ],
    });

    expect(out.split('\n')).toEqual([
      'SERVICE  TYPE              ID                       REGION     STATUS',
      'rds      cluster           odoo-globex              eu-west-1  available',
      'rds      database          odoo-globex/odoo_globex  eu-west-1  -',
      'rds      cluster-snapshot  odoo-globex-final-1      eu-west-1  available (retained)',
      'iam      role              odoo-tenant-globex       -          1 inline policies',
    ]);
  });

  it('says so when nothing of the tenant is left', () => {
    expect(formatTenantInventory({ tenantId: 'gone', resources: [] })).toBe('Nothing of gone is in the simulated cloud.');
  });
});

describe('fault rules', () => {
  it('describes each rule on one line: target, effect, rate or count, and how often it fired', () => {
    expect(describeFaultRule({ service: 'eks', operation: 'CreateNodegroup', error: 'InvalidParameterException', count: 1, effect: 'error' })).toBe(
      'eks:CreateNodegroup: error InvalidParameterException, count 1',
    );
    expect(describeFaultRule({ service: '*', region: 'eu-west-1', effect: 'unreachable', fired: 2 })).toBe('* in eu-west-1: unreachable (fired 2)');
    expect(describeFaultRule({ service: 'kubernetes', effect: 'crash-loop', image: 'odoo:17.0' })).toBe('kubernetes: crash-loop odoo:17.0');
  });

  it('lists the rules, or says there are none', () => {
    expect(formatFaultRules({ rules: [] })).toBe('No fault rules.');
    expect(formatFaultRules({ rules: [{ service: 'rds', rate: 0.3 }] })).toBe('Fault rules:\n  rds: error, rate 0.3');
  });
});

describe('render of cloud and fault commands', () => {
  it('prints the summary without --tenant and the table with it', () => {
    expect(render({ kind: 'cloud inventory' }, inventory)).toMatch(/^Simulated cloud at /);
    expect(render({ kind: 'cloud inventory', tenantId: 'gone' }, { tenantId: 'gone', resources: [] })).toBe('Nothing of gone is in the simulated cloud.');
  });

  it('prints fault rules as the API answers them', () => {
    expect(render({ kind: 'faults list' }, { rules: [] })).toBe('No fault rules.');
    expect(render({ kind: 'faults set', file: 'rules.json' }, { rules: [{ service: 's3', operation: 'CreateBucket', count: 1 }] })).toBe('Fault rules:\n  s3:CreateBucket: error, count 1');
  });
});
