/**
 * The release-level steps of the parent workflow, run against DynamoDB (dynalite): validation and
 * rehearsal picks, the verdict on rehearsals, the approval wait, wave slots under the caps, the
 * circuit breaker at the end of a wave, and the release's end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as awaitApproval } from '#functions/release/await-approval.ts';
import { handler as endWave, type WaveEnd } from '#functions/release/end-wave.ts';
import { handler as evaluateRehearsals, type RolloutDecision } from '#functions/release/evaluate-rehearsals.ts';
import { handler as finishRelease, type FinishResult } from '#functions/release/finish-release.ts';
import { handler as recordTenantCrash } from '#functions/release/record-tenant-crash.ts';
import { handler as loadBatch } from '#functions/release/load-batch.ts';
import { assignBatches, handler as startWave, slotsOf, slotWidth, type WaveSlots } from '#functions/release/start-wave.ts';
import { handler as validateRelease, type ValidationResult } from '#functions/release/validate-release.ts';
import { batchLanes, type Release, type TenantRelease } from '#shared/domain/release-types.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { aTenant } from '../store/fixtures.ts';
import { aRelease, aTenantRelease, aWave } from '../store/release-fixtures.ts';
import { newReleaseId, runStep, seed, startReleaseHarness, type ReleaseHarness } from '../support/release-handlers.ts';

let h: ReleaseHarness;

beforeAll(async () => {
  h = await startReleaseHarness();
});
afterAll(async () => {
  await h?.close();
});

let n = 0;
function tenant(opts: { modules?: string[]; tags?: string[]; criticality?: 'low' | 'standard' | 'critical'; cell?: string | null; status?: Tenant['status'] } = {}): Tenant {
  const t = aTenant(`orch-${++n}`, { status: opts.status ?? 'ACTIVE', criticality: opts.criticality ?? 'standard', model: opts.cell === null ? 'dedicated' : 'pooled' });
  return {
    ...t,
    tags: opts.tags ?? [],
    placement: { ...t.placement, cell: opts.cell === null ? null : (opts.cell ?? 'cell-1') },
    release: { image: 'odoo:17.0-20300101', modules: opts.modules ?? ['base', 'sale'] },
  };
}

const step = <R>(handler: unknown, state: Record<string, unknown>, extra?: Record<string, unknown>) => runStep<R>(handler, { actor: 'release-bot', ...state }, extra);

async function release(status: Release['status'], tenants: Tenant[], overrides: Partial<Release> = {}, items: Partial<TenantRelease>[] = []) {
  const releaseId = newReleaseId();
  await seed(
    h.repo,
    aRelease(releaseId, { status, counts: { PENDING: tenants.length }, ...overrides }),
    [aWave(releaseId, 0, tenants.map((t) => t.tenantId), 0)],
    tenants.map((t, i) => aTenantRelease(releaseId, t.tenantId, 0, { cell: t.placement.cell, ...items[i] })),
    tenants,
  );
  return releaseId;
}

describe('Function: validateRelease', () => {
  it('rejects an unpinned image before anything is touched', async () => {
    const releaseId = await release('PLANNED', [tenant()], { image: 'odoo:latest' });

    const result = await step<ValidationResult>(validateRelease, { releaseId });

    expect(result).toMatchObject({ ok: false, rehearsals: [] });
    const after = await h.repo.requireRelease(releaseId);
    expect(after.status).toBe('REJECTED');
    expect(after.statusReason).toMatch(/latest/);
  });

  it('picks one representative per module set, preferring a canary tenant, then the lowest criticality', async () => {
    const canary = tenant({ tags: ['canary'], criticality: 'critical' });
    const plain = tenant({ criticality: 'low' });
    const low = tenant({ modules: ['base', 'stock'], criticality: 'low' });
    const standard = tenant({ modules: ['base', 'stock'], criticality: 'standard' });
    const releaseId = await release('PLANNED', [plain, canary, standard, low], { modules: ['sale'] });

    const result = await step<ValidationResult>(validateRelease, { releaseId });

    expect(result.ok).toBe(true);
    expect(result.rehearsals).toEqual([
      { moduleSetKey: 'base,sale', tenantId: canary.tenantId, index: 0 },
      { moduleSetKey: 'base,sale,stock', tenantId: low.tenantId, index: 1 },
    ]);
    const after = await h.repo.requireRelease(releaseId);
    expect(after.status).toBe('REHEARSING');
    expect(after.rehearsals.map((r) => r.status)).toEqual(['PENDING', 'PENDING']);
  });

  it('skips a selected tenant deleted since planning, and rejects when none is left', async () => {
    const gone = tenant({ status: 'DELETED' });
    const releaseId = await release('PLANNED', [gone]);

    const result = await step<ValidationResult>(validateRelease, { releaseId });

    expect(result.ok).toBe(false);
    expect((await h.repo.getTenantRelease(releaseId, gone.tenantId))?.outcome).toBe('SKIPPED');
    expect((await h.repo.requireRelease(releaseId)).statusReason).toMatch(/none of the selected tenants/);
  });
});

describe('Function: evaluateRehearsals', () => {
  it('rejects the release when a rehearsal failed, with its reason', async () => {
    const t = tenant();
    const releaseId = await release('REHEARSING', [t], {
      rehearsals: [{ moduleSetKey: 'base,sale,stock', tenantId: t.tenantId, status: 'FAILED', reason: 'upgrade Job failed: module stock did not load' }],
    });

    const result = await step<RolloutDecision>(evaluateRehearsals, { releaseId });

    expect(result).toEqual({ proceed: false, waves: [] });
    const after = await h.repo.requireRelease(releaseId);
    expect(after.status).toBe('REJECTED');
    expect(after.statusReason).toMatch(/module stock did not load/);
  });

  it('re-plans with the rehearsal timings over the same tenants and waits for approval', async () => {
    const tenants = [tenant({ tags: ['canary'] }), tenant(), tenant({ cell: 'cell-2' }), tenant({ modules: ['base'] })];
    const releaseId = await release('REHEARSING', tenants, {
      modules: ['sale'],
      rehearsals: [
        { moduleSetKey: 'base,sale', tenantId: tenants[0]!.tenantId, status: 'PASSED', upgradeSeconds: 420 },
      ],
    });

    const result = await step<RolloutDecision>(evaluateRehearsals, { releaseId });

    const after = await h.repo.requireRelease(releaseId);
    expect(after.status).toBe('AWAITING_APPROVAL');
    expect(result.proceed).toBe(true);
    expect(result.waves).toEqual(after.waves.map((w) => w.index));
    expect(after.waves[0]).toMatchObject({ ring: 0, tenants: 1, failureBudget: 0 });
    const items = (await h.repo.listTenantReleases(releaseId, { limit: 100 })).items;
    expect(items.map((i) => i.tenantId).sort()).toEqual(tenants.map((t) => t.tenantId).sort());
    expect(items.every((i) => i.predictedUpgradeSeconds === 420)).toBe(true);
    const waveTenants = await Promise.all(result.waves.map(async (i) => (await h.repo.getWave(releaseId, i))!.tenantIds));
    expect(waveTenants.flat().sort()).toEqual(tenants.map((t) => t.tenantId).sort());
  });
});

describe('Function: awaitApproval', () => {
  it('stores the task token for the approve call and keeps the release AWAITING_APPROVAL', async () => {
    const releaseId = await release('AWAITING_APPROVAL', [tenant()]);

    await step(awaitApproval, { releaseId }, { taskToken: 'token-123' });

    expect((await h.repo.requireRelease(releaseId)).status).toBe('AWAITING_APPROVAL');
    expect(await h.repo.takeApprovalToken(releaseId)).toBe('token-123');
  });

  it('fails with ReleaseAborted when the release was aborted before the wait began', async () => {
    const releaseId = await release('ABORTED', [tenant()], { statusReason: 'aborted by bob' });

    await expect(step(awaitApproval, { releaseId }, { taskToken: 'token-456' })).rejects.toMatchObject({ name: 'ReleaseAborted' });
  });
});

describe('Function: startWave', () => {
  it('lays the wave out in slots that respect the fleet and per-cell caps', async () => {
    const tenants = [
      tenant({ cell: 'cell-1' }), tenant({ cell: 'cell-1' }), tenant({ cell: 'cell-1' }),
      tenant({ cell: 'cell-2' }), tenant({ cell: 'cell-2' }), tenant({ cell: null }),
    ];
    const strategy = { waves: ['rest' as const], maxConcurrency: 2, maxConcurrencyPerCell: 1, maxFailurePercent: 5, bakeSeconds: 600 };
    const releaseId = await release('ROLLING_OUT', tenants, { strategy, waves: [{ index: 0, ring: 2, tenants: 6, failureBudget: 0, failures: 0, status: 'PENDING', predictedSeconds: 0 }] });

    const result = await step<WaveSlots>(startWave, { releaseId, wave: 0 });

    expect(result.maxConcurrency).toBe(2);
    expect(result.slots.length).toBeLessThanOrEqual(2);
    const batches = (await h.repo.getWave(releaseId, 0))!.batches!;
    expect(batches.map((b) => [b.slot, b.batch])).toEqual(result.slots.flatMap((s) => s.batches.map((b) => [s.slot, b])));
    const ids = batches.flatMap((b) => b.tenantIds);
    expect(ids.sort()).toEqual(tenants.map((t) => t.tenantId).sort());
    // Per-cell cap 1: each cell's tenants run one after the other, in one slot.
    for (const cell of ['cell-1', 'cell-2']) {
      const members = tenants.filter((t) => t.placement.cell === cell).map((t) => t.tenantId);
      const slotsHolding = new Set(batches.filter((b) => b.tenantIds.some((id) => members.includes(id))).map((b) => b.slot));
      expect(slotsHolding.size).toBe(1);
    }
    expect((await h.repo.requireRelease(releaseId)).waves[0]).toMatchObject({ status: 'RUNNING' });
  });

  it('cuts a long slot into batches of 250', () => {
    const tenantIds = Array.from({ length: 600 }, (_, i) => `t-${i}`);

    const result = assignBatches([{ slot: 0, startSeconds: 0, tenantIds }]);

    expect(result.map((b) => [b.slot, b.batch, b.tenantIds.length])).toEqual([
      [0, 0, 250],
      [0, 1, 250],
      [0, 2, 100],
    ]);
    expect(result.flatMap((b) => b.tenantIds)).toEqual(tenantIds);
  });

  it('groups more concurrency than 40 slots hold into slots of several lanes, each lane in its order, batches of at most 250', () => {
    // 100 schedule slots, each with a sequence of 7 tenants: 3 lanes per workflow slot, 34 slots.
    const lanes = Array.from({ length: 100 }, (_, slot) => ({ slot, startSeconds: 0, tenantIds: Array.from({ length: 7 }, (_, i) => `t-${slot}-${i}`) }));

    const result = assignBatches(lanes, slotWidth(100));

    expect(slotWidth(100)).toBe(3);
    expect(new Set(result.map((b) => b.slot)).size).toBe(34);
    expect(result.every((b) => b.tenantIds.length <= 250 && (b.laneSizes?.length ?? 1) <= 3)).toBe(true);
    const first = result.find((b) => b.slot === 0)!;
    expect(batchLanes(first)).toEqual([0, 1, 2].map((slot) => lanes[slot]!.tenantIds));
    expect(batchLanes(result.find((b) => b.slot === 33)!)).toEqual([lanes[99]!.tenantIds]);
    expect(slotsOf(result).maxConcurrency).toBe(34);
  });

  it('cuts the lanes of a wide slot into batches together, each lane keeping its order', () => {
    const lanes = [0, 1].map((slot) => ({ slot, startSeconds: 0, tenantIds: Array.from({ length: 200 }, (_, i) => `t-${slot}-${i}`) }));

    const result = assignBatches(lanes, 2);

    expect(result.map((b) => [b.slot, b.batch, b.laneSizes])).toEqual([
      [0, 0, [125, 125]],
      [0, 1, [75, 75]],
    ]);
    expect([0, 1].map((lane) => result.flatMap((b) => batchLanes(b)[lane]!))).toEqual(lanes.map((l) => l.tenantIds));
  });

  it.each([10, 100, 5000])('keeps the workflow payload small for a 5,000-tenant wave (maxConcurrency %i): numbers out, ids in the wave item', async (maxConcurrency) => {
    // Ids of the longest length a tenant id may have (31), the worst case for both sizes.
    const tenantIds = Array.from({ length: 5000 }, (_, i) => `big-wave-tenant-${String(i).padStart(15, '0')}`);
    const releaseId = newReleaseId();
    const strategy = { waves: ['rest' as const], maxConcurrency, maxConcurrencyPerCell: maxConcurrency, maxFailurePercent: 5, bakeSeconds: 600 };
    await seed(
      h.repo,
      aRelease(releaseId, { status: 'ROLLING_OUT', strategy, counts: { PENDING: 5000 }, waves: [{ index: 0, ring: 3, tenants: 5000, failureBudget: 250, failures: 0, status: 'PENDING', predictedSeconds: 0 }] }),
      [aWave(releaseId, 0, tenantIds, 250)],
      tenantIds.map((id) => aTenantRelease(releaseId, id, 0, { cell: `cell-${id.slice(-1)}` })),
    );

    const result = await step<WaveSlots>(startWave, { releaseId, wave: 0 });

    expect(JSON.stringify(result).length).toBeLessThan(16 * 1024);
    expect(result.slots.length).toBeLessThanOrEqual(40);
    const stored = (await h.repo.getWave(releaseId, 0))!;
    // The wave item holds every id once more, well inside DynamoDB's 400 KB item limit.
    expect(JSON.stringify(stored).length).toBeLessThan(400 * 1024);
    const loaded: string[] = [];
    let lanesAtOnce = 0;
    for (const s of result.slots) {
      let widest = 0;
      for (const batch of s.batches) {
        const lanes = await step<string[][]>(loadBatch, { releaseId, wave: 0, slot: s.slot, batch });
        expect(lanes.flat().length).toBeLessThanOrEqual(250);
        expect(lanes.length).toBeLessThanOrEqual(slotWidth(maxConcurrency));
        widest = Math.max(widest, lanes.length);
        loaded.push(...lanes.flat());
      }
      lanesAtOnce += widest;
    }
    expect(loaded.sort()).toEqual([...tenantIds].sort());
    // Every slot runs side by side: never more lanes at once than the strategy allows.
    expect(lanesAtOnce).toBeLessThanOrEqual(maxConcurrency);
  }, 120_000);

  it('lays a wave out once: a replayed start returns the stored assignment', async () => {
    const tenants = [tenant({ cell: 'cell-1' }), tenant({ cell: 'cell-2' }), tenant({ cell: 'cell-3' })];
    const strategy = { waves: ['rest' as const], maxConcurrency: 3, maxConcurrencyPerCell: 1, maxFailurePercent: 5, bakeSeconds: 600 };
    const releaseId = await release('ROLLING_OUT', tenants, { strategy, waves: [{ index: 0, ring: 2, tenants: 3, failureBudget: 0, failures: 0, status: 'PENDING', predictedSeconds: 0 }] });
    const first = await step<WaveSlots>(startWave, { releaseId, wave: 0 });
    const stored = (await h.repo.getWave(releaseId, 0))!.batches;
    // Someone changes the strategy between attempts: the wave keeps its layout.
    await h.repo.updateRelease(releaseId, (await h.repo.requireRelease(releaseId)).version, (r) => ({ ...r, strategy: { ...r.strategy, maxConcurrency: 1 } }));

    const again = await step<WaveSlots>(startWave, { releaseId, wave: 0 });

    expect(again.slots).toEqual(first.slots);
    expect((await h.repo.getWave(releaseId, 0))!.batches).toEqual(stored);
  });

  it('refuses to load a batch the wave does not hold', async () => {
    const releaseId = await release('ROLLING_OUT', [tenant()]);

    await expect(step(loadBatch, { releaseId, wave: 0, slot: 0, batch: 3 })).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('starts nothing in a HALTED release: the waiting tenants are skipped with the reason', async () => {
    const tenants = [tenant(), tenant()];
    const releaseId = await release('HALTED', tenants, { statusReason: 'wave 0: failure budget spent' }, [{}, { outcome: 'WAITING_WINDOW' }]);

    const result = await step<WaveSlots>(startWave, { releaseId, wave: 0 });

    expect(result.slots).toEqual([]);
    const items = (await h.repo.listTenantReleases(releaseId, { limit: 10 })).items;
    expect(items.map((i) => i.outcome)).toEqual(['SKIPPED', 'SKIPPED']);
    expect(items[0]!.reason).toMatch(/HALTED/);
  });
});

describe('Function: endWave', () => {
  it('halts the release when the wave spent its budget, naming the wave and the failed tenants', async () => {
    const [bad, good] = [tenant(), tenant()];
    const releaseId = await release('ROLLING_OUT', [bad!, good!], { waves: [{ index: 0, ring: 0, tenants: 2, failureBudget: 0, failures: 0, status: 'RUNNING', predictedSeconds: 0 }] });
    for (const move of ['PreflightStarted', 'UpgradeStarted', 'UpgradeFailed', 'RollbackSucceeded'] as const) {
      await h.repo.moveTenantOutcome(releaseId, bad!.tenantId, move, { reason: move });
    }

    const result = await step<WaveEnd>(endWave, { releaseId, wave: 0 });

    expect(result).toMatchObject({ halted: true, failures: 1, budget: 0, status: 'HALTED' });
    const after = await h.repo.requireRelease(releaseId);
    expect(after.status).toBe('HALTED');
    expect(after.statusReason).toMatch(new RegExp(`wave 0: failure budget spent.*${bad!.tenantId} ROLLED_BACK`));
    expect(after.waves[0]).toMatchObject({ status: 'DONE', failures: 1 });
    expect((await h.repo.getTenantRelease(releaseId, good!.tenantId))?.outcome).toBe('SKIPPED');
  });

  it('completes a wave within its budget and keeps rolling out', async () => {
    const t = tenant();
    const releaseId = await release('ROLLING_OUT', [t], { waves: [{ index: 0, ring: 2, tenants: 1, failureBudget: 0, failures: 0, status: 'RUNNING', predictedSeconds: 0 }] });
    for (const move of ['PreflightStarted', 'UpgradeStarted', 'CutOver', 'VerdictPassed'] as const) await h.repo.moveTenantOutcome(releaseId, t.tenantId, move, {});

    const result = await step<WaveEnd>(endWave, { releaseId, wave: 0 });

    expect(result).toMatchObject({ halted: false, failures: 0, status: 'ROLLING_OUT' });
    expect((await h.repo.requireRelease(releaseId)).waves[0]).toMatchObject({ status: 'DONE' });
  });
  it('halts a wave that ended with tenants not settled, naming them, instead of passing it as done', async () => {
    const [done, left, stuck] = [tenant(), tenant(), tenant()];
    const releaseId = await release('ROLLING_OUT', [done!, left!, stuck!], { waves: [{ index: 0, ring: 2, tenants: 3, failureBudget: 1, failures: 0, status: 'RUNNING', predictedSeconds: 0 }] });
    for (const move of ['PreflightStarted', 'UpgradeStarted', 'CutOver', 'VerdictPassed'] as const) await h.repo.moveTenantOutcome(releaseId, done!.tenantId, move, {});
    for (const move of ['PreflightStarted', 'UpgradeStarted'] as const) await h.repo.moveTenantOutcome(releaseId, stuck!.tenantId, move, {});

    const result = await step<WaveEnd>(endWave, { releaseId, wave: 0 });

    expect(result).toMatchObject({ halted: true, status: 'HALTED' });
    expect(result.unsettled?.sort()).toEqual([left!.tenantId, stuck!.tenantId].sort());
    const after = await h.repo.requireRelease(releaseId);
    expect(after.status).toBe('HALTED');
    expect(after.statusReason).toContain(`${left!.tenantId} (PENDING)`);
    expect(after.statusReason).toContain(`${stuck!.tenantId} (UPGRADING)`);
    // The one never started is skipped with the reason; the one changed half-way stays as it is, for an operator.
    expect((await h.repo.getTenantRelease(releaseId, left!.tenantId))).toMatchObject({ outcome: 'SKIPPED', reason: expect.stringMatching(/not settled/) });
    expect((await h.repo.getTenantRelease(releaseId, stuck!.tenantId))?.outcome).toBe('UPGRADING');
    expect((await step<FinishResult>(finishRelease, { releaseId })).status).toBe('HALTED');
  });
});

describe('Function: finishRelease', () => {
  it('answers PAUSED and changes nothing while a release is paused after its last wave; ends it once resumed or aborted', async () => {
    const [a, b] = [tenant(), tenant()];
    const resumed = await release('PAUSED', [a!], {}, [{ outcome: 'SUCCEEDED' }]);
    const aborted = await release('PAUSED', [b!], {}, [{ outcome: 'SUCCEEDED' }]);

    const paused = await step<FinishResult>(finishRelease, { releaseId: resumed });

    expect(paused.status).toBe('PAUSED');
    expect((await h.repo.requireRelease(resumed)).endedAt).toBeUndefined();
    const r = await h.repo.requireRelease(resumed);
    await h.repo.updateRelease(resumed, r.version, (x) => ({ ...x, status: 'ROLLING_OUT' }));
    const a2 = await h.repo.requireRelease(aborted);
    await h.repo.updateRelease(aborted, a2.version, (x) => ({ ...x, status: 'ABORTED', statusReason: 'not today' }));
    expect((await step<FinishResult>(finishRelease, { releaseId: resumed })).status).toBe('SUCCEEDED');
    expect((await step<FinishResult>(finishRelease, { releaseId: aborted })).status).toBe('ABORTED');
    expect((await h.repo.requireRelease(aborted)).endedAt).toBeDefined();
  });

  it('ends a release that rolled out every wave SUCCEEDED, with its end time and a status event', async () => {
    const t = tenant();
    const releaseId = await release('ROLLING_OUT', [t], {}, [{ outcome: 'SUCCEEDED' }]);

    const result = await step<FinishResult>(finishRelease, { releaseId });

    expect(result.status).toBe('SUCCEEDED');
    const after = await h.repo.requireRelease(releaseId);
    expect(after.endedAt).toBeDefined();
    expect(h.events()).toContainEqual(expect.objectContaining({ detailType: 'Release Status Changed', detail: expect.objectContaining({ releaseId, to: 'SUCCEEDED' }) }));
  });

  it('records a rejection that ended the approval wait, and skips every tenant', async () => {
    const t = tenant();
    const releaseId = await release('AWAITING_APPROVAL', [t]);

    const result = await step<FinishResult>(finishRelease, { releaseId, error: { Error: 'ReleaseRejected', Cause: 'the change window was cancelled' } });

    expect(result).toMatchObject({ status: 'REJECTED', skipped: 1 });
    expect((await h.repo.requireRelease(releaseId)).statusReason).toMatch(/the change window was cancelled/);
    expect((await h.repo.getTenantRelease(releaseId, t.tenantId))?.outcome).toBe('SKIPPED');
  });

  it('leaves a HALTED release HALTED', async () => {
    const releaseId = await release('HALTED', [tenant()], { statusReason: 'wave 1: failure budget spent' });

    const result = await step<FinishResult>(finishRelease, { releaseId });

    expect(result.status).toBe('HALTED');
    expect((await h.repo.requireRelease(releaseId)).statusReason).toBe('wave 1: failure budget spent');
  });
});

describe('Function: recordTenantCrash', () => {
  it('skips a tenant whose workflow died before changing it, without spending the budget', async () => {
    const t = tenant();
    const releaseId = await release('ROLLING_OUT', [t], {}, [{ outcome: 'PREFLIGHT' }]);

    await step(recordTenantCrash, { releaseId, wave: 0, tenantId: t.tenantId, error: { Error: 'States.Timeout', Cause: 'timed out' } });

    expect((await h.repo.getTenantRelease(releaseId, t.tenantId))?.outcome).toBe('SKIPPED');
    expect((await h.repo.requireRelease(releaseId)).status).toBe('ROLLING_OUT');
  });

  it('fails a tenant whose workflow died mid-upgrade, halts the release at once and raises the alert', async () => {
    const t = tenant();
    const releaseId = await release('ROLLING_OUT', [t], {}, [{ outcome: 'UPGRADING' }]);

    await step(recordTenantCrash, { releaseId, wave: 0, tenantId: t.tenantId, error: { Error: 'Lambda.Unknown', Cause: 'out of memory' } });

    const item = await h.repo.getTenantRelease(releaseId, t.tenantId);
    expect(item?.outcome).toBe('FAILED');
    expect(item?.reason).toMatch(/out of memory/);
    const after = await h.repo.requireRelease(releaseId);
    expect(after.status).toBe('HALTED');
    expect(h.events()).toContainEqual(expect.objectContaining({ detailType: 'Release Rollback Failed', detail: expect.objectContaining({ releaseId, tenantId: t.tenantId }) }));
  });
});
