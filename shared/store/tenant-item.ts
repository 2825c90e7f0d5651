/**
 * How a tenant is stored: the record itself plus the index keys that let it be listed by status,
 * criticality, model and as part of the whole fleet. Every write of a tenant goes through here so
 * the index keys always agree with the fields they are derived from.
 */
import type { ChangeEvent, Tenant } from '#shared/domain/types.ts';
import { keys, prune, stripInternal, type Item } from './dynamo.ts';

/** Index partitions of the tenant lists, by the field each is keyed on. */
export const tenantPartitions = {
  status: (status: string) => `TENANTS#STATUS#${status}`,
  criticality: (criticality: string) => `TENANTS#CRIT#${criticality}`,
  model: (model: string) => `TENANTS#MODEL#${model}`,
  all: 'TENANTS#ALL',
};

export const tenantIndexKeys = (t: Tenant) => ({
  GSI1PK: tenantPartitions.status(t.status),
  GSI1SK: t.tenantId,
  GSI2PK: tenantPartitions.criticality(t.profile.criticality),
  GSI2SK: t.tenantId,
  GSI3PK: tenantPartitions.model(t.placement.model),
  GSI3SK: t.tenantId,
  GSI4PK: tenantPartitions.all,
  GSI4SK: t.tenantId,
});

/**
 * `lastChange` is the change event of the write that produced this item. Writing it with the item
 * (one atomic write) and re-appending it before the next write means a crash between the tenant
 * write and the change write delays the event instead of losing it.
 */
export function tenantItem(tenant: Tenant, lastChange: ChangeEvent): Item {
  return prune({ ...tenant, ...keys.tenant(tenant.tenantId), ...tenantIndexKeys(tenant), entity: 'Tenant', lastChange });
}

export const toTenant = (stored: Item): Tenant => stripInternal<Tenant>(stored);

export const lastChangeOf = (stored: Item): ChangeEvent | undefined => stored.lastChange as ChangeEvent | undefined;

/** Change ids of tenant writes sort by version, so events written in the same millisecond keep their order. */
export const versionChangeId = (version: number) => `v${String(version).padStart(10, '0')}`;

export function withoutLease(tenant: Tenant): Omit<Tenant, 'lease'> {
  const { lease: _lease, ...rest } = tenant;
  return rest;
}
