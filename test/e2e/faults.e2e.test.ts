/**
 * Game days through the local API: every simulated service throttles while several tenants are
 * provisioned at once and one is offboarded; throttling on one call is retried by the workflow;
 * an unreachable service that outlasts the retries fails provisioning cleanly.
 *
 * Throttling bursts are bounded (`count`): a step is invoked at most 9 times (8 retries), and a
 * step that makes many calls per invocation cannot get through sustained throttling on all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import type { ActiveFaultRule } from '#local/sim/faults.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { transientRetry } from '#statemachines/policies.ts';
import { api, dedicatedProfile, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;

beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

async function start(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<string> {
  const res = await api<{ operation: Operation }>(plane, method, path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.operation.operationId;
}

async function setFaults(rules: unknown[]): Promise<void> {
  const res = await api(plane, 'POST', '/_local/faults', { rules });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const activeRules = async () => (await api<{ rules: ActiveFaultRule[] }>(plane, 'GET', '/_local/faults')).body.rules;
/** How often a rule with `count` fired: a rule leaves the list once it has fired `count` times. */
const firedOf = (rules: ActiveFaultRule[], count: number) => (rules.length === 0 ? count : rules[0]!.fired);
const tenant = async (id: string) => (await api<Tenant>(plane, 'GET', `/v1/tenants/${id}`)).body;
/** How many resources of a kind (`rds/database`, `eks/nodegroup`...) the tenant has. */
const count = (tenantId: string, kind: string) => plane.sim.inventoryForTenant(tenantId).filter((r) => `${r.service}/${r.type}` === kind).length;
const leftovers = (tenantId: string) => plane.sim.inventoryForTenant(tenantId).filter((r) => !r.retained);

/** As many throttles as one step has retries: whatever they hit, no step can run out of attempts. */
const BURST = transientRetry.maxAttempts!;

describe('Game day: 30% throttling on every service', () => {
  const pooledIds = ['gd-pooled-1', 'gd-pooled-2', 'gd-pooled-3'];
  const dedicatedId = 'gd-dedicated';
  let provisioned: Operation[];
  let offboarded: Operation;
  let firedProvisioning: number;
  let firedOffboarding: number;

  beforeAll(async () => {
    try {
      await setFaults([{ service: '*', rate: 0.3, count: BURST }]);
      const started = await Promise.all([...pooledIds.map((id) => start('POST', '/v1/tenants', tenantBody(id))), start('POST', '/v1/tenants', tenantBody(dedicatedId, dedicatedProfile))]);
      provisioned = await Promise.all(started.map((id) => waitForOperation(plane, id)));
      firedProvisioning = firedOf(await activeRules(), BURST);

      await setFaults([{ service: '*', rate: 0.3, count: BURST }]);
      offboarded = await waitForOperation(plane, await start('DELETE', `/v1/tenants/${pooledIds[0]}`));
      firedOffboarding = firedOf(await activeRules(), BURST);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });

  it('provisions every tenant and offboards one regardless', async () => {
    expect(provisioned.map((op) => [op.tenantId, op.status, op.error])).toEqual([...pooledIds, dedicatedId].map((id) => [id, 'SUCCEEDED', undefined]));
    expect(offboarded.status).toBe('SUCCEEDED');
    for (const id of [...pooledIds.slice(1), dedicatedId]) {
      const t = await tenant(id);
      expect(t.status).toBe('ACTIVE');
      expect(t.lease).toBeUndefined();
    }
    expect((await tenant(pooledIds[0]!)).status).toBe('DELETED');
  });

  it('really throttled, and no throttle surfaced as a step failure', () => {
    expect(firedProvisioning).toBe(BURST);
    expect(firedOffboarding).toBeGreaterThan(0);
    expect(provisioned.flatMap((op) => op.steps).some((s) => s.attempts > 1)).toBe(true);
    expect([...provisioned, offboarded].flatMap((op) => op.steps).filter((s) => s.error || s.status === 'FAILED')).toEqual([]);
  });

  it('made nothing twice: one database per tenant, one cluster, node group and bucket for the dedicated tenant', () => {
    for (const id of pooledIds.slice(1)) {
      expect(count(id, 'rds/database')).toBe(1);
      expect(count(id, 'rds/role')).toBe(1);
      expect(count(id, 'iam/role')).toBe(1);
      expect(count(id, 'kubernetes/namespace')).toBe(1);
      expect(count(id, 'eks/nodegroup')).toBe(0);
      expect(count(id, 'rds/cluster')).toBe(0);
    }
    expect(count(dedicatedId, 'rds/database')).toBe(1);
    expect(count(dedicatedId, 'rds/cluster')).toBe(1);
    expect(count(dedicatedId, 'eks/nodegroup')).toBe(1);
    expect(count(dedicatedId, 's3/bucket')).toBe(1);
    const region = plane.sim.inventory().regions[plane.config.primaryRegion]!;
    expect(region.eks.clusters.flatMap((c) => c.nodegroups).filter((n) => n.name === 'odoo-gd-dedicated')).toHaveLength(1);
    expect(Object.values(region.rds.databases).flat().filter((d) => d.name.startsWith('odoo_gd_'))).toHaveLength(pooledIds.length);
  });

  it('left nothing of the offboarded tenant but its archive, and gave its cell slot back', async () => {
    expect(leftovers(pooledIds[0]!)).toEqual([]);
    expect(plane.sim.inventoryForTenant(pooledIds[0]!, { includeRetained: true }).some((r) => r.type === 'archive')).toBe(true);
    const loads = await plane.repo.cellLoads(plane.config.cells.map((c) => c.id));
    expect(Object.values(loads).reduce((a, b) => a + b, 0)).toBe(pooledIds.length - 1);
  });
});

describe('Game day: a throttled call', () => {
  it('is retried by the workflow until it goes through, and the record is made once', async () => {
    await setFaults([{ service: 'route53', operation: 'ChangeResourceRecordSets', count: 3 }]);
    let op: Operation;
    try {
      op = await waitForOperation(plane, await start('POST', '/v1/tenants', tenantBody('gd-dns')));
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }

    expect(op.status).toBe('SUCCEEDED');
    expect(op.steps.find((s) => s.name === 'EnsureTenantDnsRecord')).toMatchObject({ status: 'SUCCEEDED', attempts: expect.any(Number) });
    expect(op.steps.find((s) => s.name === 'EnsureTenantDnsRecord')!.attempts).toBeGreaterThanOrEqual(4);
    expect(count('gd-dns', 'route53/record')).toBe(1);
  });
});

describe('Game day: a service that stays unreachable', () => {
  it('fails provisioning once the retries are spent, compensates, and leaves nothing', async () => {
    const cells = plane.config.cells.map((c) => c.id);
    const loadsBefore = await plane.repo.cellLoads(cells);
    // Unreachable for exactly as many calls as the step has invocations; the compensation then gets through.
    await setFaults([{ service: 'rds-data', region: plane.config.primaryRegion, effect: 'unreachable', count: BURST + 1 }]);
    let op: Operation;
    try {
      op = await waitForOperation(plane, await start('POST', '/v1/tenants', tenantBody('gd-unreachable')));
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }

    expect(op.status).toBe('FAILED');
    expect(op.error).toMatchObject({ code: 'TimeoutError', message: expect.stringContaining('unreachable') });
    expect(op.steps.find((s) => s.name === 'EnsureTenantDatabase')!.attempts).toBe(BURST + 1);
    expect(op.steps.find((s) => s.name === 'CompensateTenant')).toMatchObject({ status: 'SUCCEEDED' });
    const failed = await tenant('gd-unreachable');
    expect(failed).toMatchObject({ status: 'FAILED', statusReason: expect.stringContaining('TimeoutError'), resources: {} });
    expect(failed.lease).toBeUndefined();
    expect(leftovers('gd-unreachable')).toEqual([]);
    expect(await plane.repo.cellLoads(cells)).toEqual(loadsBefore);
  });
});
