/**
 * `POST /v1/tenants`: records the tenant (PROVISIONING, placed, leased to its provisioning
 * operation), records the operation, and starts the provisioning workflow.
 *
 * The order is chosen so that a rejected request leaves nothing and a retried one converges:
 * - every refusal that needs no write (validation, a taken id, no placement) comes first;
 * - the tenant is written before the operation: its write is the one that can be refused (id or
 *   host name taken), and the store takes back its host name claim when it is; the cell slot
 *   taken for it is given back here;
 * - a retry under the same operation id recognises the tenant it wrote (by the lease or the
 *   operation) and carries on from there; the operation write and the execution start are
 *   idempotent.
 */
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { NEW_TENANT, transition } from '#shared/domain/tenant-lifecycle.ts';
import type { TenantRequest } from '#shared/domain/tenant-request.ts';
import type { Operation, Placement, Tenant } from '#shared/domain/types.ts';
import { conflict } from '#shared/lib/errors.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { placeTenant, releaseOtherSlots } from './cell-placement.ts';
import type { Attempt } from './idempotency.ts';
import { recordExecution, startWorkflow, stateMachineArn } from './workflow-start.ts';
import { pendingOperation } from '#shared/domain/operations.ts';

/** The lease the provisioning operation starts with; its workflow renews it as it goes. */
export const PROVISION_LEASE_SECONDS = 2 * 3600;

export interface TenantCreation {
  repo: FleetRepository;
  config: FleetConfig;
  request: TenantRequest;
  actor: string;
  attempt: Attempt;
  now?: () => Date;
}

export interface StartedOperation {
  tenant: Tenant;
  operation: Operation;
}

export async function startTenantCreation(c: TenantCreation): Promise<StartedOperation> {
  const machineArn = stateMachineArn('provision');
  const now = c.now ?? (() => new Date());
  const { operationId } = c.attempt;

  const tenant = await recordTenant(c, now);
  if (c.attempt.resumed) await releaseOtherSlots(c.repo, c.config, tenant.tenantId, tenant.placement.cell);
  const at = now().toISOString();
  const operation = pendingOperation({ operationId, type: 'PROVISION', tenantId: tenant.tenantId, requestedBy: c.actor, at });
  await c.repo.createOperation(operation);

  try {
    const executionArn = await startWorkflow({ kind: 'provision', machineArn, operation, actor: c.actor });
    return { tenant, operation: await recordExecution(c.repo, operationId, executionArn) };
  } catch (err) {
    // Without an Idempotency-Key nobody can resume this operation: end it cleanly instead.
    if (!c.attempt.keyed) await abandonCreation(c.repo, tenant, operationId, c.actor, err, now);
    throw err;
  }
}

/** The tenant this very request (this operation) wrote earlier, if any; a tenant of anyone else is a 409. */
async function ownTenant(repo: FleetRepository, tenantId: string, operationId: string): Promise<Tenant | undefined> {
  const existing = await repo.getTenant(tenantId);
  if (!existing) return undefined;
  if (existing.lease?.owner === operationId) return existing;
  const operation = await repo.getOperation(operationId);
  if (operation?.tenantId === tenantId && operation.type === 'PROVISION') return existing;
  throw conflict(`Tenant id ${tenantId} is already taken`, [{ path: 'tenantId', message: 'is taken' }]);
}

async function recordTenant(c: TenantCreation, now: () => Date): Promise<Tenant> {
  const { repo, request, attempt } = c;
  const earlier = await ownTenant(repo, request.tenantId, attempt.operationId);
  if (earlier) return earlier;

  const placement = await placeTenant(repo, c.config, { tenantId: request.tenantId, profile: request.profile, region: request.regions.primary });
  // A cell a failover moved takes its new tenants where its database now is.
  const cellRegion = placement.cell ? await repo.cellActiveRegion(placement.cell) : undefined;
  const tenant = { ...newTenantRecord(c, placement, now()), ...(cellRegion ? { activeRegion: cellRegion } : {}) };
  try {
    await repo.createTenant(tenant, { actor: c.actor, type: 'TenantCreated', operationId: attempt.operationId });
    return tenant;
  } catch (err) {
    const existing = await repo.getTenant(tenant.tenantId);
    // A concurrent attempt of this same request won the write.
    if (existing?.lease?.owner === attempt.operationId) return existing;
    // The slot is given back unless it is held by the tenant that already has this id.
    if (placement.cell && existing?.placement.cell !== placement.cell) await repo.releaseCellSlot(placement.cell, tenant.tenantId);
    throw err;
  }
}

/** What a tenant record takes from its creation request: identity, profile, regions, the default image, its calendar. */
export function requestedTenant(
  request: TenantRequest,
  defaultOdooImage: string,
): Pick<Tenant, 'tenantId' | 'displayName' | 'profile' | 'odooVersion' | 'hostname' | 'tags' | 'regions' | 'release' | 'activeRegion' | 'lastDrill' | 'releaseCalendar'> {
  return {
    tenantId: request.tenantId,
    displayName: request.displayName,
    profile: request.profile,
    odooVersion: request.odooVersion,
    hostname: request.hostname,
    tags: request.tags,
    regions: request.regions,
    release: { image: imageFor(defaultOdooImage, request.odooVersion), modules: [] },
    activeRegion: request.regions.primary,
    lastDrill: null,
    ...(request.releaseCalendar ? { releaseCalendar: request.releaseCalendar } : {}),
  };
}

function newTenantRecord(c: TenantCreation, placement: Placement, at: Date): Tenant {
  const { request, attempt } = c;
  const created = transition(NEW_TENANT, 'CreateRequested', { now: at, operationId: attempt.operationId });
  if (!created.ok) throw new Error(`tenant lifecycle refuses creation: ${created.reason}`);
  const iso = at.toISOString();
  return {
    ...requestedTenant(request, c.config.defaultOdooImage),
    status: created.to,
    placement,
    resources: {},
    lease: { owner: attempt.operationId, expiresAt: new Date(at.getTime() + PROVISION_LEASE_SECONDS * 1000).toISOString() },
    version: 1,
    createdAt: iso,
    updatedAt: iso,
    createdBy: c.actor,
  };
}

/** The configured image repository, tagged with the tenant's Odoo version (`odoo:17.0`). */
export function imageFor(defaultImage: string, odooVersion: string): string {
  const untagged = defaultImage.split('@')[0]!;
  const lastSlash = untagged.lastIndexOf('/');
  const lastColon = untagged.lastIndexOf(':');
  const repository = lastColon > lastSlash ? untagged.slice(0, lastColon) : untagged;
  return `${repository}:${odooVersion}`;
}

/** The workflow could not be started: the operation fails with the reason and the tenant is FAILED, its slot and lease given back. */
async function abandonCreation(repo: FleetRepository, tenant: Tenant, operationId: string, actor: string, cause: unknown, now: () => Date): Promise<void> {
  const error = { code: (cause as Error).name ?? 'Error', message: `the provisioning workflow could not be started: ${(cause as Error).message ?? String(cause)}` };
  const current = await repo.requireTenant(tenant.tenantId);
  await repo.updateTenant(
    tenant.tenantId,
    current.version,
    (t) => {
      const failed = transition(t.status, 'ProvisionFailed', { now: now(), operationId, leaseOwner: t.lease?.owner, leaseExpiresAt: t.lease?.expiresAt });
      return failed.ok ? { ...t, status: failed.to, statusReason: `${error.code}: ${error.message}` } : t;
    },
    { actor, type: 'ProvisioningFailed', operationId },
  );
  if (tenant.placement.cell) await repo.releaseCellSlot(tenant.placement.cell, tenant.tenantId);
  await repo.releaseLease(tenant.tenantId, operationId);
  await repo.updateOperation(operationId, { status: 'FAILED', error, endedAt: now().toISOString() });
}
