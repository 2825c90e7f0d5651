/**
 * What a workflow definition needs from its surroundings: a way to make a Lambda-backed task for a
 * handler module. The CDK construct implements it; definitions stay free of infrastructure detail.
 */
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

export interface TaskOptions {
  /** Where the task's result goes in the state; `null` keeps the input unchanged. */
  readonly resultPath?: string | null;
  readonly comment?: string;
}

export interface WorkflowBuilder {
  readonly scope: Construct;
  /**
   * A Task state named `stateName` invoking the handler module `entry` (repo-relative). The handler
   * receives `{state: $, step: stateName, executionArn}`; transient errors are retried per policy.
   */
  task(stateName: string, entry: string, options?: TaskOptions): sfn.TaskStateBase;
}
