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
