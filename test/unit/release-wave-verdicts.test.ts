/**
 * When a wave whose tenants bake in executions of their own looks again for their verdicts: just
 * after the last bake ends, every poll while rollbacks run or a bake was extended, rarely while
 * only humans are to decide; not at all once every cut-over tenant is settled. Instants are on the
 * clock Wait states run on; intervals are converted to it (here: at half speed, as a scaled clock).
 */
import { describe, expect, it } from 'vitest';
import { awaitingVerdict, bakeEndMs, DECISION_POLL_SECONDS, nextLook, ROLLBACK_POLL_SECONDS, VERDICT_MARGIN_SECONDS, type WaitClock } from '#functions/release/await-verdicts.ts';
import type { TenantRelease } from '#shared/domain/release-types.ts';
import { aTenantRelease } from '../store/release-fixtures.ts';

const NOW = Date.parse('2026-11-30T10:00:00Z');
const BAKE = 600;
const at: WaitClock = { nowMs: NOW, ms: (seconds) => seconds * 500 };
/** A tenant cut over, its bake ending `bakeEndsIn` seconds from now on the Wait clock. */
const item = (tenantId: string, outcome: TenantRelease['outcome'], bakeEndsIn?: number) =>
  aTenantRelease('rel-1', tenantId, 0, {
    outcome,
    ...(bakeEndsIn === undefined ? {} : { cutoverAt: new Date(NOW - 60_000).toISOString(), bakeUntil: new Date(NOW + bakeEndsIn * 1000).toISOString() }),
  });
const bakeEnd = (i: TenantRelease) => bakeEndMs(i, BAKE);
const fromNow = (ms: number | null) => (ms === null ? null : ms - NOW);

describe("Waiting for a wave's verdicts", () => {
  it('waits for nothing when every cut-over tenant is settled, and never for tenants not cut over', () => {
    const items = [item('a', 'SUCCEEDED', -100), item('b', 'ROLLED_BACK', -300), item('c', 'PENDING'), item('d', 'UPGRADING'), item('e', 'SKIPPED')];

    expect(items.filter(awaitingVerdict)).toEqual([]);
    expect(nextLook(items, bakeEnd, at)).toBeNull();
  });

  it('looks again just after the last stored bake end, an extended one included', () => {
    const items = [item('a', 'BAKING', 100), item('b', 'BAKING', 900), item('c', 'SUCCEEDED', -50)];

    expect(fromNow(nextLook(items, bakeEnd, at))).toBe(900_000 + VERDICT_MARGIN_SECONDS * 500);
  });

  it('polls while a bake runs past its end (a slow verdict) or a rollback runs', () => {
    expect(fromNow(nextLook([item('a', 'BAKING', -10)], bakeEnd, at))).toBe(ROLLBACK_POLL_SECONDS * 500);
    expect(fromNow(nextLook([item('a', 'ROLLING_BACK', -300), item('b', 'AWAITING_DECISION', -300)], bakeEnd, at))).toBe(ROLLBACK_POLL_SECONDS * 500);
  });

  it('looks rarely while only human decisions are pending, so a day-long wait keeps the history small', () => {
    expect(fromNow(nextLook([item('a', 'AWAITING_DECISION', -300), item('b', 'SUCCEEDED', -300)], bakeEnd, at))).toBe(DECISION_POLL_SECONDS * 500);
    // A day of waiting: a few hundred looks, each a handful of history events.
    expect((24 * 3600) / DECISION_POLL_SECONDS).toBeLessThanOrEqual(300);
  });
});
