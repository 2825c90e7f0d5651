import { describe, expect, it } from 'vitest';
import { planFailoverUnits, type FailoverUnit } from '#shared/domain/failover-plan.ts';
import { DEFAULT_DRILL_POLICY, DEFAULT_FAILOVER_POLICY, DEFAULT_RELEASE_POLICY, type CellConfig, type FleetConfig } from '#shared/domain/fleet-config.ts';
import type { DedicatedResources, Tenant } from '#shared/domain/types.ts';
import { AppError } from '#shared/lib/errors.ts';
import { tenantSide, unitTarget } from '#shared/lib/failover-unit-target.ts';
import { aTenant } from '../store/fixtures.ts';

const ACCOUNT = '123456789012';
const WEST = 'eu-west-1';
const CENTRAL = 'eu-central-1';
const rdsArn = (region: string, id: string) => `arn:aws:rds:${region}:${ACCOUNT}:cluster:${id}`;
const secretArn = (region: string, name: string) => `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-AbCdEf`;

const homeCell = (id: string): CellConfig => ({
  id,
  region: WEST,
  eksCluster: 'eks-shared-west',
  auroraClusterIdentifier: `odoo-${id}`,
  auroraClusterArn: rdsArn(WEST, `odoo-${id}`),
  masterSecretArn: secretArn(WEST, `odoo-${id}-master`),
  bucket: `odoo-${id}-filestore`,
  capacity: 50,
  accepts: ['low', 'standard'],
});

/** cell-a has its DR copy (an Aurora global database, headless in eu-central-1); cell-b has none. */
function fleet(over: Partial<FleetConfig> = {}): FleetConfig {
  return {
    accountId: ACCOUNT,
    primaryRegion: WEST,
    drRegion: CENTRAL,
    baseDomain: 'odoo.example.com',
    hostedZoneId: 'Z123',
    namePrefix: 'odoo',
    eksClusters: [
      { name: 'eks-shared-west', region: WEST, nodeRoleArn: 'arn:aws:iam::123456789012:role/node', subnetIds: ['subnet-w'], ingressHostname: 'lb-shared-west.example.com' },
      { name: 'eks-dedicated-west', region: WEST, nodeRoleArn: 'arn:aws:iam::123456789012:role/node', subnetIds: ['subnet-w'], ingressHostname: 'lb-dedicated-west.example.com' },
      { name: 'eks-shared-central', region: CENTRAL, nodeRoleArn: 'arn:aws:iam::123456789012:role/node', subnetIds: ['subnet-c'], ingressHostname: 'lb-shared-central.example.com' },
      { name: 'eks-dedicated-central', region: CENTRAL, nodeRoleArn: 'arn:aws:iam::123456789012:role/node', subnetIds: ['subnet-c'], ingressHostname: 'lb-dedicated-central.example.com' },
    ],
    cells: [
      {
        ...homeCell('cell-a'),
        dr: {
          globalClusterIdentifier: 'odoo-cell-a-global',
          auroraClusterIdentifier: 'odoo-cell-a-dr',
          auroraClusterArn: rdsArn(CENTRAL, 'odoo-cell-a-dr'),
          masterSecretArn: secretArn(CENTRAL, 'odoo-cell-a-master'),
          eksCluster: 'eks-shared-central',
          bucket: 'odoo-cell-a-filestore-dr',
        },
      },
      homeCell('cell-b'),
    ],
    dedicated: { eksCluster: 'eks-dedicated-west', dbSubnetGroupName: 'odoo-db', vpcSecurityGroupIds: ['sg-1'], drEksCluster: 'eks-dedicated-central' },
    archiveBucket: 'odoo-archive',
    tenantRolePath: '/odoo-tenants/',
    defaultOdooImage: 'odoo:17.0',
    offboardGraceSeconds: 0,
    release: DEFAULT_RELEASE_POLICY,
    drills: DEFAULT_DRILL_POLICY,
    failover: DEFAULT_FAILOVER_POLICY,
    ...over,
  };
}

function pooled(tenantId: string, cell: string, resources: Partial<Tenant['resources']> = {}): Tenant {
  const t = aTenant(tenantId, { status: 'ACTIVE' });
  return {
    ...t,
    placement: { ...t.placement, cell, cluster: 'eks-shared-west' },
    resources: {
      database: { kind: 'pooled', clusterIdentifier: `odoo-${cell}`, databaseName: `odoo_${tenantId}`, roleName: `odoo_${tenantId}`, secretArn: secretArn(WEST, `odoo-${tenantId}-db`) },
      filestore: { bucket: `odoo-${cell}-filestore`, prefix: `tenants/${tenantId}/` },
      compute: { cluster: 'eks-shared-west' },
      ...resources,
    },
  };
}

const DEDICATED_RESOURCES: DedicatedResources = {
  kind: 'dedicated',
  quota: { cpu: '16', memory: '64Gi', pods: 80 },
  web: { minReplicas: 2, maxReplicas: 8, cpu: '1', memory: '2Gi' },
  workers: 4,
  nodeGroup: { instanceType: 'm6i.xlarge', minSize: 2, desiredSize: 2, maxSize: 4 },
  database: { engine: 'aurora-postgresql', instanceClass: 'db.r6g.2xlarge', instances: 2 },
};

function dedicated(tenantId: string, over: { drPosture?: Tenant['placement']['drPosture']; resources?: Partial<Tenant['resources']>; activeRegion?: string } = {}): Tenant {
  const t = aTenant(tenantId, { status: 'ACTIVE', model: 'dedicated', criticality: 'critical' });
  return {
    ...t,
    activeRegion: over.activeRegion ?? WEST,
    placement: { ...t.placement, cluster: 'eks-dedicated-west', drPosture: over.drPosture ?? 'pilot-light', resources: DEDICATED_RESOURCES },
    resources: {
      database: { kind: 'dedicated', clusterIdentifier: `odoo-${tenantId}`, databaseName: 'odoo', roleName: 'odoo', secretArn: secretArn(WEST, `odoo-${tenantId}-db`) },
      filestore: { bucket: `odoo-${tenantId}-${ACCOUNT}-${WEST}`, prefix: `tenants/${tenantId}/` },
      compute: { cluster: 'eks-dedicated-west', nodegroup: `odoo-${tenantId}` },
      adminSecretArn: secretArn(WEST, `odoo-${tenantId}-admin`),
      dr: { region: CENTRAL, globalClusterIdentifier: `odoo-${tenantId}-global`, clusterIdentifier: `odoo-${tenantId}`, bucket: `odoo-${tenantId}-${ACCOUNT}-${CENTRAL}` },
      ...over.resources,
    },
  };
}

const unitOf = (tenants: Tenant[]): FailoverUnit => {
  const [unit] = planFailoverUnits(tenants);
  return unit!;
};
const thrown = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a throw');
};

describe('unitTarget: a cell', () => {
  const tenants = [pooled('alpha', 'cell-a'), pooled('bravo', 'cell-a')];

  it('fails over to the secondary of its global database, adding a writer named after it in the region activated', () => {
    expect(unitTarget(fleet(), unitOf(tenants), tenants, WEST, CENTRAL)).toEqual({
      kind: 'cell',
      posture: 'pilot-light',
      globalClusterIdentifier: 'odoo-cell-a-global',
      from: { region: WEST, clusterIdentifier: 'odoo-cell-a', clusterArn: rdsArn(WEST, 'odoo-cell-a') },
      to: {
        region: CENTRAL,
        clusterIdentifier: 'odoo-cell-a-dr',
        clusterArn: rdsArn(CENTRAL, 'odoo-cell-a-dr'),
        writerInstanceIdentifier: 'odoo-cell-a-dr-eu-central-1-1',
        writerInstanceClass: DEFAULT_FAILOVER_POLICY.cellWriterInstanceClass,
      },
    });
  });

  it('fails back the other way: from the DR copy to the home cluster', () => {
    expect(unitTarget(fleet(), unitOf(tenants), tenants, CENTRAL, WEST)).toEqual({
      kind: 'cell',
      posture: 'pilot-light',
      globalClusterIdentifier: 'odoo-cell-a-global',
      from: { region: CENTRAL, clusterIdentifier: 'odoo-cell-a-dr', clusterArn: rdsArn(CENTRAL, 'odoo-cell-a-dr') },
      to: {
        region: WEST,
        clusterIdentifier: 'odoo-cell-a',
        clusterArn: rdsArn(WEST, 'odoo-cell-a'),
        writerInstanceIdentifier: 'odoo-cell-a-eu-west-1-1',
        writerInstanceClass: DEFAULT_FAILOVER_POLICY.cellWriterInstanceClass,
      },
    });
  });

  it("takes the writer's class from the fleet's failover policy and keeps its name within RDS's 63 characters", () => {
    const long = 'c'.repeat(60);
    const config = fleet({ failover: { ...DEFAULT_FAILOVER_POLICY, cellWriterInstanceClass: 'db.r7g.xlarge' } });
    config.cells[0]!.dr!.auroraClusterIdentifier = long;

    const target = unitTarget(config, unitOf(tenants), tenants, WEST, CENTRAL);

    expect(target.to.writerInstanceClass).toBe('db.r7g.xlarge');
    expect(target.to.writerInstanceIdentifier).toBe(`${long}-eu`);
    expect(target.to.writerInstanceIdentifier).toHaveLength(63);
  });

  it('is backup-restore, with no global database, for a cell without a DR copy', () => {
    const onB = [pooled('charlie', 'cell-b')];

    const target = unitTarget(fleet(), unitOf(onB), onB, WEST, CENTRAL);

    expect(target).toMatchObject({ kind: 'cell', posture: 'backup-restore', from: { region: WEST, clusterIdentifier: 'odoo-cell-b' }, to: { region: CENTRAL } });
    expect(target).not.toHaveProperty('globalClusterIdentifier');
  });

  it('refuses a unit with no tenants, as a ValidationError naming it', () => {
    const err = thrown(() => unitTarget(fleet(), unitOf(tenants), [], WEST, CENTRAL));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'ValidationError', message: 'unit cell:cell-a has no tenants' });
  });
});

describe('unitTarget: a dedicated tenant', () => {
  it('fails over through the global database its DR record names, to the cluster of the same identifier in the other region', () => {
    const acme = [dedicated('acme')];

    expect(unitTarget(fleet(), unitOf(acme), acme, WEST, CENTRAL)).toEqual({
      kind: 'dedicated',
      posture: 'pilot-light',
      globalClusterIdentifier: 'odoo-acme-global',
      from: { region: WEST, clusterIdentifier: 'odoo-acme', clusterArn: rdsArn(WEST, 'odoo-acme') },
      to: {
        region: CENTRAL,
        clusterIdentifier: 'odoo-acme',
        clusterArn: rdsArn(CENTRAL, 'odoo-acme'),
        writerInstanceIdentifier: 'odoo-acme-1',
        writerInstanceClass: 'db.r6g.2xlarge',
      },
    });
  });

  it("makes a warm standby's first DR instance the writer", () => {
    const acme = [dedicated('acme', { drPosture: 'warm-standby', resources: { dr: { region: CENTRAL, globalClusterIdentifier: 'odoo-acme-global', clusterIdentifier: 'odoo-acme', instanceIdentifiers: ['odoo-acme-dr-1', 'odoo-acme-dr-2'] } } })];

    const target = unitTarget(fleet(), unitOf(acme), acme, WEST, CENTRAL);

    expect(target.posture).toBe('warm-standby');
    expect(target.to.writerInstanceIdentifier).toBe('odoo-acme-dr-1');
  });

  it('fails back to the cluster of the same identifier in the home region', () => {
    const acme = [dedicated('acme', { activeRegion: CENTRAL })];

    const target = unitTarget(fleet(), unitOf(acme), acme, CENTRAL, WEST);

    expect(target.from).toEqual({ region: CENTRAL, clusterIdentifier: 'odoo-acme', clusterArn: rdsArn(CENTRAL, 'odoo-acme') });
    expect(target.to).toMatchObject({ region: WEST, clusterIdentifier: 'odoo-acme', clusterArn: rdsArn(WEST, 'odoo-acme') });
  });

  it('names no global database when the tenant has no DR record', () => {
    const acme = [dedicated('acme', { drPosture: 'backup-restore', resources: { dr: undefined } })];

    const target = unitTarget(fleet(), unitOf(acme), acme, WEST, CENTRAL);

    expect(target.posture).toBe('backup-restore');
    expect(target).not.toHaveProperty('globalClusterIdentifier');
  });

  it('refuses a tenant without a database, as a ValidationError naming it', () => {
    const acme = [dedicated('acme', { resources: { database: undefined } })];

    expect(thrown(() => unitTarget(fleet(), unitOf(acme), acme, WEST, CENTRAL))).toMatchObject({ code: 'ValidationError', message: 'tenant acme has no database' });
  });
});

describe('tenantSide', () => {
  it('puts a pooled tenant on its cell in the home region: cell cluster and its ingress, cell bucket, secrets as they are', () => {
    const alpha = pooled('alpha', 'cell-a', { adminSecretArn: secretArn(WEST, 'odoo-alpha-admin') });

    expect(tenantSide(fleet(), alpha, WEST)).toEqual({
      eksCluster: 'eks-shared-west',
      ingressHostname: 'lb-shared-west.example.com',
      bucket: 'odoo-cell-a-filestore',
      databaseSecretArn: secretArn(WEST, 'odoo-alpha-db'),
      adminSecretArn: secretArn(WEST, 'odoo-alpha-admin'),
    });
  });

  it("puts a pooled tenant on its cell's DR copy in the DR region, with the secrets' replicas there", () => {
    const alpha = pooled('alpha', 'cell-a', { adminSecretArn: secretArn(WEST, 'odoo-alpha-admin') });

    expect(tenantSide(fleet(), alpha, CENTRAL)).toEqual({
      eksCluster: 'eks-shared-central',
      ingressHostname: 'lb-shared-central.example.com',
      bucket: 'odoo-cell-a-filestore-dr',
      databaseSecretArn: secretArn(CENTRAL, 'odoo-alpha-db'),
      adminSecretArn: secretArn(CENTRAL, 'odoo-alpha-admin'),
    });
  });

  it('leaves out the admin secret of a tenant that has none', () => {
    expect(tenantSide(fleet(), pooled('alpha', 'cell-a'), CENTRAL)).not.toHaveProperty('adminSecretArn');
  });

  it('puts a dedicated tenant on the cluster and bucket it runs on in its active region', () => {
    expect(tenantSide(fleet(), dedicated('acme'), WEST)).toEqual({
      eksCluster: 'eks-dedicated-west',
      ingressHostname: 'lb-dedicated-west.example.com',
      bucket: `odoo-acme-${ACCOUNT}-${WEST}`,
      databaseSecretArn: secretArn(WEST, 'odoo-acme-db'),
      adminSecretArn: secretArn(WEST, 'odoo-acme-admin'),
    });
  });

  it("puts a dedicated tenant on the DR region's dedicated cluster and its bucket replica there", () => {
    expect(tenantSide(fleet(), dedicated('acme'), CENTRAL)).toEqual({
      eksCluster: 'eks-dedicated-central',
      ingressHostname: 'lb-dedicated-central.example.com',
      bucket: `odoo-acme-${ACCOUNT}-${CENTRAL}`,
      databaseSecretArn: secretArn(CENTRAL, 'odoo-acme-db'),
      adminSecretArn: secretArn(CENTRAL, 'odoo-acme-admin'),
    });
  });

  it("falls back to the first EKS cluster of the region and the bucket's deterministic name when the configuration and DR record say nothing", () => {
    const config = fleet({ dedicated: { eksCluster: 'eks-dedicated-west', dbSubnetGroupName: 'odoo-db', vpcSecurityGroupIds: ['sg-1'] } });
    const acme = dedicated('acme', { resources: { dr: { region: CENTRAL } } });

    expect(tenantSide(config, acme, CENTRAL)).toMatchObject({ eksCluster: 'eks-shared-central', bucket: `odoo-acme-${ACCOUNT}-${CENTRAL}` });
  });

  it('after a failover, finds the home region through the swapped DR record', () => {
    // What recording the unit leaves: active in eu-central-1, the home bucket now the DR copy.
    const moved = dedicated('acme', {
      activeRegion: CENTRAL,
      resources: {
        filestore: { bucket: `odoo-acme-${ACCOUNT}-${CENTRAL}`, prefix: 'tenants/acme/' },
        compute: { cluster: 'eks-dedicated-central', nodegroup: 'odoo-acme' },
        dr: { region: WEST, globalClusterIdentifier: 'odoo-acme-global', clusterIdentifier: 'odoo-acme', bucket: `odoo-acme-${ACCOUNT}-${WEST}` },
      },
    });

    expect(tenantSide(fleet(), moved, CENTRAL)).toMatchObject({ eksCluster: 'eks-dedicated-central', bucket: `odoo-acme-${ACCOUNT}-${CENTRAL}` });
    expect(tenantSide(fleet(), moved, WEST)).toMatchObject({ eksCluster: 'eks-dedicated-west', bucket: `odoo-acme-${ACCOUNT}-${WEST}`, databaseSecretArn: secretArn(WEST, 'odoo-acme-db') });
  });

  it('refuses a tenant without a database, and a pooled tenant whose cell has no copy in the region', () => {
    expect(thrown(() => tenantSide(fleet(), pooled('alpha', 'cell-a', { database: undefined }), WEST))).toMatchObject({ code: 'ValidationError', message: 'tenant alpha has no database' });
    expect(thrown(() => tenantSide(fleet(), pooled('charlie', 'cell-b'), CENTRAL))).toMatchObject({ code: 'ValidationError', message: expect.stringContaining('cell cell-b has no copy in eu-central-1') });
  });
});
