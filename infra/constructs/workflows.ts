/**
 * The control plane's Step Functions state machines (provision, offboard) and their task Lambdas.
 * The definitions live in `statemachines/`; this construct gives them one function per handler
 * module (shared between machines), logging, tracing and least-privilege permissions.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import type { TaskOptions, WorkflowBuilder } from '#statemachines/builder.ts';
import { defineOffboard } from '#statemachines/offboard.ts';
import { TASK_TIMEOUT, transientRetry } from '#statemachines/policies.ts';
import { defineProvision } from '#statemachines/provision.ts';
import { FleetFunction } from './fleet-function.ts';
import { grantCloudAccess } from './workflow-permissions.ts';

export interface WorkflowsProps {
  readonly table: dynamodb.ITable;
  readonly key: kms.IKey;
  readonly fleetConfig: FleetConfig;
  /** Environment every task function gets (table name, fleet configuration). */
  readonly environment: Record<string, string>;
}

export type WorkflowName = 'provision' | 'offboard';

export const WORKFLOW_DEFINITIONS: Record<WorkflowName, (b: WorkflowBuilder) => sfn.IChainable> = {
  provision: defineProvision,
  offboard: defineOffboard,
};

export class Workflows extends Construct {
  readonly stateMachines: Record<WorkflowName, sfn.StateMachine>;
  /** One function per handler module, keyed by its repo-relative path. */
  readonly functions = new Map<string, FleetFunction>();

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const make = (name: WorkflowName) => {
      const scopeForStates = new Construct(this, `${name}Definition`);
      const builder: WorkflowBuilder = {
        scope: scopeForStates,
        task: (stateName, entry, options) => this.task(scopeForStates, stateName, entry, props, options),
      };
      const logGroup = new logs.LogGroup(this, `${name}ExecutionLogs`, {
        retention: logs.RetentionDays.THREE_MONTHS,
        encryptionKey: props.key,
      });
      return new sfn.StateMachine(this, `${name}StateMachine`, {
        stateMachineName: `odoo-fleet-${name}`,
        definitionBody: sfn.DefinitionBody.fromChainable(WORKFLOW_DEFINITIONS[name](builder)),
        tracingEnabled: true,
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
        timeout: Duration.hours(6),
        encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.key),
      });
    };
    this.stateMachines = { provision: make('provision'), offboard: make('offboard') };
    const stack = Stack.of(this);
    for (const fn of this.functions.values()) {
      props.table.grantReadWriteData(fn);
      grantCloudAccess(fn, fn.entryModule, props.fleetConfig, stack.account, stack.region);
    }
  }

  private task(scope: Construct, stateName: string, entry: string, props: WorkflowsProps, options: TaskOptions = {}): sfn.TaskStateBase {
    let fn = this.functions.get(entry);
    if (!fn) {
      const fnId = entry.replace(/^functions\//, '').replace(/\.ts$/, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''));
      fn = new FleetFunction(this, fnId, {
        entry,
        description: `Workflow step ${stateName}`,
        environment: props.environment,
        timeout: TASK_TIMEOUT,
      });
      this.functions.set(entry, fn);
    }
    const invoke = new tasks.LambdaInvoke(scope, stateName, {
      lambdaFunction: fn,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({ 'state.$': '$', step: stateName, 'executionArn.$': '$$.Execution.Id' }),
      resultPath: options.resultPath === null ? sfn.JsonPath.DISCARD : options.resultPath,
      comment: options.comment,
      retryOnServiceExceptions: false,
      // Slightly above the function's own timeout, so a stuck invocation ends as States.Timeout.
      taskTimeout: sfn.Timeout.duration(TASK_TIMEOUT.plus(Duration.seconds(10))),
    });
    invoke.addRetry(transientRetry);
    return invoke;
  }
}
