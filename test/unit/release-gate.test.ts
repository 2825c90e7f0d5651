/**
 * The gate before each tenant of a release: skip, wait or start, with the tenant item and the
 * release as DynamoDB holds them afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as gateTenant, type GateDecision } from '#functions/release/gate-tenant.ts';
import type { Release, TenantRelease } from '#shared/domain/release-types.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { aTenant } from '../store/fixtures.ts';
import { aRelease, aTenantRelease, aWave } from '../store/release-fixtures.ts';
import { newReleaseId, runStep, seed, startReleaseHarness, START, type ReleaseHarness } from '../support/release-handlers.ts';

let h: ReleaseHarness;

beforeAll(async () => {
  h = await startReleaseHarness();
});
afterAll(async () => {
  await h?.close();
});

let n = 0;
const activeTenant = (overrides: Partial<Tenant> = {}): Tenant => ({ ...aTenant(`gate-${++n}`, { status: 'ACTIVE' }), ...overrides });

/** One release in ROLLING_OUT (unless told otherwise) with one tenant in wave 0. */
async function setUp(opts: { release?: Partial<Release>; tenant?: Partial<Tenant>; item?: Partial<TenantRelease>; budget?: number } = {}) {
  const releaseId = newReleaseId();
  const tenant = activeTenant(opts.tenant);
  const release = aRelease(releaseId, { status: 'ROLLING_OUT', deadline: '2030-01-08T00:00:00.000Z', counts: { PENDING: 1 }, ...opts.release });
  await seed(h.repo, release, [aWave(releaseId, 0, [tenant.tenantId], opts.budget ?? 0)], [aTenantRelease(releaseId, tenant.tenantId, 0, { operationId: '', ...opts.item })], [tenant]);
  const gate = () => runStep<GateDecision>(gateTenant, { releaseId, actor: 'release-bot', wave: 0, tenantId: tenant.tenantId });
  const item = async () => (await h.repo.getTenantRelease(releaseId, tenant.tenantId))!;
  return { releaseId, tenant, gate, item };
}

const plusSeconds = (s: number) => new Date(Date.parse(START) + s * 1000).toISOString();

describe('Function: gateTenant', () => {
  it('skips a tenant already settled, changing nothing', async () => {
    const { gate, item } = await setUp({ item: { outcome: 'SUCCEEDED' } });

    const decision = await gate();

    expect(decision.action).toBe('skip');
    expect((await item()).outcome).toBe('SUCCEEDED');
  });

  it('waits a minute while the release is PAUSED, leaving the tenant PENDING', async () => {
    const { gate, item } = await setUp({ release: { status: 'PAUSED' } });

    const decision = await gate();

    expect(decision).toMatchObject({ action: 'wait', waitUntil: plusSeconds(60) });
    expect((await item()).outcome).toBe('PENDING');
  });

  it('skips the tenant of an ABORTED release with the reason', async () => {
    const { gate, item } = await setUp({ release: { status: 'ABORTED', statusReason: 'bad image reported by support' } });

    const decision = await gate();

    expect(decision.action).toBe('skip');
    const after = await item();
    expect(after.outcome).toBe('SKIPPED');
    expect(after.reason).toMatch(/ABORTED: bad image reported by support/);
  });

  it('skips the tenant of a HALTED release', async () => {
    const { gate, item } = await setUp({ release: { status: 'HALTED', statusReason: 'wave 0: failure budget spent' } });

    expect((await gate()).action).toBe('skip');
    expect((await item()).outcome).toBe('SKIPPED');
  });

  it('halts the release and skips the tenant when the wave has spent its failure budget', async () => {
    const { releaseId, gate, item } = await setUp({ budget: 0 });
    await h.repo.recordWaveFailure(releaseId, 0, 'someone-else');

    const decision = await gate();

    expect(decision.action).toBe('skip');
    expect((await item()).outcome).toBe('SKIPPED');
    const release = await h.repo.requireRelease(releaseId);
    expect(release.status).toBe('HALTED');
    expect(release.statusReason).toMatch(/wave 0: failure budget spent: 1 failures exceed the wave's budget of 0/);
    expect(h.events().some((e) => e.detailType === 'Release Status Changed' && e.detail.releaseId === releaseId && e.detail.to === 'HALTED')).toBe(true);
  });

  it('skips a tenant that is no longer ACTIVE, saying why', async () => {
    const { gate, item } = await setUp({ tenant: { status: 'SUSPENDED' } });

    expect((await gate()).action).toBe('skip');
    const after = await item();
    expect(after.outcome).toBe('SKIPPED');
    expect(after.reason).toMatch(/SUSPENDED/);
  });

  it('waits for a closed window: WAITING_WINDOW until it opens, woken at most an hour later to look again', async () => {
    const calendar = { windows: [{ days: ['sun' as const], start: '01:00', end: '05:00', timeZone: 'UTC' }], freezes: [] };
    const { gate, item } = await setUp({ tenant: { releaseCalendar: calendar } });

    const decision = await gate();

    expect(decision).toMatchObject({ action: 'wait', waitUntil: plusSeconds(3600) });
    const after = await item();
    expect(after.outcome).toBe('WAITING_WINDOW');
    expect(after.window).toMatchObject({ decision: 'wait', until: '2030-01-06T01:00:00.000Z' });
  });

  it('waits exactly until the window opens when it opens within the hour', async () => {
    const calendar = { windows: [{ days: ['tue' as const], start: '10:30', end: '12:00', timeZone: 'UTC' }], freezes: [] };
    const { gate } = await setUp({ tenant: { releaseCalendar: calendar } });

    expect(await gate()).toMatchObject({ action: 'wait', waitUntil: plusSeconds(1800) });
  });

  it('skips a tenant whose window does not open before the release deadline', async () => {
    const calendar = { windows: [{ days: ['sun' as const], start: '01:00', end: '05:00', timeZone: 'UTC' }], freezes: [] };
    const { gate, item } = await setUp({ tenant: { releaseCalendar: calendar }, release: { deadline: '2030-01-03T00:00:00.000Z' } });

    expect((await gate()).action).toBe('skip');
    const after = await item();
    expect(after.outcome).toBe('SKIPPED');
    expect(after.reason).toMatch(/deadline/);
  });

  it('holds a tenant in a fleet freeze, but lets an emergency release through it', async () => {
    const freeze = { kind: 'range' as const, from: '2030-01-01T00:00:00Z', to: '2030-01-02T00:00:00Z', reason: 'new year closing' };
    h.configure({ release: { freezes: [freeze], backupMaxAgeHours: 26, maxBakeSeconds: 3600 } });
    try {
      const normal = await setUp();
      const emergency = await setUp({ release: { emergency: { reason: 'security fix CVE-2030-0001' } } });

      const held = await normal.gate();
      const allowed = await emergency.gate();

      expect(held.action).toBe('wait');
      expect((await normal.item()).outcome).toBe('WAITING_WINDOW');
      expect(allowed.action).toBe('start');
      expect((await emergency.item()).window?.reason).toMatch(/emergency/i);
    } finally {
      h.configure({});
    }
  });

  it('starts an ACTIVE tenant in its window: one RELEASE operation, the previous version recorded, the same on a replay', async () => {
    const { tenant, gate, item } = await setUp();

    const first = await gate();
    const replay = await gate();

    expect(first.action).toBe('start');
    expect(replay).toMatchObject({ action: 'start', operationId: first.operationId });
    const after = await item();
    expect(after.operationId).toBe(first.operationId);
    expect(after.previous).toEqual(tenant.release);
    const op = await h.repo.getOperation(first.operationId!);
    expect(op).toMatchObject({ type: 'RELEASE', tenantId: tenant.tenantId, status: 'PENDING', requestedBy: 'release-bot' });
  });

  it('starts a tenant again (the same operation) when it already started: the child execution is found, not repeated', async () => {
    const { gate } = await setUp({ item: { outcome: 'UPGRADING', operationId: 'op-already-running' } });

    expect(await gate()).toMatchObject({ action: 'start', operationId: 'op-already-running' });
  });
});
