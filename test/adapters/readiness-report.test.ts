/**
 * The scheduled failover readiness report against the simulated cloud (global databases, their
 * lag in CloudWatch, EKS, a region that stops answering) and a real table on dynalite.
 */
import { DescribeGlobalClustersCommand, RemoveFromGlobalClusterCommand } from '@aws-sdk/client-rds';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { reportReadiness } from '#functions/failover/report-readiness.ts';
import type { Criticality, Tenant } from '#shared/domain/types.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { aTenant } from '../store/fixtures.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';
import { DR, PRIMARY, startSim, TIME_SCALE, type SimHarness } from '../sim/sim-harness.ts';

let h: SimHarness;
let table: LocalTable;
let repo: FleetRepository;

function tenant(tenantId: string, criticality: Criticality, over: { cell?: string; rpoSeconds?: number; status?: Tenant['status'] } = {}): Tenant {
  const t = aTenant(tenantId, { status: over.status ?? 'ACTIVE', criticality, model: over.cell ? 'pooled' : 'dedicated' });
  t.placement = { ...t.placement, cell: over.cell ?? null, rpoSeconds: over.rpoSeconds ?? 900, drPosture: over.cell ? 'pilot-light' : 'warm-standby' };
  return t;
}

beforeAll(async () => {
  h = await startSim();
  table = await startLocalTable();
  repo = table.repo(h.clock.now);
  // Both cells' DR copies are seeded (headless global secondaries); cell-b's has been detached from its global database.
  const cellB = h.config.cells.find((c) => c.id === 'cell-b')!;
  await h.provider.rds(DR).send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: cellB.dr!.globalClusterIdentifier, DbClusterIdentifier: cellB.dr!.auroraClusterArn }));
  h.sim.faults.set([{ service: 'rds', region: DR, effect: 'replication-lag', seconds: 120 }]);

  for (const t of [
    tenant('acme', 'standard', { cell: 'cell-a', rpoSeconds: 900 }),
    tenant('initech', 'low', { cell: 'cell-a', rpoSeconds: 60 }),
    tenant('soylent', 'low', { cell: 'cell-a', status: 'SUSPENDED' }),
    tenant('globex', 'standard', { cell: 'cell-b' }),
    // A dedicated tenant whose database was never recorded: its unit cannot be read.
    tenant('umbrella', 'critical'),
  ]) {
    await repo.createTenant(t, { actor: 'alice', type: 'TenantCreated' });
  }
}, 60_000);
afterAll(async () => {
  await table?.close();
  await h?.stop();
});
afterEach(() => vi.unstubAllEnvs());

const failed = (t: Tenant) => t.drReadiness?.checks.filter((c) => !c.passed).map((c) => c.name);
const points = (region: string) =>
  h.sim
    .region(region)
    .cloudwatch.metrics.filter((m) => m.namespace === 'Odoo/Failover')
    .map((m) => ({ name: m.name, criticality: m.dimensions.Criticality ?? 'fleet', value: m.value }));

describe('the scheduled failover readiness report', () => {
  it('stores each ACTIVE tenant planned-mode readiness out of band, one read per cell, and publishes the counts', async () => {
    const sent = vi.spyOn(h.provider.rds(DR), 'send');
    const result = await reportReadiness(repo, h.config, h.clock.now(), h.provider);

    // cell-a's two ACTIVE tenants share one read of the global database, and cell-b gets its own.
    expect(sent.mock.calls.filter(([command]) => command instanceof DescribeGlobalClustersCommand)).toHaveLength(2);
    sent.mockRestore();
    expect(result).toMatchObject({
      tenants: 4,
      units: 3,
      notReady: 3,
      // initech's RPO is below the lag; globex has no DR copy to fail over to at all.
      wouldMissRpo: 2,
      byCriticality: { critical: { tenants: 1, notReady: 1, wouldMissRpo: 0 }, standard: { tenants: 2, notReady: 1, wouldMissRpo: 1 }, low: { tenants: 1, notReady: 1, wouldMissRpo: 1 } },
      failedUnits: [{ unit: 'tenant:umbrella', fromRegion: PRIMARY, error: 'ValidationError: tenant umbrella has no database' }],
      notStored: [],
    });

    const acme = await repo.requireTenant('acme');
    expect(acme.drReadiness).toMatchObject({ checkedAt: h.clock.now().toISOString(), fromRegion: PRIMARY, toRegion: DR, ready: true, wouldMiss: [], expectedDataLossSeconds: 120 });
    expect(acme.drReadiness!.checks.map((c) => c.name)).toEqual(['secondary-healthy', 'secondary-promotable', 'engine-version', 'dr-capacity', 'rpo', 'rto', 'filestore-backlog', 'primary-reachable', 'lag-can-reach-zero']);
    // Never a write of the tenant: no version bump.
    expect(acme.version).toBe(1);

    // Same cell, same lag, its own RPO.
    const initech = await repo.requireTenant('initech');
    expect(initech.drReadiness).toMatchObject({ ready: false, wouldMiss: ['RPO'], expectedDataLossSeconds: 120 });
    expect(failed(initech)).toEqual(['rpo', 'lag-can-reach-zero']);

    const globex = await repo.requireTenant('globex');
    expect(failed(globex)).toEqual(['secondary-healthy', 'secondary-promotable', 'engine-version', 'rpo', 'lag-can-reach-zero']);
    expect(globex.drReadiness!.checks[0]!.detail).toBe('no headless global secondary in the DR region');
    // Nothing to fail over to: both targets would be missed, which is what the readiness alarm watches.
    expect(globex.drReadiness!.wouldMiss).toEqual(['RPO', 'RTO']);

    expect((await repo.requireTenant('umbrella')).drReadiness).toMatchObject({
      ready: false,
      checks: [{ name: 'readiness-facts', passed: false, blocking: true, detail: 'the readiness facts could not be read: ValidationError: tenant umbrella has no database' }],
    });
    expect((await repo.requireTenant('soylent')).drReadiness).toBeUndefined();

    expect(points(PRIMARY)).toEqual([
      { name: 'TenantsNotReady', criticality: 'fleet', value: 3 },
      { name: 'TenantsWouldMissRpo', criticality: 'fleet', value: 2 },
      // Expected failover times (failover.expectedSeconds) are within every target here; globex cannot fail over at all.
      { name: 'TenantsWouldMissRto', criticality: 'fleet', value: 1 },
      { name: 'TenantsNotReady', criticality: 'low', value: 1 },
      { name: 'TenantsWouldMissRpo', criticality: 'low', value: 1 },
      { name: 'TenantsWouldMissRto', criticality: 'low', value: 0 },
      { name: 'TenantsNotReady', criticality: 'standard', value: 1 },
      { name: 'TenantsWouldMissRpo', criticality: 'standard', value: 1 },
      { name: 'TenantsWouldMissRto', criticality: 'standard', value: 1 },
      { name: 'TenantsNotReady', criticality: 'critical', value: 1 },
      { name: 'TenantsWouldMissRpo', criticality: 'critical', value: 0 },
      { name: 'TenantsWouldMissRto', criticality: 'critical', value: 0 },
    ]);
  });

  it('with the primary region down, still reads everything else from the DR region and says the primary does not answer', async () => {
    // The DR region's control plane runs the report while the primary region is unreachable.
    vi.stubEnv('AWS_REGION', DR);
    h.sim.faults.set([
      { service: 'rds', region: DR, effect: 'replication-lag', seconds: 120 },
      { service: '*', region: PRIMARY, effect: 'unreachable' },
    ]);
    // Replication stopped when the region went down: ten minutes later the lag has grown by as much.
    h.clock.advance(600 / TIME_SCALE);

    const result = await reportReadiness(repo, h.config, h.clock.now(), h.provider);

    expect(result).toMatchObject({ tenants: 4, notReady: 4, wouldMissRpo: 2 });
    const acme = await repo.requireTenant('acme');
    expect(acme.drReadiness).toMatchObject({ ready: false, expectedDataLossSeconds: 720, wouldMiss: [] });
    // The filestore backlog is published in the region that is down: unknown, a warning.
    expect(failed(acme)).toEqual(['filestore-backlog', 'primary-reachable']);
    expect(acme.drReadiness!.checks.find((c) => c.name === 'engine-version')).toMatchObject({ passed: true });
    expect(points(DR).find((p) => p.name === 'TenantsNotReady' && p.criticality === 'fleet')).toEqual({ name: 'TenantsNotReady', criticality: 'fleet', value: 4 });
  });
});
