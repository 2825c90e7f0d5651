/**
 * Reads the state machines out of the synthesized CloudFormation template: resolves the
 * `DefinitionString` (an `Fn::Join` of strings, `Fn::GetAtt` and `Ref`s) into plain ASL and maps
 * every Task state to what it runs: a Lambda invoke (plain or waiting for a task token) to the
 * handler module recorded in its function's `odoo:handler` metadata, a `startExecution.sync` to
 * the child state machine by name. What runs locally is therefore exactly what CDK deploys.
 */
import { HANDLER_METADATA_KEY } from '#infra/constructs/fleet-function.ts';

export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}

export interface LocalDefinition {
  /** The `stateMachineName` (e.g. `odoo-fleet-provision`). */
  name: string;
  logicalId: string;
  asl: AslDefinition;
  /** Task state name -> handler module (repo-relative), for Lambda invokes with or without a task token. */
  taskHandlers: Record<string, string>;
  /** Task states that invoke their handler with a task token and wait for SendTaskSuccess/Failure. */
  tokenTasks: string[];
  /** Task state name -> the state machine (name) it runs as a child execution (`startExecution.sync`). */
  childExecutions: Record<string, string>;
  /** Task state name -> the state machine (name) it starts without waiting (`startExecution`). */
  startedExecutions: Record<string, string>;
  /** Wait state name -> seconds (undefined for SecondsPath waits). Waits on a timestamp are not here. */
  waits: Record<string, number | undefined>;
  /** Wait states on a timestamp (Timestamp/TimestampPath): they wake at that instant, never scaled. */
  timestampWaits: string[];
  /** Retryable state names. */
  retryable: string[];
  /**
   * Tasks reached from a Catch (directly or after a Wait): before they run, the runner lets the
   * execution's other in-flight tasks finish, as the Wait before them guarantees in AWS.
   */
  settleBefore: string[];
}

export interface AslState {
  Type: string;
  Resource?: string;
  Seconds?: number;
  Branches?: AslDefinition[];
  Iterator?: AslDefinition;
  ItemProcessor?: AslDefinition;
  Retry?: unknown[];
  [k: string]: unknown;
}
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [k: string]: unknown;
}

export const LOCAL_ACCOUNT = '000000000000';

export function lambdaArn(region: string, logicalId: string): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

export function stateMachineArn(region: string, name: string): string {
  return `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
}

const TOKEN_INVOKE = /^arn:[\w-]+:states:::lambda:invoke\.waitForTaskToken$/;
const CHILD_EXECUTION = /^arn:[\w-]+:states:::states:startExecution\.sync(?::2)?$/;
const START_EXECUTION = /^arn:[\w-]+:states:::states:startExecution$/;

function resolve(value: unknown, template: CfnTemplate, region: string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => resolve(p, template, region)).join(sep);
    }
    if ('Fn::GetAtt' in v) {
      const [logicalId, attr] = v['Fn::GetAtt'] as [string, string];
      const resource = template.Resources[logicalId];
      if (resource?.Type === 'AWS::Lambda::Function' && attr === 'Arn') return lambdaArn(region, logicalId);
      return `arn:aws:local:${region}:${LOCAL_ACCOUNT}:${logicalId}/${attr}`;
    }
    if ('Ref' in v) {
      const ref = v.Ref as string;
      const resource = template.Resources[ref];
      if (resource?.Type === 'AWS::StepFunctions::StateMachine') return stateMachineArn(region, String(resource.Properties?.StateMachineName ?? ref));
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return region;
      if (ref === 'AWS::AccountId') return LOCAL_ACCOUNT;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      return ref;
    }
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} in a state machine definition`);
}

function walk(def: AslDefinition, visit: (name: string, state: AslState) => void): void {
  for (const [name, state] of Object.entries(def.States)) {
    visit(name, state);
    for (const branch of state.Branches ?? []) walk(branch, visit);
    if (state.Iterator) walk(state.Iterator, visit);
    if (state.ItemProcessor) walk(state.ItemProcessor, visit);
  }
}

export function loadDefinitions(template: CfnTemplate, region: string): LocalDefinition[] {
  const handlerByArn = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const entry = resource.Metadata?.[HANDLER_METADATA_KEY];
    if (resource.Type === 'AWS::Lambda::Function' && typeof entry === 'string') handlerByArn.set(lambdaArn(region, logicalId), entry);
  }
  const out: LocalDefinition[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const props = resource.Properties ?? {};
    const asl = JSON.parse(resolve(props.DefinitionString, template, region)) as AslDefinition;
    const taskHandlers: Record<string, string> = {};
    const tokenTasks: string[] = [];
    const childExecutions: Record<string, string> = {};
    const startedExecutions: Record<string, string> = {};
    const waits: Record<string, number | undefined> = {};
    const timestampWaits: string[] = [];
    const retryable: string[] = [];
    const states: Record<string, AslState> = {};
    const catchTargets = new Set<string>();
    walk(asl, (name, state) => {
      states[name] = state;
      for (const c of (state.Catch as Array<{ Next: string }> | undefined) ?? []) catchTargets.add(c.Next);
      if (state.Type === 'Task') {
        const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
        if (state.Resource && (CHILD_EXECUTION.test(state.Resource) || START_EXECUTION.test(state.Resource))) {
          const child = String(parameters.StateMachineArn ?? '').split(':stateMachine:')[1];
          if (!child) throw new Error(`Task ${name} of ${logicalId} starts no known state machine (${String(parameters.StateMachineArn)})`);
          if (CHILD_EXECUTION.test(state.Resource)) childExecutions[name] = child;
          else startedExecutions[name] = child;
        } else {
          const token = !!state.Resource && TOKEN_INVOKE.test(state.Resource);
          const functionArn = token ? String(parameters.FunctionName ?? '') : state.Resource;
          const entry = functionArn ? handlerByArn.get(functionArn) : undefined;
          if (!entry) throw new Error(`Task ${name} of ${logicalId} is not bound to a handler module (resource ${state.Resource})`);
          taskHandlers[name] = entry;
          if (token) tokenTasks.push(name);
        }
      }
      if (state.Type === 'Wait') {
        if (state.Timestamp !== undefined || state.TimestampPath !== undefined) timestampWaits.push(name);
        else waits[name] = state.Seconds;
      }
      if (state.Retry) retryable.push(name);
    });
    const settleBefore = [...catchTargets].map((n) => (states[n]?.Type === 'Wait' ? String(states[n]!.Next) : n)).filter((n) => states[n]?.Type === 'Task');
    out.push({ name: String(props.StateMachineName ?? logicalId), logicalId, asl, taskHandlers, tokenTasks, childExecutions, startedExecutions, waits, timestampWaits, retryable, settleBefore });
  }
  return out;
}
