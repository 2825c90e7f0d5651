/**
 * When a wave whose tenants bake in executions of their own looks again for their verdicts: just
 * after the last bake ends, every poll while rollbacks run or a bake was extended, rarely while
 * only humans are to decide; not at all once every cut-over tenant is settled.
 */
import { describe, expect, it } from 'vitest';
import { awaitingVerdict, DECISION_POLL_SECONDS, nextLook, ROLLBACK_POLL_SECONDS, VERDICT_MARGIN_SECONDS } from '#functions/release/await-verdicts.ts';
import type { TenantRelease } from '#shared/domain/release-types.ts';
import { aTenantRelease } from '../store/release-fixtures.ts';

const NOW = new Date('2026-11-30T10:00:00Z');
const BAKE = 600;
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
const item = (tenantId: string, outcome: TenantRelease['outcome'], cutoverSecondsAgo?: number) =>
  aTenantRelease('rel-1', tenantId, 0, { outcome, ...(cutoverSecondsAgo === undefined ? {} : { cutoverAt: ago(cutoverSecondsAgo) }) });
const secondsFromNow = (d: Date | null) => (d === null ? null : (d.getTime() - NOW.getTime()) / 1000);

describe('Waiting for a wave\'s verdicts', () => {
  it('waits for nothing when every cut-over tenant is settled, and never for tenants not cut over', () => {
    const items = [item('a', 'SUCCEEDED', 700), item('b', 'ROLLED_BACK', 900), item('c', 'PENDING'), item('d', 'UPGRADING'), item('e', 'SKIPPED')];

    expect(items.filter(awaitingVerdict)).toEqual([]);
    expect(nextLook(items, BAKE, NOW)).toBeNull();
  });

  it('looks again just after the last bake ends', () => {
    const items = [item('a', 'BAKING', 500), item('b', 'BAKING', 100), item('c', 'SUCCEEDED', 800)];

    expect(secondsFromNow(nextLook(items, BAKE, NOW))).toBe(BAKE - 100 + VERDICT_MARGIN_SECONDS);
  });

  it('polls while a bake runs past its end (extended for traffic, or a slow verdict) or a rollback runs', () => {
    expect(secondsFromNow(nextLook([item('a', 'BAKING', 900)], BAKE, NOW))).toBe(ROLLBACK_POLL_SECONDS);
    expect(secondsFromNow(nextLook([item('a', 'ROLLING_BACK', 900), item('b', 'AWAITING_DECISION', 900)], BAKE, NOW))).toBe(ROLLBACK_POLL_SECONDS);
  });

  it('looks rarely while only human decisions are pending, so a day-long wait keeps the history small', () => {
    expect(secondsFromNow(nextLook([item('a', 'AWAITING_DECISION', 900), item('b', 'SUCCEEDED', 900)], BAKE, NOW))).toBe(DECISION_POLL_SECONDS);
    // A day of waiting: a few hundred looks, each a handful of history events.
    expect((24 * 3600) / DECISION_POLL_SECONDS).toBeLessThanOrEqual(300);
  });
});
