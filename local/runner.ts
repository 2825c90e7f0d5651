/**
 * The local Step Functions service: runs the synthesized state machine definitions with
 * aws-local-stepfunctions, every Task bound in-process to the handler module Lambda runs. Wait
 * states and retry intervals are scaled by the local time scale. It keeps executions with AWS's
 * semantics for names (a replayed StartExecution with the same name and input is the same
 * execution; another input is ExecutionAlreadyExists) and counts state transitions and task
 * invocations for the benchmarks.
 */
import './polyfills.ts';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { LOCAL_ACCOUNT, type LocalDefinition } from './definitions.ts';

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
  done: Promise<void>;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

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
}

class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class LocalStepFunctions {
  private readonly machines = new Map<string, { def: LocalDefinition; machine: StateMachine }>();
  private readonly executions = new Map<string, LocalExecution>();
  private readonly handlers = new Map<string, Promise<Handler>>();
  private taskFaults: TaskFaultRule[] = [];

  constructor(private readonly opts: LocalStepFunctionsOptions) {
    for (const def of opts.definitions) {
      const machine = new StateMachine(def.asl as unknown as StateMachineDefinition, { validationOptions: { checkArn: false } });
      this.machines.set(this.stateMachineArn(def.name), { def, machine });
    }
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.opts.region}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
  }

  get stateMachineArns(): string[] {
    return [...this.machines.keys()];
  }

  setTaskFaults(rules: TaskFaultRule[]): void {
    this.taskFaults = rules.map((r) => ({ ...r }));
  }

  startExecution(stateMachineArn: string, name: string | undefined, input: string): LocalExecution {
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
      startDate: new Date(),
      input,
      transitions: 0,
      taskInvocations: 0,
      done: Promise.resolve(),
    };
    this.executions.set(executionArn, execution);
    execution.done = this.run(entry.def, entry.machine, execution, parsed);
    return execution;
  }

  describeExecution(executionArn: string): LocalExecution {
    const e = this.executions.get(executionArn);
    if (!e) throw Object.assign(new Error(`Execution Does Not Exist: '${executionArn}'`), { name: 'ExecutionDoesNotExist' });
    return e;
  }

  listExecutions(): LocalExecution[] {
    return [...this.executions.values()];
  }

  /** Resolves once no execution is running. */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
      if (running.length === 0) return;
      await Promise.all(running.map((e) => e.done));
    }
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

  private async run(def: LocalDefinition, machine: StateMachine, execution: LocalExecution, input: unknown): Promise<void> {
    const scale = this.opts.timeScale;
    const taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const inFlight = new Set<Promise<unknown>>();
    const settle = new Set(def.settleBefore);
    for (const [stateName, entry] of Object.entries(def.taskHandlers)) {
      const invoke = async (taskInput: unknown) => {
        if (settle.has(stateName)) await Promise.allSettled([...inFlight]);
        execution.taskInvocations += 1;
        const before = this.takeFault(stateName, 'error');
        if (before) throw new TaskError(before.error ?? 'Lambda.ServiceException', `injected fault before ${stateName}`);
        const handler = await this.handler(entry);
        // Lambda passes JSON in and out: no shared references, no undefined values.
        const event = JSON.parse(JSON.stringify(taskInput)) as unknown;
        const context = { functionName: entry, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 120_000 };
        const result = await handler(event, context);
        const after = this.takeFault(stateName, 'crash-after');
        if (after) throw new TaskError(after.error ?? 'Sandbox.Timedout', `injected crash after ${stateName} did its work`);
        return result === undefined ? null : JSON.parse(JSON.stringify(result));
      };
      taskResourceLocalHandlers[stateName] = (taskInput) => {
        const p = invoke(taskInput);
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
    const waitTimeOverrides: Record<string, number> = {};
    for (const [stateName, seconds] of Object.entries(def.waits)) {
      waitTimeOverrides[stateName] = seconds === undefined ? (this.opts.pathWaitMs?.(stateName) ?? 0) : Math.round(seconds * 1000 * scale);
    }
    const retryIntervalOverrides: Record<string, number> = {};
    for (const stateName of def.retryable) retryIntervalOverrides[stateName] = Math.max(1, Math.round(1000 * scale));

    const run = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, waitTimeOverrides, retryIntervalOverrides },
      context: {
        Execution: { Id: execution.executionArn, Name: execution.name, StartTime: execution.startDate.toISOString(), Input: input as never },
        StateMachine: { Id: execution.stateMachineArn, Name: def.name },
      },
    });
    const counting = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type === 'StateEntered') execution.transitions += 1;
      }
    })();
    try {
      const output = await run.result;
      execution.status = 'SUCCEEDED';
      execution.output = JSON.stringify(output);
    } catch (err) {
      const e = err as { name?: string; message?: string; cause?: { name?: string; message?: string } };
      execution.status = e.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : e.name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
      execution.error = e.cause?.name ?? e.name ?? 'Error';
      execution.cause = e.cause?.message ?? e.message;
    } finally {
      execution.stopDate = new Date();
      await counting.catch(() => undefined);
    }
  }
}
