/**
 * The release state machines as synthesized: a parent whose history stays small (tenants run in
 * child executions, `.sync:2`, named deterministically), an approval that waits on a task token
 * with a timeout, per-tenant rollback paths, and least-privilege roles for the parents and tasks.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { HANDLER_CAPABILITIES } from '#infra/constructs/workflow-permissions.ts';
import { VERDICT_MACHINE_NAME } from '#shared/domain/release-names.ts';
import { loadDefinitions, type AslDefinition, type AslState, type CfnTemplate, type LocalDefinition } from '#local/definitions.ts';
import { APPROVAL_TIMEOUT, executionTimeout } from '#statemachines/policies.ts';

// Synthesized CloudFormation is untyped JSON; the assertions below say what shape they expect.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CfnJson = any;

const REGION = 'eu-west-1';
const RELEASE_MACHINES = ['odoo-fleet-release', 'odoo-fleet-release-batch', 'odoo-fleet-release-tenant', 'odoo-fleet-release-verdict', 'odoo-fleet-release-rehearsal'];

let resources: Record<string, { Type: string; Properties: Record<string, CfnJson> }>;
let definitions: Map<string, LocalDefinition>;

beforeAll(() => {
  const { stacks } = buildApp({ bundling: false, validateTemplates: false });
  const template = Template.fromStack(stacks.primary).toJSON() as CfnTemplate;
  resources = template.Resources as typeof resources;
  definitions = new Map(loadDefinitions(template, REGION).map((d) => [d.name, d]));
});

const machine = (name: string) => {
  const def = definitions.get(name);
  expect(def, name).toBeDefined();
  return def as LocalDefinition;
};

/** Every state of a definition, nested ones included, by name. */
function statesOf(asl: AslDefinition): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  const walk = (d: AslDefinition) => {
    for (const [name, state] of Object.entries(d.States)) {
      out[name] = state;
      for (const b of state.Branches ?? []) walk(b);
      if (state.ItemProcessor) walk(state.ItemProcessor);
      if (state.Iterator) walk(state.Iterator);
    }
  };
  walk(asl);
  return out;
}
const state = (machineName: string, stateName: string) => {
  const found = statesOf(machine(machineName).asl)[stateName];
  expect(found, `${machineName} ${stateName}`).toBeDefined();
  return found as AslState & Record<string, CfnJson>;
};
const catchTargets = (s: AslState) => ((s.Catch as Array<{ ErrorEquals: string[]; Next: string }> | undefined) ?? []).map((c) => [c.ErrorEquals.join(','), c.Next]);

/** The IAM statements attached to the role of the state machine named `name`. */
function machineStatements(name: string): Array<{ Action: string | string[]; Resource: unknown }> {
  const [, sm] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Properties.StateMachineName === name)!;
  const roleId = sm.Properties.RoleArn['Fn::GetAtt'][0] as string;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}
const logicalIdOf = (name: string) => Object.entries(resources).find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Properties.StateMachineName === name)![0];

describe('Release workflows', () => {
  it('synthesize the release machine and its batch, tenant, verdict and rehearsal children, each with its execution timeout', () => {
    for (const name of RELEASE_MACHINES) {
      const key = name.replace('odoo-fleet-', '') as keyof typeof executionTimeout;
      expect(machine(name).asl.TimeoutSeconds, name).toBe(executionTimeout[key].toSeconds());
    }
  });

  it('run batches, tenants and rehearsals as child executions (.sync:2) with deterministic names, linked to their parent', () => {
    const children: Array<[string, string, string, string]> = [
      ['odoo-fleet-release', 'RunRehearsal', 'odoo-fleet-release-rehearsal', "States.Format('{}-r{}', $.releaseId, $.index)"],
      ['odoo-fleet-release', 'RunBatch', 'odoo-fleet-release-batch', "States.Format('{}-w{}-s{}-b{}-a{}', $.releaseId, $.wave, $.slot, $.batch, $$.State.RetryCount)"],
      ['odoo-fleet-release-batch', 'UpgradeTenant', 'odoo-fleet-release-tenant', "States.Format('{}-{}', $.releaseId, $.tenantId)"],
    ];

    for (const [parent, stateName, child, name] of children) {
      const task = state(parent, stateName);
      expect(machine(parent).childExecutions[stateName]).toBe(child);
      expect(task.Resource).toBe('arn:aws:states:::states:startExecution.sync:2');
      expect(task.Parameters['Name.$']).toBe(name);
      expect(task.Parameters.Input['AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$']).toBe('$$.Execution.Id');
      expect(task.ResultPath, `${stateName} keeps the child's output out of the parent`).toBeNull();
    }
    expect(state('odoo-fleet-release-batch', 'UpgradeTenant').Parameters.Input).toMatchObject({ 'operationId.$': '$.gate.operationId', 'tenantId.$': '$.tenantId' });
  });

  it("start a tenant's verdict at its cut-over without waiting for it, so the slot is free while it bakes", () => {
    const start = state('odoo-fleet-release-tenant', 'StartVerdict');

    expect(machine('odoo-fleet-release-tenant').startedExecutions).toEqual({ StartVerdict: 'odoo-fleet-release-verdict' });
    expect(start.Resource).toBe('arn:aws:states:::states:startExecution');
    expect(start.Parameters['Name.$']).toBe("States.Format('{}-{}_verdict', $.releaseId, $.tenantId)");
    expect(start.Parameters.Input).toMatchObject({ 'releaseId.$': '$.releaseId', 'tenantId.$': '$.tenantId', 'operationId.$': '$.operationId', 'roll.$': '$.roll' });
    expect(state('odoo-fleet-release-tenant', 'NewImageRolledOut?').Choices[0].Next).toBe('StartVerdict');
    // A replayed start of an execution that already ended: the verdict ran, the tenant is cut over.
    expect(catchTargets(start)).toEqual([['StepFunctions.ExecutionAlreadyExistsException', 'TenantCutOver']]);
    expect(start.Next).toBe('TenantCutOver');
    expect(machine('odoo-fleet-release-verdict').asl.StartAt).toBe('BakeAndJudge');
    expect(catchTargets(state('odoo-fleet-release-verdict', 'BakeAndJudge'))).toEqual([['States.ALL', 'RecordVerdictCrash']]);
    expect(machine('odoo-fleet-release-verdict').taskHandlers.RecordVerdictCrash).toBe('functions/release/record-tenant-crash.ts');
    expect(machine(VERDICT_MACHINE_NAME).name).toBe('odoo-fleet-release-verdict');
  });

  it("let the wave's end describe the verdict executions, and nothing else of Step Functions", () => {
    const fnId = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r).includes('functions/release/await-verdicts.ts'))![0];
    const roleId = (resources[fnId]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId })))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const states = statements.filter((st) => ([] as string[]).concat(st.Action).some((a) => a.startsWith('states:')));

    expect(states).toHaveLength(1);
    expect(states[0]!.Action).toBe('states:DescribeExecution');
    expect(JSON.stringify(states[0]!.Resource)).toMatch(/:execution:odoo-fleet-release-verdict:\*"$/);
  });

  it("end a wave only once its cut-over tenants' verdicts are in, looking again when the handler says", () => {
    expect(state('odoo-fleet-release', 'RunSlots').Next).toBe('AwaitVerdicts');
    expect(state('odoo-fleet-release', 'AwaitVerdicts')).toMatchObject({ ResultPath: '$.verdicts', Next: 'VerdictsIn?' });
    const choice = state('odoo-fleet-release', 'VerdictsIn?');
    expect(choice.Choices).toEqual([{ Variable: '$.verdicts.settled', BooleanEquals: true, Next: 'EndWave' }]);
    expect(choice.Default).toBe('WaitForVerdicts');
    expect(state('odoo-fleet-release', 'WaitForVerdicts')).toMatchObject({ TimestampPath: '$.verdicts.waitUntil', Next: 'AwaitVerdicts' });
  });

  it('pass a batch only its numbers, load its lanes of tenant ids first, and run a failed batch again twice, start errors retried first', () => {
    const runBatch = state('odoo-fleet-release', 'RunBatch');
    const input = runBatch.Parameters.Input as Record<string, unknown>;

    expect(Object.keys(input).sort()).toEqual(['AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$', 'actor.$', 'batch.$', 'releaseId.$', 'slot.$', 'wave.$']);
    const retries = runBatch.Retry as Array<{ ErrorEquals: string[]; MaxAttempts: number }>;
    expect(retries.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], MaxAttempts: 2 });
    expect(retries.slice(0, -1).flatMap((r) => r.ErrorEquals)).not.toContain('States.ALL');
    expect(machine('odoo-fleet-release-batch').asl.StartAt).toBe('LoadBatch');
    expect(state('odoo-fleet-release-batch', 'LoadBatch')).toMatchObject({ ResultPath: '$.lanes', Next: 'UpgradeLanes' });
    expect(state('odoo-fleet-release-batch', 'UpgradeLanes')).toMatchObject({ ItemsPath: '$.lanes', ItemSelector: { 'tenantIds.$': '$$.Map.Item.Value' } });
    expect(state('odoo-fleet-release', 'RunBatches').ItemSelector).toMatchObject({ 'batch.$': '$$.Map.Item.Value' });
  });

  it('finish a release only once it is no longer paused, asking again every minute', () => {
    expect(state('odoo-fleet-release', 'FinishRelease')).toMatchObject({ ResultPath: '$.finish', Next: 'StillPaused?' });
    const choice = state('odoo-fleet-release', 'StillPaused?');
    expect(choice.Choices).toEqual([{ Variable: '$.finish.status', StringEquals: 'PAUSED', Next: 'WaitWhilePaused' }]);
    expect(choice.Default).toBe('ReleaseFinished');
    expect(state('odoo-fleet-release', 'WaitWhilePaused')).toMatchObject({ Seconds: 60, Next: 'FinishRelease' });
  });

  it('wait for the approval on a task token, with a timeout, and end the release on abort, rejection or timeout', () => {
    const approval = state('odoo-fleet-release', 'AwaitApproval');

    expect(machine('odoo-fleet-release').tokenTasks).toEqual(['AwaitApproval']);
    expect(approval.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(approval.Parameters.Payload).toMatchObject({ 'taskToken.$': '$$.Task.Token', 'state.$': '$', step: 'AwaitApproval' });
    expect(approval.TimeoutSeconds).toBe(APPROVAL_TIMEOUT.toSeconds());
    expect(approval.ResultPath).toBe('$.approval');
    expect(catchTargets(approval)).toEqual([
      ['ReleaseAborted,ReleaseRejected,States.Timeout', 'FinishRelease'],
      ['States.ALL', 'FailRelease'],
    ]);
  });

  it('keep the parent history and payload small: waves one at a time, slots bounded by the plan, batches in turn, results discarded', () => {
    const maps = {
      Rehearse: state('odoo-fleet-release', 'Rehearse'),
      RollOutWaves: state('odoo-fleet-release', 'RollOutWaves'),
      RunSlots: state('odoo-fleet-release', 'RunSlots'),
      RunBatches: state('odoo-fleet-release', 'RunBatches'),
      UpgradeLanes: state('odoo-fleet-release-batch', 'UpgradeLanes'),
      UpgradeTenants: state('odoo-fleet-release-batch', 'UpgradeTenants'),
    };

    expect(maps.Rehearse).toMatchObject({ ItemsPath: '$.validation.rehearsals', MaxConcurrency: 4 });
    expect(maps.RollOutWaves).toMatchObject({ ItemsPath: '$.rollout.waves', MaxConcurrency: 1 });
    expect(maps.RunSlots).toMatchObject({ ItemsPath: '$.start.slots', MaxConcurrencyPath: '$.start.maxConcurrency' });
    expect(maps.RunBatches).toMatchObject({ ItemsPath: '$.batches', MaxConcurrency: 1 });
    expect(maps.UpgradeTenants).toMatchObject({ ItemsPath: '$.tenantIds', MaxConcurrency: 1 });
    for (const [name, map] of Object.entries(maps)) expect(map.ResultPath, name).toBeNull();
    // What leaves each iteration is a key, not the state: a Map holds every iteration's output.
    expect(state('odoo-fleet-release', 'RunBatch').OutputPath).toBe('$.batch');
    expect(state('odoo-fleet-release', 'BatchCrashed').OutputPath).toBe('$.batch');
    expect(maps.RunBatches.OutputPath).toBe('$.slot');
    expect(state('odoo-fleet-release', 'EndWave').OutputPath).toBe('$.wave');
    expect(state('odoo-fleet-release-batch', 'TenantDone').OutputPath).toBe('$.tenantId');
    expect(maps.UpgradeTenants.OutputPath).toBe('$.wave');
    expect(state('odoo-fleet-release', 'RunRehearsal').OutputPath).toBe('$.index');
  });

  it('wait for windows and bakes on timestamps the handlers compute', () => {
    expect(state('odoo-fleet-release-batch', 'WaitForGate').TimestampPath).toBe('$.gate.waitUntil');
    expect(state('odoo-fleet-release-verdict', 'Bake').TimestampPath).toBe('$.roll.bakeUntil');
    expect(state('odoo-fleet-release-verdict', 'ExtendBake').TimestampPath).toBe('$.verdict.bakeUntil');
    expect(machine('odoo-fleet-release-verdict').timestampWaits.sort()).toEqual(['Bake', 'ExtendBake']);
    expect(machine('odoo-fleet-release-tenant').timestampWaits).toEqual([]);
    expect(machine('odoo-fleet-release').timestampWaits).toEqual(['WaitForVerdicts']);
  });

  it('roll a tenant back from any failure between maintenance and the verdict, and mark it FAILED when the rollback fails', () => {
    const upgrade: Array<[string, string]> = [
      ['odoo-fleet-release-tenant', 'EnterMaintenance'],
      ['odoo-fleet-release-tenant', 'TakePreChangeCopy'],
      ['odoo-fleet-release-tenant', 'RunUpgradeJob'],
      ['odoo-fleet-release-tenant', 'RollToNewImage'],
      ['odoo-fleet-release-verdict', 'JudgeBake'],
    ];
    const rollback = ['PlanRollback', 'AwaitDecision', 'EnterRollbackMaintenance', 'RestoreDatabase', 'RevertImage', 'MarkRolledBack'];

    for (const [m, name] of upgrade) expect(catchTargets(state(m, name)), name).toEqual([['States.ALL', 'PlanRollback']]);
    // Both machines carry the same rollback: before the cut-over (still in maintenance) and after the verdict.
    for (const m of ['odoo-fleet-release-tenant', 'odoo-fleet-release-verdict']) {
      for (const name of rollback) expect(catchTargets(state(m, name)), `${m} ${name}`).toEqual([['States.ALL', 'MarkRollbackFailed']]);
      expect(state(m, 'AwaitDecision').Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    }
    expect(catchTargets(state('odoo-fleet-release-tenant', 'AcquireLease'))).toEqual([['LeaseHeld', 'SkipTenant']]);
    expect(state('odoo-fleet-release-tenant', 'AwaitDecision').Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(catchTargets(state('odoo-fleet-release-batch', 'UpgradeTenant'))).toEqual([['States.ALL', 'RecordTenantCrash']]);
  });

  it('always tear a rehearsal copy down, whatever failed before', () => {
    for (const name of ['PrepareRehearsalCopy', 'NeutralizeCopy', 'RunRehearsalUpgrade', 'CheckRehearsal']) {
      expect(catchTargets(state('odoo-fleet-release-rehearsal', name)), name).toEqual([['States.ALL', 'TearDownRehearsal']]);
    }
    expect(catchTargets(state('odoo-fleet-release-rehearsal', 'TearDownRehearsal'))).toEqual([['States.ALL', 'RecordRehearsal']]);
  });

  it('bind every task of the release machines to a handler module whose capabilities are declared', () => {
    const entries = RELEASE_MACHINES.flatMap((name) => Object.values(machine(name).taskHandlers));

    expect(entries.length).toBeGreaterThan(25);
    for (const entry of entries) expect(HANDLER_CAPABILITIES[entry], entry).toBeDefined();
  });

  it('let a parent start, describe and stop only its own child machine, and receive its completion events', () => {
    const parents: Array<[string, string[]]> = [
      ['odoo-fleet-release', ['odoo-fleet-release-rehearsal', 'odoo-fleet-release-batch']],
      ['odoo-fleet-release-batch', ['odoo-fleet-release-tenant']],
    ];

    for (const [parent, children] of parents) {
      const statements = machineStatements(parent);
      const started = statements.filter((s) => ([] as string[]).concat(s.Action).includes('states:StartExecution')).flatMap((s) => ([] as unknown[]).concat(s.Resource));
      const describing = statements.filter((s) => ([] as string[]).concat(s.Action).includes('states:DescribeExecution')).map((s) => JSON.stringify(s.Resource));
      const actions = statements.flatMap((s) => ([] as string[]).concat(s.Action));

      expect(started.map((r) => JSON.stringify(r)).sort(), parent).toEqual(children.map((c) => JSON.stringify({ Ref: logicalIdOf(c) })).sort());
      expect(describing.length, parent).toBe(children.length);
      for (const child of children) expect(describing.some((r) => r.includes(logicalIdOf(child))), `${parent} describes ${child}`).toBe(true);
      expect(actions, parent).toEqual(expect.arrayContaining(['states:StopExecution', 'events:PutTargets', 'events:PutRule', 'events:DescribeRule']));
      const keyContexts = statements
        .filter((s) => ([] as string[]).concat(s.Action).includes('kms:GenerateDataKey'))
        .map((s) => JSON.stringify((s as { Condition?: unknown }).Condition ?? null));
      for (const child of children) expect(keyContexts.some((c) => c.includes(`"Ref":"${logicalIdOf(child)}"`)), `${parent} encrypts ${child}'s input`).toBe(true);
    }
    // The tenant's upgrade starts its verdict and nothing else, and does not wait for it: no describe, stop or rule.
    const tenantStatements = machineStatements('odoo-fleet-release-tenant');
    const tenantStarts = tenantStatements.filter((s) => ([] as string[]).concat(s.Action).includes('states:StartExecution')).flatMap((s) => ([] as unknown[]).concat(s.Resource));
    expect(tenantStarts.map((r) => JSON.stringify(r))).toEqual([JSON.stringify({ Ref: logicalIdOf('odoo-fleet-release-verdict') })]);
    const tenantActions = tenantStatements.flatMap((s) => ([] as string[]).concat(s.Action));
    expect(tenantActions).not.toContain('states:DescribeExecution');
    expect(tenantActions).not.toContain('events:PutRule');
    const verdictActions = machineStatements('odoo-fleet-release-verdict').flatMap((s) => ([] as string[]).concat(s.Action));
    expect(verdictActions).not.toContain('states:StartExecution');
  });

  it('let release handlers publish events on the default bus only', () => {
    const publishing = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
      .filter((s) => ([] as string[]).concat(s.Action).includes('events:PutEvents'));

    expect(publishing.length).toBeGreaterThan(0);
    for (const resource of publishing.flatMap((s) => ([] as unknown[]).concat(s.Resource))) expect(JSON.stringify(resource)).toMatch(/:event-bus\/default"$/);
  });
});
