/**
 * Releases that go wrong in the machinery rather than in the tenant, on the local control plane
 * (synthesized machines, real handlers, simulated cloud): steps that crash after doing their work,
 * a batch execution stopped half-way and run again, a verdict execution stopped by hand, a release
 * paused after its last tenant started, and offboarding a dedicated tenant whose database a rollback restored into a new cluster.
 * Each tenant must end upgraded exactly once, or as it was, and nothing may be left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import type { LocalExecution } from '#local/runner.ts';
import type { Release, TenantRelease } from '#shared/domain/release-types.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { api, dedicatedProfile, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;

const REQUESTER = { 'x-actor': 'alice@ops' };
const APPROVER = { 'x-actor': 'bob@ops' };
const FAST = { bakeSeconds: 60, maxConcurrency: 10, maxConcurrencyPerCell: 4, waves: ['rest'] };
const ENDED = ['SUCCEEDED', 'HALTED', 'FAILED', 'ABORTED', 'REJECTED'];

beforeAll(async () => {
  plane = await startPlane();
  const ops: string[] = [];
  for (const [id, profile] of [
    ['rec-crash', {}],
    ['rec-b1', {}],
    ['rec-b2', {}],
    ['rec-b3', {}],
    ['rec-paused', {}],
    ['rec-aborted', {}],
    ['rec-stopped', {}],
    ['rec-ded', dedicatedProfile],
  ] as const) {
    const res = await api<{ operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody(id, profile));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    ops.push(res.body.operation.operationId);
  }
  for (const op of ops) expect((await waitForOperation(plane, op)).status).toBe('SUCCEEDED');
}, 600_000);
afterAll(async () => {
  await plane?.close();
});

interface ReleaseView {
  release: Release;
  tenants: TenantRelease[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function view(releaseId: string): Promise<ReleaseView> {
  const res = await api<ReleaseView>(plane, 'GET', `/v1/releases/${releaseId}?limit=100`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Polls until `done` holds (bounded by polls, never by wall-clock). */
async function until(releaseId: string, done: (v: ReleaseView) => boolean, what: string, maxPolls = 6000): Promise<ReleaseView> {
  for (let i = 0; i < maxPolls; i++) {
    const v = await view(releaseId);
    if (done(v)) return v;
    await sleep(20);
  }
  throw new Error(`release ${releaseId}: gave up waiting for ${what}: ${JSON.stringify(await view(releaseId))}`);
}
const untilStatus = (releaseId: string, statuses: string[]) =>
  until(releaseId, (v) => statuses.includes(v.release.status) && (!ENDED.includes(v.release.status) || !!v.release.endedAt), statuses.join('|'));
const untilEnded = (releaseId: string) => untilStatus(releaseId, ENDED);

async function setFaults(rules: unknown[]): Promise<void> {
  const res = await api(plane, 'POST', '/_local/faults', { rules });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Creates and approves a release of `tenantIds`; resolves once it is rolling out. */
async function rollOut(image: string, tenantIds: string[], strategy: Record<string, unknown> = FAST, modules = ['sale'], beforeApproval?: () => Promise<void>): Promise<string> {
  const res = await api<{ release: Release }>(plane, 'POST', '/v1/releases', { image, modules, selector: { tenantIds }, strategy }, REQUESTER);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const releaseId = res.body.release.releaseId;
  await untilStatus(releaseId, ['AWAITING_APPROVAL']);
  await beforeApproval?.();
  const approved = await api(plane, 'POST', `/v1/releases/${releaseId}/approve`, {}, APPROVER);
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  return releaseId;
}

const releaseExecution = (releaseId: string): LocalExecution => plane.runner.listExecutions({ stateMachineArn: plane.runner.stateMachineArn('odoo-fleet-release') }).find((e) => e.name === releaseId)!;
const executionsOf = (machine: string, releaseId: string) =>
  plane.runner.listExecutions({ stateMachineArn: plane.runner.stateMachineArn(machine) }).filter((e) => e.name.startsWith(`${releaseId}-`));

/** The change events of `type` the tenant's RELEASE operation of this release recorded. */
async function changesOf(tenantId: string, type: string, operationId: string): Promise<unknown[]> {
  const res = await api<{ items: { type: string; operationId?: string }[] }>(plane, 'GET', `/v1/tenants/${tenantId}/changes?limit=100`);
  expect(res.status).toBe(200);
  return res.body.items.filter((c) => c.type === type && c.operationId === operationId);
}

/** Upgrade Jobs in the tenant's namespace, wherever its cluster is. */
function upgradeJobs(tenantId: string) {
  return plane.sim
    .regions()
    .flatMap((r) => [...plane.sim.region(r).kube.values()])
    .flatMap((cluster) => cluster.all())
    .filter((o) => o.kind === 'Job' && o.metadata.namespace === `tenant-${tenantId}` && o.metadata.labels?.['odoo.fleet/job'] === 'upgrade');
}

const tenantOf = async (id: string) => (await api<Tenant>(plane, 'GET', `/v1/tenants/${id}`)).body;

describe('Releases, recovering from the machinery', () => {
  it("settles a tenant whose verdict execution was stopped by hand: FAILED, the release halted, nothing left waiting", async () => {
    const image = 'registry.example.com/odoo:17.0-stopped-verdict';
    // A long bake, so the verdict execution is surely still baking when it is stopped.
    const releaseId = await rollOut(image, ['rec-stopped'], { ...FAST, bakeSeconds: 3600 });
    const verdict = await (async () => {
      for (let i = 0; i < 6000; i++) {
        const found = executionsOf('odoo-fleet-release-verdict', releaseId).find((e) => e.status === 'RUNNING');
        if (found) return found;
        await sleep(20);
      }
      throw new Error('the verdict execution never started');
    })();

    plane.runner.stopExecution(verdict.executionArn, 'Operator', 'stopped by hand');
    const done = await untilEnded(releaseId);

    expect(done.release.status).toBe('HALTED');
    const item = done.tenants.find((t) => t.tenantId === 'rec-stopped')!;
    expect(item.outcome).toBe('FAILED');
    expect(item.reason).toMatch(/verdict execution .* ended ABORTED: Operator/);
    const tenant = await tenantOf('rec-stopped');
    expect(tenant.status).toBe('FAILED');
    expect(tenant.lease).toBeUndefined();
    expect(executionsOf('odoo-fleet-release', releaseId).length + [releaseExecution(releaseId)].filter((e) => e.status === 'RUNNING').length).toBe(0);
  }, 600_000);

  it('upgrades a tenant exactly once when the upgrade Job, the roll and the completion each crash after doing their work', async () => {
    const image = 'registry.example.com/odoo:17.0-crashy-lambdas';
    const releaseId = await rollOut(image, ['rec-crash'], FAST, ['sale'], () =>
      setFaults(['RunUpgradeJob', 'RollToNewImage', 'CompleteTenant'].map((operation) => ({ service: 'lambda', operation, effect: 'crash-after', count: 1 }))),
    );

    const done = await untilEnded(releaseId);
    await setFaults([]);

    expect(done.release.status, JSON.stringify(done.release)).toBe('SUCCEEDED');
    const item = done.tenants.find((t) => t.tenantId === 'rec-crash')!;
    expect(item.outcome).toBe('SUCCEEDED');
    const tenant = await tenantOf('rec-crash');
    expect(tenant).toMatchObject({ status: 'ACTIVE', release: { image } });
    expect(upgradeJobs('rec-crash')).toHaveLength(1);
    expect(await changesOf('rec-crash', 'ReleaseApplied', item.operationId)).toHaveLength(1);
    // Each crashed step did run again: the crash was after its work, and the retry found that work done.
    const op = await api<Operation>(plane, 'GET', `/v1/operations/${item.operationId}`);
    const attempts = (name: string) => op.body.steps.find((s) => s.name === name)?.attempts ?? 0;
    expect(attempts('CompleteTenant')).toBe(2);
    for (const name of ['RunUpgradeJob', 'RollToNewImage']) expect(attempts(name), name).toBeGreaterThanOrEqual(2);
    expect(op.body.status).toBe('SUCCEEDED');
    expect(executionsOf('odoo-fleet-release-tenant', releaseId).map((e) => e.status)).toEqual(['SUCCEEDED']);
  }, 600_000);

  it('finishes every tenant exactly once when a batch execution is stopped half-way and run again', async () => {
    const image = 'registry.example.com/odoo:17.0-batch-stopped';
    const ids = ['rec-b1', 'rec-b2', 'rec-b3'];
    const releaseId = await rollOut(image, ids, { ...FAST, maxConcurrency: 1 });

    // Hold the batch between its first and second tenant: pause once the first has started.
    const first = await until(releaseId, (v) => v.tenants.some((t) => t.outcome !== 'PENDING'), 'a first tenant to start');
    expect((await api(plane, 'POST', `/v1/releases/${releaseId}/pause`, { reason: 'hold the batch' }, APPROVER)).status).toBe(200);
    const firstId = first.tenants.find((t) => t.outcome !== 'PENDING')!.tenantId;
    await until(releaseId, (v) => v.tenants.find((t) => t.tenantId === firstId)!.outcome === 'SUCCEEDED', `${firstId} to finish`);
    for (let i = 0; i < 200 && executionsOf('odoo-fleet-release-tenant', releaseId).some((e) => e.status === 'RUNNING'); i++) await sleep(10);
    const [batch] = executionsOf('odoo-fleet-release-batch', releaseId);
    expect(batch).toMatchObject({ name: `${releaseId}-w0-s0-b0-a0`, status: 'RUNNING' });

    plane.runner.stopExecution(batch!.executionArn, 'Operator.Stopped', 'stopped half-way on purpose');
    expect((await api(plane, 'POST', `/v1/releases/${releaseId}/resume`, {}, APPROVER)).status).toBe(200);
    const done = await untilEnded(releaseId);

    expect(done.release.status, JSON.stringify(done.release)).toBe('SUCCEEDED');
    expect(done.tenants.map((t) => [t.tenantId, t.outcome]).sort()).toEqual(ids.map((id) => [id, 'SUCCEEDED']));
    expect(executionsOf('odoo-fleet-release-batch', releaseId).map((e) => [e.name, e.status]).sort()).toEqual([
      [`${releaseId}-w0-s0-b0-a0`, 'ABORTED'],
      [`${releaseId}-w0-s0-b0-a1`, 'SUCCEEDED'],
    ]);
    // One upgrade per tenant: one execution, one Job, one ReleaseApplied.
    expect(executionsOf('odoo-fleet-release-tenant', releaseId).map((e) => e.name).sort()).toEqual(ids.map((id) => `${releaseId}-${id}`));
    for (const t of done.tenants) {
      expect(upgradeJobs(t.tenantId), t.tenantId).toHaveLength(1);
      expect(await changesOf(t.tenantId, 'ReleaseApplied', t.operationId), t.tenantId).toHaveLength(1);
      expect((await tenantOf(t.tenantId)).release.image).toBe(image);
    }
  }, 600_000);

  it('keeps a release paused after its last tenant started waiting, then ends it SUCCEEDED when resumed or ABORTED when aborted', async () => {
    const pausedAtEnd = async (tenantId: string, image: string) => {
      const releaseId = await rollOut(image, [tenantId], FAST, []);
      await until(releaseId, (v) => v.tenants[0]!.outcome !== 'PENDING', 'the tenant to start');
      expect((await api(plane, 'POST', `/v1/releases/${releaseId}/pause`, { reason: 'looking at a graph' }, APPROVER)).status).toBe(200);
      await until(releaseId, (v) => v.release.waves.every((w) => w.status === 'DONE'), 'the last wave to end');
      // The workflow is at its end, yet neither finishes nor forgets the pause.
      for (let i = 0; i < 50; i++) {
        const v = await view(releaseId);
        expect(v.release.status).toBe('PAUSED');
        expect(v.release.endedAt).toBeUndefined();
        expect(releaseExecution(releaseId).status).toBe('RUNNING');
        await sleep(20);
      }
      expect(releaseExecution(releaseId).status).toBe('RUNNING');
      return releaseId;
    };

    const resumed = await pausedAtEnd('rec-paused', 'registry.example.com/odoo:17.0-paused-at-end');
    expect((await api(plane, 'POST', `/v1/releases/${resumed}/resume`, {}, APPROVER)).status).toBe(200);
    const succeeded = await untilEnded(resumed);
    expect(succeeded.release.status).toBe('SUCCEEDED');
    expect(succeeded.tenants[0]!.outcome).toBe('SUCCEEDED');

    const aborted = await pausedAtEnd('rec-aborted', 'registry.example.com/odoo:17.0-aborted-at-end');
    expect((await api(plane, 'POST', `/v1/releases/${aborted}/abort`, { reason: 'enough for today' }, APPROVER)).status).toBe(200);
    const ended = await untilEnded(aborted);
    expect(ended.release.status).toBe('ABORTED');
    for (let i = 0; i < 500 && releaseExecution(aborted).status === 'RUNNING'; i++) await sleep(10);
    expect(releaseExecution(aborted).status).toBe('SUCCEEDED');
    expect(releaseExecution(resumed).status).toBe('SUCCEEDED');
  }, 600_000);

  it('offboards a dedicated tenant whose rollback restored its database into a new cluster, leaving no cluster behind', async () => {
    const image = 'registry.example.com/odoo:17.0-dedicated-migration-bug';
    const before = await tenantOf('rec-ded');
    const releaseId = await rollOut(image, ['rec-ded'], FAST, ['stock'], () => setFaults([{ service: 'kubernetes', effect: 'migration-fails', image }]));
    const done = await untilEnded(releaseId);
    await setFaults([]);
    const item = done.tenants[0]!;
    expect(item.outcome, JSON.stringify(item)).toBe('ROLLED_BACK');
    expect(item.rollback?.databaseRestored).toBe(true);
    const restored = (await tenantOf('rec-ded')).resources.database!.clusterIdentifier;
    expect(restored).not.toBe(before.resources.database!.clusterIdentifier);
    expect(plane.sim.inventoryForTenant('rec-ded').filter((r) => r.type === 'cluster').map((r) => r.id)).toEqual([restored]);

    const res = await api<{ operation: Operation }>(plane, 'DELETE', '/v1/tenants/rec-ded');
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const op = await waitForOperation(plane, res.body.operation.operationId);

    expect(op.status, JSON.stringify(op)).toBe('SUCCEEDED');
    expect((await plane.repo.getTenant('rec-ded'))?.status).toBe('DELETED');
    const left = plane.sim.inventoryForTenant('rec-ded').filter((r) => !r.retained);
    expect(left).toEqual([]);
  }, 600_000);
});
