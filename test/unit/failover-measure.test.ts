import { describe, expect, it } from 'vitest';
import { measureFailover } from '#shared/domain/failover-measure.ts';

const start = '2026-11-30T12:00:00.000Z';

describe('measuring a failover', () => {
  it('takes RTO from the failover start to the tenant verified', () => {
    expect(measureFailover({ startedAt: start, verifiedAt: '2026-11-30T12:07:30.000Z', mode: 'unplanned', lagAtPromotionSeconds: 4 }).rtoSeconds).toBe(450);
    expect(measureFailover({ startedAt: start, mode: 'unplanned' }).rtoSeconds).toBeUndefined();
  });

  it('records no loss for a switchover that drained to zero', () => {
    expect(measureFailover({ startedAt: start, mode: 'planned', drainedToZero: true, lagAtPromotionSeconds: 3 })).toEqual({ dataLossWindowSeconds: 0, dataLossBasis: 'drained' });
  });

  it('measures the window from the heartbeats when the old primary can be read: what it committed that did not arrive', () => {
    expect(measureFailover({ startedAt: start, mode: 'unplanned', lagAtPromotionSeconds: 4, oldNewestHeartbeat: '2026-11-30T11:59:00.000Z', newNewestHeartbeat: '2026-11-30T11:57:00.000Z' })).toEqual({
      dataLossWindowSeconds: 120,
      dataLossBasis: 'heartbeats',
    });
  });

  it('falls back to the lag at promotion when the old primary is gone, and says when nothing is known', () => {
    expect(measureFailover({ startedAt: start, mode: 'unplanned', lagAtPromotionSeconds: 7.4, oldNewestHeartbeat: null, newNewestHeartbeat: '2026-11-30T11:57:00.000Z' })).toEqual({
      dataLossWindowSeconds: 7,
      dataLossBasis: 'replication-lag',
    });
    expect(measureFailover({ startedAt: start, mode: 'unplanned' })).toEqual({ dataLossWindowSeconds: null, dataLossBasis: 'unknown' });
  });

  it("takes a restored snapshot's age at the failover request as the window when the old primary cannot be read, and heartbeats when it can", () => {
    expect(measureFailover({ startedAt: start, mode: 'unplanned', lagAtPromotionSeconds: null, oldNewestHeartbeat: null, newNewestHeartbeat: '2026-11-30T06:00:00.000Z', snapshotAt: '2026-11-30T06:00:00.000Z' })).toEqual({
      dataLossWindowSeconds: 6 * 3600,
      dataLossBasis: 'snapshot-age',
    });
    expect(
      measureFailover({ startedAt: start, mode: 'unplanned', oldNewestHeartbeat: '2026-11-30T09:30:00.000Z', newNewestHeartbeat: '2026-11-30T06:00:00.000Z', snapshotAt: '2026-11-30T06:00:00.000Z' }),
    ).toEqual({ dataLossWindowSeconds: 3.5 * 3600, dataLossBasis: 'heartbeats' });
  });
});
