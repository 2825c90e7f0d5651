/**
 * Seeded tenants stand in for provisioned ones in the release benchmark: a seeded tenant has the
 * record and the cloud state a provisioned one has, and a release through the API upgrades both the
 * same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import { seedTenants } from '#local/sim/seed-tenants.ts';
import type { Release, TenantRelease } from '#shared/domain/release-types.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { api, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

const IMAGE = 'registry.example.com/odoo:17.0-20261201';
const ENDED = ['SUCCEEDED', 'HALTED', 'FAILED', 'ABORTED', 'REJECTED'];

let plane: LocalControlPlane;

beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

const tenantOf = async (id: string) => (await api<Tenant>(plane, 'GET', `/v1/tenants/${id}`)).body;
const webImage = (tenantId: string) =>
  plane.sim
    .inventoryForTenant(tenantId)
    .filter((r) => r.type === 'deployment' && r.id.endsWith('odoo-web'))
    .map((r) => (r.detail as { image?: string } | undefined)?.image)[0];
const kinds = (tenantId: string) => [...new Set(plane.sim.inventoryForTenant(tenantId).map((r) => r.type))].sort();

async function releaseView(releaseId: string): Promise<{ release: Release; tenants: TenantRelease[] }> {
  const res = await api<{ release: Release; tenants: TenantRelease[] }>(plane, 'GET', `/v1/releases/${releaseId}?limit=100`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function untilStatus(releaseId: string, statuses: string[]): Promise<{ release: Release; tenants: TenantRelease[] }> {
  for (let i = 0; i < 6000; i++) {
    const v = await releaseView(releaseId);
    if (statuses.includes(v.release.status) && (!ENDED.includes(v.release.status) || v.release.endedAt)) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`release ${releaseId} never reached ${statuses.join('|')}`);
}

describe('Seeded tenants', () => {
  beforeAll(async () => {
    const res = await api<{ operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody('provisioned-one'));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect((await waitForOperation(plane, res.body.operation.operationId)).status).toBe('SUCCEEDED');
    await seedTenants(plane, [{ tenantId: 'seeded-canary', tags: ['canary'] }, { tenantId: 'seeded-two' }]);
  }, 120_000);

  it('are ACTIVE with the resources, desired state and cloud state provisioning leaves', async () => {
    const provisioned = await tenantOf('provisioned-one');
    const seeded = await tenantOf('seeded-two');
    expect(seeded.status).toBe('ACTIVE');
    expect(seeded.placement.model).toBe('pooled');
    expect(seeded.release).toEqual(provisioned.release);
    for (const field of ['database', 'filestore', 'kubernetes', 'dns', 'adminSecretArn'] as const) expect(seeded.resources[field], field).toBeDefined();
    expect(seeded.resources.database!.clusterIdentifier).toMatch(/^odoo-cell-/);
    expect(seeded.resources.kubernetes!.objects).toBe(provisioned.resources.kubernetes!.objects);
    expect((await plane.repo.getDesiredState('seeded-two'))?.version).toBe(seeded.resources.kubernetes!.desiredStateVersion);
    // Database, secrets, namespace and workloads, DNS: what a release reads; the provisioned tenant has those too.
    expect(kinds('provisioned-one')).toEqual(expect.arrayContaining(kinds('seeded-two')));
    expect(webImage('seeded-two')).toBe(provisioned.release.image);
    expect(await plane.sim.probe(plane.config.primaryRegion).health(seeded.hostname)).toMatchObject({ ok: true });
  });

  it('are released end to end through the API, the same as a provisioned tenant', async () => {
    const ids = ['seeded-canary', 'seeded-two', 'provisioned-one'];
    const created = await api<{ release: Release }>(
      plane,
      'POST',
      '/v1/releases',
      { image: IMAGE, modules: ['sale'], selector: { tenantIds: ids }, strategy: { bakeSeconds: 60, maxConcurrency: 4, maxConcurrencyPerCell: 2 } },
      { 'x-actor': 'alice@ops' },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const releaseId = created.body.release.releaseId;
    await untilStatus(releaseId, ['AWAITING_APPROVAL']);
    expect((await api(plane, 'POST', `/v1/releases/${releaseId}/approve`, {}, { 'x-actor': 'bob@ops' })).status).toBe(200);
    const done = await untilStatus(releaseId, ENDED);

    expect(done.release.status, JSON.stringify(done.release)).toBe('SUCCEEDED');
    expect(done.tenants.map((t) => [t.tenantId, t.outcome]).sort()).toEqual(ids.map((id) => [id, 'SUCCEEDED']).sort());
    for (const id of ids) {
      const t = await tenantOf(id);
      expect(t.status).toBe('ACTIVE');
      expect(t.release).toEqual({ image: IMAGE, modules: ['sale'] });
      expect(t.lease).toBeUndefined();
      expect(webImage(id)).toBe(IMAGE);
    }
    const steps = async (id: string) => {
      const item = done.tenants.find((t) => t.tenantId === id)!;
      return (await api<Operation>(plane, 'GET', `/v1/operations/${item.operationId}`)).body.steps.map((s) => s.name);
    };
    expect(await steps('seeded-two')).toEqual(await steps('provisioned-one'));
  }, 300_000);
});

describe('Seeded dedicated tenants', () => {
  it('have their own cluster, node group and bucket, and their DR copy: a global secondary in the DR region (an instance for warm standby, none for pilot light)', async () => {
    // act
    const [critical, heavy] = await seedTenants(plane, [
      { tenantId: 'seeded-critical', criticality: 'critical' },
      { tenantId: 'seeded-heavy', criticality: 'standard', customization: 'heavy' },
    ]);

    // assess
    const { primaryRegion, drRegion, accountId } = plane.config;
    const inventory = plane.sim.inventory();
    for (const [tenant, posture, instances] of [
      [critical!, 'warm-standby', [`odoo-${critical!.tenantId}-1`]],
      [heavy!, 'pilot-light', []],
    ] as const) {
      const id = tenant.tenantId;
      expect(tenant).toMatchObject({ status: 'ACTIVE', placement: { model: 'dedicated', drPosture: posture } });
      expect(tenant.resources.dr).toEqual({
        region: drRegion,
        globalClusterIdentifier: `odoo-${id}-global`,
        clusterIdentifier: `odoo-${id}`,
        instanceIdentifiers: instances,
        bucket: `odoo-${id}-${accountId}-${drRegion}`,
        // Warm standby keeps a node group in the DR region, at one node; pilot light none.
        ...(posture === 'warm-standby' ? { nodegroup: `odoo-${id}` } : {}),
      });
      expect(inventory.globalClusters).toContainEqual(expect.objectContaining({ identifier: `odoo-${id}-global`, writer: `arn:aws:rds:${primaryRegion}:${accountId}:cluster:odoo-${id}` }));
      const secondary = inventory.regions[drRegion]!.rds.clusters.find((c) => c.identifier === `odoo-${id}`);
      expect(secondary).toMatchObject({ status: 'available', globalCluster: `odoo-${id}-global` });
      expect(secondary!.instances.map((i) => i.identifier)).toEqual(instances);
      expect(inventory.regions[drRegion]!.secrets).toContainEqual({ name: `odoo/${id}/db`, replicaOf: primaryRegion });
      expect(await plane.sim.probe(primaryRegion).health(tenant.hostname)).toMatchObject({ ok: true });
    }
  }, 120_000);
});
