/**
 * What a failover achieved, per tenant: RTO from the failover's start to the tenant verified in the
 * new region, and the data-loss window. The window comes from the heartbeats when the old primary
 * can still be read (its newest heartbeat minus the newest one the new primary holds: what was
 * committed and did not arrive), else from the replication lag measured when it was promoted, or,
 * for a database restored from a snapshot, from the snapshot's age when the failover was asked for
 * (an upper bound: the primary may have stopped taking writes before that); a planned switchover
 * that drained to zero lag (or restored a snapshot of the fenced primary) lost nothing. The basis
 * is recorded with the figure.
 */
export interface FailoverMeasureInput {
  startedAt: string;
  verifiedAt?: string;
  mode: 'planned' | 'unplanned';
  /** The lag read just before promotion (null when unknown). */
  lagAtPromotionSeconds?: number | null;
  /** A planned switchover waited for zero lag before promoting. */
  drainedToZero?: boolean;
  /** The newest heartbeat the old primary holds, when it could be read (during or after the failover). */
  oldNewestHeartbeat?: string | null;
  /** The newest heartbeat the promoted database holds. */
  newNewestHeartbeat?: string | null;
  /** Restored from a snapshot: when the snapshot's data is from. */
  snapshotAt?: string | null;
}

export interface FailoverMeasure {
  rtoSeconds?: number;
  dataLossWindowSeconds: number | null;
  dataLossBasis: 'drained' | 'heartbeats' | 'replication-lag' | 'snapshot-age' | 'unknown';
}

const seconds = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

export function measureFailover(i: FailoverMeasureInput): FailoverMeasure {
  const rtoSeconds = i.verifiedAt ? seconds(i.startedAt, i.verifiedAt) : undefined;
  const rto = rtoSeconds === undefined ? {} : { rtoSeconds };
  if (i.mode === 'planned' && i.drainedToZero) return { ...rto, dataLossWindowSeconds: 0, dataLossBasis: 'drained' };
  if (i.oldNewestHeartbeat && i.newNewestHeartbeat) return { ...rto, dataLossWindowSeconds: seconds(i.newNewestHeartbeat, i.oldNewestHeartbeat), dataLossBasis: 'heartbeats' };
  if (i.lagAtPromotionSeconds !== undefined && i.lagAtPromotionSeconds !== null) return { ...rto, dataLossWindowSeconds: Math.max(0, Math.round(i.lagAtPromotionSeconds)), dataLossBasis: 'replication-lag' };
  if (i.snapshotAt) return { ...rto, dataLossWindowSeconds: seconds(i.snapshotAt, i.startedAt), dataLossBasis: 'snapshot-age' };
  return { ...rto, dataLossWindowSeconds: null, dataLossBasis: 'unknown' };
}
