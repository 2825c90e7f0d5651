import { describe, expect, it } from 'vitest';
import { failoverWaves, planFailoverUnits, selectFailoverTenants, type FailoverTenant } from '#shared/domain/failover-plan.ts';
import type { Criticality } from '#shared/domain/types.ts';

const pooled = (id: string, cell: string, criticality: Criticality = 'low', rtoSeconds = 28_800): FailoverTenant =>
  ({ tenantId: id, status: 'ACTIVE', activeRegion: 'eu-west-1', profile: { criticality }, placement: { model: 'pooled', cell, rtoSeconds } }) as unknown as FailoverTenant;
const dedicated = (id: string, criticality: Criticality = 'critical', rtoSeconds = 900): FailoverTenant =>
  ({ tenantId: id, status: 'ACTIVE', activeRegion: 'eu-west-1', profile: { criticality }, placement: { model: 'dedicated', cell: null, rtoSeconds } }) as unknown as FailoverTenant;

describe('failover units', () => {
  it('moves the pooled tenants of a cell together, and each dedicated tenant alone', () => {
    const units = planFailoverUnits([pooled('b', 'cell-a'), pooled('a', 'cell-a'), dedicated('d'), pooled('c', 'cell-b')]);
    expect(units.map((u) => [u.key, u.kind, u.tenantIds])).toEqual([
      ['tenant:d', 'dedicated', ['d']],
      ['cell:cell-a', 'cell', ['a', 'b']],
      ['cell:cell-b', 'cell', ['c']],
    ]);
  });

  it('goes most critical first (a cell counts as its most critical tenant), then tightest RTO, then by name', () => {
    const units = planFailoverUnits([
      pooled('l1', 'cell-low', 'low'),
      pooled('s1', 'cell-std', 'standard', 7200),
      pooled('l2', 'cell-std', 'low'),
      dedicated('crit-slow', 'critical', 1800),
      dedicated('crit-fast', 'critical', 600),
      dedicated('std', 'standard', 7200),
    ]);
    expect(units.map((u) => u.key)).toEqual(['tenant:crit-fast', 'tenant:crit-slow', 'cell:cell-std', 'tenant:std', 'cell:cell-low']);
    expect(units.find((u) => u.key === 'cell:cell-std')).toMatchObject({ criticality: 'standard', rtoSeconds: 7200 });
  });

  it('is the same order whatever order the tenants come in', () => {
    const list = [pooled('x', 'c1'), dedicated('y'), pooled('z', 'c2', 'standard'), dedicated('w', 'standard', 7200)];
    expect(planFailoverUnits([...list].reverse())).toEqual(planFailoverUnits(list));
  });

  it('runs at most maxConcurrent units at once, in order', () => {
    const units = planFailoverUnits([dedicated('a'), dedicated('b'), dedicated('c')]);
    expect(failoverWaves(units, 2).map((w) => w.map((u) => u.key))).toEqual([['tenant:a', 'tenant:b'], ['tenant:c']]);
    expect(() => failoverWaves(units, 0)).toThrow(/positive integer/);
  });
});

describe('selecting the tenants of a failover', () => {
  const fleet = [pooled('a', 'cell-a'), pooled('b', 'cell-b'), dedicated('d'), { ...dedicated('moved'), activeRegion: 'eu-central-1' }, { ...dedicated('gone'), status: 'DELETED' } as FailoverTenant];

  it('takes what the scope names and is active in the region being left, saying why it skips the rest', () => {
    expect(selectFailoverTenants(fleet, { scope: 'tenant', tenantId: 'd', fromRegion: 'eu-west-1' }).tenants.map((t) => t.tenantId)).toEqual(['d']);
    expect(selectFailoverTenants(fleet, { scope: 'cell', cell: 'cell-a', fromRegion: 'eu-west-1' }).tenants.map((t) => t.tenantId)).toEqual(['a']);
    const region = selectFailoverTenants(fleet, { scope: 'region', fromRegion: 'eu-west-1' });
    expect(region.tenants.map((t) => t.tenantId)).toEqual(['a', 'b', 'd']);
    expect(region.skipped).toEqual([
      { tenantId: 'moved', reason: 'active in eu-central-1, not eu-west-1' },
      { tenantId: 'gone', reason: 'tenant is DELETED' },
    ]);
  });

  it('widens a tenant-scope failover of a pooled tenant to its whole cell, and says why', () => {
    const withNeighbour = [...fleet, pooled('a2', 'cell-a')];
    const picked = selectFailoverTenants(withNeighbour, { scope: 'tenant', tenantId: 'a', fromRegion: 'eu-west-1' });
    expect(picked.tenants.map((t) => t.tenantId)).toEqual(['a', 'a2']);
    expect(picked.widened).toEqual({ cell: 'cell-a', reason: 'a is pooled on cell-a, whose database 1 other tenant shares: the whole cell fails over' });
    expect(selectFailoverTenants(withNeighbour, { scope: 'tenant', tenantId: 'd', fromRegion: 'eu-west-1' }).widened).toBeUndefined();
  });
});
