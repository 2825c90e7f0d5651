/**
 * The control plane's records in one DynamoDB table (keys in `table-schema.ts`). Every write is a
 * single-item conditional write: no transactions (dynalite has none), no Scan. Records come back
 * without the table's keys and bookkeeping attributes, and never hold a secret.
 */
import { clock } from '#shared/lib/clock.ts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DrillRecord, LastDrill } from '#shared/domain/drill-types.ts';
import type { Failover, FailoverTenant } from '#shared/domain/failover-types.ts';
import type { Release, ReleaseWave, TenantRelease, WaveBatch } from '#shared/domain/release-types.ts';
import type { TenantOutcomeContext, TenantOutcomeEvent } from '#shared/domain/release-tenant-outcome.ts';
import type {
  ChangeEvent,
  Criticality,
  DrReadinessReport,
  Operation,
  StepStatus,
  TenancyModel,
  Tenant,
  TenantStatus,
} from '#shared/domain/types.ts';
import { cellLoads, releaseCellSlot, reserveCellSlot, cellActiveRegion, cellActiveSince, setCellActiveRegion, cellDrSnapshots, setCellDrSnapshots, type CellDrSnapshots } from './cells.ts';
import { appendChange, listChanges, type ChangeInput } from './changes.ts';
import { getDesiredState, putDesiredState, type DesiredState } from './desired-state.ts';
import { documentClient, type StoreContext } from './dynamo.ts';
import {
  createFailover,
  getFailover,
  getFailoverTenant,
  listFailovers,
  listFailoverTenants,
  requireFailover,
  setFailoverApprovalToken,
  takeFailoverApprovalToken,
  updateFailover,
  updateFailoverTenant,
} from './failovers.ts';
import { acquireDrillLock, createDrill, getDrill, listDrills, recordLastDrill, releaseDrillLock, requireDrill, updateDrill } from './drills.ts';
import { completeIdempotency, getIdempotency, putIdempotency, type IdempotencyRecord } from './idempotency.ts';
import { acquireLease, releaseLease, renewLease } from './leases.ts';
import {
  createOperation,
  getOperation,
  listOperationsByTenant,
  recordStep,
  requireOperation,
  updateOperation,
  type OperationPatch,
} from './operations.ts';
import type { Page, PageRequest } from './query.ts';
import {
  createRelease,
  getRelease,
  getWave,
  listReleases,
  putWaves,
  recordWaveFailure,
  requireRelease,
  setApprovalToken,
  setWaveBatches,
  takeApprovalToken,
  updateRelease,
  type ReleaseListQuery,
} from './releases.ts';
import {
  getTenantRelease,
  listTenantReleases,
  moveTenantOutcome,
  putTenantReleases,
  setDecisionToken,
  takeDecisionToken,
  updateTenantRelease,
  type TenantReleaseListQuery,
} from './tenant-releases.ts';
import { listTenants } from './tenant-list.ts';
import { createTenant, getTenant, requireTenant, setDrReadiness, updateCurrentTenant, updateTenant } from './tenants.ts';

export type { ChangeInput, DesiredState, IdempotencyRecord, OperationPatch, Page, PageRequest, ReleaseListQuery, TenantReleaseListQuery };

export interface FleetRepositoryOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The clock for leases, expiries and timestamps; tests pass their own. */
  now?: () => Date;
}

/** One client per endpoint for the life of the process (a Lambda container, the local control plane). */
const clients = new Map<string, DynamoDBDocumentClient>();
const repositories = new Map<string, FleetRepository>();

export class FleetRepository {
  private readonly ctx: StoreContext;

  constructor(opts: FleetRepositoryOptions) {
    // The control plane's clock: the system clock in AWS, the simulated one locally (records and leases follow it).
    this.ctx = { client: opts.client, tableName: opts.tableName, now: opts.now ?? (() => clock().now()) };
  }

  /** The repository for `TABLE_NAME`; the SDK picks the endpoint up from `AWS_ENDPOINT_URL_DYNAMODB`. */
  static fromEnv(): FleetRepository {
    const tableName = process.env.TABLE_NAME;
    if (!tableName) throw new Error('TABLE_NAME is not set');
    // Keyed by endpoint too, so a process that starts a second local control plane talks to the new one.
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL ?? '';
    const cacheKey = `${endpoint}|${tableName}`;
    let repo = repositories.get(cacheKey);
    if (!repo) {
      let client = clients.get(endpoint);
      if (!client) {
        client = documentClient();
        clients.set(endpoint, client);
      }
      repo = new FleetRepository({ client, tableName });
      repositories.set(cacheKey, repo);
    }
    return repo;
  }

  get tableName(): string {
    return this.ctx.tableName;
  }

  // Tenants

  createTenant(tenant: Tenant, change: ChangeInput): Promise<void> {
    return createTenant(this.ctx, tenant, change);
  }
  getTenant(tenantId: string): Promise<Tenant | undefined> {
    return getTenant(this.ctx, tenantId);
  }
  requireTenant(tenantId: string): Promise<Tenant> {
    return requireTenant(this.ctx, tenantId);
  }
  listTenants(q: { status?: TenantStatus; criticality?: Criticality; model?: TenancyModel; limit?: number; cursor?: string } = {}): Promise<Page<Tenant>> {
    return listTenants(this.ctx, q);
  }
  updateTenant(tenantId: string, expectedVersion: number, mutate: (t: Tenant) => Tenant, change: ChangeInput): Promise<Tenant> {
    return updateTenant(this.ctx, tenantId, expectedVersion, mutate, change);
  }
  /** `updateTenant` at the version it reads itself (one read, not two); a racing write is still a Conflict. */
  updateCurrentTenant(tenantId: string, mutate: (t: Tenant) => Tenant, change: ChangeInput): Promise<Tenant> {
    return updateCurrentTenant(this.ctx, tenantId, mutate, change);
  }
  /** The scheduled readiness report, out of band (no version, no change event); an older one never replaces a newer. */
  setDrReadiness(tenantId: string, report: DrReadinessReport): Promise<DrReadinessReport | undefined> {
    return setDrReadiness(this.ctx, tenantId, report);
  }

  // Failovers

  createFailover(failover: Failover, tenants: readonly FailoverTenant[]): Promise<Failover> {
    return createFailover(this.ctx, failover, tenants);
  }
  getFailover(failoverId: string): Promise<Failover | undefined> {
    return getFailover(this.ctx, failoverId);
  }
  requireFailover(failoverId: string): Promise<Failover> {
    return requireFailover(this.ctx, failoverId);
  }
  updateFailover(failoverId: string, mutate: (f: Failover) => Failover): Promise<Failover> {
    return updateFailover(this.ctx, failoverId, mutate);
  }
  getFailoverTenant(failoverId: string, tenantId: string): Promise<FailoverTenant | undefined> {
    return getFailoverTenant(this.ctx, failoverId, tenantId);
  }
  updateFailoverTenant(failoverId: string, tenantId: string, mutate: (t: FailoverTenant) => FailoverTenant): Promise<FailoverTenant> {
    return updateFailoverTenant(this.ctx, failoverId, tenantId, mutate);
  }
  listFailoverTenants(failoverId: string, page: PageRequest = {}): Promise<Page<FailoverTenant>> {
    return listFailoverTenants(this.ctx, failoverId, page);
  }
  setFailoverApprovalToken(failoverId: string, token: string): Promise<void> {
    return setFailoverApprovalToken(this.ctx, failoverId, token);
  }

  takeFailoverApprovalToken(failoverId: string): Promise<string | undefined> {
    return takeFailoverApprovalToken(this.ctx, failoverId);
  }

  listFailovers(page: PageRequest = {}): Promise<Page<Failover>> {
    return listFailovers(this.ctx, page);
  }

  // Drills

  createDrill(drill: DrillRecord): Promise<DrillRecord> {
    return createDrill(this.ctx, drill);
  }
  getDrill(tenantId: string, drillId: string): Promise<DrillRecord | undefined> {
    return getDrill(this.ctx, tenantId, drillId);
  }
  requireDrill(tenantId: string, drillId: string): Promise<DrillRecord> {
    return requireDrill(this.ctx, tenantId, drillId);
  }
  updateDrill(tenantId: string, drillId: string, mutate: (d: DrillRecord) => DrillRecord): Promise<DrillRecord> {
    return updateDrill(this.ctx, tenantId, drillId, mutate);
  }
  listDrills(tenantId: string, page: PageRequest = {}): Promise<Page<DrillRecord>> {
    return listDrills(this.ctx, tenantId, page);
  }
  acquireDrillLock(tenantId: string, drillId: string, ttlSeconds: number): Promise<void> {
    return acquireDrillLock(this.ctx, tenantId, drillId, ttlSeconds);
  }
  releaseDrillLock(tenantId: string, drillId: string): Promise<void> {
    return releaseDrillLock(this.ctx, tenantId, drillId);
  }
  recordLastDrill(tenantId: string, last: LastDrill): Promise<LastDrill | null> {
    return recordLastDrill(this.ctx, tenantId, last);
  }

  // Leases

  acquireLease(tenantId: string, owner: string, ttlSeconds: number): Promise<Tenant> {
    return acquireLease(this.ctx, tenantId, owner, ttlSeconds);
  }
  renewLease(tenantId: string, owner: string, ttlSeconds: number): Promise<Tenant> {
    return renewLease(this.ctx, tenantId, owner, ttlSeconds);
  }
  releaseLease(tenantId: string, owner: string): Promise<void> {
    return releaseLease(this.ctx, tenantId, owner);
  }

  // Operations

  createOperation(op: Operation): Promise<void> {
    return createOperation(this.ctx, op);
  }
  getOperation(operationId: string): Promise<Operation | undefined> {
    return getOperation(this.ctx, operationId);
  }
  requireOperation(operationId: string): Promise<Operation> {
    return requireOperation(this.ctx, operationId);
  }
  updateOperation(operationId: string, patch: OperationPatch): Promise<Operation> {
    return updateOperation(this.ctx, operationId, patch);
  }
  recordStep(
    operationId: string,
    step: { name: string; status: StepStatus; at: string; error?: { code: string; message: string }; detail?: Record<string, unknown> },
  ): Promise<void> {
    return recordStep(this.ctx, operationId, step);
  }
  listOperationsByTenant(tenantId: string, q: PageRequest = {}): Promise<Page<Operation>> {
    return listOperationsByTenant(this.ctx, tenantId, q);
  }

  // Change events

  appendChange(change: ChangeEvent): Promise<void> {
    return appendChange(this.ctx, change);
  }
  listChanges(tenantId: string, q: PageRequest = {}): Promise<Page<ChangeEvent>> {
    return listChanges(this.ctx, tenantId, q);
  }

  // Idempotency

  getIdempotency(actor: string, key: string): Promise<IdempotencyRecord | undefined> {
    return getIdempotency(this.ctx, actor, key);
  }
  putIdempotency(rec: IdempotencyRecord): Promise<IdempotencyRecord> {
    return putIdempotency(this.ctx, rec);
  }
  completeIdempotency(actor: string, key: string, response: { statusCode: number; body: unknown }): Promise<void> {
    return completeIdempotency(this.ctx, actor, key, response);
  }

  // Cells

  cellLoads(cellIds: string[]): Promise<Record<string, number>> {
    return cellLoads(this.ctx, cellIds);
  }
  cellActiveRegion(cellId: string): Promise<string | undefined> {
    return cellActiveRegion(this.ctx, cellId);
  }

  cellActiveSince(cellId: string): Promise<string | undefined> {
    return cellActiveSince(this.ctx, cellId);
  }

  setCellActiveRegion(cellId: string, region: string, since?: string): Promise<void> {
    return setCellActiveRegion(this.ctx, cellId, region, since);
  }

  /** Where a backup-restore cell's snapshot copies stand in the region that keeps them. */
  cellDrSnapshots(cellId: string): Promise<CellDrSnapshots | undefined> {
    return cellDrSnapshots(this.ctx, cellId);
  }
  setCellDrSnapshots(cellId: string, record: CellDrSnapshots): Promise<void> {
    return setCellDrSnapshots(this.ctx, cellId, record);
  }

  reserveCellSlot(cellId: string, tenantId: string, capacity: number): Promise<boolean> {
    return reserveCellSlot(this.ctx, cellId, tenantId, capacity);
  }
  releaseCellSlot(cellId: string, tenantId: string): Promise<void> {
    return releaseCellSlot(this.ctx, cellId, tenantId);
  }

  // Desired Kubernetes state

  putDesiredState(tenantId: string, objects: unknown[], operationId: string): Promise<number> {
    return putDesiredState(this.ctx, tenantId, objects, operationId);
  }
  getDesiredState(tenantId: string): Promise<DesiredState | undefined> {
    return getDesiredState(this.ctx, tenantId);
  }

  // Releases (releases.ts: the release and its waves; tenant-releases.ts: each tenant's outcome)

  /** The waves and tenant items first, the release last and only if absent; a retry of the same request is a no-op. */
  createRelease(release: Release, waves: ReleaseWave[], tenants: TenantRelease[]): Promise<void> {
    return createRelease(this.ctx, release, waves, tenants);
  }
  getRelease(releaseId: string): Promise<Release | undefined> {
    return getRelease(this.ctx, releaseId);
  }
  requireRelease(releaseId: string): Promise<Release> {
    return requireRelease(this.ctx, releaseId);
  }
  /** Conflict on a stale version; never writes `counts`, which only outcome moves change. */
  updateRelease(releaseId: string, expectedVersion: number, mutate: (r: Release) => Release): Promise<Release> {
    return updateRelease(this.ctx, releaseId, expectedVersion, mutate);
  }
  /** Newest first, all releases or one status; through the indexes, never a Scan. */
  listReleases(q: ReleaseListQuery = {}): Promise<Page<Release>> {
    return listReleases(this.ctx, q);
  }
  setApprovalToken(releaseId: string, token: string): Promise<void> {
    return setApprovalToken(this.ctx, releaseId, token);
  }
  /** Reads and removes the token in one write: two answers cannot both use it. */
  takeApprovalToken(releaseId: string): Promise<string | undefined> {
    return takeApprovalToken(this.ctx, releaseId);
  }
  getWave(releaseId: string, index: number): Promise<ReleaseWave | undefined> {
    return getWave(this.ctx, releaseId, index);
  }
  putWaves(releaseId: string, waves: ReleaseWave[]): Promise<void> {
    return putWaves(this.ctx, releaseId, waves);
  }
  /** Where the wave's tenants run; written once, a second call returns the first assignment. */
  setWaveBatches(releaseId: string, index: number, batches: WaveBatch[]): Promise<ReleaseWave> {
    return setWaveBatches(this.ctx, releaseId, index, batches);
  }
  /** Atomic increment; with `tenantId`, each tenant counts once however often it is retried. */
  recordWaveFailure(releaseId: string, index: number, tenantId?: string): Promise<ReleaseWave> {
    return recordWaveFailure(this.ctx, releaseId, index, tenantId);
  }
  getTenantRelease(releaseId: string, tenantId: string): Promise<TenantRelease | undefined> {
    return getTenantRelease(this.ctx, releaseId, tenantId);
  }
  listTenantReleases(releaseId: string, q: TenantReleaseListQuery = {}): Promise<Page<TenantRelease>> {
    return listTenantReleases(this.ctx, releaseId, q);
  }
  putTenantReleases(releaseId: string, items: TenantRelease[]): Promise<void> {
    return putTenantReleases(this.ctx, releaseId, items);
  }
  updateTenantRelease(releaseId: string, tenantId: string, expectedVersion: number, mutate: (t: TenantRelease) => TenantRelease): Promise<TenantRelease> {
    return updateTenantRelease(this.ctx, releaseId, tenantId, expectedVersion, mutate);
  }
  /** The one way outcomes change (see tenant-releases.ts); a replay whose target already holds is a no-op. */
  moveTenantOutcome(
    releaseId: string,
    tenantId: string,
    event: TenantOutcomeEvent,
    patch: Partial<TenantRelease>,
    ctx?: TenantOutcomeContext,
    at?: string,
  ): Promise<TenantRelease> {
    return moveTenantOutcome(this.ctx, releaseId, tenantId, event, patch, ctx, at);
  }
  setDecisionToken(releaseId: string, tenantId: string, token: string): Promise<void> {
    return setDecisionToken(this.ctx, releaseId, tenantId, token);
  }
  takeDecisionToken(releaseId: string, tenantId: string): Promise<string | undefined> {
    return takeDecisionToken(this.ctx, releaseId, tenantId);
  }
}
