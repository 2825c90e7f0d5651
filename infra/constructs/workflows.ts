/**
 * The control plane's Step Functions state machines (provision, offboard, the release with its
 * batch, tenant, verdict and rehearsal children, and drills with their scheduled runs) and their task Lambdas. The definitions live in
 * `statemachines/`; this construct gives them one function per handler module (shared between
 * machines), logging, tracing and least-privilege permissions. A machine that starts child
 * executions is built after its children, and its role may start, describe and stop only them.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import type { ChildExecutionOptions, TaskOptions, TokenTaskOptions, WorkflowBuilder, WorkflowName } from '#statemachines/builder.ts';
import { defineDrill } from '#statemachines/drill.ts';
import { defineDrillRun } from '#statemachines/drill-run.ts';
import { defineFailover } from '#statemachines/failover.ts';
import { defineFailoverUnit } from '#statemachines/failover-unit.ts';
import { defineOffboard } from '#statemachines/offboard.ts';
import { childStartRetry, executionTimeout, TASK_TIMEOUT, transientRetry } from '#statemachines/policies.ts';
import { defineProvision } from '#statemachines/provision.ts';
import { defineRelease } from '#statemachines/release.ts';
import { defineReleaseBatch } from '#statemachines/release-batch.ts';
import { defineReleaseRehearsal } from '#statemachines/release-rehearsal.ts';
import { defineReleaseTenant } from '#statemachines/release-tenant.ts';
import { defineReleaseVerdict } from '#statemachines/release-verdict.ts';
import { FleetFunction } from './fleet-function.ts';
import { grantCloudAccess } from './workflow-permissions.ts';

export interface WorkflowsProps {
  readonly table: dynamodb.ITable;
  readonly key: kms.IKey;
  readonly fleetConfig: FleetConfig;
  /** Environment every task function gets (table name, fleet configuration). */
  readonly environment: Record<string, string>;
}

export type { WorkflowName } from '#statemachines/builder.ts';

export const WORKFLOW_DEFINITIONS: Record<WorkflowName, (b: WorkflowBuilder, fleet: FleetConfig) => sfn.IChainable> = {
  provision: defineProvision,
  offboard: defineOffboard,
  release: defineRelease,
  'release-batch': defineReleaseBatch,
  'release-tenant': defineReleaseTenant,
  'release-verdict': defineReleaseVerdict,
  'release-rehearsal': defineReleaseRehearsal,
  drill: defineDrill,
  // The run's concurrency cap comes from the fleet configuration (CDK context), fixed at synth.
  'drill-run': (b, fleet) => defineDrillRun(b, fleet.drills.maxConcurrent),
  'failover-unit': defineFailoverUnit,
  failover: (b, fleet) => defineFailover(b, fleet.failover.maxConcurrent),
};

/** Children before the parents that start them (a child execution needs its machine's ARN). */
const BUILD_ORDER: readonly WorkflowName[] = ['provision', 'offboard', 'release-rehearsal', 'release-verdict', 'release-tenant', 'release-batch', 'release', 'drill', 'drill-run', 'failover-unit', 'failover'];

/** `release-batch` -> `releaseBatch`, the machine's construct ids (provision and offboard keep theirs). */
const constructId = (name: WorkflowName) => name.replace(/-(.)/g, (_, c: string) => c.toUpperCase());

export class Workflows extends Construct {
  readonly stateMachines: Record<WorkflowName, sfn.StateMachine>;
  /** One function per handler module, keyed by its repo-relative path. */
  readonly functions = new Map<string, FleetFunction>();

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const machines: Partial<Record<WorkflowName, sfn.StateMachine>> = {};
    const make = (name: WorkflowName) => {
      const cid = constructId(name);
      const scopeForStates = new Construct(this, `${cid}Definition`);
      const children = new Set<sfn.StateMachine>();
      const builder: WorkflowBuilder = {
        scope: scopeForStates,
        task: (stateName, entry, options) => this.task(scopeForStates, stateName, entry, props, options),
        taskWithToken: (stateName, entry, options) => this.taskWithToken(scopeForStates, stateName, entry, props, options),
        childExecution: (stateName, workflow, options) => {
          const child = machines[workflow];
          if (!child) throw new Error(`${name} starts ${workflow}, which must be built before it`);
          children.add(child);
          return this.childExecution(scopeForStates, stateName, child, options);
        },
        startExecution: (stateName, workflow, options) => {
          const child = machines[workflow];
          if (!child) throw new Error(`${name} starts ${workflow}, which must be built before it`);
          children.add(child);
          return this.startExecution(scopeForStates, stateName, child, options);
        },
      };
      const logGroup = new logs.LogGroup(this, `${cid}ExecutionLogs`, {
        retention: logs.RetentionDays.THREE_MONTHS,
        encryptionKey: props.key,
      });
      const machine = new sfn.StateMachine(this, `${cid}StateMachine`, {
        stateMachineName: `odoo-fleet-${name}`,
        definitionBody: sfn.DefinitionBody.fromChainable(WORKFLOW_DEFINITIONS[name](builder, props.fleetConfig)),
        tracingEnabled: true,
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
        timeout: executionTimeout[name],
        encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.key),
      });
      // A child's input and output are encrypted under the child's own encryption context: the
      // parent encrypts the input it starts it with and decrypts the output it waits for.
      for (const child of children) {
        machine.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            resources: [props.key.keyArn],
            conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': child.stateMachineArn } },
          }),
        );
      }
      machines[name] = machine;
    };
    for (const name of BUILD_ORDER) make(name);
    this.stateMachines = machines as Record<WorkflowName, sfn.StateMachine>;
    const stack = Stack.of(this);
    for (const fn of this.functions.values()) {
      props.table.grantReadWriteData(fn);
      grantCloudAccess(fn, fn.entryModule, props.fleetConfig, stack.account, stack.region);
    }
  }

  /** One function per handler module, shared by every state (and machine) that runs it. */
  private functionFor(entry: string, stateName: string, props: WorkflowsProps): FleetFunction {
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
    return fn;
  }

  private task(scope: Construct, stateName: string, entry: string, props: WorkflowsProps, options: TaskOptions = {}): sfn.TaskStateBase {
    const invoke = new tasks.LambdaInvoke(scope, stateName, {
      lambdaFunction: this.functionFor(entry, stateName, props),
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({ 'state.$': '$', step: stateName, 'executionArn.$': '$$.Execution.Id' }),
      resultPath: options.resultPath === null ? sfn.JsonPath.DISCARD : options.resultPath,
      outputPath: options.outputPath,
      comment: options.comment,
      retryOnServiceExceptions: false,
      // Slightly above the function's own timeout, so a stuck invocation ends as States.Timeout.
      taskTimeout: sfn.Timeout.duration(TASK_TIMEOUT.plus(Duration.seconds(10))),
    });
    invoke.addRetry(transientRetry);
    return invoke;
  }

  private taskWithToken(scope: Construct, stateName: string, entry: string, props: WorkflowsProps, options: TokenTaskOptions = {}): sfn.TaskStateBase {
    const invoke = new tasks.LambdaInvoke(scope, stateName, {
      lambdaFunction: this.functionFor(entry, stateName, props),
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({ 'state.$': '$', step: stateName, 'executionArn.$': '$$.Execution.Id', taskToken: sfn.JsonPath.taskToken }),
      resultPath: options.resultPath === null ? sfn.JsonPath.DISCARD : options.resultPath,
      outputPath: options.outputPath,
      comment: options.comment,
      retryOnServiceExceptions: false,
      // The wait is for a person (or another system) answering with the token, not for the function.
      taskTimeout: options.timeout ? sfn.Timeout.duration(options.timeout) : undefined,
    });
    // Retries re-invoke the function, which stores a fresh token: only failures before the wait.
    invoke.addRetry(transientRetry);
    return invoke;
  }

  private childExecution(scope: Construct, stateName: string, child: sfn.StateMachine, options: ChildExecutionOptions): sfn.TaskStateBase {
    const start = new tasks.StepFunctionsStartExecution(scope, stateName, {
      stateMachine: child,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      name: options.name,
      input: sfn.TaskInput.fromObject(options.input),
      // Links the child to its parent in the console, and a stopped parent stops its children.
      associateWithParent: true,
      resultPath: options.resultPath === undefined || options.resultPath === null ? sfn.JsonPath.DISCARD : options.resultPath,
      outputPath: options.outputPath,
      comment: options.comment,
    });
    start.addRetry(childStartRetry);
    return start;
  }

  private startExecution(scope: Construct, stateName: string, child: sfn.StateMachine, options: Omit<ChildExecutionOptions, 'resultPath' | 'outputPath'>): sfn.TaskStateBase {
    const start = new tasks.StepFunctionsStartExecution(scope, stateName, {
      stateMachine: child,
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      name: options.name,
      input: sfn.TaskInput.fromObject(options.input),
      associateWithParent: true,
      resultPath: sfn.JsonPath.DISCARD,
      comment: options.comment,
    });
    start.addRetry(childStartRetry);
    return start;
  }
}
