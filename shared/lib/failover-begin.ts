/**
 * Begins a failover: the one piece of logic behind `POST /v1/failovers` and the failover
 * workflow's first state (a console start passes the same body). It validates the request (the
 * schema, then the fleet's regions and cells), selects the tenants active in `fromRegion` (a
 * pooled tenant widens to its cell), orders them into units, takes every tenant's lease for the
 * failover and records the failover CHECKING with its tenants PENDING. A tenant held by another
 * operation (a second failover, a release) is a 409 naming it, and the leases already taken are
 * given back: a refused request changes nothing. A retry with the same id finds its own failover.
 */
import { failoverTransition } from '#shared/domain/failover-lifecycle.ts';
import { planFailoverUnits, selectFailoverTenants } from '#shared/domain/failover-plan.ts';
import { createFailoverBodySchema, failoverFleetProblems, type CreateFailoverBody } from '#shared/domain/failover-request.ts';
import type { Failover, FailoverTenant } from '#shared/domain/failover-types.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import type { Tenant, TenantStatus } from '#shared/domain/types.ts';
import { allPages } from '#shared/store/query.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { AppError, conflict, validationError } from './errors.ts';

/** A failover holds its tenants this long at most; the finish gives them back at once. */
export const FAILOVER_LEASE_SECONDS = 12 * 3600;

const MOVABLE: TenantStatus[] = ['ACTIVE', 'UPDATING', 'SUSPENDED'];

export interface BeginFailoverInput {
  repo: FleetRepository;
  config: FleetConfig;
  now: Date;
  /** The request body as received (from the API, or the console's execution input). */
  body: unknown;
  actor: string;
  failoverId: string;
  executionArn?: string;
  /** The region this control plane runs in (Lambda's `AWS_REGION`); none locally, where one plane serves both regions. */
  runningIn?: string;
}

/** The body parsed and checked against the fleet, or a 400 with every problem at its field. */
export function parseFailoverBody(body: unknown, config: FleetConfig): CreateFailoverBody {
  const parsed = createFailoverBodySchema.safeParse(body);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'body', message: i.message }));
    throw validationError(`Invalid failover request: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
  }
  const problems = failoverFleetProblems(parsed.data, config);
  if (problems.length) throw validationError(`Invalid failover request: ${problems.map((d) => `${d.path} ${d.message}`).join('; ')}`, problems);
  return parsed.data;
}

async function candidates(repo: FleetRepository, body: CreateFailoverBody): Promise<Tenant[]> {
  if (body.scope === 'tenant') {
    const named = await repo.getTenant(body.tenantId!);
    if (!named) throw validationError(`Tenant ${body.tenantId} not found`, [{ path: 'tenantId', message: 'no such tenant' }]);
    if (named.placement.model === 'dedicated') return [named];
  }
  const lists = await Promise.all(MOVABLE.map((status) => allPages((cursor) => repo.listTenants({ status, ...(cursor ? { cursor } : {}) }))));
  return lists.flat();
}

async function takeLeases(repo: FleetRepository, tenantIds: string[], failoverId: string): Promise<void> {
  const taken: string[] = [];
  try {
    for (const id of tenantIds) {
      await repo.acquireLease(id, failoverId, FAILOVER_LEASE_SECONDS);
      taken.push(id);
    }
  } catch (err) {
    await Promise.all(taken.map((id) => repo.releaseLease(id, failoverId).catch(() => undefined)));
    if (err instanceof AppError && err.code === 'LeaseHeld') {
      throw conflict(`Cannot fail over now: ${err.message}. One failover (or other operation) per tenant at a time; retry once it ends.`, err.details);
    }
    throw err;
  }
}

export async function beginFailover(i: BeginFailoverInput): Promise<{ failover: Failover; tenants: FailoverTenant[] }> {
  const existing = await i.repo.getFailover(i.failoverId);
  if (existing) {
    const tenants = await allPages((cursor) => i.repo.listFailoverTenants(i.failoverId, cursor ? { cursor } : {}));
    return { failover: existing, tenants };
  }
  const body = parseFailoverBody(i.body, i.config);
  // A failover runs in the control plane of the region it activates: the other may be the one down,
  // and this region's evidence bucket, alarms and table replica are the ones that will be there.
  const here = i.runningIn ?? (process.env.AWS_LAMBDA_FUNCTION_NAME ? process.env.AWS_REGION : undefined);
  if (here && here !== body.toRegion) {
    throw validationError(`Start this failover from the control plane in ${body.toRegion} (its API or its Step Functions console): this one runs in ${here}`, [
      { path: 'toRegion', message: `must be this control plane's region, ${here}` },
    ]);
  }
  const selection = selectFailoverTenants(await candidates(i.repo, body), body);
  if (selection.tenants.length === 0) {
    const why = selection.skipped.length ? selection.skipped.map((s) => `${s.tenantId}: ${s.reason}`).join('; ') : 'no tenant is in scope';
    throw conflict(`Nothing to fail over from ${body.fromRegion}: ${why}`, selection.skipped.map((s) => ({ path: s.tenantId, message: s.reason })));
  }
  const units = planFailoverUnits(selection.tenants);
  const tenantIds = units.flatMap((u) => u.tenantIds);
  await takeLeases(i.repo, tenantIds, i.failoverId);

  const at = i.now.toISOString();
  const requested = failoverTransition('NEW', 'Requested');
  if (!requested.ok) throw new Error(requested.reason);
  const failover: Failover = {
    failoverId: i.failoverId,
    scope: body.scope,
    ...(body.tenantId ? { tenantId: body.tenantId } : {}),
    ...(body.cell ? { cell: body.cell } : {}),
    fromRegion: body.fromRegion,
    toRegion: body.toRegion,
    mode: body.mode,
    reason: body.reason,
    ...(body.force !== undefined ? { force: body.force } : {}),
    requestedBy: i.actor,
    status: requested.to,
    units,
    tenantCount: tenantIds.length,
    ...(selection.widened ? { widened: selection.widened } : {}),
    ...(selection.skipped.length ? { skipped: selection.skipped } : {}),
    createdAt: at,
    updatedAt: at,
    ...(i.executionArn ? { executionArn: i.executionArn } : {}),
    version: 1,
  };
  const tenants: FailoverTenant[] = units.flatMap((u) =>
    u.tenantIds.map((tenantId) => ({ failoverId: i.failoverId, tenantId, unit: u.key, outcome: 'PENDING' as const, steps: [], updatedAt: at, version: 1 })),
  );
  try {
    return { failover: await i.repo.createFailover(failover, tenants), tenants };
  } catch (err) {
    await Promise.all(tenantIds.map((id) => i.repo.releaseLease(id, i.failoverId).catch(() => undefined)));
    throw err;
  }
}
