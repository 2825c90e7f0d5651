import { describe, it, expect } from 'vitest';
import { aslLegend } from '../../scripts/asl-legend.ts';
import { aslToMermaid, describeErrors, sanitizeId, TRANSIENT_ERROR_SET, type AslMachine } from '../../scripts/asl-mermaid.ts';
import { describeCondition } from '../../scripts/asl-conditions.ts';

const transientRetry = {
  ErrorEquals: [...TRANSIENT_ERROR_SET.errors],
  IntervalSeconds: 1,
  MaxAttempts: 8,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};

const lines = (asl: AslMachine) => aslToMermaid(asl).trimEnd().split('\n');

describe('aslToMermaid', () => {
  it('draws a Choice with a labelled rule, an otherwise edge and a Wait loop back to the task', () => {
    // Prepare
    const asl: AslMachine = {
      StartAt: 'EnsureDatabase',
      States: {
        EnsureDatabase: { Type: 'Task', Resource: 'arn:fn', Next: 'DatabaseAvailable?' },
        'DatabaseAvailable?': {
          Type: 'Choice',
          Choices: [{ Variable: '$.database.ready', BooleanEquals: true, Next: 'Done' }],
          Default: 'WaitForDatabase',
        },
        WaitForDatabase: { Type: 'Wait', Seconds: 30, Next: 'EnsureDatabase' },
        Done: { Type: 'Succeed' },
      },
    };

    // Act
    const diagram = lines(asl);

    // Assess
    expect(diagram).toEqual([
      'stateDiagram-v2',
      '    [*] --> EnsureDatabase',
      '    EnsureDatabase --> DatabaseAvailable',
      '    state "DatabaseAvailable?" as DatabaseAvailable',
      '    DatabaseAvailable --> Done : $.database.ready == true',
      '    DatabaseAvailable --> WaitForDatabase : otherwise',
      '    Done --> [*]',
      '    state "WaitForDatabase" as WaitForDatabase',
      '    WaitForDatabase : wait 30 s',
      '    WaitForDatabase --> EnsureDatabase',
    ]);
  });

  it('draws a Parallel state as a composite state with one region per branch', () => {
    // Prepare
    const asl: AslMachine = {
      StartAt: 'EnsureResources',
      States: {
        EnsureResources: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'EnsureDatabase', States: { EnsureDatabase: { Type: 'Task', Resource: 'arn:a', End: true } } },
            { StartAt: 'EnsureFilestore', States: { EnsureFilestore: { Type: 'Task', Resource: 'arn:b', End: true } } },
          ],
          Next: 'Activate',
        },
        Activate: { Type: 'Pass', End: true },
      },
    };

    // Act
    const diagram = lines(asl);

    // Assess
    expect(diagram).toEqual([
      'stateDiagram-v2',
      '    [*] --> EnsureResources',
      '    state EnsureResources {',
      '        [*] --> EnsureDatabase',
      '        EnsureDatabase --> [*]',
      '        --',
      '        [*] --> EnsureFilestore',
      '        EnsureFilestore --> [*]',
      '    }',
      '    EnsureResources --> Activate',
      '    Activate --> [*]',
    ]);
  });

  it('labels Catch edges with their errors and notes transient retries in one phrase', () => {
    // Prepare
    const asl: AslMachine = {
      StartAt: 'AcquireLease',
      States: {
        AcquireLease: {
          Type: 'Task',
          Resource: 'arn:fn',
          Retry: [transientRetry, { ErrorEquals: ['LeaseExpired', 'States.Timeout'], MaxAttempts: 2 }],
          Catch: [
            { ErrorEquals: ['LeaseHeld'], ResultPath: '$.error', Next: 'TenantBusy' },
            { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' },
          ],
          End: true,
        },
        TenantBusy: { Type: 'Fail', Error: 'LeaseHeld', Cause: 'Another operation holds the tenant' },
        MarkFailed: { Type: 'Task', Resource: 'arn:fn', Retry: [transientRetry], Next: 'Failed' },
        Failed: { Type: 'Fail', Error: 'ProvisioningFailed' },
      },
    };

    // Act
    const diagram = lines(asl);

    // Assess
    expect(diagram).toEqual([
      'stateDiagram-v2',
      '    [*] --> AcquireLease',
      '    state "AcquireLease" as AcquireLease',
      '    AcquireLease : retry transient errors',
      '    AcquireLease : retry LeaseExpired, States.Timeout',
      '    AcquireLease --> [*]',
      '    AcquireLease --> TenantBusy : catch LeaseHeld',
      '    AcquireLease --> MarkFailed : catch States.ALL',
      '    state "TenantBusy" as TenantBusy',
      '    TenantBusy : error LeaseHeld',
      '    TenantBusy --> [*]',
      '    state "MarkFailed" as MarkFailed',
      '    MarkFailed : retry transient errors',
      '    MarkFailed --> Failed',
      '    state "Failed" as Failed',
      '    Failed : error ProvisioningFailed',
      '    Failed --> [*]',
    ]);
  });

  it('lists the errors of a Retry that is not the standard transient list', () => {
    // Prepare
    const asl: AslMachine = {
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: 'arn:fn', Retry: [{ ErrorEquals: ['Throttling', 'SlowDown'] }], End: true } },
    };

    // Act
    const diagram = lines(asl);

    // Assess
    expect(diagram).toContain('    Call : retry Throttling, SlowDown');
  });

  it('draws states in flow order, unreachable ones last, and waits on a path or a timestamp', () => {
    // Prepare
    const asl: AslMachine = {
      StartAt: 'Grace',
      States: {
        Orphan: { Type: 'Pass', End: true },
        Until: { Type: 'Wait', Timestamp: '2030-01-01T00:00:00Z', End: true },
        Grace: { Type: 'Wait', SecondsPath: '$.plan.graceSeconds', Next: 'Until' },
      },
    };

    // Act
    const diagram = lines(asl);

    // Assess
    expect(diagram).toEqual([
      'stateDiagram-v2',
      '    [*] --> Grace',
      '    state "Grace" as Grace',
      '    Grace : wait $.plan.graceSeconds s',
      '    Grace --> Until',
      '    state "Until" as Until',
      '    Until : wait until 2030-01-01T00\u223600\u223600Z',
      '    Until --> [*]',
      '    Orphan --> [*]',
    ]);
  });

  it('draws a Map state as a composite state around its item processor, described in its title', () => {
    // Prepare
    const asl: AslMachine = {
      StartAt: 'ForEachTenant',
      States: {
        ForEachTenant: {
          Type: 'Map',
          ItemsPath: '$.tenants',
          ItemProcessor: { StartAt: 'Upgrade', States: { Upgrade: { Type: 'Task', Resource: 'arn:fn', End: true } } },
          End: true,
        },
      },
    };

    // Act
    const diagram = lines(asl);

    // Assess
    expect(diagram).toEqual([
      'stateDiagram-v2',
      '    [*] --> ForEachTenant',
      '    state "ForEachTenant (for each item of $.tenants)" as ForEachTenant',
      '    state ForEachTenant {',
      '        [*] --> Upgrade',
      '        Upgrade --> [*]',
      '    }',
      '    ForEachTenant --> [*]',
    ]);
  });

  it('gives names Mermaid cannot take as ids a readable id, keeps the name as the title and draws label breakers as lookalikes', () => {
    // Prepare
    const asl: AslMachine = {
      StartAt: 'Ready?',
      States: {
        'Ready?': { Type: 'Choice', Choices: [{ Variable: '$.a', StringEquals: 'x;y', Next: 'Ready!' }], Default: 'Default settings' },
        'Ready!': { Type: 'Pass', End: true },
        'Default settings': { Type: 'Pass', Next: '2 "quoted"' },
        '2 "quoted"': { Type: 'Succeed' },
      },
    };

    // Act
    const diagram = lines(asl);

    // Assess
    expect(diagram).toEqual([
      'stateDiagram-v2',
      '    [*] --> Ready',
      '    state "Ready?" as Ready',
      '    Ready --> Ready_2 : $.a == "x\u037Ey"',
      '    Ready --> s_Default_settings : otherwise',
      '    state "Ready!" as Ready_2',
      '    Ready_2 --> [*]',
      '    state "Default settings" as s_Default_settings',
      '    s_Default_settings --> s_2_quoted',
      '    state "2 \u02BAquoted\u02BA" as s_2_quoted',
      '    s_2_quoted --> [*]',
    ]);
  });

  it('writes the retries of a Parallel state into its title, the only text Mermaid draws on a composite state', () => {
    // Prepare
    const branch = (name: string): AslMachine => ({ StartAt: name, States: { [name]: { Type: 'Pass', End: true } } });
    const asl: AslMachine = {
      StartAt: 'Both?',
      States: {
        'Both?': {
          Type: 'Parallel',
          Retry: [transientRetry, { ErrorEquals: ['States.BranchFailed'] }],
          Branches: [branch('A'), branch('B')],
          End: true,
        },
      },
    };

    // Act
    const diagram = lines(asl);

    // Assess
    expect(diagram.slice(1, 4)).toEqual([
      '    [*] --> Both',
      '    state "Both? (retry transient errors; retry States.BranchFailed)" as Both',
      '    state Both {',
    ]);
    expect(diagram.filter((line) => line.startsWith('    Both :'))).toEqual([]);
  });

  it('produces the same text for the same definition', () => {
    // Prepare
    const asl: AslMachine = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed' } } };

    // Act
    const first = aslToMermaid(asl);
    const second = aslToMermaid(structuredClone(asl));

    // Assess
    expect(second).toBe(first);
    expect(first.endsWith('\n')).toBe(true);
  });
});

describe('describeCondition', () => {
  it.each([
    [{ Variable: '$.count', NumericGreaterThanEqualsPath: '$.limit' }, '$.count >= $.limit'],
    [{ Variable: '$.name', StringMatches: 'odoo-*' }, '$.name matches "odoo-*"'],
    [{ Variable: '$.error', IsPresent: false }, '$.error is not present'],
    [{ Not: { Variable: '$.tier', StringEquals: 'critical' } }, 'not ($.tier == "critical")'],
    [
      { And: [{ Or: [{ Variable: '$.a', NumericEquals: 1 }, { Variable: '$.b', NumericLessThan: 2 }] }, { Variable: '$.c', BooleanEquals: false }] },
      '($.a == 1 or $.b < 2) and $.c == false',
    ],
    [{ Condition: '{% $states.input.ready %}' }, '$states.input.ready'],
  ])('writes %j as %s', (rule, expected) => {
    expect(describeCondition(rule)).toBe(expected);
  });
});

describe('describeErrors', () => {
  it('names the transient list in a word whatever its order, and lists what else is there', () => {
    const errors = ['States.Timeout', ...[...TRANSIENT_ERROR_SET.errors].reverse()];

    expect(describeErrors(errors)).toBe('transient errors, States.Timeout');
  });
});

describe('sanitizeId', () => {
  it.each([
    ['DatabaseAvailable?', 'DatabaseAvailable'],
    ['Wait 30s - then retry', 'Wait_30s_then_retry'],
    ['DefaultRoute', 's_DefaultRoute'],
    ['note', 's_note'],
    ['Notes', 'Notes'],
    ['???', 's_'],
  ])('maps %s to %s', (name, id) => {
    expect(sanitizeId(name)).toBe(id);
  });
});

describe('aslLegend', () => {
  it('explains each retry policy, the named error list, and where each catch keeps the error', () => {
    // Prepare
    const asl: AslMachine = {
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'Call', States: { Call: { Type: 'Task', Resource: 'arn:fn', Retry: [transientRetry], End: true } } }],
          Catch: [
            { ErrorEquals: ['LeaseHeld'], ResultPath: null, Next: 'Done' },
            { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Done' },
          ],
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    };

    // Act
    const legend = aslLegend(asl);

    // Assess
    expect(legend).toEqual([
      '- `retry transient errors`: retried up to 8 times, 1 s after the first failure, then ×2 each time up to 30 s, with full jitter.',
      `- *transient errors* (\`shared/lib/transient-errors.ts\`): ${TRANSIENT_ERROR_SET.errors.map((e) => `\`${e}\``).join(', ')}.`,
      '- `catch LeaseHeld`: when the state fails with LeaseHeld, after any retries, execution goes along this edge, with the error discarded.',
      '- `catch States.ALL`: when the state fails with any other error, after any retries, execution goes along this edge, with the error kept at `$.error`.',
      '- `States.ALL` matches any error; a state tries its catches in order, so a named error takes its own edge first.',
      '- Regions separated by a dashed line inside a frame are the branches of a Parallel state; they run concurrently.',
    ]);
  });
});
