/**
 * Retry and wait policies shared by every workflow, in one place so a change of policy is one edit.
 * Transient errors (AWS throttling, service faults, Lambda's own) are retried with exponential
 * backoff and full jitter; everything else goes to the workflow's Catch path.
 */
import { Duration } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LAMBDA_TRANSIENT_ERRORS, TRANSIENT_ERRORS } from '#shared/lib/transient-errors.ts';

export const transientRetry: sfn.RetryProps = {
  errors: [...TRANSIENT_ERRORS, ...LAMBDA_TRANSIENT_ERRORS],
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxAttempts: 8,
  maxDelay: Duration.seconds(30),
  jitterStrategy: 'FULL' as sfn.JitterType,
};

/**
 * Longest a task Lambda may run. After a failure the workflow waits this long before compensating:
 * a Parallel state that fails does not stop a sibling branch's Lambda already running, and that
 * Lambda may still create something; once the wait is over, compensation sees all of it.
 */
export const TASK_TIMEOUT = Duration.minutes(2);

/** Poll interval of the Wait loops on slow resources (Aurora, node groups, Kubernetes jobs). */
export const pollInterval = {
  database: Duration.seconds(30),
  nodegroup: Duration.seconds(30),
  kubernetes: Duration.seconds(10),
  health: Duration.seconds(10),
  deletion: Duration.seconds(30),
};

/** Error names that must not be compensated: another operation owns the tenant. */
export const LEASE_ERRORS = ['LeaseHeld'];

/** Poll intervals of the release workflows' Wait loops. */
export const releasePollInterval = {
  /** Maintenance mode: cron, worker and web scaled to zero. */
  maintenance: Duration.seconds(10),
  /** A pre-change snapshot or database copy, a database restore, a rehearsal copy. */
  database: Duration.seconds(30),
  /** The upgrade Job. */
  upgradeJob: Duration.seconds(10),
  /** Deployments rolling to a new (or back to the previous) image. */
  rollout: Duration.seconds(10),
  /** Rehearsal resources being deleted. */
  teardown: Duration.seconds(30),
  /** A release paused after its last tenant started, until it is resumed or aborted. */
  paused: Duration.seconds(60),
};

/** Poll intervals of the drill workflow's Wait loops. */
export const drillPollInterval = {
  /** A point-in-time restore of a cluster: tens of minutes. */
  restore: Duration.seconds(60),
  /** The drill cluster being deleted. */
  teardown: Duration.seconds(30),
};

/**
 * A batch child that ended in failure (stopped, timed out, a step that kept failing) runs again,
 * twice at most, each attempt under its own name (`$$.State.RetryCount`): a failed execution's name
 * cannot be used again. The new attempt loads the same tenants; their gates skip those settled and
 * attach to a tenant execution still running (same name, same input), so none is upgraded twice.
 * States.ALL must be the last retrier, after the start-error one.
 */
export const batchRetry: sfn.RetryProps = {
  errors: ['States.ALL'],
  interval: Duration.seconds(30),
  backoffRate: 2,
  maxAttempts: 2,
};

/** How long a release may wait for its approval before it ends as not approved. */
export const APPROVAL_TIMEOUT = Duration.days(7);

/** At most this many rehearsals (one per distinct module set) run at once. */
export const MAX_CONCURRENT_REHEARSALS = 4;

/**
 * Execution timeouts. A release spans its approval, every wave and every tenant's window up to the
 * deadline, and a tenant may wait for a human decision; each bound is above the longest path of
 * the workflow it bounds, so a timeout means something is stuck, never a slow fleet.
 */
export const executionTimeout = {
  provision: Duration.hours(6),
  offboard: Duration.hours(6),
  release: Duration.days(90),
  'release-batch': Duration.days(60),
  'release-tenant': Duration.days(30),
  'release-verdict': Duration.days(30),
  'release-rehearsal': Duration.hours(12),
  /** Above the restore timeout (`drills.restoreTimeoutMinutes`, 4 h by default) plus validation and teardown. */
  drill: Duration.hours(12),
  'drill-run': Duration.days(7),
  /** A whole region, unit by unit, with the approval wait (a person may take a while to answer). */
  failover: Duration.days(2),
  /** One unit: promotion, compute and verification take minutes; hours mean something is stuck. */
  'failover-unit': Duration.hours(6),
} as const;

/**
 * Errors of starting a child execution worth another try: Step Functions' own faults and its limit
 * on running executions. Starting is idempotent by name, so a retry attaches to a child already
 * started; a child that failed (`States.TaskFailed`) is never retried, its parent's Catch decides.
 */
export const childStartRetry: sfn.RetryProps = {
  errors: ['StepFunctions.AWSStepFunctionsException', 'StepFunctions.SdkClientException', 'StepFunctions.ExecutionLimitExceededException'],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 8,
  maxDelay: Duration.minutes(1),
  jitterStrategy: 'FULL' as sfn.JitterType,
};

export const failoverPollInterval = {
  /** A global database switchover or failover, or a headless secondary's writer instance: minutes. */
  promote: Duration.seconds(15),
  /** The DR node group scaling and the Odoo pods becoming ready. */
  compute: Duration.seconds(15),
  /** `/web/health` and a login answering through the new DNS record. */
  verify: Duration.seconds(10),
};
