/**
 * Failover readiness reads the DR region's capacity quotas and the filestore's replication backlog,
 * through the local API against the simulated two-region cloud: a failover the DR region's vCPU
 * quota cannot take is refused naming the quota, changing nothing; a filestore replication backlog
 * beyond the RPO is reported as a warning that does not block.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import { runningStandardVcpus } from '#shared/cloud/adapters/service-quotas.ts';
import { cloud } from '#shared/cloud/clients.ts';
import type { Failover } from '#shared/domain/failover-types.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { failoverApi, type FailoverView } from '../support/failover-plane.ts';
import { api, dedicatedProfile, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;
const PRIMARY = 'eu-west-1';
const DR = 'eu-central-1';
const TENANT = 'fo-quota1';

beforeAll(async () => {
  plane = await startPlane();
  const res = await api<{ operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody(TENANT, dedicatedProfile));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect((await waitForOperation(plane, res.body.operation.operationId)).status).toBe('SUCCEEDED');
});
afterAll(async () => {
  await plane?.close();
});

const tenant = async (id: string) => (await api<Tenant>(plane, 'GET', `/v1/tenants/${id}`)).body;
const waitForFailover = (id: string, until: (f: Failover) => boolean) => failoverApi(plane).waitForFailover(id, until);

async function switchOver(): Promise<string> {
  const res = await api<FailoverView>(plane, 'POST', '/v1/failovers', { scope: 'tenant', tenantId: TENANT, fromRegion: PRIMARY, toRegion: DR, mode: 'planned', reason: 'maintenance' }, { 'x-actor': 'alice' });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.failover.failoverId;
}

describe('failover readiness of a dedicated warm-standby tenant', () => {
  it('refuses a switchover the DR region vCPU quota cannot take, naming the quota, and changes nothing', async () => {
    const quotas = plane.sim.region(DR).serviceQuotas;
    // No headroom left: the DR region already runs as many On-Demand Standard vCPUs as its quota allows.
    quotas.setApplied('ec2', 'L-1216C47A', await runningStandardVcpus(cloud().cloudwatch(DR), plane.sim.clock.now()));
    try {
      const before = await tenant(TENANT);
      const id = await switchOver();
      const done = await waitForFailover(id, (f) => !!f.endedAt);

      expect(done.failover.status).toBe('REFUSED');
      expect(done.failover.statusReason).toMatch(/dr-capacity/);
      const capacity = done.tenants[0]!.readiness?.checks.find((c) => c.name === 'dr-capacity');
      expect(capacity).toMatchObject({ passed: false, blocking: true });
      expect(capacity?.detail).toMatch(/needs \d+ vCPU, 0 free of \d+ \(L-1216C47A\)/);
      expect(await tenant(TENANT)).toMatchObject({ status: 'ACTIVE', activeRegion: PRIMARY, version: before.version });
    } finally {
      quotas.setApplied('ec2', 'L-1216C47A', 1152);
    }
  });

  it('reports a filestore replication backlog beyond the RPO as a warning, read from the source region, that does not block', async () => {
    const faults = await api(plane, 'POST', '/_local/faults', { rules: [{ service: 's3', effect: 'filestore-lag', seconds: 1200, region: DR }] });
    expect(faults.status, JSON.stringify(faults.body)).toBe(200);
    try {
      const id = await switchOver();
      // A critical tenant waits for approval once its readiness passed.
      const waiting = await waitForFailover(id, (f) => f.status === 'AWAITING_APPROVAL' || !!f.endedAt);
      expect(waiting.failover.status).toBe('AWAITING_APPROVAL');
      const readiness = waiting.tenants[0]!.readiness!;
      expect(readiness.checks.find((c) => c.name === 'filestore-backlog')).toMatchObject({ passed: false, blocking: false, detail: expect.stringMatching(/^filestore replication backlog 1200 s against an RPO of \d+ s$/) });
      expect(readiness.checks.find((c) => c.name === 'dr-capacity')).toMatchObject({ passed: true, detail: expect.stringMatching(/free of 1152 \(L-1216C47A\)/) });
      const rejected = await api(plane, 'POST', `/v1/failovers/${id}/reject`, { reason: 'not today' }, { 'x-actor': 'bob' });
      expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
      await waitForFailover(id, (f) => !!f.endedAt);
    } finally {
      await api(plane, 'DELETE', '/_local/faults');
    }
  });
});
