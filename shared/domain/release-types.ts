/**
 * The records of a release, as DynamoDB holds them and the API returns them (minus the internal
 * fields marked so). One META item per release, one item per wave, one item per tenant of the
 * release; the parent workflow reads waves, the per-tenant workflows read and write their own item.
 */
import type { ReleaseStatus } from './release-lifecycle.ts';
import type { ReleasePlan, Ring, SkippedTenant } from './release-plan.ts';
import type { ReleaseSelector } from './release-selection.ts';
import type { ReleaseStrategy, ResolvedStrategy } from './release-strategy.ts';
import type { TenantOutcomeStatus } from './release-tenant-outcome.ts';
import type { Verdict } from './release-verdict.ts';

/** What `POST /v1/releases` accepts (validated by the API). */
export interface ReleaseRequest {
  image: string;
  modules: string[];
  selector: ReleaseSelector;
  strategy?: ReleaseStrategy;
  /** An emergency release is never held by windows or freezes; the reason is recorded. */
  emergency?: { reason: string };
  /** No tenant starts at or after this instant; default: 7 days after the request. */
  deadline?: string;
  dryRun?: boolean;
}

export interface RehearsalRecord {
  /** `moduleSetKey` of the module set it stands for. */
  moduleSetKey: string;
  /** The representative tenant whose neutralized copy was upgraded. */
  tenantId: string;
  status: 'PENDING' | 'RUNNING' | 'PASSED' | 'FAILED';
  startedAt?: string;
  endedAt?: string;
  /** Seconds the upgrade Job took on the copy: the plan's prediction for this module set. */
  upgradeSeconds?: number;
  reason?: string;
  /** True once the copy (database or cluster, namespace) is confirmed gone. */
  cleanedUp?: boolean;
  executionArn?: string;
}

export type WaveStatus = 'PENDING' | 'RUNNING' | 'DONE' | 'SKIPPED';

export interface ReleaseWaveSummary {
  index: number;
  ring: Ring;
  tenants: number;
  failureBudget: number;
  /** Tenants of the wave whose outcome counts against the budget (circuit-breaker.ts FAILURE_OUTCOMES). */
  failures: number;
  status: WaveStatus;
  predictedSeconds: number;
  startedAt?: string;
  endedAt?: string;
}

export interface Release {
  releaseId: string;
  status: ReleaseStatus;
  statusReason?: string;
  image: string;
  modules: string[];
  selector: ReleaseSelector;
  strategy: ResolvedStrategy;
  emergency?: { reason: string };
  deadline: string;
  requestedBy: string;
  approvedBy?: string;
  approvedAt?: string;
  /** Set by pause/abort; read by the workflow between tenants and waves. */
  control?: { pausedBy?: string; pausedAt?: string; abortedBy?: string; abortedAt?: string; reason?: string };
  executionArn?: string;
  waves: ReleaseWaveSummary[];
  skipped: SkippedTenant[];
  /** Set when `skipped` lists only the first of more skipped tenants (the record must stay small). */
  skippedTotal?: number;
  rehearsals: RehearsalRecord[];
  /** Tenants per outcome, kept as outcomes change. */
  counts: Partial<Record<TenantOutcomeStatus, number>>;
  predictedSeconds: number;
  lowerBoundSeconds: number;
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
  version: number;
}

/** Internal to the store: the task token of the approval wait. Never returned by the API. */
export interface ReleaseInternal {
  approvalToken?: string;
}

/**
 * One batch of a wave's slot: the tenants one child execution upgrades. A slot is made of lanes
 * run side by side, each lane's tenants one after the other: `tenantIds` holds the lanes one after
 * the other, `laneSizes` how many each has (none: a single lane).
 */
export interface WaveBatch {
  slot: number;
  batch: number;
  tenantIds: string[];
  laneSizes?: number[];
}

/** A batch's lanes, each in the order its tenants are upgraded. */
export function batchLanes(batch: WaveBatch): string[][] {
  if (!batch.laneSizes) return [batch.tenantIds];
  const lanes: string[][] = [];
  let at = 0;
  for (const size of batch.laneSizes) {
    lanes.push(batch.tenantIds.slice(at, at + size));
    at += size;
  }
  return lanes;
}

export interface ReleaseWave {
  releaseId: string;
  index: number;
  ring: Ring;
  tenantIds: string[];
  failureBudget: number;
  failures: number;
  status: WaveStatus;
  /**
   * Where the wave's tenants run, written once when the wave starts. The workflow carries only
   * slot and batch numbers (a 5,000-tenant wave's ids would fill most of its 256 KB payload); each
   * batch loads its own ids from here. Ids only: two copies of 5,000 ids stay far below 400 KB.
   */
  batches?: WaveBatch[];
}

export interface TenantRelease {
  releaseId: string;
  tenantId: string;
  wave: number;
  ring: Ring;
  cell: string | null;
  outcome: TenantOutcomeStatus;
  reason?: string;
  /** The operation that carries this tenant's steps (GET /v1/operations/{id}). */
  operationId: string;
  /** Upgrade seconds the plan predicts for the tenant (from its module set's rehearsal once rehearsed). */
  predictedUpgradeSeconds?: number;
  /** What the tenant ran before: where a rollback returns to. */
  previous?: { image: string; modules: string[] };
  window?: { decision: 'go' | 'wait' | 'skip'; until?: string; reason: string };
  preflight?: { backupAt?: string; restorePoint?: string; snapshotIdentifier?: string; copyDatabase?: string };
  /** Set when the upgrade Job was created: from then on the database may be migrated. */
  migrationStartedAt?: string;
  upgradeSeconds?: number;
  cutoverAt?: string;
  /** When the bake's Wait wakes (an instant `clock().timerDeadline` gave): set at the cut-over, moved by an extended bake. */
  bakeUntil?: string;
  verdict?: Verdict;
  /** `replacedCluster`: a dedicated tenant's cluster that a restore replaced, deleted once the tenant is switched. */
  rollback?: { reason: string; databaseRestored: boolean; at?: string; replacedCluster?: string };
  decision?: { by: string; choice: 'keep' | 'rollback'; reason?: string; at: string };
  executionArn?: string;
  startedAt?: string;
  endedAt?: string;
  history: { outcome: TenantOutcomeStatus; at: string; reason?: string }[];
  version: number;
}

/** Internal to the store: the task token of a decision wait. Never returned by the API. */
export interface TenantReleaseInternal {
  decisionToken?: string;
}

/** A dry run's answer: the plan plus, per tenant, its next window. */
export interface ReleasePreview {
  dryRun: true;
  plan: ReleasePlan;
  windows: Record<string, { decision: 'go' | 'wait' | 'skip'; until?: string; reason: string }>;
}

/** The summary of each planned wave as the release record starts it: nothing run, no failure yet. */
export function plannedWaveSummaries(plan: Pick<ReleasePlan, 'waves'>): ReleaseWaveSummary[] {
  return plan.waves.map((w) => ({
    index: w.index,
    ring: w.ring,
    tenants: w.tenants.length,
    failureBudget: w.failureBudget,
    failures: 0,
    status: 'PENDING',
    predictedSeconds: w.predictedSeconds,
  }));
}

/** The wave items of a planned release: tenant ids in plan order, nothing run, no failure yet. */
export function plannedWaveRecords(releaseId: string, plan: Pick<ReleasePlan, 'waves'>): ReleaseWave[] {
  return plan.waves.map((w) => ({
    releaseId,
    index: w.index,
    ring: w.ring,
    tenantIds: w.tenants.map((t) => t.tenantId),
    failureBudget: w.failureBudget,
    failures: 0,
    status: 'PENDING',
  }));
}
