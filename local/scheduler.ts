/**
 * EventBridge Scheduler, locally: the `AWS::Scheduler::Schedule` resources of the synthesized
 * template (the same template the state machines come from), fired on the control plane's clock.
 * A state machine target is started on the local runner with the schedule's input and a generated
 * execution name (Scheduler gives none, so Step Functions makes a UUID); a Lambda target calls the
 * handler module recorded on that function (`odoo:handler`), as the runner does for a Task state.
 *
 * Time: on the scaled wall clock the simulated clock runs at real speed (decision 17), so a timer
 * waits the simulated gap; on virtual time the scheduler sleeps on virtual time, and a fired Lambda
 * holds it still while it runs. Moving the clock forward past several occurrences fires a schedule
 * once, at the newest, and counts the others as missed: a drill run selects whoever is due, so one
 * catch-up run is what a late Scheduler would have done too. The flexible window is shown, not
 * applied: a schedule fires at its nominal time, which is inside its window. Retries and the
 * dead-letter queue are not simulated: a failed start is recorded as the schedule's last result.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HANDLER_METADATA_KEY } from '#infra/constructs/fleet-function.ts';
import type { CfnTemplate } from './definitions.ts';
import { nextFire, parseScheduleExpression, type ParsedExpression } from './schedule-expression.ts';
import type { VirtualTime } from './virtual-time.ts';

export type ScheduleTarget =
  | { type: 'stateMachine'; stateMachineName: string; stateMachineArn: string }
  | { type: 'lambda'; functionLogicalId: string; handler: string };

export interface LocalScheduleDefinition {
  name: string;
  group: string;
  expression: string;
  timezone: string;
  enabled: boolean;
  /** 0 when the window is OFF. */
  flexibleWindowMinutes: number;
  target: ScheduleTarget;
  /** The target's input as Scheduler sends it, context attributes (`<aws.scheduler.*>`) not yet filled. */
  input: string;
  retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
  hasDeadLetterQueue: boolean;
}

export type FireResult =
  | { status: 'STARTED'; executionArn: string; executionName: string }
  | { status: 'SUCCEEDED'; output: unknown }
  | { status: 'FAILED'; error: string; message: string };

export interface FireRecord {
  /** The occurrence fired; absent when fired on demand. */
  scheduledAt?: string;
  firedAt: string;
  trigger: 'schedule' | 'on-demand';
  /** Earlier occurrences the clock jumped over, fired as this one. */
  missed?: number;
  /** Absent while a Lambda target still runs. */
  result?: FireResult;
}

export interface ScheduleStatus {
  name: string;
  group: string;
  expression: string;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  flexibleWindowMinutes: number;
  target: ScheduleTarget;
  input: unknown;
  /** When it fires next on the control plane's clock (whether or not the plane fires schedules). */
  nextFire: string | null;
  lastFire: FireRecord | null;
}

/** What the scheduler needs of the local Step Functions runner. */
export interface ExecutionStarter {
  stateMachineArn(name: string): string;
  startExecution(stateMachineArn: string, name: string | undefined, input: string): { executionArn: string; name: string };
}

export interface LocalSchedulerOptions {
  schedules: readonly LocalScheduleDefinition[];
  runner: ExecutionStarter;
  /** Where handler modules are, relative to which `odoo:handler` paths are. */
  repoRoot: string;
  /** The control plane's clock. */
  clock: { now(): Date };
  /** When the plane runs on virtual time: the scheduler sleeps on it, and a fired Lambda holds it. */
  virtualTime?: VirtualTime;
  region: string;
  account: string;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** The longest a wall-clock timer sleeps before looking again (the clock may have been moved). */
const MAX_TIMER_MS = 60_000;

/** Scheduler's default zone, as CDK writes it, and its other names. */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);

const CONTEXT_ATTRIBUTE = /<aws\.scheduler\.(scheduled-time|schedule-arn|execution-id|attempt-number)>/g;

interface Entry {
  def: LocalScheduleDefinition;
  parsed: ParsedExpression;
  /** A rate counts from here. */
  anchorMs: number;
  nextMs: number | undefined;
  lastFire: FireRecord | null;
}

export class ScheduleNotFound extends Error {
  override readonly name = 'ResourceNotFoundException';
}

export class LocalScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly handlers = new Map<string, Promise<Handler>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  /** The instant a virtual-time sleeper is already waiting for. */
  private armedAtMs: number | undefined;
  private firing = false;
  private stopped = false;

  constructor(private readonly opts: LocalSchedulerOptions) {
    const now = opts.clock.now().getTime();
    for (const def of opts.schedules) {
      const parsed = parseScheduleExpression(def.expression);
      if (!UTC_ZONES.has(def.timezone)) throw new Error(`schedule ${def.name}: only UTC schedules run locally, not ${def.timezone}`);
      this.entries.set(def.name, { def, parsed, anchorMs: now, nextMs: def.enabled ? nextFire(parsed, now, now) : undefined, lastFire: null });
    }
  }

  /** Whether schedules fire on their own (`start`), or only when asked (`run`). */
  get isFiring(): boolean {
    return this.firing;
  }

  /** Fires each enabled schedule when the clock reaches its next occurrence. */
  start(): void {
    if (this.stopped) throw new Error('the scheduler was stopped');
    this.firing = true;
    this.arm();
  }

  /** No more firing; waits for the Lambda targets still running. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.firing = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  list(): ScheduleStatus[] {
    return [...this.entries.values()].map((e) => ({
      name: e.def.name,
      group: e.def.group,
      expression: e.def.expression,
      timezone: e.def.timezone,
      state: e.def.enabled ? 'ENABLED' : 'DISABLED',
      flexibleWindowMinutes: e.def.flexibleWindowMinutes,
      target: e.def.target,
      input: parseInput(e.def.input),
      nextFire: e.nextMs === undefined ? null : new Date(e.nextMs).toISOString(),
      lastFire: e.lastFire,
    }));
  }

  /** Fires a schedule now, whatever its state and next occurrence; answers what it started or what the Lambda returned. */
  async run(name: string): Promise<FireRecord> {
    const entry = this.entries.get(name);
    if (!entry) throw new ScheduleNotFound(`Schedule ${name} does not exist.`);
    const now = this.opts.clock.now();
    const record: FireRecord = { firedAt: now.toISOString(), trigger: 'on-demand' };
    entry.lastFire = record;
    record.result = await this.fire(entry, now);
    return record;
  }

  /**
   * Fires every schedule whose next occurrence has come, once each, and waits for what it fired
   * (a started execution, a Lambda's answer). Called by the timer, and after the clock is moved.
   */
  async tick(): Promise<void> {
    if (!this.firing) return;
    const now = this.opts.clock.now();
    const nowMs = now.getTime();
    const fired: Array<Promise<unknown>> = [];
    for (const entry of this.entries.values()) {
      if (entry.nextMs === undefined || entry.nextMs > nowMs) continue;
      const scheduledMs = this.latestOccurrence(entry, nowMs);
      const record: FireRecord = { scheduledAt: new Date(scheduledMs).toISOString(), firedAt: now.toISOString(), trigger: 'schedule' };
      const missed = this.countOccurrences(entry, entry.nextMs, scheduledMs);
      if (missed > 0) record.missed = missed;
      entry.lastFire = record;
      entry.nextMs = nextFire(entry.parsed, nowMs, entry.anchorMs);
      fired.push(this.fire(entry, new Date(scheduledMs)).then((result) => (record.result = result)));
    }
    this.arm();
    await Promise.all(fired);
  }

  /** The newest occurrence at or before `nowMs` (the one a jump of the clock fires). */
  private latestOccurrence(entry: Entry, nowMs: number): number {
    let at = entry.nextMs!;
    for (let next = nextFire(entry.parsed, at, entry.anchorMs); next !== undefined && next <= nowMs; next = nextFire(entry.parsed, next, entry.anchorMs)) at = next;
    return at;
  }

  private countOccurrences(entry: Entry, fromMs: number, toMs: number): number {
    if (entry.parsed.kind === 'rate') return Math.round((toMs - fromMs) / entry.parsed.everyMs);
    let count = 0;
    for (let t = fromMs; t < toMs; t = nextFire(entry.parsed, t, entry.anchorMs)!) count += 1;
    return count;
  }

  private arm(): void {
    if (!this.firing) return;
    const next = Math.min(...[...this.entries.values()].map((e) => e.nextMs ?? Infinity));
    if (!Number.isFinite(next)) return;
    const time = this.opts.virtualTime;
    if (time) {
      // A sleeper on virtual time cannot be taken back: one per instant, a stale one finds nothing due.
      if (this.armedAtMs === next) return;
      this.armedAtMs = next;
      void time.sleepUntil(next).then(() => {
        if (this.armedAtMs === next) this.armedAtMs = undefined;
        if (!this.stopped) void this.tick();
      });
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    const waitMs = Math.max(0, Math.min(next - this.opts.clock.now().getTime(), MAX_TIMER_MS));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) void this.tick();
    }, waitMs);
    // A schedule alone does not keep the process alive (npm start has its server for that).
    this.timer.unref();
  }

  private async fire(entry: Entry, scheduledAt: Date): Promise<FireResult> {
    const work = this.invoke(entry, scheduledAt).catch((err: unknown): FireResult => {
      const e = err as { name?: string; message?: string };
      return { status: 'FAILED', error: e.name ?? 'Error', message: e.message ?? String(err) };
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  private async invoke(entry: Entry, scheduledAt: Date): Promise<FireResult> {
    const { def } = entry;
    const scheduleArn = `arn:aws:scheduler:${this.opts.region}:${this.opts.account}:schedule/${def.group}/${def.name}`;
    const attributes: Record<string, string> = {
      'scheduled-time': scheduledAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'schedule-arn': scheduleArn,
      'execution-id': randomUUID(),
      'attempt-number': '1',
    };
    const input = def.input.replace(CONTEXT_ATTRIBUTE, (_, name: string) => attributes[name] ?? '');
    if (def.target.type === 'stateMachine') {
      const execution = this.opts.runner.startExecution(def.target.stateMachineArn, undefined, input);
      return { status: 'STARTED', executionArn: execution.executionArn, executionName: execution.name };
    }
    const handler = await this.handler(def.target.handler);
    const event = parseInput(input);
    const context = { functionName: def.target.functionLogicalId, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 60_000 };
    const run = handler(event, context);
    const output = await (this.opts.virtualTime ? this.opts.virtualTime.hold(run) : run);
    // Lambda answers JSON: no shared references, no undefined.
    return { status: 'SUCCEEDED', output: output === undefined ? null : (JSON.parse(JSON.stringify(output)) as unknown) };
  }

  private handler(entry: string): Promise<Handler> {
    let h = this.handlers.get(entry);
    if (!h) {
      h = import(pathToFileURL(path.join(this.opts.repoRoot, entry)).href).then((m: { handler?: Handler }) => {
        if (typeof m.handler !== 'function') throw new Error(`${entry} exports no handler`);
        return m.handler;
      });
      h.catch(() => this.handlers.delete(entry));
      this.handlers.set(entry, h);
    }
    return h;
  }
}

function parseInput(input: string): unknown {
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the schedules out of the template

type CfnValue = unknown;

/** Resolves the few intrinsic functions a schedule's properties hold into a plain string. */
function resolveString(value: CfnValue, template: CfnTemplate, region: string, account: string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, CfnValue[]];
      return parts.map((p) => resolveString(p, template, region, account)).join(sep);
    }
    if ('Ref' in v) {
      const ref = v.Ref as string;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return region;
      if (ref === 'AWS::AccountId') return account;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      const resource = template.Resources[ref];
      if (resource?.Type === 'AWS::Scheduler::ScheduleGroup') return String(resource.Properties?.Name ?? ref);
      if (resource?.Type === 'AWS::StepFunctions::StateMachine') {
        return `arn:aws:states:${region}:${account}:stateMachine:${String(resource.Properties?.StateMachineName ?? ref)}`;
      }
      return ref;
    }
    if ('Fn::GetAtt' in v) {
      const [logicalId, attr] = v['Fn::GetAtt'] as [string, string];
      return `arn:aws:local:${region}:${account}:${logicalId}/${attr}`;
    }
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} in a schedule`);
}

function targetOf(name: string, arn: CfnValue, template: CfnTemplate, region: string, account: string, stateMachineArn: (name: string) => string): ScheduleTarget {
  if (arn && typeof arn === 'object' && 'Fn::GetAtt' in arn) {
    const [logicalId] = (arn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    const resource = template.Resources[logicalId];
    const handler = resource?.Metadata?.[HANDLER_METADATA_KEY];
    if (resource?.Type !== 'AWS::Lambda::Function' || typeof handler !== 'string') {
      throw new Error(`schedule ${name} targets ${logicalId}, which is not a function bound to a handler module`);
    }
    return { type: 'lambda', functionLogicalId: logicalId, handler };
  }
  const resolved = resolveString(arn, template, region, account);
  const machine = /:states:[^:]*:[^:]*:stateMachine:([\w-]+)$/.exec(resolved)?.[1];
  if (machine) return { type: 'stateMachine', stateMachineName: machine, stateMachineArn: stateMachineArn(machine) };
  throw new Error(`schedule ${name} targets ${resolved}, which the local control plane cannot run (a state machine or a function of this template)`);
}

/**
 * The schedules of a synthesized template. `stateMachineArn` names a machine the way the local
 * runner does; `account` fills `AWS::AccountId`.
 */
export function loadSchedules(template: CfnTemplate, opts: { region: string; account: string; stateMachineArn: (name: string) => string }): LocalScheduleDefinition[] {
  const out: LocalScheduleDefinition[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Scheduler::Schedule') continue;
    const p = (resource.Properties ?? {}) as Record<string, CfnValue>;
    const name = p.Name === undefined ? logicalId : resolveString(p.Name, template, opts.region, opts.account);
    const target = (p.Target ?? {}) as Record<string, CfnValue>;
    const window = (p.FlexibleTimeWindow ?? {}) as { Mode?: string; MaximumWindowInMinutes?: number };
    out.push({
      name,
      group: p.GroupName === undefined ? 'default' : resolveString(p.GroupName, template, opts.region, opts.account),
      expression: resolveString(p.ScheduleExpression, template, opts.region, opts.account),
      timezone: p.ScheduleExpressionTimezone === undefined ? 'UTC' : resolveString(p.ScheduleExpressionTimezone, template, opts.region, opts.account),
      enabled: p.State !== 'DISABLED',
      flexibleWindowMinutes: window.Mode === 'FLEXIBLE' ? (window.MaximumWindowInMinutes ?? 0) : 0,
      target: targetOf(name, target.Arn, template, opts.region, opts.account, opts.stateMachineArn),
      input: target.Input === undefined ? '{}' : resolveString(target.Input, template, opts.region, opts.account),
      retryPolicy: target.RetryPolicy as LocalScheduleDefinition['retryPolicy'],
      hasDeadLetterQueue: target.DeadLetterConfig !== undefined,
    });
  }
  return out;
}
