/**
 * Listing tenants through the indexes, never a Scan. One filter reads its own index; several
 * filters read the index of the filter expected to match the fewest tenants and filter the rest.
 */
import { CRITICALITIES, TENANT_STATUSES, type Criticality, type TenancyModel, type Tenant, type TenantStatus } from '#shared/domain/types.ts';
import { validationError } from '#shared/lib/errors.ts';
import { mapPage, queryPage, type Page, type PageRequest } from './query.ts';
import type { StoreContext } from './dynamo.ts';
import { tenantPartitions, toTenant } from './tenant-item.ts';
import type { IndexName } from './table-schema.ts';

export interface TenantListQuery extends PageRequest {
  status?: TenantStatus;
  criticality?: Criticality;
  model?: TenancyModel;
}

const MODELS: readonly TenancyModel[] = ['pooled', 'dedicated'];

type Filter = 'status' | 'criticality' | 'model';

interface FilterIndex {
  index: IndexName;
  /** The index partition key attribute, which also serves to filter on this field. */
  attribute: 'GSI1PK' | 'GSI2PK' | 'GSI3PK';
  partition: (value: string) => string;
  allowed: readonly string[];
  /**
   * Rough share of the fleet one value matches. Most tenants are ACTIVE, pooled and low or
   * standard; the transient statuses, dedicated and critical tenants are few.
   */
  share: (value: string) => number;
}

const FILTERS: Record<Filter, FilterIndex> = {
  status: {
    index: 'ByStatus',
    attribute: 'GSI1PK',
    partition: tenantPartitions.status,
    allowed: TENANT_STATUSES,
    share: (v) => (v === 'ACTIVE' ? 0.8 : v === 'DELETED' ? 0.5 : 0.05),
  },
  criticality: {
    index: 'ByCriticality',
    attribute: 'GSI2PK',
    partition: tenantPartitions.criticality,
    allowed: CRITICALITIES,
    share: (v) => (v === 'low' ? 0.5 : v === 'standard' ? 0.35 : 0.15),
  },
  model: { index: 'ByModel', attribute: 'GSI3PK', partition: tenantPartitions.model, allowed: MODELS, share: (v) => (v === 'pooled' ? 0.8 : 0.2) },
};

export async function listTenants(ctx: StoreContext, q: TenantListQuery = {}): Promise<Page<Tenant>> {
  const given: [Filter, string][] = [];
  for (const filter of Object.keys(FILTERS) as Filter[]) {
    const value = q[filter];
    if (value === undefined) continue;
    if (!FILTERS[filter].allowed.includes(value)) {
      throw validationError(`Invalid ${filter}`, [{ path: filter, message: `must be one of ${FILTERS[filter].allowed.join(', ')}` }]);
    }
    given.push([filter, value]);
  }
  const scope = `tenants|${given.map(([f, v]) => `${f}=${v}`).join('&')}`;
  const request = { limit: q.limit, cursor: q.cursor };

  if (given.length === 0) {
    return mapPage(queryPage(ctx, { scope, indexName: 'ByCollection', partitionValue: tenantPartitions.all }, request), toTenant);
  }

  const [lead, ...rest] = [...given].sort(([fa, va], [fb, vb]) => FILTERS[fa].share(va) - FILTERS[fb].share(vb));
  const [leadFilter, leadValue] = lead!;
  const filter = rest.length
    ? {
        expression: rest.map((_, i) => `#f${i} = :f${i}`).join(' AND '),
        names: Object.fromEntries(rest.map(([f], i) => [`#f${i}`, FILTERS[f].attribute])),
        values: Object.fromEntries(rest.map(([f, v], i) => [`:f${i}`, FILTERS[f].partition(v)])),
      }
    : undefined;
  return mapPage(
    queryPage(ctx, { scope, indexName: FILTERS[leadFilter].index, partitionValue: FILTERS[leadFilter].partition(leadValue), filter }, request),
    toTenant,
  );
}
