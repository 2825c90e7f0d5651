/**
 * What a workflow definition needs from its surroundings: Lambda-backed tasks for handler modules,
 * task-token waits, and child executions of other workflows. The CDK construct implements it;
 * definitions stay free of infrastructure detail.
 */
import type { Duration } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/** The machines the control plane deploys, each `odoo-fleet-<name>`. */
export type WorkflowName = 'provision' | 'offboard' | 'release' | 'release-batch' | 'release-tenant' | 'release-verdict' | 'release-rehearsal' | 'drill' | 'drill-run' | 'failover' | 'failover-unit';

export interface TaskOptions {
  /** Where the task's result goes in the state; `null` keeps the input unchanged. */
  readonly resultPath?: string | null;
  /**
   * What of the state the task passes on (after its result is placed). A Map collects every
   * iteration's output, and that array is bounded by the 256 KB payload limit even when the Map
   * discards it: the last state of an iteration passes on only a small key.
   * @default '$' (all of it)
   */
  readonly outputPath?: string;
  readonly comment?: string;
}

export interface TokenTaskOptions extends TaskOptions {
  /**
   * How long the state waits for `SendTaskSuccess`/`SendTaskFailure` before failing with
   * `States.Timeout`.
   * @default - no limit but the execution's own timeout
   */
  readonly timeout?: Duration;
}

export interface ChildExecutionOptions {
  /**
   * The child execution's name, a JSONPath expression (`sfn.JsonPath.format(...)`): deterministic,
   * so a retried or redriven parent attaches to the running child instead of starting a second one.
   */
  readonly name: string;
  /** The child's input; values may be JSONPath (`sfn.JsonPath.stringAt('$.releaseId')`). */
  readonly input: Record<string, unknown>;
  /** Where the child's result goes; `null` (the default) keeps the input unchanged. */
  readonly resultPath?: string | null;
  /** As for `TaskOptions.outputPath`. */
  readonly outputPath?: string;
  readonly comment?: string;
}

export interface WorkflowBuilder {
  readonly scope: Construct;
  /**
   * A Task state named `stateName` invoking the handler module `entry` (repo-relative). The handler
   * receives `{state: $, step: stateName, executionArn}`; transient errors are retried per policy.
   */
  task(stateName: string, entry: string, options?: TaskOptions): sfn.TaskStateBase;
  /**
   * A Task state that invokes `entry` with `{state: $, step, executionArn, taskToken}` and then waits
   * until someone calls `SendTaskSuccess` (its output is the result) or `SendTaskFailure` with the token.
   */
  taskWithToken(stateName: string, entry: string, options?: TokenTaskOptions): sfn.TaskStateBase;
  /**
   * A Task state that starts an execution of the workflow `workflow` and waits for it to end
   * (`states:startExecution.sync:2`); a failed child fails the state with `States.TaskFailed`.
   */
  childExecution(stateName: string, workflow: WorkflowName, options: ChildExecutionOptions): sfn.TaskStateBase;
  /**
   * A Task state that starts an execution of the workflow `workflow` and goes on at once
   * (`states:startExecution`): the child runs on its own and nothing waits for it. Starting the
   * same name again fails with `StepFunctions.ExecutionAlreadyExistsException` once that execution
   * has ended (or when the input differs); the parent's Catch decides what that means.
   */
  startExecution(stateName: string, workflow: WorkflowName, options: Omit<ChildExecutionOptions, 'resultPath' | 'outputPath'>): sfn.TaskStateBase;
}
