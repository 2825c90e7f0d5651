/**
 * The local EventBridge Scheduler: schedule expressions parsed as Scheduler parses them, the next
 * occurrence in UTC, schedules read from a template, fired on a moved clock and on virtual time,
 * and the local routes that list and fire them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#infra/constructs/fleet-function.ts';
import { startLocalControlPlane, type LocalControlPlane } from '#local/control-plane.ts';
import type { CfnTemplate } from '#local/definitions.ts';
import { handleLocalRoute } from '#local/local-routes.ts';
import type { LocalStepFunctions } from '#local/runner.ts';
import { nextFire, parseScheduleExpression, ScheduleExpressionError } from '#local/schedule-expression.ts';
import { LocalScheduler, loadSchedules, type ExecutionStarter } from '#local/scheduler.ts';
import { VirtualTime } from '#local/virtual-time.ts';
import { api, TEST_TIME_SCALE } from '../support/local-plane.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '000000000000';
const ECHO = 'test/local/fixtures/scheduled-echo.ts';
const T0 = Date.parse('2026-11-30T01:30:00Z'); // a Monday

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
/** The next occurrence of `expression` strictly after `after`. */
const next = (expression: string, after: string, anchor = after) => iso(nextFire(parseScheduleExpression(expression), Date.parse(after), Date.parse(anchor)));

describe('schedule expressions', () => {
  it.each([
    ['cron(0 2 * * ? *)', '2026-11-30T01:00:00Z', '2026-11-30T02:00:00.000Z'],
    ['cron(0 2 * * ? *)', '2026-11-30T02:00:00Z', '2026-12-01T02:00:00.000Z'],
    ['cron(0/15 * * * ? *)', '2026-11-30T10:07:30Z', '2026-11-30T10:15:00.000Z'],
    ['cron(10-20/5 3 * * ? *)', '2026-11-30T03:16:00Z', '2026-11-30T03:20:00.000Z'],
    ['cron(0 8 ? * MON-FRI *)', '2026-12-04T09:00:00Z', '2026-12-07T08:00:00.000Z'],
    ['cron(0 0 ? * L *)', '2026-11-30T00:00:00Z', '2026-12-05T00:00:00.000Z'],
    ['cron(15 10 ? * 6L *)', '2026-11-01T00:00:00Z', '2026-11-27T10:15:00.000Z'],
    ['cron(0 9 ? * 3#2 *)', '2026-11-30T00:00:00Z', '2026-12-08T09:00:00.000Z'],
    ['cron(0 0 L * ? *)', '2028-02-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['cron(0 0 LW * ? *)', '2027-01-02T00:00:00Z', '2027-01-29T00:00:00.000Z'],
    ['cron(0 0 1W * ? *)', '2026-07-15T00:00:00Z', '2026-08-03T00:00:00.000Z'],
    ['cron(30 12 1,15 jan,JUL ? 2027-2028)', '2026-11-30T00:00:00Z', '2027-01-01T12:30:00.000Z'],
    ['cron(0 0 29 2 ? *)', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['cron(0 4 1 */3 ? *)', '2026-11-30T00:00:00Z', '2027-01-01T04:00:00.000Z'],
  ])('%s after %s fires at %s (UTC)', (expression, after, expected) => {
    // Act
    const at = next(expression, after);

    // Assess
    expect(at).toBe(expected);
  });

  it('counts a rate from when the schedule began, not from the hour', () => {
    // Act
    const firsts = [next('rate(1 minute)', '2026-11-30T01:30:20Z', '2026-11-30T01:30:20Z'), next('rate(1 minute)', '2026-11-30T01:31:20Z', '2026-11-30T01:30:20Z')];
    const later = next('rate(5 minutes)', '2026-11-30T02:00:00Z', '2026-11-30T01:30:20Z');
    const daily = next('rate(2 days)', '2026-11-30T01:30:20Z', '2026-11-30T01:30:20Z');

    // Assess
    expect(firsts).toEqual(['2026-11-30T01:31:20.000Z', '2026-11-30T01:32:20.000Z']);
    expect(later).toBe('2026-11-30T02:00:20.000Z');
    expect(daily).toBe('2026-12-02T01:30:20.000Z');
  });

  it('fires a one-time schedule once, and a cron with no occurrence left never', () => {
    // Act
    const once = [next('at(2026-12-24T18:00:00)', '2026-11-30T00:00:00Z'), next('at(2026-12-24T18:00:00)', '2026-12-24T18:00:00Z')];
    const never = next('cron(0 0 1 1 ? 2199)', '2199-01-01T00:00:00Z');

    // Assess
    expect(once).toEqual(['2026-12-24T18:00:00.000Z', undefined]);
    expect(never).toBeUndefined();
  });

  it.each([
    ['cron(0 2 * * ?)', /6 fields/],
    ['cron(0 2 * * * *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 2 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(60 2 * * ? *)', /minutes 60 is outside 0-59/],
    ['cron(0 2 ? * 8 *)', /day-of-week 8 is outside 1-7/],
    ['cron(0 20-10 * * ? *)', /runs backwards/],
    ['cron(0 2 * FOO ? *)', /"FOO" is not a value of month/],
    ['cron(0 2 ? * 3#6 *)', /week of the month is 1 to 5/],
    ['cron(0 2 * * ? 1969)', /year 1969 is outside 1970-2199/],
    ['cron(0/0 2 * * ? *)', /step "0" of minutes/],
    ['rate(1 minutes)', /use "minute" with 1/],
    ['rate(5 minute)', /use "minutes" with 5/],
    ['rate(0 minutes)', /positive whole number/],
    ['rate(2 weeks)', /unknown unit "weeks"/],
    ['at(2026-02-30T00:00:00)', /is not a date and time/],
    ['every 5 minutes', /expected rate\(\.\.\.\), cron\(\.\.\.\) or at\(\.\.\.\)/],
  ])('refuses %s, saying why', (expression, why) => {
    // Act
    const act = () => parseScheduleExpression(expression);

    // Assess
    expect(act).toThrow(ScheduleExpressionError);
    expect(act).toThrow(why);
  });
});

/** A template holding what the stack's schedules hold: a group, a state machine target and a Lambda target. */
function fixtureTemplate(overrides: { heartbeatExpression?: string; echoInput?: string; runExpression?: string; runInput?: string } = {}): CfnTemplate {
  const target = (arn: unknown, input: string) => ({
    Arn: arn,
    RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
    Input: input,
    RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
    DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['DeadLetters', 'Arn'] } },
  });
  return {
    Resources: {
      Group: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: 'odoo-fleet' } },
      DrillRun: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'odoo-fleet-drill-run' } },
      Echo: { Type: 'AWS::Lambda::Function', Properties: {}, Metadata: { 'odoo:handler': ECHO } },
      CriticalSchedule: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Name: 'drill-run-critical',
          GroupName: { Ref: 'Group' },
          ScheduleExpression: overrides.runExpression ?? 'cron(0 2 * * ? *)',
          FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 60 },
          State: 'ENABLED',
          Target: target({ Ref: 'DrillRun' }, overrides.runInput ?? '{"criticality":"critical","trigger":"schedule"}'),
        },
      },
      // A machine named by ARN, as a stack that does not define it names it.
      LowSchedule: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Name: 'drill-run-low',
          GroupName: { Ref: 'Group' },
          ScheduleExpression: 'cron(0 4 * * ? *)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          State: 'DISABLED',
          Target: target(
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':stateMachine:odoo-fleet-drill-run']] },
            '{"criticality":"low","trigger":"schedule"}',
          ),
        },
      },
      EchoSchedule: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Name: 'echo',
          GroupName: { Ref: 'Group' },
          ScheduleExpression: overrides.heartbeatExpression ?? 'rate(1 minute)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target({ 'Fn::GetAtt': ['Echo', 'Arn'] }, overrides.echoInput ?? '{"trigger":"schedule","scheduledTime":"<aws.scheduler.scheduled-time>"}'),
        },
      },
    },
  };
}

class FakeRunner implements ExecutionStarter {
  readonly started: Array<{ stateMachineArn: string; name: string; input: unknown; at?: string }> = [];
  constructor(private readonly clock?: { now(): Date }) {}
  stateMachineArn(name: string): string {
    return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
  }
  startExecution(stateMachineArn: string, name: string | undefined, input: string) {
    const execName = name ?? `generated-${this.started.length + 1}`;
    this.started.push({ stateMachineArn, name: execName, input: JSON.parse(input) as unknown, ...(this.clock ? { at: this.clock.now().toISOString() } : {}) });
    return { executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${stateMachineArn.split(':').pop()}:${execName}`, name: execName };
  }
}

/** A clock that moves only when told to. */
function movableClock(startMs: number) {
  let now = startMs;
  return {
    now: () => new Date(now),
    advance(seconds: number) {
      now += seconds * 1000;
      return new Date(now);
    },
  };
}

function schedulerOn(template: CfnTemplate, clock: { now(): Date }, runner = new FakeRunner(), virtualTime?: VirtualTime) {
  const scheduler = new LocalScheduler({
    schedules: loadSchedules(template, { region: REGION, account: ACCOUNT, stateMachineArn: (n) => runner.stateMachineArn(n) }),
    runner,
    repoRoot: REPO_ROOT,
    clock,
    virtualTime,
    region: REGION,
    account: ACCOUNT,
  });
  return { scheduler, runner };
}

const byName = (scheduler: LocalScheduler) => Object.fromEntries(scheduler.list().map((s) => [s.name, s]));

describe('the local scheduler', () => {
  const stops: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('reads each schedule of the template: expression, window, state, target and input', () => {
    // Act
    const schedules = loadSchedules(fixtureTemplate(), { region: REGION, account: ACCOUNT, stateMachineArn: (n) => `arn:local:${n}` });

    // Assess
    expect(schedules.map((s) => [s.name, s.group, s.expression, s.flexibleWindowMinutes, s.enabled, s.target])).toEqual([
      ['drill-run-critical', 'odoo-fleet', 'cron(0 2 * * ? *)', 60, true, { type: 'stateMachine', stateMachineName: 'odoo-fleet-drill-run', stateMachineArn: 'arn:local:odoo-fleet-drill-run' }],
      ['drill-run-low', 'odoo-fleet', 'cron(0 4 * * ? *)', 0, false, { type: 'stateMachine', stateMachineName: 'odoo-fleet-drill-run', stateMachineArn: 'arn:local:odoo-fleet-drill-run' }],
      ['echo', 'odoo-fleet', 'rate(1 minute)', 0, true, { type: 'lambda', functionLogicalId: 'Echo', handler: ECHO }],
    ]);
    expect(schedules[0]?.input).toBe('{"criticality":"critical","trigger":"schedule"}');
    expect(schedules.every((s) => s.hasDeadLetterQueue && s.timezone === 'UTC')).toBe(true);
  });

  it('refuses a template whose schedule targets a function with no handler module', () => {
    // Prepare
    const template = fixtureTemplate();
    delete template.Resources.Echo!.Metadata;

    // Act
    const act = () => loadSchedules(template, { region: REGION, account: ACCOUNT, stateMachineArn: (n) => n });

    // Assess
    expect(act).toThrow(/echo targets Echo, which is not a function bound to a handler module/);
  });

  it('shows when each schedule fires next, and a disabled one never', () => {
    // Prepare
    const clock = movableClock(T0);

    // Act
    const schedules = byName(schedulerOn(fixtureTemplate(), clock).scheduler);

    // Assess
    expect(schedules['drill-run-critical']?.nextFire).toBe('2026-11-30T02:00:00.000Z');
    expect(schedules['echo']?.nextFire).toBe('2026-11-30T01:31:00.000Z');
    expect(schedules['drill-run-low']).toMatchObject({ state: 'DISABLED', nextFire: null });
  });

  it('fires nothing on its own unless started', async () => {
    // Prepare
    const clock = movableClock(T0);
    const { scheduler, runner } = schedulerOn(fixtureTemplate(), clock);
    clock.advance(3600);

    // Act
    await scheduler.tick();

    // Assess
    expect(runner.started).toEqual([]);
    expect(scheduler.list().every((s) => s.lastFire === null)).toBe(true);
  });

  it('starts the state machine with the schedule input and a generated name when the moved clock passes its time', async () => {
    // Prepare
    const clock = movableClock(T0);
    const { scheduler, runner } = schedulerOn(fixtureTemplate({ heartbeatExpression: 'cron(0 0 1 1 ? 2030)' }), clock);
    scheduler.start();
    stops.push(() => scheduler.stop());

    // Act
    clock.advance(29 * 60);
    await scheduler.tick();
    const before = runner.started.length;
    clock.advance(60);
    await scheduler.tick();

    // Assess
    expect(before).toBe(0);
    expect(runner.started).toEqual([{ stateMachineArn: runner.stateMachineArn('odoo-fleet-drill-run'), name: 'generated-1', input: { criticality: 'critical', trigger: 'schedule' } }]);
    const critical = byName(scheduler)['drill-run-critical'];
    expect(critical?.lastFire).toEqual({
      scheduledAt: '2026-11-30T02:00:00.000Z',
      firedAt: '2026-11-30T02:00:00.000Z',
      trigger: 'schedule',
      result: { status: 'STARTED', executionArn: expect.stringContaining(':execution:odoo-fleet-drill-run:generated-1'), executionName: 'generated-1' },
    });
    expect(critical?.nextFire).toBe('2026-12-01T02:00:00.000Z');
  });

  it('fires once at the newest occurrence when the clock jumps over several, counting the missed ones', async () => {
    // Prepare
    const clock = movableClock(T0);
    const { scheduler, runner } = schedulerOn(fixtureTemplate(), clock);
    scheduler.start();
    stops.push(() => scheduler.stop());

    // Act
    clock.advance(3 * 86_400);
    await scheduler.tick();

    // Assess
    const schedules = byName(scheduler);
    expect(runner.started).toHaveLength(1);
    expect(schedules['drill-run-critical']?.lastFire).toMatchObject({ scheduledAt: '2026-12-02T02:00:00.000Z', missed: 2 });
    expect(schedules['echo']?.lastFire).toMatchObject({ scheduledAt: '2026-12-03T01:30:00.000Z', missed: 3 * 1440 - 1 });
    expect(schedules['echo']?.nextFire).toBe('2026-12-03T01:31:00.000Z');
  });

  it("calls a Lambda target's handler module with the input, context attributes filled, and keeps its answer", async () => {
    // Prepare
    const clock = movableClock(T0);
    const { scheduler } = schedulerOn(fixtureTemplate(), clock);
    scheduler.start();
    stops.push(() => scheduler.stop());

    // Act
    clock.advance(60);
    await scheduler.tick();

    // Assess
    expect(byName(scheduler)['echo']?.lastFire?.result).toEqual({ status: 'SUCCEEDED', output: { received: { trigger: 'schedule', scheduledTime: '2026-11-30T01:31:00Z' } } });
  });

  it('records a failed Lambda target as the schedule result, with the error name', async () => {
    // Prepare
    const clock = movableClock(T0);
    const { scheduler } = schedulerOn(fixtureTemplate({ echoInput: '{"fail":true}' }), clock);

    // Act
    const fired = await scheduler.run('echo');

    // Assess
    expect(fired).toEqual({ firedAt: new Date(T0).toISOString(), trigger: 'on-demand', result: { status: 'FAILED', error: 'AskedToFail', message: 'the event asked this function to fail' } });
  });

  it('fires on virtual time by itself, each occurrence at its very instant', async () => {
    // Prepare
    const time = new VirtualTime(T0);
    const template = fixtureTemplate({ runExpression: 'cron(* * * * ? *)', runInput: '{"at":"<aws.scheduler.scheduled-time>"}', heartbeatExpression: 'cron(0 0 1 1 ? 2030)' });
    const runner = new FakeRunner(time);
    const { scheduler } = schedulerOn(template, time, runner, time);
    stops.push(async () => {
      await scheduler.stop();
      time.stop();
    });

    // Act
    scheduler.start();
    for (let i = 0; i < 500 && runner.started.length < 3; i++) await new Promise((r) => setTimeout(r, 5));

    // Assess
    expect(runner.started.slice(0, 3).map((s) => [s.input, s.at])).toEqual([
      [{ at: '2026-11-30T01:31:00Z' }, '2026-11-30T01:31:00.000Z'],
      [{ at: '2026-11-30T01:32:00Z' }, '2026-11-30T01:32:00.000Z'],
      [{ at: '2026-11-30T01:33:00Z' }, '2026-11-30T01:33:00.000Z'],
    ]);
  });
});

describe('the schedule routes', () => {
  let server: Server;
  let base: string;
  const clock = movableClock(T0);
  const runner = new FakeRunner();
  const { scheduler } = schedulerOn(fixtureTemplate(), clock, runner);

  beforeAll(async () => {
    scheduler.start();
    const ctx = { sim: {} as never, runner: {} as LocalStepFunctions, clock, scheduler };
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      void handleLocalRoute(ctx, req, res, url).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await scheduler.stop();
    await new Promise((r) => server.close(r));
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('GET /_local/schedules lists each schedule with its expression, target, next and last fire', async () => {
    // Act
    const { status, body } = await call('GET', '/_local/schedules');

    // Assess
    expect(status).toBe(200);
    expect(body.firing).toBe(true);
    expect(body.schedules).toContainEqual({
      name: 'drill-run-critical',
      group: 'odoo-fleet',
      expression: 'cron(0 2 * * ? *)',
      timezone: 'UTC',
      state: 'ENABLED',
      flexibleWindowMinutes: 60,
      target: { type: 'stateMachine', stateMachineName: 'odoo-fleet-drill-run', stateMachineArn: runner.stateMachineArn('odoo-fleet-drill-run') },
      input: { criticality: 'critical', trigger: 'schedule' },
      nextFire: '2026-11-30T02:00:00.000Z',
      lastFire: null,
    });
  });

  it('POST /_local/schedules/{name}/run starts the target now and answers what it started', async () => {
    // Act
    const { status, body } = await call('POST', '/_local/schedules/drill-run-critical/run');

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({ schedule: 'drill-run-critical', trigger: 'on-demand', result: { status: 'STARTED', executionName: expect.any(String) } });
    expect(runner.started.at(-1)?.input).toEqual({ criticality: 'critical', trigger: 'schedule' });
  });

  it("POST /_local/schedules/{name}/run on a Lambda target answers the function's result", async () => {
    // Act
    const { status, body } = await call('POST', '/_local/schedules/echo/run');

    // Assess
    expect(status).toBe(200);
    expect(body.result).toEqual({ status: 'SUCCEEDED', output: { received: { trigger: 'schedule', scheduledTime: '2026-11-30T01:30:00Z' } } });
  });

  it('answers 404 for a schedule that does not exist, and 405 for a wrong method', async () => {
    // Act
    const missing = await call('POST', '/_local/schedules/drill-run-yearly/run');
    const wrong = await call('DELETE', '/_local/schedules');

    // Assess
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NotFound', message: expect.stringContaining('drill-run-yearly') });
    expect(wrong.status).toBe(405);
  });

  it('POST /_local/clock fires what the move made due before answering', async () => {
    // Prepare
    const startedBefore = runner.started.length;

    // Act
    const { status } = await call('POST', '/_local/clock', { advanceSeconds: 3600 });

    // Assess
    expect(status).toBe(200);
    expect(runner.started.slice(startedBefore).map((s) => s.input)).toEqual([{ criticality: 'critical', trigger: 'schedule' }]);
    expect((await call('GET', '/_local/schedules')).body.schedules).toContainEqual(
      expect.objectContaining({ name: 'drill-run-critical', lastFire: expect.objectContaining({ scheduledAt: '2026-11-30T02:00:00.000Z', trigger: 'schedule' }), nextFire: '2026-12-01T02:00:00.000Z' }),
    );
  });
});

describe('on the local control plane', () => {
  let plane: LocalControlPlane;
  beforeAll(async () => {
    plane = await startLocalControlPlane({ port: 0, timeScale: TEST_TIME_SCALE, seed: 7, schedules: true });
  });
  afterAll(async () => {
    await plane?.close();
  });

  interface Listed {
    firing: boolean;
    schedules: Array<{ name: string; target: { type: string }; lastFire: FireRecordJson | null }>;
  }
  interface FireRecordJson {
    trigger: string;
    scheduledAt?: string;
    result?: { status: string; executionArn?: string; output?: unknown };
  }

  it("fires the stack's schedules, from the synthesized template, when the clock passes their time", async () => {
    // Prepare
    const before = (await api<Listed>(plane, 'GET', '/_local/schedules')).body;

    // Act
    const moved = await api(plane, 'POST', '/_local/clock', { advanceSeconds: 86_400 });
    const after = (await api<Listed>(plane, 'GET', '/_local/schedules')).body;
    await plane.runner.idle();

    // Assess
    expect(moved.status).toBe(200);
    expect(before.firing).toBe(true);
    expect(before.schedules.map((s) => s.name).sort()).toEqual(['cell-snapshot-copies', 'drill-heartbeat', 'drill-run-critical', 'drill-run-low', 'drill-run-standard', 'drill-sweeper', 'failover-readiness']);
    const results = Object.fromEntries(after.schedules.map((s) => [s.name, s.lastFire?.result?.status]));
    expect(results).toEqual({
      'drill-run-critical': 'STARTED',
      'drill-run-standard': 'STARTED',
      'drill-run-low': 'STARTED',
      'drill-heartbeat': 'SUCCEEDED',
      'drill-sweeper': 'SUCCEEDED',
      'failover-readiness': 'SUCCEEDED',
      'cell-snapshot-copies': 'SUCCEEDED',
    });
    const runs = plane.runner.listExecutions({ stateMachineArn: plane.runner.stateMachineArn('odoo-fleet-drill-run') });
    expect(runs.map((e) => [JSON.parse(e.input) as unknown, e.status]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      [{ criticality: 'critical', trigger: 'schedule' }, 'SUCCEEDED'],
      [{ criticality: 'low', trigger: 'schedule' }, 'SUCCEEDED'],
      [{ criticality: 'standard', trigger: 'schedule' }, 'SUCCEEDED'],
    ]);
  });

  it('runs the failover readiness report in-process, as a Lambda target, and answers its counts', async () => {
    // Act
    const { status, body } = await api<{ schedule: string; trigger: string; result: { status: string; output: Record<string, unknown> } }>(plane, 'POST', '/_local/schedules/failover-readiness/run');
    const listed = (await api<Listed>(plane, 'GET', '/_local/schedules')).body.schedules.find((s) => s.name === 'failover-readiness');

    // Assess
    expect(status).toBe(200);
    expect(listed?.target).toEqual({ type: 'lambda', functionLogicalId: expect.stringMatching(/^FailoverReadinessReportReadiness/), handler: 'functions/failover/report-readiness.ts' });
    expect(body).toMatchObject({ schedule: 'failover-readiness', trigger: 'on-demand', result: { status: 'SUCCEEDED', output: { tenants: expect.any(Number), notReady: expect.any(Number), wouldMissRpo: expect.any(Number) } } });
  });

  it('runs the heartbeat function on demand and answers what it returned', async () => {
    // Act
    const { status, body } = await api<{ schedule: string; trigger: string; result: { status: string; output: unknown } }>(plane, 'POST', '/_local/schedules/drill-heartbeat/run');

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({ schedule: 'drill-heartbeat', trigger: 'on-demand', result: { status: 'SUCCEEDED', output: { written: 0, failed: [] } } });
  });
});
