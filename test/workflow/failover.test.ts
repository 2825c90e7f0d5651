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

describe('a unit that fails before anything is promoted', () => {
  it('is unfenced: its tenants serve from the old region again, ACTIVE, and the failover says FAILED with the AWS error', async () => {
    const res = await api<{ operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody('wf-fo2', { criticality: 'standard' }));
    await waitForOperation(plane, res.body.operation.operationId);
    const t = await plane.repo.requireTenant('wf-fo2');
    const [from, to] = t.activeRegion === 'eu-west-1' ? ['eu-west-1', 'eu-central-1'] : ['eu-central-1', 'eu-west-1'];
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'rds', operation: 'SwitchoverGlobalCluster', error: 'InvalidGlobalClusterStateFault', count: 5 }] });
    try {
      const started = await api<{ failover: { failoverId: string } }>(plane, 'POST', '/v1/failovers', { scope: 'cell', cell: t.placement.cell, fromRegion: from, toRegion: to, mode: 'planned', reason: 'switch' });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      const id = started.body.failover.failoverId;
      const execution = plane.runner.listExecutions().find((e) => e.name === id)!;
      await execution.done;
      const failover = await plane.repo.requireFailover(id);
      expect(failover.status).toBe('FAILED');
      const record = (await plane.repo.getFailoverTenant(id, 'wf-fo2'))!;
      expect(record.outcome).toBe('FAILED');
      expect(record.reason).toMatch(/InvalidGlobalClusterStateFault/);
      expect(record.reason).toMatch(/nothing promoted, unfenced/);
      expect(record.steps.find((s) => s.name === 'PromoteDatabase')).toMatchObject({ status: 'FAILED', error: { code: 'InvalidGlobalClusterStateFault' } });
      const after = await plane.repo.requireTenant('wf-fo2');
      expect(after).toMatchObject({ status: 'ACTIVE', activeRegion: from });
      expect(after.lease).toBeUndefined();
      // Its Odoo runs again in the old region: web scaled back up from the fence's zero.
      const cloud = (await api<{ regions: Record<string, { kubernetes: Record<string, Record<string, { kind: string; name: string; replicas?: number }[]>> }> }>(plane, 'GET', '/_local/cloud')).body;
      const web = Object.values(cloud.regions[from]!.kubernetes)
        .flatMap((namespaces) => namespaces['tenant-wf-fo2'] ?? [])
        .find((o) => o.kind === 'Deployment' && o.name === 'odoo-web');
      expect(web?.replicas).toBeGreaterThan(0);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });
});
