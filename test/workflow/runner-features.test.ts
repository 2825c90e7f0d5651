/**
 * The local Step Functions runner's service integrations, on small hand-made definitions read the
 * way the synthesized template is read: child executions (`startExecution.sync:2`), task tokens
 * (`lambda:invoke.waitForTaskToken` with SendTaskSuccess/SendTaskFailure), waits on a timestamp,
 * and StopExecution, with the answers and error names Step Functions gives.
 */
import { GetExecutionHistoryCommand, ListExecutionsCommand, SendTaskSuccessCommand, StopExecutionCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { HANDLER_METADATA_KEY, REPO_ROOT } from '#infra/constructs/fleet-function.ts';
import { loadDefinitions, type CfnTemplate } from '#local/definitions.ts';
import { LocalStepFunctions, type LocalExecution } from '#local/runner.ts';
import { localSfnClient } from '#local/sfn-client.ts';
import { VirtualTime } from '#local/virtual-time.ts';
import { receivedEvents } from '../support/runner-fixture-handlers.ts';

const REGION = 'eu-west-1';
const HANDLERS = 'test/support/runner-fixture-handlers.ts';

type Asl = { StartAt: string; States: Record<string, Record<string, unknown>>; TimeoutSeconds?: number };

/**
 * A template holding `machines` as CDK writes them: the definition an `Fn::Join` in which
 * `@@fn@@` is the fixture function's ARN and `@@machine:<name>@@` a state machine's `Ref`.
 */
function templateOf(machines: Record<string, Asl>): CfnTemplate {
  const logicalId = (name: string) => `Machine${name.replace(/[^A-Za-z0-9]/g, '')}`;
  const resources: CfnTemplate['Resources'] = {
    FixtureFunction: { Type: 'AWS::Lambda::Function', Properties: {}, Metadata: { [HANDLER_METADATA_KEY]: HANDLERS } },
  };
  for (const [name, asl] of Object.entries(machines)) {
    const parts = JSON.stringify(asl)
      .split(/@@(fn|machine:[\w-]+)@@/)
      .map((part, i) => {
        if (i % 2 === 0) return part;
        return part === 'fn' ? { 'Fn::GetAtt': ['FixtureFunction', 'Arn'] } : { Ref: logicalId(part.slice('machine:'.length)) };
      });
    resources[logicalId(name)] = { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: name, DefinitionString: { 'Fn::Join': ['', parts] } } };
  }
  return { Resources: resources };
}

function runnerOf(machines: Record<string, Asl>, timeScale = 0.01, virtual?: { time: VirtualTime; taskLatencyMs?: number }): LocalStepFunctions {
  return new LocalStepFunctions({ region: REGION, definitions: loadDefinitions(templateOf(machines), REGION), timeScale, repoRoot: REPO_ROOT, ...virtual });
}

async function until<T>(probe: () => T | undefined, what: string, polls = 500): Promise<T> {
  for (let i = 0; i < polls; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const lambdaTask = (step: string, next: string | null, resultPath = `$.${step.toLowerCase()}`) => ({
  Type: 'Task',
  Resource: '@@fn@@',
  Parameters: { 'state.$': '$', step, 'executionArn.$': '$$.Execution.Id' },
  ResultPath: resultPath,
  ...(next ? { Next: next } : { End: true }),
});

const childTask = (machine: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:@@machine:partition@@:states:::states:startExecution.sync:2',
  Parameters: {
    StateMachineArn: `@@machine:${machine}@@`,
    'Name.$': "States.Format('{}-child', $.id)",
    Input: { 'n.$': '$.n', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
  },
  ResultPath: '$.child',
  ...extra,
});

/** `arn:@@machine:partition@@:` would be a Ref to AWS::Partition: keep the fixtures literal instead. */
function literal(asl: Asl): Asl {
  return JSON.parse(JSON.stringify(asl).replace(/arn:@@machine:partition@@:/g, 'arn:aws:')) as Asl;
}

const doubler: Asl = { StartAt: 'Double', States: { Double: lambdaTask('Double', null, '$.result') } };
const slowDoubler: Asl = { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 20, Next: 'Double' }, Double: lambdaTask('Double', null, '$.result') } };
const failing: Asl = { StartAt: 'Boom', States: { Boom: { Type: 'Fail', Error: 'ChildBroke', Cause: 'the child could not go on' } } };

describe('Local runner: child executions (startExecution.sync:2)', () => {
  it('runs the child as its own execution and gives its output as parsed JSON', async () => {
    // Prepare
    const runner = runnerOf({
      parent: literal({ StartAt: 'RunChild', States: { RunChild: childTask('child', { End: true }) } }),
      child: doubler,
    });

    // Act
    const parent = runner.startExecution(runner.stateMachineArn('parent'), 'p-1', JSON.stringify({ id: 'p-1', n: 21 }));
    await parent.done;

    // Assess
    expect(parent.status).toBe('SUCCEEDED');
    const output = JSON.parse(parent.output!) as { child: Record<string, unknown> };
    expect(output.child).toMatchObject({
      Status: 'SUCCEEDED',
      Name: 'p-1-child',
      ExecutionArn: `arn:aws:states:${REGION}:000000000000:execution:child:p-1-child`,
      Output: { n: 21, result: { doubled: 42 } },
      Input: { n: 21, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: parent.executionArn },
    });
    const [child] = runner.childExecutions(parent.executionArn);
    expect(child).toMatchObject({ status: 'SUCCEEDED', parentExecutionArn: parent.executionArn, taskInvocations: 1, transitions: 1 });
    expect(parent).toMatchObject({ transitions: 1, taskInvocations: 0 });
  });

  it('fails the parent state with States.TaskFailed, the child described in the cause', async () => {
    // Prepare
    const runner = runnerOf({
      parent: literal({
        StartAt: 'RunChild',
        States: {
          RunChild: childTask('child', { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }], End: true }),
          Caught: { Type: 'Succeed' },
        },
      }),
      child: failing,
    });

    // Act
    const parent = runner.startExecution(runner.stateMachineArn('parent'), 'p-2', JSON.stringify({ id: 'p-2', n: 1 }));
    await parent.done;

    // Assess
    expect(parent.status).toBe('SUCCEEDED');
    const { error } = JSON.parse(parent.output!) as { error: { Error: string; Cause: string } };
    expect(error.Error).toBe('States.TaskFailed');
    expect(JSON.parse(error.Cause)).toMatchObject({ Status: 'FAILED', Name: 'p-2-child', Error: 'ChildBroke', Cause: 'the child could not go on' });
  });

  it('attaches a second start with the same name and input to the running child', async () => {
    // Prepare
    const branch = (state: string) => ({ StartAt: state, States: { [state]: childTask('child', { End: true }) } });
    const runner = runnerOf({
      parent: literal({ StartAt: 'Twice', States: { Twice: { Type: 'Parallel', Branches: [branch('RunChildA'), branch('RunChildB')], End: true } } }),
      child: slowDoubler,
    });

    // Act
    const parent = runner.startExecution(runner.stateMachineArn('parent'), 'p-3', JSON.stringify({ id: 'p-3', n: 2 }));
    await parent.done;

    // Assess
    expect(parent.status).toBe('SUCCEEDED');
    const [first, second] = JSON.parse(parent.output!) as Array<{ child: { ExecutionArn: string } }>;
    expect(first?.child.ExecutionArn).toBe(second?.child.ExecutionArn);
    expect(runner.childExecutions(parent.executionArn)).toHaveLength(1);
  });

  it('refuses a name already used by an ended execution with StepFunctions.ExecutionAlreadyExistsException', async () => {
    // Prepare
    const runner = runnerOf({
      parent: literal({
        StartAt: 'RunChild',
        States: {
          RunChild: childTask('child', { Catch: [{ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], ResultPath: '$.error', Next: 'AlreadyRan' }], End: true }),
          AlreadyRan: { Type: 'Succeed' },
        },
      }),
      child: doubler,
    });
    const first = runner.startExecution(runner.stateMachineArn('parent'), 'first', JSON.stringify({ id: 'same', n: 1 }));
    await first.done;

    // Act
    const second = runner.startExecution(runner.stateMachineArn('parent'), 'second', JSON.stringify({ id: 'same', n: 1 }));
    await second.done;

    // Assess
    expect(first.status).toBe('SUCCEEDED');
    expect(JSON.parse(second.output!)).toMatchObject({ error: { Error: 'StepFunctions.ExecutionAlreadyExistsException' } });
    expect(runner.listExecutions({ stateMachineArn: runner.stateMachineArn('child') })).toHaveLength(1);
  });

  it('stops the children of a stopped parent', async () => {
    // Prepare
    const runner = runnerOf(
      { parent: literal({ StartAt: 'RunChild', States: { RunChild: childTask('child', { End: true }) } }), child: slowDoubler },
      1,
    );
    const sfn = localSfnClient(runner, REGION);
    const parent = runner.startExecution(runner.stateMachineArn('parent'), 'p-4', JSON.stringify({ id: 'p-4', n: 1 }));
    const child = await until(() => runner.childExecutions(parent.executionArn)[0], 'the child to start');

    // Act
    await sfn.send(new StopExecutionCommand({ executionArn: parent.executionArn, error: 'Operator', cause: 'stopped by a test' }));
    await parent.done;

    // Assess
    expect(parent).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'stopped by a test' });
    expect(child.status).toBe('ABORTED');
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: runner.stateMachineArn('child'), statusFilter: 'ABORTED' }));
    expect(listed.executions?.map((e) => e.name)).toEqual(['p-4-child']);
  });
});

const tokenMachine = (timeoutSeconds?: number): Asl => ({
  StartAt: 'AwaitAnswer',
  States: {
    AwaitAnswer: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: '@@fn@@', Payload: { 'state.$': '$', step: 'AwaitAnswer', 'taskToken.$': '$$.Task.Token' } },
      ResultPath: '$.answer',
      ...(timeoutSeconds ? { TimeoutSeconds: timeoutSeconds } : {}),
      Catch: [{ ErrorEquals: ['Rejected', 'States.Timeout'], ResultPath: '$.error', Next: 'Ended' }],
      Next: 'Answered',
    },
    Answered: { Type: 'Succeed' },
    Ended: { Type: 'Succeed' },
  },
});

/** The token the handler of `executionArn`'s AwaitAnswer state received. */
const tokenOf = (e: LocalExecution) =>
  until(() => receivedEvents.find((ev) => ev.step === 'AwaitAnswer' && ev.state?.id === JSON.parse(e.input).id)?.taskToken, 'the task token');

const startTask = (machine: string, extra: Record<string, unknown> = {}) => ({
  ...childTask(machine, extra),
  Resource: 'arn:@@machine:partition@@:states:::states:startExecution',
  ResultPath: '$.started',
});

describe('Local runner: executions started without waiting (startExecution)', () => {
  it('goes on at once with the start answer, the started execution running on its own and surviving its starter', async () => {
    // Prepare
    const runner = runnerOf({ starter: literal({ StartAt: 'Start', States: { Start: startTask('child', { End: true }) } }), child: slowDoubler }, 0.05);

    // Act
    const starter = runner.startExecution(runner.stateMachineArn('starter'), 's-1', JSON.stringify({ id: 's-1', n: 4 }));
    await starter.done;
    const started = runner.describeExecution(`arn:aws:states:${REGION}:000000000000:execution:child:s-1-child`);
    const whenStarterEnded = started.status;
    await started.done;

    // Assess
    expect(starter.status).toBe('SUCCEEDED');
    expect(JSON.parse(starter.output!)).toMatchObject({ started: { ExecutionArn: started.executionArn } });
    expect(whenStarterEnded).toBe('RUNNING');
    expect(started).toMatchObject({ status: 'SUCCEEDED', startedBy: starter.executionArn, parentExecutionArn: undefined });
    expect(runner.childExecutions(starter.executionArn)).toEqual([]);
  });

  it('answers StepFunctions.ExecutionAlreadyExistsException for a name that already ran, which a Catch can take', async () => {
    // Prepare
    const starter = literal({
      StartAt: 'Start',
      States: {
        Start: startTask('child', { Catch: [{ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], ResultPath: '$.error', Next: 'AlreadyStarted' }], End: true }),
        AlreadyStarted: { Type: 'Succeed' },
      },
    });
    const runner = runnerOf({ starter, child: doubler });
    const first = runner.startExecution(runner.stateMachineArn('starter'), 'first', JSON.stringify({ id: 'same', n: 1 }));
    await first.done;
    await runner.idle();

    // Act
    const second = runner.startExecution(runner.stateMachineArn('starter'), 'second', JSON.stringify({ id: 'same', n: 1 }));
    await second.done;

    // Assess
    expect(JSON.parse(second.output!)).toMatchObject({ error: { Error: 'StepFunctions.ExecutionAlreadyExistsException' } });
    expect(runner.listExecutions({ stateMachineArn: runner.stateMachineArn('child') })).toHaveLength(1);
  });
});

describe('Local runner: task tokens (lambda:invoke.waitForTaskToken)', () => {
  it('hands the handler a fresh token and waits for SendTaskSuccess, whose output is the result', async () => {
    // Prepare
    const runner = runnerOf({ answer: tokenMachine() });
    const a = runner.startExecution(runner.stateMachineArn('answer'), 'a', JSON.stringify({ id: 'tok-a' }));
    const b = runner.startExecution(runner.stateMachineArn('answer'), 'b', JSON.stringify({ id: 'tok-b' }));
    const [tokenA, tokenB] = [await tokenOf(a), await tokenOf(b)];
    await new Promise((r) => setTimeout(r, 50));

    // Act
    const stillWaiting = a.status;
    runner.sendTaskSuccess(tokenA, JSON.stringify({ choice: 'keep' }));
    await a.done;

    // Assess
    expect(tokenA).not.toBe(tokenB);
    expect(tokenA.length).toBeGreaterThan(40);
    expect(stillWaiting).toBe('RUNNING');
    expect(a.status).toBe('SUCCEEDED');
    expect(JSON.parse(a.output!)).toEqual({ id: 'tok-a', answer: { choice: 'keep' } });
    expect(b.status).toBe('RUNNING');
    expect(runner.pendingTaskTokens()).toEqual([{ executionArn: b.executionArn, state: 'AwaitAnswer' }]);
    runner.sendTaskSuccess(tokenB, '{}');
    await b.done;
  });

  it('fails the state with the error and cause of SendTaskFailure, which a Catch matches by name', async () => {
    // Prepare
    const runner = runnerOf({ answer: tokenMachine() });
    const e = runner.startExecution(runner.stateMachineArn('answer'), 'c', JSON.stringify({ id: 'tok-c' }));
    const token = await tokenOf(e);

    // Act
    runner.sendTaskFailure(token, 'Rejected', 'not this week');
    await e.done;

    // Assess
    expect(JSON.parse(e.output!)).toEqual({ id: 'tok-c', error: { Error: 'Rejected', Cause: 'not this week' } });
  });

  it('answers a used token with TaskTimedOut, an unknown one with InvalidToken, and bad output with InvalidOutput', async () => {
    // Prepare
    const runner = runnerOf({ answer: tokenMachine() });
    const sfn = localSfnClient(runner, REGION);
    const e = runner.startExecution(runner.stateMachineArn('answer'), 'd', JSON.stringify({ id: 'tok-d' }));
    const token = await tokenOf(e);

    // Act
    const badOutput = await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: 'not json' })).catch((err: Error) => err);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":true}' }));
    await e.done;
    const again = await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })).catch((err: Error) => err);
    const unknown = await sfn.send(new SendTaskSuccessCommand({ taskToken: 'never-issued', output: '{}' })).catch((err: Error) => err);

    // Assess
    expect((badOutput as Error).name).toBe('InvalidOutput');
    expect(e.status).toBe('SUCCEEDED');
    expect(again).toBeInstanceOf(TaskTimedOut);
    expect((unknown as Error).name).toBe('InvalidToken');
  });

  it('times the wait out after its TimeoutSeconds, scaled, with States.Timeout; the token is then refused', async () => {
    // Prepare: 100 s at a time scale of 0.01 is one second.
    const runner = runnerOf({ answer: tokenMachine(100) });
    const e = runner.startExecution(runner.stateMachineArn('answer'), 'e', JSON.stringify({ id: 'tok-e' }));
    const token = await tokenOf(e);

    // Act
    await e.done;
    const late = (() => {
      try {
        runner.sendTaskSuccess(token, '{}');
        return undefined;
      } catch (err) {
        return (err as Error).name;
      }
    })();

    // Assess
    expect(JSON.parse(e.output!)).toMatchObject({ error: { Error: 'States.Timeout' } });
    expect(late).toBe('TaskTimedOut');
  });

  it('lets go of a wait when its execution is stopped: the token is refused, and shutdown leaves nothing running', async () => {
    // Prepare
    const runner = runnerOf({ answer: tokenMachine() });
    const stopped = runner.startExecution(runner.stateMachineArn('answer'), 'g', JSON.stringify({ id: 'tok-g' }));
    const waiting = runner.startExecution(runner.stateMachineArn('answer'), 'h', JSON.stringify({ id: 'tok-h' }));
    const token = await tokenOf(stopped);
    await tokenOf(waiting);

    // Act
    runner.stopExecution(stopped.executionArn, 'Operator', 'no longer needed');
    await stopped.done;
    const late = (() => {
      try {
        runner.sendTaskSuccess(token, '{}');
        return undefined;
      } catch (err) {
        return (err as Error).name;
      }
    })();
    await runner.shutdown();

    // Assess
    expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Operator' });
    expect(late).toBe('TaskTimedOut');
    expect(waiting.status).toBe('ABORTED');
    expect(runner.listExecutions({ status: 'RUNNING' })).toEqual([]);
    expect(runner.pendingTaskTokens()).toEqual([]);
  });

  it('fails the state with the handler error when the invocation itself fails', async () => {
    // Prepare
    const machine = tokenMachine();
    const await_ = machine.States.AwaitAnswer as { Parameters: { Payload: Record<string, unknown> } };
    await_.Parameters.Payload.step = 'Explode';
    const runner = runnerOf({ answer: machine });

    // Act
    const e = runner.startExecution(runner.stateMachineArn('answer'), 'f', JSON.stringify({ id: 'tok-f' }));
    await e.done;

    // Assess
    expect(e).toMatchObject({ status: 'FAILED', error: 'HandlerRefused' });
    expect(runner.pendingTaskTokens()).toEqual([]);
  });
});

describe('Local runner: waits', () => {
  it('sleeps until the timestamp of a TimestampPath wait, unscaled, and scales waits on a duration', async () => {
    // Prepare: a 1,000 s wait at a time scale of 0.0001 takes 100 ms.
    const runner = runnerOf(
      {
        waits: {
          StartAt: 'Short',
          States: { Short: { Type: 'Wait', Seconds: 1000, Next: 'UntilThen' }, UntilThen: { Type: 'Wait', TimestampPath: '$.wakeAt', End: true } },
        },
      },
      0.0001,
    );
    const startedAt = Date.now();
    const wakeAt = new Date(startedAt + 600).toISOString();

    // Act
    const e = runner.startExecution(runner.stateMachineArn('waits'), 'w', JSON.stringify({ wakeAt }));
    await e.done;

    // Assess
    const elapsed = Date.now() - startedAt;
    expect(e.status).toBe('SUCCEEDED');
    expect(elapsed).toBeGreaterThanOrEqual(580);
    expect(elapsed).toBeLessThan(5000);
  });

  it('runs waits on virtual time: full length on its clock, at once on the wall clock, and Lambda tasks take the modelled latency', async () => {
    // Prepare: an hour on a duration, then until a day after the start, then one Lambda task.
    const t0 = Date.parse('2026-11-30T00:00:00Z');
    const time = new VirtualTime(t0);
    const machine = {
      StartAt: 'AnHour',
      States: {
        AnHour: { Type: 'Wait', Seconds: 3600, Next: 'UntilTomorrow' },
        UntilTomorrow: { Type: 'Wait', TimestampPath: '$.wakeAt', Next: 'Double' },
        Double: lambdaTask('Double', null, '$.result'),
      },
    };
    const runner = runnerOf({ waits: machine }, 1, { time, taskLatencyMs: 250 });
    const wallStart = Date.now();

    // Act
    const e = runner.startExecution(runner.stateMachineArn('waits'), 'v', JSON.stringify({ n: 5, wakeAt: new Date(t0 + 86_400_000).toISOString() }));
    await e.done;

    // Assess
    expect(e.status, e.cause).toBe('SUCCEEDED');
    expect(JSON.parse(e.output!)).toEqual({ n: 5, wakeAt: new Date(t0 + 86_400_000).toISOString(), result: { doubled: 10 } });
    expect(e.stopDate!.getTime() - e.startDate.getTime()).toBe(86_400_000 + 250);
    expect(Date.now() - wallStart).toBeLessThan(5000);
    // Still counted as Wait states (entered, exited), not as Lambda tasks: execution started,
    // 2 per wait, 5 for the task (entered, scheduled, started, succeeded, exited), execution succeeded.
    expect(e).toMatchObject({ transitions: 3, taskInvocations: 1, historyEvents: 1 + 2 + 2 + 5 + 1 });
  });

  it('refuses, by name, the calls the local service does not implement', async () => {
    const runner = runnerOf({ child: doubler });
    const sfn = localSfnClient(runner, REGION);

    const answer = await sfn.send(new GetExecutionHistoryCommand({ executionArn: 'arn:aws:states:eu-west-1:000000000000:execution:child:x' })).catch((err: Error) => err);

    expect((answer as Error).message).toContain('is not available in the local control plane');
  });
});
