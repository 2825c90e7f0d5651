/**
 * The synthesized offboarding state machine: scale to zero, final backup, filestore export, delete,
 * DELETED only when everything is gone; a failure leaves the tenant FAILED with what remains, and
 * offboarding again finishes the job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { api, dedicatedProfile, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;

beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

async function run(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<Operation> {
  const res = await api<{ operation: Operation }>(plane, method, path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return waitForOperation(plane, res.body.operation.operationId);
}

async function activeTenant(id: string, profile: Record<string, unknown> = {}): Promise<void> {
  const op = await run('POST', '/v1/tenants', tenantBody(id, profile));
  expect(op.status).toBe('SUCCEEDED');
}

describe('Workflow: offboard', () => {
  it('offboards a pooled tenant: dump and filestore export kept in the archive, everything else gone, DELETED', async () => {
    await activeTenant('off-pooled');
    const cell = (await plane.repo.getTenant('off-pooled'))!.placement.cell!;
    const loadBefore = (await plane.repo.cellLoads([cell]))[cell]!;

    const op = await run('DELETE', '/v1/tenants/off-pooled');

    expect(op.status).toBe('SUCCEEDED');
    expect(op.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining(['ValidateOffboardRequest', 'ScaleTenantToZero', 'TakeFinalBackup', 'ExportFilestore', 'DeleteTenantResources', 'MarkTenantDeleted']),
    );
    const tenant = (await plane.repo.getTenant('off-pooled')) as Tenant;
    expect(tenant.status).toBe('DELETED');
    expect(tenant.resources.finalBackup).toMatchObject({ dumpKey: expect.stringContaining('offboarded/off-pooled/'), filestoreExportPrefix: expect.any(String) });
    expect(plane.sim.inventoryForTenant('off-pooled').filter((r) => !r.retained)).toEqual([]);
    expect((await plane.repo.cellLoads([cell]))[cell]).toBe(loadBefore - 1);
  });

  it('offboards a dedicated tenant: a final snapshot is retained, cluster, node group and bucket are gone', async () => {
    await activeTenant('off-ded', dedicatedProfile);

    const op = await run('DELETE', '/v1/tenants/off-ded');

    expect(op.status).toBe('SUCCEEDED');
    const tenant = (await plane.repo.getTenant('off-ded')) as Tenant;
    expect(tenant.status).toBe('DELETED');
    expect(tenant.resources.finalBackup?.snapshotIdentifier).toMatch(/^odoo-off-ded-final-/);
    const left = plane.sim.inventoryForTenant('off-ded', { includeRetained: true });
    expect(left.filter((r) => !r.retained)).toEqual([]);
    expect(left.some((r) => r.retained && r.id === tenant.resources.finalBackup?.snapshotIdentifier)).toBe(true);
  });

  it('records a failed offboarding on the tenant and finishes when offboarding is requested again', async () => {
    await activeTenant('off-retry');
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'kubernetes', operation: 'apply', error: 'Forbidden', count: 1 }] });
    let op: Operation;
    try {
      op = await run('DELETE', '/v1/tenants/off-retry');
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }

    expect(op.status).toBe('FAILED');
    const failed = (await plane.repo.getTenant('off-retry')) as Tenant;
    expect(failed.status).toBe('FAILED');
    expect(failed.statusReason).toMatch(/offboarding failed/);
    expect(failed.lease).toBeUndefined();

    const again = await run('DELETE', '/v1/tenants/off-retry');

    expect(again.status).toBe('SUCCEEDED');
    expect(((await plane.repo.getTenant('off-retry')) as Tenant).status).toBe('DELETED');
    expect(plane.sim.inventoryForTenant('off-retry').filter((r) => !r.retained)).toEqual([]);
  });
});
