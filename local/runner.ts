/**
 * The local Step Functions service: runs the synthesized state machine definitions with
 * aws-local-stepfunctions, every Lambda Task bound in-process to the handler module Lambda runs.
 * Wait states (on a duration) and retry intervals are scaled by the local time scale; waits on a
 * timestamp wake at that instant, since handlers compute it with `clock().timerDeadline`. It
 * keeps executions with AWS's semantics for names (a replayed StartExecution with the same name
 * and input while it runs is the same execution; otherwise ExecutionAlreadyExists), runs
 * `startExecution.sync` tasks as separate child executions, holds `waitForTaskToken` states until
 * SendTaskSuccess/SendTaskFailure, and counts state transitions, task invocations and approximate
 * history events per execution for the benchmarks (payload sizes too, when asked).
 * `$$.State.RetryCount` in a child execution's name or input is the number of earlier attempts of
 * that state with the same parameters (the interpreter keeps no `$$.State`).
 */
import './polyfills.ts';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { LOCAL_ACCOUNT, stateMachineArn, type AslDefinition, type AslState, type LocalDefinition } from './definitions.ts';
import { TaskTokens } from './task-tokens.ts';
import type { VirtualTime } from './virtual-time.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  transitions: number;
  taskInvocations: number;
  /** Approximate Step Functions history events of this execution (see `historyEventsOf`). */
  historyEvents: number;
  /** The largest state input/output, task payload/result or execution input/output, when payloads are measured. */
  largestPayload?: PayloadSize;
  /** The execution whose `startExecution.sync` task started this one. */
  parentExecutionArn?: string;
  /** The execution whose `startExecution` state (no `.sync`) started this one: linked, not waited for. */
  startedBy?: string;
  done: Promise<void>;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

export interface PayloadSize {
  /** UTF-8 bytes of the JSON document, as Step Functions counts them against its 256 KB limit. */
  bytes: number;
  /** Which document: `output of StartWave`, `result of RunBatch`, `execution input`... */
  where: string;
}

/** The interpreter's event log, as far as history is counted from it. */
interface LoggedEvent {
  type: string;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
}

/**
 * How many events an event of the interpreter's log stands for in a Step Functions execution
 * history, approximately: execution started/ended 1 each; a state entered and exited 1 each; a
 * Lambda task adds scheduled, started and succeeded/failed (3), a `.sync` or token task one more
 * (submitted); each retry another attempt (3); a Map adds its started and ended events (2) and each
 * iteration its started and ended events (1 each), the states of an inline iteration counting
 * where they run. Catches, failed states and Wait internals add nothing of their own.
 */
function historyEventsOf(event: LoggedEvent, submittedTasks: ReadonlySet<string>, waitsAsTasks: ReadonlySet<string> = new Set()): number {
  switch (event.type) {
    case 'StateEntered': {
      const type = event.state?.type;
      // A Wait run as a Task on virtual time is still a Wait in AWS: entered and exited.
      if (type === 'Task' && waitsAsTasks.has(event.state!.name)) return 1;
      if (type === 'Task') return 1 + 3 + (submittedTasks.has(event.state!.name) ? 1 : 0);
      if (type === 'Map') return 1 + 2;
      return 1;
    }
    case 'StateExited':
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
      return 1;
    case 'StateRetried':
      return 3;
    default:
      return 0;
  }
}

const utf8Bytes = (json: string) => Buffer.byteLength(json, 'utf8');

/** A fault on a Task: fail before the handler runs, or crash after its side effect (a Lambda timeout after the work). */
export interface TaskFaultRule {
  state: string;
  effect: 'error' | 'crash-after';
  error?: string;
  count?: number;
}

export interface LocalStepFunctionsOptions {
  region: string;
  definitions: LocalDefinition[];
  /** Multiplies every Wait and retry interval (e.g. 0.005: a 30 s wait takes 150 ms). */
  timeScale: number;
  repoRoot: string;
  /** Milliseconds for Wait states whose duration comes from the input (SecondsPath). */
  pathWaitMs?: (stateName: string) => number;
  /**
   * Run on virtual time (local/virtual-time.ts): every Wait state sleeps on it, for its scaled
   * duration or until its timestamp (control-plane time, which is then virtual time), and each
   * Lambda invocation holds it still while it runs, then takes `taskLatencyMs` of it.
   */
  time?: VirtualTime;
  /** Virtual milliseconds each Lambda task takes beyond its (instant) run: AWS's invoke and transition latency, modelled. */
  taskLatencyMs?: number;
}

/** The Lambda a Wait state becomes on virtual time; the runner answers it (see `virtualWaits`). */
const VIRTUAL_WAIT_RESOURCE = 'arn:aws:lambda:local:000000000000:function:local-virtual-wait';

class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** What `$$.Task.Token` resolves to in a run; each token task swaps it for a fresh token. */
const TOKEN_PLACEHOLDER = 'local-task-token-placeholder';
/**
 * What `$$.State.RetryCount` resolves to in a run; a child execution task swaps it for its attempt
 * number. Counted per execution, state and parameters, which is AWS's count for a state entered
 * once with those parameters (a Map iteration, say); a state entered again anew would restart at 0
 * in AWS and goes on counting here.
 */
const RETRY_COUNT_PLACEHOLDER = 'local-retry-count-placeholder';
/**
 * Longest timeout handed to the interpreter, in seconds: it sleeps with setTimeout, whose delay
 * overflows (and fires at once) beyond 2^31 ms. AWS's own bound is the execution's timeout.
 */
const MAX_TIMEOUT_SECONDS = 2_000_000;

function replaceToken(value: unknown, token: string): unknown {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => replaceToken(v, token));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceToken(v, token)]));
  return value;
}

/** `value` with the retry count placeholder (alone or inside a formatted string) replaced by `count`. */
function replaceRetryCount(value: unknown, count: number): unknown {
  if (value === RETRY_COUNT_PLACEHOLDER) return count;
  if (typeof value === 'string') return value.split(RETRY_COUNT_PLACEHOLDER).join(String(count));
  if (Array.isArray(value)) return value.map((v) => replaceRetryCount(v, count));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceRetryCount(v, count)]));
  return value;
}

/**
 * The definition the interpreter runs, and the timeout of each token wait: token waits time out
 * after their TimeoutSeconds scaled like every other wait; timeouts beyond what setTimeout can hold
 * are capped; nothing else changes.
 */
function interpretable(def: LocalDefinition, scale: number, virtualWaits = false): { asl: AslDefinition; tokenTimeouts: Record<string, number> } {
  const asl = structuredClone(def.asl);
  const tokenTasks = new Set(def.tokenTasks);
  const tokenTimeouts: Record<string, number> = {};
  const visit = (d: AslDefinition) => {
    for (const [name, state] of Object.entries(d.States)) {
      if (virtualWaits && state.Type === 'Wait') d.States[name] = waitAsTask(state);
      if (state.Type === 'Task') {
        const seconds = state.TimeoutSeconds as number | undefined;
        const scaled = seconds !== undefined && tokenTasks.has(name) ? Math.max(1, Math.round(seconds * scale)) : seconds;
        // Unlike AWS, the interpreter gives a Task without TimeoutSeconds 60 s: child executions and token waits have none.
        const timeout = Math.min(scaled ?? MAX_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS);
        state.TimeoutSeconds = timeout;
        if (tokenTasks.has(name)) tokenTimeouts[name] = timeout;
      }
      for (const branch of state.Branches ?? []) visit(branch);
      if (state.Iterator) visit(state.Iterator);
      if (state.ItemProcessor) visit(state.ItemProcessor);
    }
  };
  visit(asl);
  if (typeof asl.TimeoutSeconds === 'number') asl.TimeoutSeconds = Math.min(asl.TimeoutSeconds, MAX_TIMEOUT_SECONDS);
  return { asl, tokenTimeouts };
}

/**
 * A Wait state as a Task the runner answers by sleeping on virtual time: what it waits for becomes
 * its parameters, and it passes its input on unchanged, as a Wait does.
 */
function waitAsTask(wait: AslState): AslState {
  const { Seconds, SecondsPath, Timestamp, TimestampPath, Type: _type, ...rest } = wait as AslState & Record<string, unknown>;
  const parameters: Record<string, unknown> = {};
  if (Seconds !== undefined) parameters.seconds = Seconds;
  if (SecondsPath !== undefined) parameters['seconds.$'] = SecondsPath;
  if (Timestamp !== undefined) parameters.timestamp = Timestamp;
  if (TimestampPath !== undefined) parameters['timestamp.$'] = TimestampPath;
  // However long the wait takes on the wall clock, no Task timeout may end it (the interpreter's default is 60 s).
  return { ...rest, Type: 'Task', Resource: VIRTUAL_WAIT_RESOURCE, Parameters: parameters, ResultPath: null, TimeoutSeconds: MAX_TIMEOUT_SECONDS } as AslState;
}

/** The result of a `.sync:2` task: DescribeExecution's answer, with input and output as JSON. */
function syncResult(e: LocalExecution): Record<string, unknown> {
  return {
    ExecutionArn: e.executionArn,
    StateMachineArn: e.stateMachineArn,
    Name: e.name,
    Status: e.status,
    StartDate: e.startDate.getTime(),
    StopDate: e.stopDate?.getTime(),
    Input: JSON.parse(e.input) as unknown,
    InputDetails: { Included: true },
    ...(e.output !== undefined ? { Output: JSON.parse(e.output) as unknown, OutputDetails: { Included: true } } : {}),
    ...(e.error !== undefined ? { Error: e.error } : {}),
    ...(e.cause !== undefined ? { Cause: e.cause } : {}),
  };
}

export class LocalStepFunctions {
  private readonly machines = new Map<string, { def: LocalDefinition; machine: StateMachine; tokenTimeouts: Record<string, number> }>();
  private readonly executions = new Map<string, LocalExecution>();
  private readonly aborts = new Map<string, () => void>();
  private readonly handlers = new Map<string, Promise<Handler>>();
  private readonly tokens = new TaskTokens();
  /** Handler invocations under way, of every execution: a stopped execution's Lambda still finishes. */
  private readonly invocations = new Set<Promise<unknown>>();
  /** Attempts of child execution tasks, per execution, state and parameters: `$$.State.RetryCount`. */
  private readonly childAttempts = new Map<string, number>();
  private taskFaults: TaskFaultRule[] = [];
  /**
   * Measure the size of every state input and output, task payload and result, and execution input
   * and output (`largestPayload` of each execution). Off unless a benchmark turns it on: it
   * serializes every document once more.
   */
  measurePayloads = false;

  constructor(private readonly opts: LocalStepFunctionsOptions) {
    for (const def of opts.definitions) {
      const { asl, tokenTimeouts } = interpretable(def, opts.timeScale, opts.time !== undefined);
      const machine = new StateMachine(asl as unknown as StateMachineDefinition, { validationOptions: { checkArn: false } });
      this.machines.set(this.stateMachineArn(def.name), { def, machine, tokenTimeouts });
    }
  }

  stateMachineArn(name: string): string {
    return stateMachineArn(this.opts.region, name);
  }

  /** Start and stop dates are on virtual time when the runner runs on it. */
  private now(): Date {
    return this.opts.time ? this.opts.time.now() : new Date();
  }

  get stateMachineArns(): string[] {
    return [...this.machines.keys()];
  }

  setTaskFaults(rules: TaskFaultRule[]): void {
    this.taskFaults = rules.map((r) => ({ ...r }));
  }

  startExecution(stateMachineArn: string, name: string | undefined, input: string, parentExecutionArn?: string): LocalExecution {
    const entry = this.machines.get(stateMachineArn);
    if (!entry) throw Object.assign(new Error(`State machine does not exist: ${stateMachineArn}`), { name: 'StateMachineDoesNotExist' });
    const execName = name ?? randomUUID();
    const smName = stateMachineArn.split(':').pop()!;
    const executionArn = `arn:aws:states:${this.opts.region}:${LOCAL_ACCOUNT}:execution:${smName}:${execName}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw Object.assign(new Error(`Execution Already Exists: '${executionArn}'`), { name: 'ExecutionAlreadyExists' });
    }
    const parsed = JSON.parse(input) as unknown;
    const execution: LocalExecution = {
      executionArn,
      stateMachineArn,
      name: execName,
      status: 'RUNNING',
      startDate: this.now(),
      input,
      transitions: 0,
      taskInvocations: 0,
      historyEvents: 0,
      parentExecutionArn,
      done: Promise.resolve(),
    };
    this.executions.set(executionArn, execution);
    execution.done = this.run(entry, execution, parsed);
    return execution;
  }

  describeExecution(executionArn: string): LocalExecution {
    const e = this.executions.get(executionArn);
    if (!e) throw Object.assign(new Error(`Execution Does Not Exist: '${executionArn}'`), { name: 'ExecutionDoesNotExist' });
    return e;
  }

  /** Executions, newest first; only those of one state machine and in one status when asked. */
  listExecutions(filter: { stateMachineArn?: string; status?: ExecutionStatus } = {}): LocalExecution[] {
    return [...this.executions.values()]
      .filter((e) => (!filter.stateMachineArn || e.stateMachineArn === filter.stateMachineArn) && (!filter.status || e.status === filter.status))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
  }

  /** The child executions a `startExecution.sync` task of `executionArn` started. */
  childExecutions(executionArn: string): LocalExecution[] {
    return [...this.executions.values()].filter((e) => e.parentExecutionArn === executionArn);
  }

  /**
   * StopExecution: the execution ends ABORTED at once, and so do the children it is waiting for
   * (as with `.sync` in AWS). A stopped RUNNING execution's in-flight Lambda still runs to its end.
   */
  stopExecution(executionArn: string, error?: string, cause?: string): LocalExecution {
    const e = this.describeExecution(executionArn);
    if (e.status !== 'RUNNING') return e;
    e.status = 'ABORTED';
    e.error = error;
    e.cause = cause;
    e.stopDate = this.now();
    this.tokens.closeExecution(executionArn);
    this.aborts.get(executionArn)?.();
    for (const child of this.childExecutions(executionArn)) this.stopExecution(child.executionArn, 'States.Aborted', `parent execution ${executionArn} was stopped`);
    return e;
  }

  /** SendTaskSuccess: the waiting state's result is `output` (a JSON document). */
  sendTaskSuccess(taskToken: string, output: string): void {
    this.tokens.succeed(taskToken, output);
  }

  /** SendTaskFailure: the waiting state fails with `error` and `cause`, which its Catch may match. */
  sendTaskFailure(taskToken: string, error?: string, cause?: string): void {
    this.tokens.fail(taskToken, error, cause);
  }

  /** States waiting for a task token answer. */
  pendingTaskTokens(): Array<{ executionArn: string; state: string }> {
    return this.tokens.pending();
  }

  /** Resolves once no execution is running (never while one waits for a task token nobody sends). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
      if (running.length === 0) return;
      await Promise.all(running.map((e) => e.done));
    }
  }

  /** Stops every running execution and lets in-flight Lambda invocations finish: the plane can close. */
  async shutdown(): Promise<void> {
    for (const e of this.executions.values()) if (e.status === 'RUNNING' && !e.parentExecutionArn) this.stopExecution(e.executionArn, 'States.Aborted', 'the local control plane is closing');
    for (const e of this.executions.values()) if (e.status === 'RUNNING') this.stopExecution(e.executionArn, 'States.Aborted', 'the local control plane is closing');
    await Promise.allSettled([...this.executions.values()].map((e) => e.done));
    while (this.invocations.size > 0) await Promise.allSettled([...this.invocations]);
  }

  private notePayload(execution: LocalExecution, where: string, json: string): void {
    const bytes = utf8Bytes(json);
    if (!execution.largestPayload || bytes > execution.largestPayload.bytes) execution.largestPayload = { bytes, where };
  }

  private handler(entry: string): Promise<Handler> {
    let h = this.handlers.get(entry);
    if (!h) {
      const url = pathToFileURL(path.join(this.opts.repoRoot, entry)).href;
      h = import(url).then((m: { handler?: Handler }) => {
        if (typeof m.handler !== 'function') throw new Error(`${entry} exports no handler`);
        return m.handler;
      });
      this.handlers.set(entry, h);
    }
    return h;
  }

  private takeFault(state: string, effect: TaskFaultRule['effect']): TaskFaultRule | undefined {
    const rule = this.taskFaults.find((r) => r.state === state && r.effect === effect && (r.count === undefined || r.count > 0));
    if (rule && rule.count !== undefined) rule.count -= 1;
    return rule;
  }

  /** One Lambda invocation of a handler module, with the injected faults of its state. */
  private async invokeHandler(execution: LocalExecution, stateName: string, entry: string, payload: unknown): Promise<unknown> {
    execution.taskInvocations += 1;
    const before = this.takeFault(stateName, 'error');
    if (before) throw new TaskError(before.error ?? 'Lambda.ServiceException', `injected fault before ${stateName}`);
    const handler = await this.handler(entry);
    // Lambda passes JSON in and out: no shared references, no undefined values.
    const payloadJson = JSON.stringify(payload);
    if (this.measurePayloads) this.notePayload(execution, `payload of ${stateName}`, payloadJson);
    const event = JSON.parse(payloadJson) as unknown;
    const context = { functionName: entry, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 120_000 };
    const time = this.opts.time;
    const run = time ? time.hold(handler(event, context)) : handler(event, context);
    this.invocations.add(run);
    void run.then(
      () => this.invocations.delete(run),
      () => this.invocations.delete(run),
    );
    const result = await run.finally(() => (time && this.opts.taskLatencyMs ? time.sleep(this.opts.taskLatencyMs) : undefined));
    const after = this.takeFault(stateName, 'crash-after');
    if (after) throw new TaskError(after.error ?? 'Sandbox.Timedout', `injected crash after ${stateName} did its work`);
    if (result === undefined) return null;
    const resultJson = JSON.stringify(result);
    if (this.measurePayloads) this.notePayload(execution, `result of ${stateName}`, resultJson);
    return JSON.parse(resultJson);
  }

  /** A `lambda:invoke.waitForTaskToken` state: invoke with a fresh token, then wait for its answer. */
  private async invokeWithToken(execution: LocalExecution, stateName: string, entry: string, parameters: unknown, timeoutSeconds: number): Promise<unknown> {
    const { token, answer } = this.tokens.issue(execution.executionArn, stateName, timeoutSeconds * 1000);
    const payload = replaceToken((parameters as { Payload?: unknown }).Payload ?? {}, token);
    try {
      await this.invokeHandler(execution, stateName, entry, payload);
    } catch (err) {
      this.tokens.close(token);
      throw err;
    }
    return answer;
  }

  /** A `startExecution.sync:2` state: a child execution of its own, its result as `.sync:2` returns it. */
  private async runChild(execution: LocalExecution, stateName: string, childMachine: string, parameters: unknown): Promise<unknown> {
    const key = `${execution.executionArn}|${stateName}|${JSON.stringify(parameters)}`;
    const attempt = this.childAttempts.get(key) ?? 0;
    this.childAttempts.set(key, attempt + 1);
    const p = replaceRetryCount(parameters, attempt) as { StateMachineArn?: string; Input?: unknown; Name?: string };
    const input = typeof p.Input === 'string' ? p.Input : JSON.stringify(p.Input ?? {});
    let child: LocalExecution;
    try {
      child = this.startExecution(p.StateMachineArn ?? this.stateMachineArn(childMachine), p.Name, input, execution.executionArn);
    } catch (err) {
      const e = err as { name?: string; message?: string };
      // Service integrations name the service's exception, prefixed by the service.
      throw new TaskError(`StepFunctions.${e.name ?? 'Error'}Exception`, `${stateName}: ${e.message ?? String(err)}`);
    }
    await child.done;
    if (child.status === 'SUCCEEDED') {
      const result = syncResult(child);
      if (this.measurePayloads) this.notePayload(execution, `result of ${stateName}`, JSON.stringify(result));
      return result;
    }
    throw new TaskError('States.TaskFailed', JSON.stringify(syncResult(child)));
  }

  /**
   * A `startExecution` state (no `.sync`): the execution starts on its own and the state returns
   * StartExecution's answer at once. Not a child in the `.sync` sense: stopping the starter does
   * not stop it. The same name with the same input while it runs answers the running execution,
   * as AWS does; otherwise `StepFunctions.ExecutionAlreadyExistsException`.
   */
  private startChild(execution: LocalExecution, stateName: string, machineName: string, parameters: unknown): Record<string, unknown> {
    const p = replaceRetryCount(parameters, 0) as { StateMachineArn?: string; Input?: unknown; Name?: string };
    const input = typeof p.Input === 'string' ? p.Input : JSON.stringify(p.Input ?? {});
    try {
      const started = this.startExecution(p.StateMachineArn ?? this.stateMachineArn(machineName), p.Name, input);
      started.startedBy = execution.executionArn;
      return { ExecutionArn: started.executionArn, StartDate: started.startDate.getTime() };
    } catch (err) {
      const e = err as { name?: string; message?: string };
      throw new TaskError(`StepFunctions.${e.name ?? 'Error'}Exception`, `${stateName}: ${e.message ?? String(err)}`);
    }
  }

  private async run(
    { def, machine, tokenTimeouts }: { def: LocalDefinition; machine: StateMachine; tokenTimeouts: Record<string, number> },
    execution: LocalExecution,
    input: unknown,
  ): Promise<void> {
    const scale = this.opts.timeScale;
    const taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const inFlight = new Set<Promise<unknown>>();
    const settle = new Set(def.settleBefore);
    const tokenTasks = new Set(def.tokenTasks);
    for (const [stateName, entry] of Object.entries(def.taskHandlers)) {
      if (tokenTasks.has(stateName)) {
        const timeout = tokenTimeouts[stateName] ?? MAX_TIMEOUT_SECONDS;
        taskResourceLocalHandlers[stateName] = (parameters) => this.invokeWithToken(execution, stateName, entry, parameters, timeout);
        continue;
      }
      taskResourceLocalHandlers[stateName] = async (taskInput) => {
        if (settle.has(stateName)) await Promise.allSettled([...inFlight]);
        const p = this.invokeHandler(execution, stateName, entry, taskInput);
        if (!settle.has(stateName)) {
          inFlight.add(p);
          void p.then(
            () => inFlight.delete(p),
            () => inFlight.delete(p),
          );
        }
        return p;
      };
    }
    for (const [stateName, childMachine] of Object.entries(def.childExecutions)) {
      taskResourceLocalHandlers[stateName] = (parameters) => this.runChild(execution, stateName, childMachine, parameters);
    }
    for (const [stateName, childMachine] of Object.entries(def.startedExecutions ?? {})) {
      taskResourceLocalHandlers[stateName] = async (parameters) => this.startChild(execution, stateName, childMachine, parameters);
    }
    const waitTimeOverrides: Record<string, number> = {};
    for (const [stateName, seconds] of Object.entries(def.waits)) {
      waitTimeOverrides[stateName] = seconds === undefined ? (this.opts.pathWaitMs?.(stateName) ?? 0) : Math.round(seconds * 1000 * scale);
    }
    const time = this.opts.time;
    if (time) {
      for (const stateName of [...Object.keys(def.waits), ...def.timestampWaits]) {
        taskResourceLocalHandlers[stateName] = async (parameters) => {
          const p = (parameters ?? {}) as { seconds?: number; timestamp?: string };
          if (p.timestamp !== undefined) await time.sleepUntil(Date.parse(p.timestamp));
          else if (p.seconds !== undefined) await time.sleep(p.seconds * 1000 * scale);
          else await time.sleep(waitTimeOverrides[stateName] ?? 0);
          return null;
        };
      }
    }
    const retryIntervalOverrides: Record<string, number> = {};
    // On virtual time a retry comes at once: the interpreter's own sleep would run on the wall clock.
    for (const stateName of def.retryable) retryIntervalOverrides[stateName] = time ? 0 : Math.max(1, Math.round(1000 * scale));

    const run = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, waitTimeOverrides, retryIntervalOverrides },
      context: {
        Execution: { Id: execution.executionArn, Name: execution.name, StartTime: execution.startDate.toISOString(), Input: input as never },
        StateMachine: { Id: execution.stateMachineArn, Name: def.name },
        Task: { Token: TOKEN_PLACEHOLDER },
        State: { RetryCount: RETRY_COUNT_PLACEHOLDER },
      },
    });
    this.aborts.set(execution.executionArn, run.abort);
    const counting = (async () => {
      const submitted = new Set([...Object.keys(def.childExecutions), ...def.tokenTasks]);
      const waits = new Set(time ? [...Object.keys(def.waits), ...def.timestampWaits] : []);
      if (this.measurePayloads) this.notePayload(execution, 'execution input', execution.input);
      for await (const event of run.eventLogs) {
        if (event.type === 'StateEntered') execution.transitions += 1;
        execution.historyEvents += historyEventsOf(event as LoggedEvent, submitted, waits);
        const state = (event as LoggedEvent).state;
        if (this.measurePayloads && state) {
          if (event.type === 'StateEntered') this.notePayload(execution, `input of ${state.name}`, JSON.stringify(state.input ?? null));
          if (event.type === 'StateExited') this.notePayload(execution, `output of ${state.name}`, JSON.stringify(state.output ?? null));
        }
      }
    })();
    try {
      const output = await run.result;
      if (execution.status === 'RUNNING') {
        execution.status = 'SUCCEEDED';
        execution.output = JSON.stringify(output);
        if (this.measurePayloads) this.notePayload(execution, 'execution output', execution.output);
      }
    } catch (err) {
      if (execution.status === 'RUNNING') {
        const e = err as { name?: string; message?: string; cause?: { name?: string; message?: string } };
        execution.status = e.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : e.name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
        execution.error = e.cause?.name ?? e.name ?? 'Error';
        execution.cause = e.cause?.message ?? e.message;
      }
    } finally {
      execution.stopDate ??= this.now();
      this.aborts.delete(execution.executionArn);
      this.tokens.closeExecution(execution.executionArn);
      await counting.catch(() => undefined);
    }
  }
}
