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
  version: number;
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
  dataLossBasis?: 'drained' | 'heartbeats' | 'replication-lag' | 'unknown';
  updatedAt: string;
  version: number;
}
