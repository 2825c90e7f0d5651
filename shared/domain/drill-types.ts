/**
 * A restore drill and what it proves: when the tenant's backups were last shown restorable, how
 * long the restore took against the tenant's RTO, how much data the restore point held back against
 * its RPO, each check with its figures, and that nothing was left behind.
 */
import type { Criticality, TenancyModel } from './types.ts';

export const DRILL_OUTCOMES = ['PASSED', 'FAILED', 'BREACHED_TARGET'] as const;
export type DrillOutcome = (typeof DRILL_OUTCOMES)[number];

export type { DrillStatus } from './drill-lifecycle.ts';
import type { DrillStatus } from './drill-lifecycle.ts';

export type DrillTrigger = 'on-demand' | 'schedule';

/** One check of the validation, with what it found. */
export interface DrillCheck {
  /** e.g. `connect`, `odoo-schema`, `installed-modules`, `business-rows`, `newest-data`, `filestore`. */
  name: string;
  passed: boolean;
  /** What was found, in words an auditor can read. */
  detail: string;
  /** The check's figures (row counts, timestamps, sample sizes); never secrets. */
  figures?: Record<string, string | number | boolean | null>;
}

/** Where the drill restored to: never the production name, never a default VPC. */
export interface DrillTarget {
  region: string;
  /** The restored cluster (dedicated: the tenant's; pooled: the cell's). */
  clusterIdentifier: string;
  clusterArn?: string;
  /** The tenant's database inside the restored cluster. */
  databaseName: string;
  /** The restored cluster's RDS-managed master secret (an ARN, never its value). */
  secretArn?: string;
  /** The cluster restored from: the tenant's dedicated cluster or its cell's. */
  sourceClusterIdentifier: string;
  dbSubnetGroupName: string;
  vpcSecurityGroupIds: string[];
}

export interface DrillRecord {
  tenantId: string;
  drillId: string;
  operationId: string;
  trigger: DrillTrigger;
  requestedBy: string;
  status: DrillStatus;
  criticality: Criticality;
  model: TenancyModel;
  startedAt: string;
  /** The point restored to, recorded before the restore is requested. */
  restorePoint?: string;
  /** Whether the restore point is the latest restorable time, or one asked for. */
  restorePointKind?: 'latest' | 'chosen';
  /**
   * What the RPO is measured from: the restore point (the data a restore to that point should hold).
   * A restore point that is itself far behind the drill's start is caught by the `restore-point` check.
   */
  referenceTime?: string;
  restoreRequestedAt?: string;
  restoreAvailableAt?: string;
  validatedAt?: string;
  endedAt?: string;
  target?: DrillTarget;
  /** Restore requested -> validation passed; absent when it never passed. */
  rtoSeconds?: number;
  /** Reference time minus the newest committed data found; absent when none was found. */
  rpoSeconds?: number;
  targetRtoSeconds: number;
  targetRpoSeconds: number;
  /** The newest committed data found in the restore (heartbeat and business `write_date`). */
  newestData?: { heartbeat: string | null; businessWrite: string | null };
  checks: DrillCheck[];
  outcome?: DrillOutcome;
  /** Why FAILED or BREACHED_TARGET, in one line. */
  reason?: string;
  evidenceKey?: string;
  /** Every drill resource confirmed deleted. */
  cleanedUp: boolean;
  /** What teardown found and did, per resource. */
  teardown?: Record<string, string>;
  /** Set when the sweeper had to remove what this drill left behind. */
  sweptAt?: string;
  executionArn?: string;
}

/** What the tenant record keeps of its newest finished drill. */
export type LastDrill = Pick<DrillRecord, 'drillId' | 'startedAt' | 'endedAt' | 'outcome' | 'rtoSeconds' | 'rpoSeconds' | 'evidenceKey' | 'cleanedUp'> & {
  /** When the newest PASSED or BREACHED_TARGET drill began: what the cadence counts from. */
  lastRestorableAt?: string;
};
