/**
 * Game days through the local API: every simulated service throttles 30% of calls, sustained, while
 * several tenants are provisioned at once and one is offboarded (the SDK's standard retry absorbs
 * most throttles, Step Functions' Retry the rest); throttling that outlasts the SDK's attempts is
 * retried by the workflow; an unreachable service that outlasts every retry fails provisioning
 * cleanly.
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
const firedOf = (rules: ActiveFaultRule[]) => rules[0]?.fired ?? 0;
const tenant = async (id: string) => (await api<Tenant>(plane, 'GET', `/v1/tenants/${id}`)).body;
/** How many resources of a kind (`rds/database`, `eks/nodegroup`...) the tenant has. */
const count = (tenantId: string, kind: string) => plane.sim.inventoryForTenant(tenantId).filter((r) => `${r.service}/${r.type}` === kind).length;
const leftovers = (tenantId: string) => plane.sim.inventoryForTenant(tenantId).filter((r) => !r.retained);

/** Invocations of a step: the first and its Step Functions retries. */
const INVOCATIONS = transientRetry.maxAttempts! + 1;
/** Calls the SDK makes per API call under its standard retry. */
const SDK_ATTEMPTS = 3;

describe('Game day: 30% throttling on every service', () => {
  const pooledIds = ['gd-pooled-1', 'gd-pooled-2', 'gd-pooled-3'];
  const dedicatedId = 'gd-dedicated';
  let provisioned: Operation[];
  let offboarded: Operation;
  let firedProvisioning: number;
  let firedOffboarding: number;

  beforeAll(async () => {
    try {
      await setFaults([{ service: '*', rate: 0.3 }]);
      const started = await Promise.all([...pooledIds.map((id) => start('POST', '/v1/tenants', tenantBody(id))), start('POST', '/v1/tenants', tenantBody(dedicatedId, dedicatedProfile))]);
      provisioned = await Promise.all(started.map((id) => waitForOperation(plane, id)));
      firedProvisioning = firedOf(await activeRules());

      await setFaults([{ service: '*', rate: 0.3 }]);
      offboarded = await waitForOperation(plane, await start('DELETE', `/v1/tenants/${pooledIds[0]}`));
      firedOffboarding = firedOf(await activeRules());
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
    expect(firedProvisioning).toBeGreaterThan(20);
    expect(firedOffboarding).toBeGreaterThan(0);
    expect([...provisioned, offboarded].flatMap((op) => op.steps).filter((s) => s.status === 'FAILED')).toEqual([]);
  });

  it('made nothing twice: one database per tenant, one cluster and bucket per region, one node group and global database for the dedicated tenant', () => {
    for (const id of pooledIds.slice(1)) {
      expect(count(id, 'rds/database')).toBe(1);
      expect(count(id, 'rds/role')).toBe(1);
      expect(count(id, 'iam/role')).toBe(1);
      expect(count(id, 'kubernetes/namespace')).toBe(1);
      expect(count(id, 'eks/nodegroup')).toBe(0);
      expect(count(id, 'rds/cluster')).toBe(0);
    }
    expect(count(dedicatedId, 'rds/database')).toBe(1);
    // Its cluster and bucket, and their DR copies in the other region (warm standby, as a critical tenant).
    const regions = (key: string) => plane.sim.inventoryForTenant(dedicatedId).filter((r) => `${r.service}/${r.type}` === key).map((r) => r.region).sort();
    const both = [plane.config.primaryRegion, plane.config.drRegion].sort();
    expect(regions('rds/cluster')).toEqual(both);
    expect(regions('s3/bucket')).toEqual(both);
    expect(count(dedicatedId, 'rds/global-cluster')).toBe(1);
    // Its node group, and its warm standby's one-node node group in the DR region.
    expect(regions('eks/nodegroup')).toEqual(both);
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
    // Two invocations' worth of SDK attempts fail; the third invocation goes through.
    await setFaults([{ service: 'route53', operation: 'ChangeResourceRecordSets', count: 2 * SDK_ATTEMPTS }]);
    let op: Operation;
    try {
      op = await waitForOperation(plane, await start('POST', '/v1/tenants', tenantBody('gd-dns')));
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }

    expect(op.status).toBe('SUCCEEDED');
    expect(op.steps.find((s) => s.name === 'EnsureTenantDnsRecord')).toMatchObject({ status: 'SUCCEEDED', attempts: expect.any(Number) });
    expect(op.steps.find((s) => s.name === 'EnsureTenantDnsRecord')!.attempts).toBe(3);
    expect(count('gd-dns', 'route53/record')).toBe(1);
  });
});

describe('Game day: a service that stays unreachable', () => {
  it('fails provisioning once the retries are spent, compensates, and leaves nothing', async () => {
    const cells = plane.config.cells.map((c) => c.id);
    const loadsBefore = await plane.repo.cellLoads(cells);
    // Unreachable for every SDK attempt of every invocation of the step; the compensation then gets through.
    await setFaults([{ service: 'rds-data', region: plane.config.primaryRegion, effect: 'unreachable', count: INVOCATIONS * SDK_ATTEMPTS }]);
    let op: Operation;
    try {
      op = await waitForOperation(plane, await start('POST', '/v1/tenants', tenantBody('gd-unreachable')));
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }

    expect(op.status).toBe('FAILED');
    expect(op.error).toMatchObject({ code: 'TimeoutError', message: expect.stringContaining('unreachable') });
    expect(op.steps.find((s) => s.name === 'EnsureTenantDatabase')!.attempts).toBe(INVOCATIONS);
    expect(op.steps.find((s) => s.name === 'CompensateTenant')).toMatchObject({ status: 'SUCCEEDED' });
    const failed = await tenant('gd-unreachable');
    expect(failed).toMatchObject({ status: 'FAILED', statusReason: expect.stringContaining('TimeoutError'), resources: {} });
    expect(failed.lease).toBeUndefined();
    expect(leftovers('gd-unreachable')).toEqual([]);
    expect(await plane.repo.cellLoads(cells)).toEqual(loadsBefore);
  });
});
