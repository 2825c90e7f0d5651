/**
 * The synthesized failover machines, started as an operator would from the Step Functions console:
 * the first state validates the input (a bad one fails the execution with the problems named, and
 * nothing is recorded or leased), and a good one runs the failover under an id derived from the
 * execution, recorded like one from the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import type { Operation } from '#shared/domain/types.ts';
import { api, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;
beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

const machine = () => plane.runner.stateMachineArn('odoo-fleet-failover');

describe('the failover machine started from the console', () => {
  it('fails fast on a bad input, naming every problem, and changes nothing', async () => {
    const res = await api<{ operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody('wf-fo1', { criticality: 'standard' }));
    await waitForOperation(plane, res.body.operation.operationId);
    const before = await plane.repo.requireTenant('wf-fo1');
    const execution = plane.runner.startExecution(machine(), 'console-bad', JSON.stringify({ scope: 'tenant', fromRegion: 'eu-west-1', toRegion: 'eu-west-1', mode: 'planned', reason: 'x', colour: 'blue' }));
    await execution.done;
    const ended = plane.runner.describeExecution(execution.executionArn);
    expect(ended.status).toBe('FAILED');
    expect(ended.error).toBe('ValidationError');
    expect(ended.cause).toMatch(/toRegion/);
    expect(ended.cause).toMatch(/colour/);
    expect(ended.cause).toMatch(/tenantId/);
    expect((await plane.repo.listFailovers()).items).toEqual([]);
    const after = await plane.repo.requireTenant('wf-fo1');
    expect(after.version).toBe(before.version);
    expect(after.lease).toBeUndefined();
  });

  it('runs a good input as a failover recorded under an id derived from the execution', async () => {
    const tenant = await plane.repo.requireTenant('wf-fo1');
    const input = { scope: 'cell', cell: tenant.placement.cell, fromRegion: 'eu-west-1', toRegion: 'eu-central-1', mode: 'planned', reason: 'console switchover', actor: 'carol' };
    const execution = plane.runner.startExecution(machine(), 'console-good', JSON.stringify(input));
    await execution.done;
    const ended = plane.runner.describeExecution(execution.executionArn);
    expect(ended.status, `${ended.error}: ${ended.cause}`).toBe('SUCCEEDED');
    const [failover] = (await plane.repo.listFailovers()).items;
    expect(failover).toMatchObject({ status: 'SUCCEEDED', requestedBy: 'carol', executionArn: execution.executionArn, reason: 'console switchover' });
    expect(failover!.failoverId).toMatch(/^fo-[0-9a-z]{26}$/);
    expect(await plane.repo.requireTenant('wf-fo1')).toMatchObject({ activeRegion: 'eu-central-1', status: 'ACTIVE' });
  });
});
