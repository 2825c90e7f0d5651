/**
 * The DR posture of dedicated tenants through the local API: a critical tenant gets an Aurora
 * global database whose secondary in the DR region has an instance (warm standby), a standard
 * tenant with heavy customization a headless one (pilot light); both get their master secret's
 * replica and a replicated DR bucket there. Offboarding leaves nothing in either region, also when
 * the writer has moved to the DR region.
 */
import { SwitchoverGlobalClusterCommand } from '@aws-sdk/client-rds';
import { ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import { DURATIONS } from '#local/sim/clock.ts';
import type { CloudInventory } from '#local/sim/inventory.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { pooledSql } from '#shared/cloud/pooled-sql.ts';
import { dataTargetIn } from '#shared/domain/fleet-lookup.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { api, dedicatedProfile, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;

beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

const standardHeavy = { criticality: 'standard', customization: 'heavy', compliance: [], expectedUsers: 80 };

async function provision(tenantId: string, profile: Record<string, unknown>): Promise<{ tenant: Tenant; operation: Operation }> {
  const res = await api<{ operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody(tenantId, profile));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const operation = await waitForOperation(plane, res.body.operation.operationId);
  return { tenant: (await plane.repo.getTenant(tenantId))!, operation };
}

async function offboard(tenantId: string): Promise<{ tenant: Tenant; operation: Operation }> {
  const res = await api<{ operation: Operation }>(plane, 'DELETE', `/v1/tenants/${tenantId}`);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const operation = await waitForOperation(plane, res.body.operation.operationId);
  return { tenant: (await plane.repo.getTenant(tenantId))!, operation };
}

const inventory = async () => (await api<CloudInventory>(plane, 'GET', '/_local/cloud')).body;
const leftovers = (tenantId: string) => plane.sim.inventoryForTenant(tenantId).filter((r) => !r.retained);

describe('DR posture of dedicated tenants', () => {
  it('gives a critical tenant a warm standby: a global secondary with an instance in the DR region, the secret replica and a replicated DR bucket', async () => {
    // act
    const { tenant, operation } = await provision('dr-crit', dedicatedProfile);
    const cloudNow = await inventory();

    // assess
    const { primaryRegion, drRegion, accountId } = plane.config;
    expect(operation.status).toBe('SUCCEEDED');
    expect(operation.steps.find((s) => s.name === 'EnsureTenantDrCopy')).toMatchObject({ status: 'SUCCEEDED' });
    expect(tenant).toMatchObject({ status: 'ACTIVE', placement: { model: 'dedicated', drPosture: 'warm-standby' } });
    expect(tenant.resources.dr).toEqual({
      region: drRegion,
      globalClusterIdentifier: 'odoo-dr-crit-global',
      clusterIdentifier: 'odoo-dr-crit',
      instanceIdentifiers: ['odoo-dr-crit-1'],
      bucket: `odoo-dr-crit-${accountId}-${drRegion}`,
      nodegroup: 'odoo-dr-crit',
    });
    const primaryArn = `arn:aws:rds:${primaryRegion}:${accountId}:cluster:odoo-dr-crit`;
    const secondaryArn = `arn:aws:rds:${drRegion}:${accountId}:cluster:odoo-dr-crit`;
    expect(cloudNow.globalClusters).toContainEqual({
      identifier: 'odoo-dr-crit-global',
      status: 'available',
      writer: primaryArn,
      members: [
        { arn: primaryArn, region: primaryRegion, isWriter: true },
        { arn: secondaryArn, region: drRegion, isWriter: false, synchronization: 'connected' },
      ],
    });
    const secondary = cloudNow.regions[drRegion]!.rds.clusters.find((c) => c.identifier === 'odoo-dr-crit');
    expect(secondary).toMatchObject({ status: 'available', storageEncrypted: true, deletionProtection: true, replicaOf: primaryArn, instances: [{ identifier: 'odoo-dr-crit-1', status: 'available' }] });
    // Aurora does not manage the master password of a global database's cluster: the tenant's own secret, replicated.
    expect(tenant.resources.database?.secretArn).toMatch(new RegExp(`^arn:aws:secretsmanager:${primaryRegion}:${accountId}:secret:odoo/dr-crit/db-`));
    expect(cloudNow.regions[primaryRegion]!.secrets).toContainEqual({ name: 'odoo/dr-crit/db', replicas: [drRegion] });
    expect(cloudNow.regions[drRegion]!.secrets).toContainEqual({ name: 'odoo/dr-crit/db', replicaOf: primaryRegion });
    expect(cloudNow.regions[drRegion]!.s3.buckets).toContainEqual(expect.objectContaining({ name: `odoo-dr-crit-${accountId}-${drRegion}`, versioning: 'Enabled' }));
    expect(cloudNow.regions[primaryRegion]!.s3.buckets).toContainEqual(expect.objectContaining({ name: `odoo-dr-crit-${accountId}-${primaryRegion}`, replicatesTo: [`odoo-dr-crit-${accountId}-${drRegion}`] }));
  });

  it("reads the tenant's database in the DR region with the replica of its secret, where a failover will find it", async () => {
    // prepare
    const tenant = (await plane.repo.getTenant('dr-crit'))!;
    const target = dataTargetIn(plane.config, tenant, plane.config.drRegion);

    // act
    const out = await cloud()
      .rdsData(plane.config.drRegion)
      .send(new ExecuteStatementCommand({ resourceArn: target.resourceArn, secretArn: target.secretArn, database: 'postgres', ...pooledSql.databaseExists(target.database) }));

    // assess
    expect(out.records).toEqual([[{ longValue: 1 }]]);
  });

  it('gives a standard tenant with heavy customization a pilot light: a headless global secondary, no instance in the DR region', async () => {
    // act
    const { tenant, operation } = await provision('dr-std', standardHeavy);
    const cloudNow = await inventory();

    // assess
    const { drRegion, accountId } = plane.config;
    expect(operation.status).toBe('SUCCEEDED');
    expect(tenant).toMatchObject({ status: 'ACTIVE', placement: { model: 'dedicated', drPosture: 'pilot-light' } });
    expect(tenant.resources.dr).toEqual({ region: drRegion, globalClusterIdentifier: 'odoo-dr-std-global', clusterIdentifier: 'odoo-dr-std', instanceIdentifiers: [], bucket: `odoo-dr-std-${accountId}-${drRegion}` });
    expect(cloudNow.regions[drRegion]!.rds.clusters.find((c) => c.identifier === 'odoo-dr-std')).toMatchObject({ status: 'available', globalCluster: 'odoo-dr-std-global', instances: [] });
  });

  it('offboards both and leaves nothing in either region: no cluster, instance, global database, secret, replica or bucket', async () => {
    // act
    const ended = await Promise.all([offboard('dr-crit'), offboard('dr-std')]);
    const cloudNow = await inventory();

    // assess
    for (const { tenant, operation } of ended) {
      expect(operation.status).toBe('SUCCEEDED');
      expect(tenant.status).toBe('DELETED');
      expect(tenant.resources.dr).toBeUndefined();
      expect(leftovers(tenant.tenantId)).toEqual([]);
    }
    expect(cloudNow.globalClusters?.map((g) => g.identifier)).not.toEqual(expect.arrayContaining(['odoo-dr-crit-global']));
    expect(cloudNow.globalClusters?.map((g) => g.identifier)).not.toEqual(expect.arrayContaining(['odoo-dr-std-global']));
  });

  it('offboards a tenant whose writer has moved to the DR region: the old primary leaves the global database first, and nothing is left', async () => {
    // prepare
    const { drRegion, accountId } = plane.config;
    const { operation: provisioned } = await provision('dr-moved', dedicatedProfile);
    expect(provisioned.status).toBe('SUCCEEDED');
    await cloud()
      .rds(drRegion)
      .send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: 'odoo-dr-moved-global', TargetDbClusterIdentifier: `arn:aws:rds:${drRegion}:${accountId}:cluster:odoo-dr-moved` }));
    plane.clock.advance(DURATIONS.globalSwitchover + 1);
    const moved = (await inventory()).globalClusters?.find((g) => g.identifier === 'odoo-dr-moved-global');
    expect(moved?.writer).toBe(`arn:aws:rds:${drRegion}:${accountId}:cluster:odoo-dr-moved`);

    // act
    const { tenant, operation } = await offboard('dr-moved');

    // assess
    expect(operation.status).toBe('SUCCEEDED');
    expect(tenant.status).toBe('DELETED');
    expect(leftovers('dr-moved')).toEqual([]);
  });
});
