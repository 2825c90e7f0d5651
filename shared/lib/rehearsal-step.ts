/**
 * What every rehearsal step shares: the state the rehearsal workflow carries, the rehearsal's
 * record on the release, and the target its copy lives at once prepared.
 */
import type { ReleaseCalendar } from '#shared/domain/release-windows.ts';
import type { RehearsalRecord, Release } from '#shared/domain/release-types.ts';
import { REHEARSAL_TTL_SECONDS, type RehearsalTarget } from '#shared/domain/rehearsal-workspace.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { validationError } from './errors.ts';
import type { ReleaseStepContext } from './release-step.ts';

export interface PreparedCopy {
  ready: boolean;
  since: string;
  model: 'pooled' | 'dedicated';
  region: string;
  eksCluster: string;
  host?: string;
  database: string;
  secretName?: string;
  /** Dedicated: the restored cluster. */
  clusterIdentifier?: string;
}

export type RehearsalState = {
  releaseId: string;
  actor: string;
  moduleSetKey: string;
  tenantId: string;
  index: number;
  copy?: PreparedCopy;
  upgrade?: { ready: boolean; since?: string; startedAt?: string; seconds?: number; status?: string };
  check?: { passed: boolean; reason?: string; upgradeSeconds?: number };
  teardown?: { ready: boolean; cleanedUp?: boolean };
  error?: unknown;
  teardownError?: unknown;
};

export type RehearsalContext = ReleaseStepContext<RehearsalState>;

export function expiresAt(since: string): string {
  return new Date(Date.parse(since) + REHEARSAL_TTL_SECONDS * 1000).toISOString();
}

/** The copy's target as the Jobs see it; the copy must have been prepared. */
export function targetOf(state: RehearsalState, tenant: Tenant & { releaseCalendar?: ReleaseCalendar }): RehearsalTarget {
  const copy = state.copy;
  if (!copy?.host || !copy.secretName) throw validationError('the rehearsal copy is not prepared', [{ path: 'copy', message: 'has no host or credentials yet' }]);
  return {
    releaseId: state.releaseId,
    index: state.index,
    tenant,
    database: { host: copy.host, port: 5432, name: copy.database, secretName: copy.secretName },
    region: copy.region,
    expiresAt: expiresAt(copy.since),
  };
}

/** Changes this rehearsal's record on the release (no status change). */
export async function updateRehearsal(ctx: RehearsalContext, change: (r: RehearsalRecord) => RehearsalRecord): Promise<Release> {
  return ctx.updateRelease((r) => ({ ...r, rehearsals: r.rehearsals.map((x, i) => (i === ctx.state.index ? change(x) : x)) }));
}
