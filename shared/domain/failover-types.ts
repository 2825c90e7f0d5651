/**
 * A failover and what it records (contract: `GET /v1/failovers/{failoverId}`): the request, its
 * status, the units it moves in order, each tenant's outcome with its steps' timings, and the
 * figures: RTO achieved and the data-loss window, per tenant and for the whole failover.
 */
import type { FailoverStatus } from './failover-lifecycle.ts';
import type { FailoverMode, FailoverScope, FailoverUnit } from './failover-plan.ts';
import type { Readiness } from './failover-readiness.ts';

export const FAILOVER_TENANT_OUTCOMES = ['PENDING', 'FENCING', 'PROMOTING', 'SCALING', 'SWITCHING_DNS', 'VERIFYING', 'SUCCEEDED', 'FAILED', 'SKIPPED'] as const;
export type FailoverTenantOutcome = (typeof FAILOVER_TENANT_OUTCOMES)[number];

/** `fo-` and the 26 characters of an operation id (time-sorted). */
export const FAILOVER_ID_PATTERN = /^fo-[0-9a-z]{26}$/;

export interface Failover {
  failoverId: string;
  scope: FailoverScope;
  tenantId?: string;
  cell?: string;
  fromRegion: string;
  toRegion: string;
  mode: FailoverMode;
  reason: string;
  force?: boolean;
  requestedBy: string;
  approvedBy?: string;
  status: FailoverStatus;
  statusReason?: string;
  /** What is promoted as one, most critical first. */
  units: FailoverUnit[];
  tenantCount: number;
  /** A tenant-scope failover of a pooled tenant takes its whole cell. */
  widened?: { cell: string; reason: string };
  /** Tenants in scope that do not move, and why (active elsewhere, not in a movable status). */
  skipped?: { tenantId: string; reason: string }[];
  /** What the readiness checks decided, in words. */
  decision?: string;
  approvedAt?: string;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  endedAt?: string;
  /** The slowest tenant's RTO: start -> the last tenant verified. */
  rtoSeconds?: number;
  /** The largest tenant window. */
  dataLossWindowSeconds?: number | null;
  evidenceKey?: string;
  executionArn?: string;
  /**
   * After an unplanned failover, the clusters left behind in the failed region: once that region
   * answers again, each is snapshotted (what only it holds is kept) and its newest heartbeat read,
   * which turns the tenants' data-loss window from the lag estimate into the heartbeat measure.
   */
  oldPrimaries?: OldPrimary[];
  version: number;
}

/**
 * An old primary's way back to being the DR copy: PENDING until its region answers and its snapshot
 * is available; PRESERVED; REBUILDING while it is detached from the global database, deleted and
 * created again as a secondary there (the diverged cluster cannot resynchronise); REPLICATED once
 * that secondary is available: a planned failback can go. A backup-restore cell's old cluster is
 * deleted instead (REBUILDING), REPLICATED once a snapshot copy of the new primary is held there.
 */
export interface OldPrimary {
  unit: string;
  region: string;
  clusterIdentifier: string;
  status: 'PENDING' | 'PRESERVED' | 'REBUILDING' | 'REPLICATED';
  snapshotIdentifier?: string;
  preservedAt?: string;
  replicatedAt?: string;
  /** Attempts made while the region did not answer. */
  attempts: number;
  lastError?: string;
}

export interface FailoverStepTiming {
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
  startedAt: string;
  endedAt?: string;
  error?: { code: string; message: string };
  /** Short facts (the promoted cluster, the DNS change id); never secrets. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface FailoverTenant {
  failoverId: string;
  tenantId: string;
  /** The unit's key (`cell:<id>` or `tenant:<id>`). */
  unit: string;
  outcome: FailoverTenantOutcome;
  reason?: string;
  readiness?: Readiness;
  steps: FailoverStepTiming[];
  rtoSeconds?: number;
  dataLossWindowSeconds?: number | null;
  dataLossBasis?: 'drained' | 'heartbeats' | 'replication-lag' | 'snapshot-age' | 'unknown';
  /** The newest heartbeat each side held at promotion (the old one null when it could not be read then). */
  heartbeats?: { newAtPromotion: string | null; oldNewest: string | null };
  updatedAt: string;
  version: number;
}
