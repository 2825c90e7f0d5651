/**
 * Which tenants a failover moves, in which order and in which groups. Tenants that share a
 * database (the pooled tenants of one cell: one Aurora global cluster) are one unit: the cluster is
 * promoted once and all of them move together. A dedicated tenant is a unit of its own. Units go
 * most critical first (a cell counts as its most critical tenant), then the one with the tightest
 * RTO, then by name, so the order is the same whoever lists the tenants; at most `maxConcurrent`
 * units are in flight at once.
 */
import type { Criticality, Tenant } from './types.ts';

export type FailoverScope = 'tenant' | 'cell' | 'region';
export type FailoverMode = 'planned' | 'unplanned';

export interface FailoverSelector {
  scope: FailoverScope;
  tenantId?: string;
  cell?: string;
  fromRegion: string;
}

export interface FailoverUnit {
  /** `cell:<id>` or `tenant:<id>`: what is promoted as one. */
  key: string;
  kind: 'cell' | 'dedicated';
  tenantIds: string[];
  criticality: Criticality;
  /** The tightest RTO target among its tenants, seconds. */
  rtoSeconds: number;
}

const RANK: Record<Criticality, number> = { critical: 0, standard: 1, low: 2 };

export type FailoverTenant = Pick<Tenant, 'tenantId' | 'status' | 'activeRegion' | 'profile' | 'placement'>;

/**
 * The tenants a selector names, and why it leaves any out. Only tenants active in `fromRegion`
 * move. A pooled tenant shares its cell's database with its neighbours: failing it over alone is
 * impossible, so a tenant-scope failover of one is widened to its whole cell, and says so.
 */
export function selectFailoverTenants(
  tenants: readonly FailoverTenant[],
  selector: FailoverSelector,
): { tenants: FailoverTenant[]; skipped: { tenantId: string; reason: string }[]; widened?: { cell: string; reason: string } } {
  const named = selector.scope === 'tenant' ? tenants.find((t) => t.tenantId === selector.tenantId) : undefined;
  const cell = selector.scope === 'cell' ? selector.cell : named?.placement.model === 'pooled' ? (named.placement.cell ?? undefined) : undefined;
  const inScope = tenants.filter((t) => {
    if (cell) return t.placement.model === 'pooled' && t.placement.cell === cell;
    if (selector.scope === 'tenant') return t.tenantId === selector.tenantId;
    return true;
  });
  const out: FailoverTenant[] = [];
  const skipped: { tenantId: string; reason: string }[] = [];
  for (const t of inScope) {
    if (t.activeRegion !== selector.fromRegion) skipped.push({ tenantId: t.tenantId, reason: `active in ${t.activeRegion}, not ${selector.fromRegion}` });
    else if (!['ACTIVE', 'UPDATING', 'SUSPENDED'].includes(t.status)) skipped.push({ tenantId: t.tenantId, reason: `tenant is ${t.status}` });
    else out.push(t);
  }
  const neighbours = inScope.length - 1;
  const widened =
    selector.scope === 'tenant' && cell
      ? { cell, reason: `${selector.tenantId} is pooled on ${cell}, whose database ${neighbours} other tenant${neighbours === 1 ? ' shares' : 's share'}: the whole cell fails over` }
      : undefined;
  return widened ? { tenants: out, skipped, widened } : { tenants: out, skipped };
}

/** The units of a failover in the order they go. */
export function planFailoverUnits(tenants: readonly FailoverTenant[]): FailoverUnit[] {
  const units = new Map<string, FailoverUnit>();
  for (const t of tenants) {
    const key = t.placement.model === 'pooled' && t.placement.cell ? `cell:${t.placement.cell}` : `tenant:${t.tenantId}`;
    const unit = units.get(key) ?? {
      key,
      kind: key.startsWith('cell:') ? ('cell' as const) : ('dedicated' as const),
      tenantIds: [],
      criticality: t.profile.criticality,
      rtoSeconds: t.placement.rtoSeconds,
    };
    unit.tenantIds.push(t.tenantId);
    if (RANK[t.profile.criticality] < RANK[unit.criticality]) unit.criticality = t.profile.criticality;
    unit.rtoSeconds = Math.min(unit.rtoSeconds, t.placement.rtoSeconds);
    units.set(key, unit);
  }
  for (const u of units.values()) u.tenantIds.sort();
  return [...units.values()].sort((a, b) => RANK[a.criticality] - RANK[b.criticality] || a.rtoSeconds - b.rtoSeconds || a.key.localeCompare(b.key));
}

/**
 * The units in waves of at most `maxConcurrent`, in order: what a Map with that concurrency runs
 * when units take equal time, and the order in which the first ones start.
 */
export function failoverWaves(units: readonly FailoverUnit[], maxConcurrent: number): FailoverUnit[][] {
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new Error(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
  const waves: FailoverUnit[][] = [];
  for (let i = 0; i < units.length; i += maxConcurrent) waves.push(units.slice(i, i + maxConcurrent));
  return waves;
}
