/**
 * The synthesized release machines run by the local runner, every task answered by a stand-in
 * (test/support/release-machine-stubs.ts), so what is tested is the wiring itself: rehearsals and
 * batches as child executions with their deterministic names, the approval and decision waits on
 * task tokens, slots side by side and batches in turn, gate waits on a timestamp, the bake and its
 * extension, and a failed verdict's rollback.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#infra/constructs/fleet-function.ts';
import { loadDefinitions, type LocalDefinition } from '#local/definitions.ts';
import { defaultLocalFleetConfig } from '#local/fleet.local.ts';
import { LocalStepFunctions, type LocalExecution } from '#local/runner.ts';
import { synthWorkflowTemplate } from '#local/workflow-template.ts';
import { setStubScript, stubCalls } from '../support/release-machine-stubs.ts';

const STUBS = 'test/support/release-machine-stubs.ts';
let definitions: LocalDefinition[];
let region: string;

beforeAll(() => {
  const config = defaultLocalFleetConfig();
  region = config.primaryRegion;
  definitions = loadDefinitions(synthWorkflowTemplate(config), region).map((d) => ({
    ...d,
    taskHandlers: Object.fromEntries(Object.keys(d.taskHandlers).map((state) => [state, STUBS])),
  }));
});

async function until<T>(probe: () => T | undefined, what: string, polls = 1000): Promise<T> {
  for (let i = 0; i < polls; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const tokenOf = (step: string, releaseId: string, tenantId?: string) =>
  until(() => stubCalls.find((c) => c.step === step && c.state.releaseId === releaseId && (tenantId === undefined || c.state.tenantId === tenantId))?.taskToken, `${step} token`);
const stepsOf = (releaseId: string, tenantId: string) => stubCalls.filter((c) => c.state.releaseId === releaseId && c.state.tenantId === tenantId).map((c) => c.step);
const namesOf = (executions: LocalExecution[]) => executions.map((e) => e.name).sort();

describe('Release machines, wired', () => {
  it('rehearses, waits for the approval, rolls two waves out in slots and batches, frees a slot at the cut-over, and rolls a failed tenant back', async () => {
    // Prepare
    const releaseId = 'rel-wired';
    setStubScript({
      waves: {
        0: {
          maxConcurrency: 2,
          slots: [
            { slot: 0, batches: [{ batch: 0, tenantIds: ['t-a', 't-b'] }, { batch: 1, tenantIds: ['t-c'] }] },
            { slot: 1, batches: [{ batch: 0, tenantIds: ['t-e', 't-d'] }] },
          ],
        },
        1: { maxConcurrency: 1, slots: [] },
      },
      gate: { 't-b': ['wait', 'start'], 't-c': ['skip'] },
      verdicts: { 't-a': ['extend', 'pass'], 't-d': ['fail'], 't-e': ['inconclusive'] },
    });
    const runner = new LocalStepFunctions({ region, definitions, timeScale: 0.001, repoRoot: REPO_ROOT });
    const release = runner.startExecution(runner.stateMachineArn('odoo-fleet-release'), releaseId, JSON.stringify({ releaseId, actor: 'alice' }));

    // Act
    runner.sendTaskSuccess(await tokenOf('AwaitApproval', releaseId), JSON.stringify({ approvedBy: 'bob' }));
    const decisionToken = await tokenOf('AwaitDecision', releaseId, 't-e');
    // t-e waits for a human in its verdict; t-d, next in the same lane, is upgraded meanwhile, and the wave waits.
    const tenantExecution = (t: string) => runner.listExecutions({ stateMachineArn: runner.stateMachineArn('odoo-fleet-release-tenant') }).find((e) => e.name === `${releaseId}-${t}`);
    await until(() => (tenantExecution('t-d')?.status === 'SUCCEEDED' && stepsOf(releaseId, 't-d').includes('MarkRolledBack') ? true : undefined), 't-d upgraded and rolled back');
    const stepsBeforeDecision = stubCalls.filter((c) => c.executionArn === release.executionArn).map((c) => c.step);
    expect(release.status).toBe('RUNNING');
    expect(stepsBeforeDecision).not.toContain('EndWave');
    runner.sendTaskSuccess(decisionToken, JSON.stringify({ choice: 'keep' }));
    await release.done;

    // Assess
    expect(release.status, release.cause).toBe('SUCCEEDED');
    const verdicts = runner.listExecutions({ stateMachineArn: runner.stateMachineArn('odoo-fleet-release-verdict') });
    expect(namesOf(verdicts)).toEqual(['t-a', 't-b', 't-d', 't-e'].map((t) => `${releaseId}-${t}_verdict`));
    expect(verdicts.every((e) => e.status === 'SUCCEEDED' && e.parentExecutionArn === undefined && e.startedBy === tenantExecution(e.name.slice(releaseId.length + 1, -'_verdict'.length))?.executionArn)).toBe(true);
    const rehearsals = runner.listExecutions({ stateMachineArn: runner.stateMachineArn('odoo-fleet-release-rehearsal') });
    const batches = runner.listExecutions({ stateMachineArn: runner.stateMachineArn('odoo-fleet-release-batch') });
    const tenants = runner.listExecutions({ stateMachineArn: runner.stateMachineArn('odoo-fleet-release-tenant') });
    expect(namesOf(rehearsals)).toEqual([`${releaseId}-r0`, `${releaseId}-r1`]);
    expect(namesOf(batches)).toEqual([`${releaseId}-w0-s0-b0-a0`, `${releaseId}-w0-s0-b1-a0`, `${releaseId}-w0-s1-b0-a0`]);
    expect(batches.map((e) => JSON.parse(e.input) as Record<string, unknown>).every((input) => !('tenantIds' in input))).toBe(true);
    expect(namesOf(tenants)).toEqual(['t-a', 't-b', 't-d', 't-e'].map((t) => `${releaseId}-${t}`));
    expect([...rehearsals, ...batches, ...tenants].every((e) => e.status === 'SUCCEEDED')).toBe(true);
    expect(JSON.parse(tenants.find((e) => e.name.endsWith('t-b'))!.input)).toMatchObject({ releaseId, actor: 'alice', wave: 0, tenantId: 't-b', operationId: 'op-t-b' });

    expect(stepsOf(releaseId, 't-a').filter((s) => s === 'JudgeBake')).toHaveLength(2);
    expect(stepsOf(releaseId, 't-b').filter((s) => s === 'GateTenant')).toHaveLength(2);
    expect(stepsOf(releaseId, 't-c')).toEqual(['GateTenant']);
    expect(stepsOf(releaseId, 't-d')).toEqual(expect.arrayContaining(['PlanRollback', 'EnterRollbackMaintenance', 'RestoreDatabase', 'RevertImage', 'MarkRolledBack']));
    expect(stepsOf(releaseId, 't-d')).not.toContain('CompleteTenant');
    expect(stepsOf(releaseId, 't-e')).toEqual(expect.arrayContaining(['AwaitDecision', 'CompleteTenant']));
    const releaseSteps = stubCalls.filter((c) => c.executionArn === release.executionArn).map((c) => c.step);
    expect(releaseSteps.filter((s) => s === 'StartWave')).toHaveLength(2);
    expect(releaseSteps.filter((s) => s === 'EndWave')).toHaveLength(2);
    expect(releaseSteps.at(-1)).toBe('FinishRelease');
    // The parent's own transitions do not grow with tenants: they run in the children.
    expect(release.transitions).toBeLessThan(40);
  });

  it('runs a failed batch again under a new name per attempt, with the same tenants', async () => {
    // Prepare
    const releaseId = 'rel-retried';
    setStubScript({
      waves: { 0: { maxConcurrency: 1, slots: [{ slot: 0, batches: [{ batch: 0, tenantIds: ['t-r1', 't-r2'] }] }] } },
      loadFailures: { 'w0-s0-b0': 1 },
    });
    const runner = new LocalStepFunctions({ region, definitions, timeScale: 0.001, repoRoot: REPO_ROOT });
    const release = runner.startExecution(runner.stateMachineArn('odoo-fleet-release'), releaseId, JSON.stringify({ releaseId, actor: 'alice' }));

    // Act
    runner.sendTaskSuccess(await tokenOf('AwaitApproval', releaseId), JSON.stringify({ approvedBy: 'bob' }));
    await release.done;

    // Assess
    expect(release.status, release.cause).toBe('SUCCEEDED');
    const batches = runner.listExecutions({ stateMachineArn: runner.stateMachineArn('odoo-fleet-release-batch') }).filter((e) => e.name.startsWith(releaseId));
    expect(batches.map((e) => [e.name, e.status]).sort()).toEqual([
      [`${releaseId}-w0-s0-b0-a0`, 'FAILED'],
      [`${releaseId}-w0-s0-b0-a1`, 'SUCCEEDED'],
    ]);
    const tenants = runner.listExecutions({ stateMachineArn: runner.stateMachineArn('odoo-fleet-release-tenant') }).filter((e) => e.name.startsWith(releaseId));
    expect(namesOf(tenants)).toEqual([`${releaseId}-t-r1`, `${releaseId}-t-r2`]);
  });

  it('waits while the release is still paused after its last wave, and finishes once it is not', async () => {
    // Prepare
    const releaseId = 'rel-paused-end';
    setStubScript({ waves: { 0: { maxConcurrency: 1, slots: [] } }, finish: ['PAUSED', 'PAUSED', 'SUCCEEDED'] });
    const runner = new LocalStepFunctions({ region, definitions, timeScale: 0.001, repoRoot: REPO_ROOT });
    const release = runner.startExecution(runner.stateMachineArn('odoo-fleet-release'), releaseId, JSON.stringify({ releaseId, actor: 'alice' }));

    // Act
    runner.sendTaskSuccess(await tokenOf('AwaitApproval', releaseId), JSON.stringify({ approvedBy: 'bob' }));
    await release.done;

    // Assess
    expect(release.status, release.cause).toBe('SUCCEEDED');
    expect(stubCalls.filter((c) => c.executionArn === release.executionArn && c.step === 'FinishRelease')).toHaveLength(3);
    expect(JSON.parse(release.output!)).toMatchObject({ finish: { status: 'SUCCEEDED' } });
  });

  it('ends the release through FinishRelease with the error when the approval is refused', async () => {
    // Prepare
    const releaseId = 'rel-refused';
    setStubScript({ waves: { 0: { maxConcurrency: 1, slots: [] } } });
    const runner = new LocalStepFunctions({ region, definitions, timeScale: 0.001, repoRoot: REPO_ROOT });
    const release = runner.startExecution(runner.stateMachineArn('odoo-fleet-release'), releaseId, JSON.stringify({ releaseId, actor: 'alice' }));

    // Act
    runner.sendTaskFailure(await tokenOf('AwaitApproval', releaseId), 'ReleaseRejected', 'not before the audit');
    await release.done;

    // Assess
    expect(release.status).toBe('SUCCEEDED');
    const finish = stubCalls.find((c) => c.executionArn === release.executionArn && c.step === 'FinishRelease');
    expect(finish?.state.error).toEqual({ Error: 'ReleaseRejected', Cause: 'not before the audit' });
    expect(stubCalls.some((c) => c.executionArn === release.executionArn && c.step === 'StartWave')).toBe(false);
  });
});
