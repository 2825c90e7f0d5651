/**
 * How the records of a release are stored: their keys, the index keys that list releases newest
 * first (all of them, or by status), and the attributes that stay inside the store (task tokens,
 * the set of a wave's failed tenants).
 */
import type { Release, ReleaseWave, TenantRelease } from '#shared/domain/release-types.ts';
import { prune, stripInternal, type Item, type Key } from './dynamo.ts';

const pk = (releaseId: string) => `RELEASE#${releaseId}`;

export const releaseKeys = {
  release: (releaseId: string): Key => ({ PK: pk(releaseId), SK: 'META' }),
  wave: (releaseId: string, index: number): Key => ({ PK: pk(releaseId), SK: `WAVE#${String(index).padStart(4, '0')}` }),
  tenant: (releaseId: string, tenantId: string): Key => ({ PK: pk(releaseId), SK: `TENANT#${tenantId}` }),
  partition: pk,
  wavePrefix: 'WAVE#',
  tenantPrefix: 'TENANT#',
};

/** Index partitions of the release lists (the tenant lists' indexes, other partitions). */
export const releasePartitions = {
  all: 'RELEASES#ALL',
  status: (status: string) => `RELEASES#STATUS#${status}`,
};

/** Releases sort by creation time; the id breaks ties between releases of the same millisecond. */
const listSortKey = (r: Pick<Release, 'createdAt' | 'releaseId'>) => `${r.createdAt}#${r.releaseId}`;

export const releaseIndexKeys = (r: Release) => ({
  GSI1PK: releasePartitions.status(r.status),
  GSI1SK: listSortKey(r),
  GSI4PK: releasePartitions.all,
  GSI4SK: listSortKey(r),
});

/** Store-only attributes: never part of a record the API returns. */
export const RELEASE_INTERNAL = ['approvalToken'] as const;
export const TENANT_RELEASE_INTERNAL = ['decisionToken'] as const;
export const WAVE_INTERNAL = ['failedTenants'] as const;

function without<T>(stored: Item, internal: readonly string[]): T {
  const record = stripInternal<Item>(stored);
  for (const field of internal) delete record[field];
  return record as T;
}

export const toRelease = (stored: Item): Release => without<Release>(stored, RELEASE_INTERNAL);
export const toWave = (stored: Item): ReleaseWave => without<ReleaseWave>(stored, WAVE_INTERNAL);
export const toTenantRelease = (stored: Item): TenantRelease => without<TenantRelease>(stored, TENANT_RELEASE_INTERNAL);

export const releaseItem = (r: Release): Item => prune({ ...r, ...releaseKeys.release(r.releaseId), ...releaseIndexKeys(r), entity: 'Release' });
export const waveItem = (w: ReleaseWave): Item => prune({ ...w, ...releaseKeys.wave(w.releaseId, w.index), entity: 'ReleaseWave' });
export const tenantReleaseItem = (t: TenantRelease): Item =>
  prune({ ...t, ...releaseKeys.tenant(t.releaseId, t.tenantId), entity: 'TenantRelease' });
