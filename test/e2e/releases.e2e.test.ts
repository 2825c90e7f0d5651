/**
 * Releases through the local API, end to end on the synthesized state machines and the simulated
 * cloud: a good release in waves, a bad image caught in ring 0 and rolled back with nothing else
 * touched, a failed migration whose database is restored, a failure budget that halts the release,
 * pause/resume/abort, approval by the requester refused, and a tenant in a freeze.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { repairDrCopies } from '#shared/cloud/dr-copy-repair.ts';
import type { Release, TenantRelease } from '#shared/domain/release-types.ts';
import type { Operation, Tenant } from '#shared/domain/types.ts';
import { api, dedicatedProfile, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

let plane: LocalControlPlane;

const REQUESTER = { 'x-actor': 'alice@ops' };
const APPROVER = { 'x-actor': 'bob@ops' };
const GOOD = 'registry.example.com/odoo:17.0-20261201';
const BAD = 'registry.example.com/odoo:17.0-broken';
const FAST = { bakeSeconds: 60, maxConcurrency: 10, maxConcurrencyPerCell: 4 };

beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

async function provision(ids: string[], extra: (id: string) => Record<string, unknown> = () => ({})): Promise<void> {
  const ops: string[] = [];
  for (const id of ids) {
    const res = await api<{ operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody(id, {}, extra(id)));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    ops.push(res.body.operation.operationId);
  }
  for (const op of ops) expect((await waitForOperation(plane, op)).status).toBe('SUCCEEDED');
}

async function setFaults(rules: unknown[]): Promise<void> {
  const res = await api(plane, 'POST', '/_local/faults', { rules });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

interface ReleaseView {
  release: Release;
  tenants: TenantRelease[];
}

async function view(releaseId: string): Promise<ReleaseView> {
  const tenants: TenantRelease[] = [];
  let cursor: string | undefined;
  let release: Release | undefined;
  do {
    const res = await api<ReleaseView & { nextCursor?: string }>(plane, 'GET', `/v1/releases/${releaseId}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    release = res.body.release;
    tenants.push(...res.body.tenants);
    cursor = res.body.nextCursor;
  } while (cursor);
  return { release: release!, tenants };
}

const ENDED = ['SUCCEEDED', 'HALTED', 'FAILED', 'ABORTED', 'REJECTED'];

/**
 * Polls the release until its status is one of `statuses` (bounded by polls, never by wall-clock);
 * for a final status, until its workflow has also finished (a halted release still skips its
 * remaining waves after the status changes).
 */
async function until(releaseId: string, statuses: string[], maxPolls = 6000): Promise<ReleaseView> {
  for (let i = 0; i < maxPolls; i++) {
    const v = await view(releaseId);
    if (statuses.includes(v.release.status) && (!ENDED.includes(v.release.status) || v.release.endedAt)) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`release ${releaseId} never reached ${statuses.join('|')}: ${JSON.stringify((await view(releaseId)).release)}`);
}

async function untilTenant(releaseId: string, tenantId: string, outcomes: string[], maxPolls = 6000): Promise<TenantRelease> {
  for (let i = 0; i < maxPolls; i++) {
    const t = (await view(releaseId)).tenants.find((x) => x.tenantId === tenantId);
    if (t && outcomes.includes(t.outcome)) return t;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`tenant ${tenantId} of ${releaseId} never reached ${outcomes.join('|')}`);
}

async function create(body: Record<string, unknown>): Promise<Release> {
  const res = await api<{ release: Release }>(plane, 'POST', '/v1/releases', body, REQUESTER);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.release;
}

async function approve(releaseId: string): Promise<void> {
  await until(releaseId, ['AWAITING_APPROVAL']);
  const res = await api(plane, 'POST', `/v1/releases/${releaseId}/approve`, {}, APPROVER);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const tenantOf = async (id: string) => (await api<Tenant>(plane, 'GET', `/v1/tenants/${id}`)).body;
const webImage = (tenantId: string) =>
  plane.sim
    .inventoryForTenant(tenantId)
    .filter((r) => r.type === 'deployment' && r.id.endsWith('odoo-web'))
    .map((r) => (r.detail as { image?: string } | undefined)?.image)[0];

describe('Releases, end to end', () => {
  const fleet = Array.from({ length: 50 }, (_, i) => `rel-t${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    await provision(fleet, (id) => (id === 'rel-t00' ? { tags: ['canary'] } : {}));
  }, 600_000);

  it('previews the plan without changing anything', async () => {
    const before = await tenantOf('rel-t01');
    const res = await api<{ dryRun: boolean; plan: { waves: { tenants: unknown[] }[]; totals: { tenants: number } }; windows: Record<string, { decision: string }> }>(
      plane,
      'POST',
      '/v1/releases',
      { image: GOOD, modules: ['sale'], selector: { tenantIds: fleet }, strategy: FAST, dryRun: true },
      REQUESTER,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.plan.totals.tenants).toBe(50);
    const sizes = res.body.plan.waves.map((w) => w.tenants.length);
    expect(sizes).toHaveLength(4);
    expect(sizes[0]).toBe(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(50);
    expect(sizes[1]! < sizes[2]! && sizes[2]! < sizes[3]!).toBe(true);
    expect(Object.values(res.body.windows).every((w) => w.decision === 'go')).toBe(true);
    const list = await api<{ items: Release[] }>(plane, 'GET', '/v1/releases');
    expect(list.body.items).toEqual([]);
    expect((await tenantOf('rel-t01')).version).toBe(before.version);
  });

  it('refuses approval by the requester (403) and rolls a good image over 50 tenants in 4 waves', async () => {
    const release = await create({ image: GOOD, modules: ['sale'], selector: { tenantIds: fleet }, strategy: FAST });
    await until(release.releaseId, ['AWAITING_APPROVAL']);
    const self = await api<{ error: { code: string; message: string } }>(plane, 'POST', `/v1/releases/${release.releaseId}/approve`, {}, REQUESTER);
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/alice@ops/);

    await approve(release.releaseId);
    const done = await until(release.releaseId, ['SUCCEEDED', 'HALTED', 'FAILED', 'ABORTED']);
    expect(done.release.status, JSON.stringify(done.release)).toBe('SUCCEEDED');
    expect(done.release.waves).toHaveLength(4);
    expect(done.release.waves.every((w) => w.status === 'DONE')).toBe(true);
    expect(done.release.waves[0]!.tenants).toBe(1);
    expect(done.release.rehearsals.every((r) => r.status === 'PASSED' && r.cleanedUp)).toBe(true);
    expect(done.tenants.filter((t) => t.outcome === 'SUCCEEDED')).toHaveLength(50);
    for (const id of ['rel-t00', 'rel-t25', 'rel-t49']) {
      const t = await tenantOf(id);
      expect(t.status).toBe('ACTIVE');
      expect(t.release.image).toBe(GOOD);
      expect(t.release.modules).toContain('sale');
      expect(t.lease).toBeUndefined();
      expect(webImage(id)).toBe(GOOD);
    }
    const changes = await api<{ items: { type: string }[] }>(plane, 'GET', '/v1/tenants/rel-t07/changes');
    expect(changes.body.items.map((c) => c.type)).toEqual(expect.arrayContaining(['MaintenanceStarted', 'ReleaseApplied']));
  }, 600_000);

  it('catches a crash-looping image in ring 0, rolls it back and touches nothing else', async () => {
    await setFaults([{ service: 'kubernetes', effect: 'crash-loop', image: BAD }]);
    const before = await tenantOf('rel-t10');
    const before0 = await tenantOf('rel-t00');
    const release = await create({ image: BAD, modules: ['sale'], selector: { tenantIds: fleet }, strategy: FAST });
    await approve(release.releaseId);
    const done = await until(release.releaseId, ['HALTED', 'SUCCEEDED', 'FAILED', 'ABORTED']);
    await setFaults([]);

    expect(done.release.status).toBe('HALTED');
    expect(done.release.statusReason).toMatch(/wave 0/i);
    const canary = done.tenants.find((t) => t.tenantId === 'rel-t00')!;
    expect(canary.outcome).toBe('ROLLED_BACK');
    // The new pods never became ready: caught at the roll, before any user reached the new image.
    expect(canary.rollback?.reason ?? canary.reason).toMatch(/crash|ready|progress/i);
    expect(done.tenants.filter((t) => t.tenantId !== 'rel-t00').every((t) => t.outcome === 'SKIPPED')).toBe(true);
    const t0 = await tenantOf('rel-t00');
    expect(t0.status).toBe('ACTIVE');
    expect(t0.release.image).toBe(before0.release.image);
    expect(webImage('rel-t00')).toBe(before0.release.image);
    const after = await tenantOf('rel-t10');
    expect(after.version).toBe(before.version);
  }, 600_000);

  it('restores the database when the migration fails in production, and the tenant serves its previous version', async () => {
    const image = 'registry.example.com/odoo:17.0-migration-bug';
    const release = await create({ image, modules: ['stock'], selector: { tenantIds: ['rel-t05'] }, strategy: { ...FAST, waves: ['rest'] } });
    await until(release.releaseId, ['AWAITING_APPROVAL']);
    // The rehearsal passed; production's migration fails (e.g. data only production has).
    await setFaults([{ service: 'kubernetes', effect: 'migration-fails', image }]);
    await approve(release.releaseId);
    const done = await until(release.releaseId, ['HALTED', 'SUCCEEDED', 'FAILED', 'ABORTED']);
    await setFaults([]);

    const t = done.tenants.find((x) => x.tenantId === 'rel-t05')!;
    expect(t.outcome).toBe('ROLLED_BACK');
    expect(t.rollback?.databaseRestored).toBe(true);
    expect(t.migrationStartedAt).toBeDefined();
    const tenant = await tenantOf('rel-t05');
    expect(tenant.status).toBe('ACTIVE');
    expect(tenant.release.image).toBe(GOOD);
    expect(tenant.release.modules).not.toContain('stock');
    expect(webImage('rel-t05')).toBe(GOOD);
    // No pre-change copy is left behind, and the database is the tenant's own name again.
    const databases = plane.sim.inventoryForTenant('rel-t05').filter((r) => r.type === 'database');
    expect(databases.map((d) => d.id)).toEqual([expect.stringMatching(/odoo_rel_t05$/)]);
    const op = await api<Operation>(plane, 'GET', `/v1/operations/${t.operationId}`);
    expect(op.body.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['RunUpgradeJob', 'PlanRollback', 'RestoreDatabase', 'RevertImage', 'MarkRolledBack']));
  }, 600_000);

  it('rejects a release whose rehearsal fails, before any production change', async () => {
    const image = 'registry.example.com/odoo:17.0-rehearsal-catches';
    await setFaults([{ service: 'kubernetes', effect: 'migration-fails', image }]);
    const before = await tenantOf('rel-t06');
    const release = await create({ image, modules: ['mrp'], selector: { tenantIds: ['rel-t06', 'rel-t07'] }, strategy: FAST });
    const done = await until(release.releaseId, ['REJECTED', 'AWAITING_APPROVAL', 'FAILED']);
    await setFaults([]);
    expect(done.release.status).toBe('REJECTED');
    expect(done.release.statusReason).toMatch(/rehears/i);
    expect(done.release.rehearsals.every((r) => r.cleanedUp)).toBe(true);
    expect(done.tenants.every((t) => t.outcome === 'PENDING' || t.outcome === 'SKIPPED')).toBe(true);
    expect((await tenantOf('rel-t06')).version).toBe(before.version);
  }, 600_000);

  it('halts when a wave spends its failure budget: in-flight tenants roll back, the rest are skipped', async () => {
    const image = 'registry.example.com/odoo:17.0-errors';
    const ids = ['rel-t11', 'rel-t12', 'rel-t13', 'rel-t14', 'rel-t15', 'rel-t16', 'rel-t17', 'rel-t18'];
    const release = await create({
      image,
      modules: ['sale'],
      selector: { tenantIds: ids },
      strategy: { ...FAST, waves: [4, 'rest'], maxConcurrency: 1, maxFailurePercent: 25 },
    });
    await until(release.releaseId, ['AWAITING_APPROVAL']);
    await setFaults([{ service: 'kubernetes', effect: 'high-error-rate', image }]);
    await approve(release.releaseId);
    const done = await until(release.releaseId, ['HALTED', 'SUCCEEDED', 'FAILED', 'ABORTED']);
    await setFaults([]);

    expect(done.release.status).toBe('HALTED');
    expect(done.release.waves[0]!.failureBudget).toBe(1);
    const rolledBack = done.tenants.filter((t) => t.outcome === 'ROLLED_BACK');
    // One failure is within the budget of 1; the second spends it; nothing starts after that. A
    // tenant bakes without holding its slot, so the next ones may have started before the verdicts
    // came in: they were in flight, and rolled back too.
    expect(rolledBack.length).toBeGreaterThanOrEqual(2);
    expect(rolledBack.every((t) => t.verdict?.outcome === 'fail')).toBe(true);
    expect(done.tenants.filter((t) => t.outcome === 'SKIPPED')).toHaveLength(ids.length - rolledBack.length);
    for (const t of done.tenants.filter((x) => x.outcome === 'SKIPPED')) expect(t.reason).toMatch(/failure budget spent/);
    expect(done.tenants.filter((t) => t.wave === 1).every((t) => t.outcome === 'SKIPPED')).toBe(true);
    expect(done.release.waves[1]!.status).not.toBe('DONE');
    for (const id of ids) expect((await tenantOf(id)).release.image).not.toBe(image);
  }, 600_000);

  it('asks a human before a restore would lose writes made after the cut-over, and follows the decision', async () => {
    const image = 'registry.example.com/odoo:17.0-late-errors';
    const release = await create({ image, modules: ['sale'], selector: { tenantIds: ['rel-t20'] }, strategy: { ...FAST, waves: ['rest'] } });
    await until(release.releaseId, ['AWAITING_APPROVAL']);
    await setFaults([
      { service: 'kubernetes', effect: 'high-error-rate', image },
      { service: 'kubernetes', effect: 'user-writes', image },
    ]);
    await approve(release.releaseId);
    const waiting = await untilTenant(release.releaseId, 'rel-t20', ['AWAITING_DECISION', 'ROLLED_BACK', 'FAILED', 'SUCCEEDED']);
    expect(waiting.outcome).toBe('AWAITING_DECISION');
    expect(waiting.reason).toMatch(/wrote|write/i);
    await setFaults([]);

    const wrong = await api(plane, 'POST', `/v1/releases/${release.releaseId}/tenants/rel-t21/decision`, { choice: 'rollback', reason: 'x' }, APPROVER);
    expect([404, 409]).toContain(wrong.status);
    const res = await api(plane, 'POST', `/v1/releases/${release.releaseId}/tenants/rel-t20/decision`, { choice: 'rollback', reason: 'errors outweigh an hour of orders; re-key them' }, APPROVER);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const t = await untilTenant(release.releaseId, 'rel-t20', ['ROLLED_BACK', 'FAILED']);
    expect(t.outcome).toBe('ROLLED_BACK');
    expect(t.decision).toMatchObject({ by: 'bob@ops', choice: 'rollback' });
    expect(t.rollback?.databaseRestored).toBe(true);
    expect((await tenantOf('rel-t20')).release.image).toBe(GOOD);
  }, 600_000);

  it('aborts before approval without touching a tenant; pauses between tenants and resumes', async () => {
    const aborted = await create({ image: 'registry.example.com/odoo:17.0-never', modules: [], selector: { tenantIds: ['rel-t30'] }, strategy: FAST });
    await until(aborted.releaseId, ['AWAITING_APPROVAL']);
    const res = await api(plane, 'POST', `/v1/releases/${aborted.releaseId}/abort`, { reason: 'wrong build' }, APPROVER);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const done = await until(aborted.releaseId, ['ABORTED']);
    expect(done.tenants.every((t) => t.outcome === 'PENDING' || t.outcome === 'SKIPPED')).toBe(true);
    expect((await api(plane, 'POST', `/v1/releases/${aborted.releaseId}/resume`, {}, APPROVER)).status).toBe(409);

    const ids = ['rel-t31', 'rel-t32', 'rel-t33', 'rel-t34', 'rel-t35', 'rel-t36'];
    const image = 'registry.example.com/odoo:17.0-paused';
    const release = await create({ image, modules: [], selector: { tenantIds: ids }, strategy: { ...FAST, waves: ['rest'], maxConcurrency: 1 } });
    await approve(release.releaseId);
    await until(release.releaseId, ['ROLLING_OUT']);
    expect((await api(plane, 'POST', `/v1/releases/${release.releaseId}/pause`, { reason: 'looking at a graph' }, APPROVER)).status).toBe(200);
    // The tenant already past its gate finishes; then nothing new starts while paused.
    let settled = -1;
    let quiet = 0;
    for (let i = 0; i < 3000 && quiet < 25; i++) {
      const v = await view(release.releaseId);
      const started = v.tenants.filter((t) => t.outcome !== 'PENDING').length;
      const inFlight = v.tenants.some((t) => ['PREFLIGHT', 'UPGRADING', 'BAKING', 'ROLLING_BACK'].includes(t.outcome));
      quiet = !inFlight && started === settled ? quiet + 1 : 0;
      settled = started;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(settled).toBeGreaterThanOrEqual(0);
    expect(settled).toBeLessThan(ids.length);
    for (let i = 0; i < 50; i++) {
      const v = await view(release.releaseId);
      expect(v.release.status).toBe('PAUSED');
      expect(v.tenants.filter((t) => t.outcome !== 'PENDING').length).toBe(settled);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await api(plane, 'POST', `/v1/releases/${release.releaseId}/resume`, {}, APPROVER)).status).toBe(200);
    const finished = await until(release.releaseId, ['SUCCEEDED', 'HALTED', 'FAILED', 'ABORTED']);
    expect(finished.release.status).toBe('SUCCEEDED');
    expect(finished.tenants.every((t) => t.outcome === 'SUCCEEDED')).toBe(true);
  }, 600_000);

  it('waits for a closed window (following the simulated clock) and skips a tenant frozen past the deadline', async () => {
    const clock = await api<{ now: string }>(plane, 'GET', '/_local/clock');
    const now = new Date(clock.body.now);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const opens = new Date(now.getTime() + 2 * 3600_000);
    const closes = new Date(now.getTime() + 5 * 3600_000);
    const all = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    const windowed = await api(plane, 'PUT', '/v1/tenants/rel-t40/release-calendar', { windows: [{ days: all, start: hhmm(opens), end: hhmm(closes), timeZone: 'UTC' }] });
    expect(windowed.status, JSON.stringify(windowed.body)).toBe(200);
    const frozen = await api(plane, 'PUT', '/v1/tenants/rel-t41/release-calendar', {
      windows: [{ days: all, start: '00:00', end: '00:00', timeZone: 'UTC' }],
      freezes: [{ kind: 'range', from: new Date(now.getTime() - 3600_000).toISOString(), to: new Date(now.getTime() + 10 * 86_400_000).toISOString(), reason: 'warehouse peak' }],
    });
    expect(frozen.status, JSON.stringify(frozen.body)).toBe(200);

    const deadline = new Date(now.getTime() + 2 * 86_400_000).toISOString();
    const release = await create({ image: 'registry.example.com/odoo:17.0-windowed', modules: [], selector: { tenantIds: ['rel-t40', 'rel-t41'] }, strategy: { ...FAST, waves: ['rest'] }, deadline });
    await approve(release.releaseId);
    const skipped = await untilTenant(release.releaseId, 'rel-t41', ['SKIPPED', 'SUCCEEDED']);
    expect(skipped.outcome).toBe('SKIPPED');
    expect(skipped.reason).toMatch(/warehouse peak/);
    const waiting = await untilTenant(release.releaseId, 'rel-t40', ['WAITING_WINDOW', 'SUCCEEDED']);
    expect(waiting.outcome).toBe('WAITING_WINDOW');
    expect(new Date(waiting.window!.until!).getTime()).toBeGreaterThan(now.getTime());

    expect((await api(plane, 'POST', '/_local/clock', { advanceSeconds: 3 * 3600 })).status).toBe(200);
    const done = await until(release.releaseId, ['SUCCEEDED', 'HALTED', 'FAILED']);
    expect(done.tenants.find((t) => t.tenantId === 'rel-t40')!.outcome).toBe('SUCCEEDED');
    expect(done.tenants.find((t) => t.tenantId === 'rel-t41')!.outcome).toBe('SKIPPED');
  }, 600_000);

  it('refuses a bake too short to judge, and sends an inconclusive verdict to a human who keeps the new version', async () => {
    const image = 'registry.example.com/odoo:17.0-quiet';
    const tooShort = await api<{ error: { details: { path: string; message: string }[] } }>(
      plane, 'POST', '/v1/releases', { image, modules: [], selector: { tenantIds: ['rel-t42'] }, strategy: { bakeSeconds: 20 } }, REQUESTER);
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.error.details).toEqual([{ path: 'strategy.bakeSeconds', message: expect.stringContaining('at least 60') }]);
    // One minute of the simulated tenant's traffic is 120 requests, enough for a pass.
    const extended = await create({ image, modules: [], selector: { tenantIds: ['rel-t42'] }, strategy: { ...FAST, waves: ['rest'], bakeSeconds: 60 } });
    await approve(extended.releaseId);
    const done = await until(extended.releaseId, ['SUCCEEDED', 'HALTED', 'FAILED']);
    const t42 = done.tenants[0]!;
    expect(t42.outcome, JSON.stringify(t42)).toBe('SUCCEEDED');
    const op = await api<Operation>(plane, 'GET', `/v1/operations/${t42.operationId}`);
    expect(t42.verdict?.outcome).toBe('pass');
    expect(op.body.steps.find((s) => s.name === 'JudgeBake')?.status).toBe('SUCCEEDED');

    // The synthetic checks cannot run: not a pass, not a fail; a human decides.
    const release = await create({ image, modules: [], selector: { tenantIds: ['rel-t43'] }, strategy: { ...FAST, waves: ['rest'] } });
    await until(release.releaseId, ['AWAITING_APPROVAL']);
    await setFaults([{ service: 'probe', operation: 'syntheticChecks', error: 'ProbeUnavailable' }]);
    await approve(release.releaseId);
    const waiting = await untilTenant(release.releaseId, 'rel-t43', ['AWAITING_DECISION', 'SUCCEEDED', 'ROLLED_BACK']);
    await setFaults([]);
    expect(waiting.outcome).toBe('AWAITING_DECISION');
    expect(waiting.verdict?.outcome).toBe('inconclusive');
    const keep = await api(plane, 'POST', `/v1/releases/${release.releaseId}/tenants/rel-t43/decision`, { choice: 'keep', reason: 'checked by hand: orders and stock fine' }, APPROVER);
    expect(keep.status, JSON.stringify(keep.body)).toBe(200);
    const kept = await untilTenant(release.releaseId, 'rel-t43', ['SUCCEEDED', 'ROLLED_BACK', 'FAILED']);
    expect(kept.outcome).toBe('SUCCEEDED');
    const ended = await until(release.releaseId, ['SUCCEEDED', 'HALTED', 'FAILED']);
    expect(ended.release.status).toBe('SUCCEEDED');
    expect((await tenantOf('rel-t43')).release.image).toBe(image);
  }, 600_000);

  it('extends the bake of a tenant with too little traffic up to the longest bake, then asks a human, never passing it', async () => {
    const image = 'registry.example.com/odoo:17.0-hardly-used';
    const release = await create({ image, modules: [], selector: { tenantIds: ['rel-t47'] }, strategy: { ...FAST, waves: ['rest'], bakeSeconds: 600 } });
    await until(release.releaseId, ['AWAITING_APPROVAL']);
    await setFaults([{ service: 'kubernetes', effect: 'low-traffic', image }]);
    await approve(release.releaseId);
    const waiting = await untilTenant(release.releaseId, 'rel-t47', ['AWAITING_DECISION', 'SUCCEEDED', 'ROLLED_BACK', 'FAILED']);
    await setFaults([]);

    expect(waiting.outcome).toBe('AWAITING_DECISION');
    expect(waiting.verdict?.outcome).toBe('inconclusive');
    expect(waiting.verdict?.findings.find((f) => f.subject === 'traffic')).toMatchObject({ outcome: 'inconclusive' });
    expect(waiting.verdict?.reasons.join(' ')).toMatch(/over 3600 s/);
    // The bake was extended in steps of the strategy's bake (600 s), up to the fleet's longest (3600 s): six verdicts.
    const op = await api<Operation>(plane, 'GET', `/v1/operations/${waiting.operationId}`);
    expect(op.body.steps.find((st) => st.name === 'JudgeBake')?.attempts).toBe(6);
    const keep = await api(plane, 'POST', `/v1/releases/${release.releaseId}/tenants/rel-t47/decision`, { choice: 'keep', reason: 'a holiday: quiet, and the checks pass' }, APPROVER);
    expect(keep.status, JSON.stringify(keep.body)).toBe(200);
    const ended = await until(release.releaseId, ['SUCCEEDED', 'HALTED', 'FAILED']);
    expect(ended.release.status).toBe('SUCCEEDED');
    expect(ended.tenants[0]).toMatchObject({ outcome: 'SUCCEEDED', decision: { choice: 'keep' } });
  }, 600_000);

  it('restores a dedicated tenant from its pre-change snapshot into a new cluster, its DR copy made again from it, and offboarding it later leaves nothing', async () => {
    await provision(['rel-ded'], () => ({ profile: dedicatedProfile }));
    const before = await tenantOf('rel-ded');
    expect(before.placement.model).toBe('dedicated');
    const image = 'registry.example.com/odoo:17.0-ded-migration-bug';
    const release = await create({ image, modules: ['account'], selector: { tenantIds: ['rel-ded'] }, strategy: { ...FAST, waves: ['rest'] } });
    await until(release.releaseId, ['AWAITING_APPROVAL']);
    await setFaults([{ service: 'kubernetes', effect: 'migration-fails', image }]);
    await approve(release.releaseId);
    const done = await until(release.releaseId, ['SUCCEEDED', 'HALTED', 'FAILED']);
    await setFaults([]);
    const t = done.tenants[0]!;
    expect(t.outcome).toBe('ROLLED_BACK');
    expect(t.rollback?.databaseRestored).toBe(true);
    expect(t.preflight?.snapshotIdentifier).toBeDefined();
    const after = await tenantOf('rel-ded');
    expect(after.status).toBe('ACTIVE');
    expect(after.resources.database?.clusterIdentifier).not.toBe(before.resources.database?.clusterIdentifier);
    const clusters = plane.sim.inventoryForTenant('rel-ded').filter((r) => r.type === 'cluster' && !r.retained);
    expect(clusters.map((c) => c.id)).toEqual([after.resources.database!.clusterIdentifier]);
    // The rollback took the DR copy apart (RDS lets no writer of a global database go) and kept the
    // tenant's own secret, so the copy can be made again from the restored cluster.
    expect(after.resources.dr?.globalClusterIdentifier).toBeUndefined();
    expect(after.resources.database?.secretArn).toBe(before.resources.database?.secretArn);

    // The scheduled readiness run makes it again.
    let repaired: Awaited<ReturnType<typeof repairDrCopies>> | undefined;
    for (let i = 0; i < 200 && !repaired?.repaired.includes('rel-ded'); i++) {
      repaired = await repairDrCopies(plane.repo, plane.config, cloud(), plane.clock.now());
      expect(repaired.failed).toEqual([]);
      plane.clock.advance(30);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(repaired?.repaired).toEqual(['rel-ded']);
    const healed = await tenantOf('rel-ded');
    expect(healed.resources.dr).toMatchObject({ region: 'eu-central-1', globalClusterIdentifier: 'odoo-rel-ded-global', clusterIdentifier: after.resources.database!.clusterIdentifier });
    const secondary = plane.sim.inventory().regions['eu-central-1']!.rds.clusters.find((c) => c.identifier === after.resources.database!.clusterIdentifier);
    expect(secondary).toMatchObject({ status: 'available', globalCluster: 'odoo-rel-ded-global' });
    // Nothing more to do on the next run.
    expect(await repairDrCopies(plane.repo, plane.config, cloud(), plane.clock.now())).toEqual({ repaired: [], inProgress: [], failed: [] });

    const off = await api<{ operation: Operation }>(plane, 'DELETE', '/v1/tenants/rel-ded');
    expect(off.status, JSON.stringify(off.body)).toBe(202);
    expect((await waitForOperation(plane, off.body.operation.operationId)).status).toBe('SUCCEEDED');
    expect(plane.sim.inventoryForTenant('rel-ded').filter((r) => !r.retained)).toEqual([]);
  }, 600_000);

  it('halts everything at once and alerts when a rollback fails', async () => {
    const image = 'registry.example.com/odoo:17.0-unrevertable';
    const ids = ['rel-t44', 'rel-t45', 'rel-t46'];
    const release = await create({ image, modules: [], selector: { tenantIds: ids }, strategy: { ...FAST, waves: ['rest'], maxConcurrency: 1, maxFailurePercent: 100 } });
    await until(release.releaseId, ['AWAITING_APPROVAL']);
    // The verdict fails, and putting the previous image back fails for good.
    await setFaults([
      { service: 'kubernetes', effect: 'high-error-rate', image },
      { service: 'lambda', operation: 'RevertImage', error: 'ResourceFailed' },
    ]);
    await approve(release.releaseId);
    const done = await until(release.releaseId, ['HALTED', 'SUCCEEDED', 'FAILED']);
    await setFaults([]);

    // A budget of 100% would have let every tenant go on: the failed rollback halted it anyway.
    expect(done.release.status).toBe('HALTED');
    expect(done.release.statusReason).toMatch(/rollback/i);
    // Tenants cut over before the first rollback failed were in flight: they roll back (and fail) too; none starts after it.
    const failed = done.tenants.filter((t) => t.outcome === 'FAILED');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(done.tenants.filter((t) => t.outcome === 'SKIPPED')).toHaveLength(ids.length - failed.length);
    for (const t of done.tenants.filter((x) => x.outcome === 'SKIPPED')) expect(t.reason).toMatch(/HALTED/);
    const broken = await tenantOf(failed[0]!.tenantId);
    expect(broken.status).toBe('FAILED');
    expect(broken.statusReason).toMatch(/rollback/i);
    expect(broken.lease).toBeUndefined();
    const cloud = await api<{ regions: Record<string, { events?: { detailType: string; detail: Record<string, unknown> }[] }> }>(plane, 'GET', '/_local/cloud');
    const alerts = Object.values(cloud.body.regions)
      .flatMap((r) => r.events ?? [])
      .filter((e) => e.detailType === 'Release Rollback Failed');
    expect(alerts.some((e) => JSON.stringify(e.detail).includes(failed[0]!.tenantId))).toBe(true);
  }, 600_000);

  it('publishes release state changes and tenant outcomes to EventBridge', async () => {
    const cloud = await api<{ regions: Record<string, { events?: { source: string; detailType: string; detail: Record<string, unknown> }[] }> }>(plane, 'GET', '/_local/cloud');
    const events = Object.values(cloud.body.regions).flatMap((r) => r.events ?? []);
    const types = new Set(events.map((e) => e.detailType));
    expect(types).toEqual(new Set(['Release Status Changed', 'Release Tenant Outcome Changed', 'Release Rollback Failed']));
    expect(events.every((e) => e.source === 'odoo.fleet')).toBe(true);
    expect(events.some((e) => e.detailType === 'Release Status Changed' && (e.detail as { status?: string }).status === 'HALTED')).toBe(true);
  });
});
