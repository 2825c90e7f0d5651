/**
 * Whether a tenant (or a cell's shared database) can fail over to its DR region now, and whether it
 * would meet its targets, by DR posture: warm standby needs a healthy, promotable Aurora global
 * secondary on the same engine version with its lag within the RPO; pilot light the same of its
 * headless global secondary (or a healthy cross-region replica); backup-restore backups copied to
 * the DR region no older than the RPO. All need DR capacity, and a filestore replication backlog
 * within the RPO. A planned switchover loses no data, so it also needs a reachable primary and a
 * lag that can reach zero; it is refused otherwise, unless forced. Each check carries its figures,
 * so the stored readiness report says why.
 */
import type { FailoverMode } from './failover-plan.ts';
import type { DrPosture } from './types.ts';

export interface ReadinessCheck {
  name: string;
  passed: boolean;
  /** A failed blocking check refuses the failover; a failed warning is reported (the target would be missed). */
  blocking: boolean;
  detail: string;
}

export interface ReadinessFacts {
  posture: DrPosture;
  mode: FailoverMode;
  rpoSeconds: number;
  /** Whether the old primary answers (its region may be down). */
  primaryReachable: boolean;
  /** Warm standby, and pilot light as a headless secondary: the global cluster's secondary in the DR region. */
  secondary?: { status: string; engineVersion: string; promotable: boolean };
  primaryEngineVersion?: string;
  /** Warm standby: `AuroraGlobalDBRPOLag`; pilot light: the replica's lag; null when unknown. */
  lagSeconds?: number | null;
  /** Pilot light without a global secondary: a cross-region replica. */
  replica?: { status: string };
  /** Backup-restore: when the newest cluster snapshot copied to the DR region was taken. */
  newestReplicatedBackupAt?: string | null;
  /** DR compute: node groups (or the cell's node pool) able to take the tenant. */
  capacity: { ready: boolean; detail: string };
  /** Seconds of filestore objects not yet replicated (S3 replication metrics); null when unknown. */
  filestoreBacklogSeconds?: number | null;
  now: string;
  /** A planned switchover the operator forces through a lag that cannot reach zero. */
  force?: boolean;
  /** The tenant's RTO target and what a failover is expected to take now (null: cannot be estimated). */
  rto?: { targetSeconds: number; expectedSeconds: number | null };
}

/** What each part of a failover is expected to take (`failover.expectedSeconds`). */
export interface ExpectedDurations {
  promote: number;
  /** Restoring a backup-restore cell's cluster from a snapshot copy (its writer instance included). */
  restore: number;
  writerInstance: number;
  nodeGroup: number;
  pods: number;
  dns: number;
}

/**
 * The time a failover of one tenant is expected to take, by what it has to do: promote, add a
 * writer to a headless (pilot light) secondary, or restore a backup-restore cell's cluster from
 * its snapshot copy; create a dedicated tenant's node group, start the pods, let DNS caches expire.
 */
export function expectedFailoverSeconds(posture: DrPosture, model: 'pooled' | 'dedicated', e: ExpectedDurations): number | null {
  if (posture === 'backup-restore') return e.restore + (model === 'dedicated' ? e.nodeGroup : 0) + e.pods + e.dns;
  return e.promote + (posture === 'pilot-light' ? e.writerInstance : 0) + (model === 'dedicated' ? e.nodeGroup : 0) + e.pods + e.dns;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
  /** What the data-loss window would be now: the lag, the backup's age, or unknown. */
  expectedDataLossSeconds: number | null;
  /** Targets the failover would miss if it ran now (both when there is no DR copy to fail over to). */
  wouldMiss: ('RPO' | 'RTO')[];
}

const check = (name: string, passed: boolean, blocking: boolean, detail: string): ReadinessCheck => ({ name, passed, blocking, detail });

/** An Aurora global secondary: healthy, promotable, and on the primary's engine version. */
function secondaryChecks(f: ReadinessFacts, kind: string): ReadinessCheck[] {
  const s = f.secondary;
  return [
    check('secondary-healthy', !!s && s.status === 'available', true, s ? `${kind} is ${s.status}` : `no ${kind} in the DR region`),
    check('secondary-promotable', !!s?.promotable, true, s?.promotable ? 'the secondary can be promoted' : 'the secondary cannot be promoted'),
    check(
      'engine-version',
      !!s && !!f.primaryEngineVersion && s.engineVersion === f.primaryEngineVersion,
      // An unplanned failover promotes whatever the secondary runs; a switchover needs both the same.
      f.mode === 'planned',
      s ? `primary ${f.primaryEngineVersion ?? 'unknown'}, secondary ${s.engineVersion}` : 'no secondary',
    ),
  ];
}

function databaseChecks(f: ReadinessFacts): { checks: ReadinessCheck[]; loss: number | null } {
  switch (f.posture) {
    case 'warm-standby':
      return { checks: secondaryChecks(f, 'global secondary'), loss: f.lagSeconds ?? null };
    case 'pilot-light': {
      // Aurora PostgreSQL's pilot light is a headless global secondary (decision 27); a replica only where one is given.
      if (f.secondary || !f.replica) return { checks: secondaryChecks(f, 'headless global secondary'), loss: f.lagSeconds ?? null };
      const r = f.replica;
      return { checks: [check('replica-healthy', !!r && r.status === 'available', true, r ? `cross-region replica is ${r.status}` : 'no cross-region replica')], loss: f.lagSeconds ?? null };
    }
    case 'backup-restore': {
      const at = f.newestReplicatedBackupAt;
      const age = at ? Math.max(0, Math.round((Date.parse(f.now) - Date.parse(at)) / 1000)) : null;
      return { checks: [check('replicated-backup', age !== null, true, at ? `newest replicated backup ${at} (${age} s old)` : 'no backup copied to the DR region')], loss: age };
    }
  }
}

export function evaluateReadiness(f: ReadinessFacts): Readiness {
  const { checks, loss } = databaseChecks(f);
  checks.push(check('dr-capacity', f.capacity.ready, true, f.capacity.detail));
  const wouldMiss: Readiness['wouldMiss'] = [];
  if (loss === null) checks.push(check('rpo', false, false, 'the data-loss window cannot be known (no lag or backup figure)'));
  else {
    const within = loss <= f.rpoSeconds;
    if (!within) wouldMiss.push('RPO');
    checks.push(check('rpo', within, false, `${f.posture === 'backup-restore' ? 'backup age' : 'replication lag'} ${loss} s against an RPO of ${f.rpoSeconds} s`));
  }
  if (f.rto) {
    const { targetSeconds, expectedSeconds } = f.rto;
    const within = expectedSeconds !== null && expectedSeconds <= targetSeconds;
    if (expectedSeconds !== null && !within) wouldMiss.push('RTO');
    checks.push(
      check('rto', within, false, expectedSeconds === null ? `the failover time cannot be estimated (target ${targetSeconds} s)` : `expected ${expectedSeconds} s against an RTO of ${targetSeconds} s`),
    );
  }
  const backlog = f.filestoreBacklogSeconds;
  if (backlog !== undefined) {
    const within = backlog !== null && backlog <= f.rpoSeconds;
    // An unknown backlog (the source region down, no metrics) is reported, not counted as a miss: like an unknown lag.
    if (backlog !== null && !within && !wouldMiss.includes('RPO')) wouldMiss.push('RPO');
    checks.push(check('filestore-backlog', within, false, backlog === null ? 'filestore replication backlog unknown' : `filestore replication backlog ${backlog} s against an RPO of ${f.rpoSeconds} s`));
  }
  if (f.mode === 'planned') {
    checks.push(check('primary-reachable', f.primaryReachable, true, f.primaryReachable ? 'the primary answers: it can be fenced and drained' : 'the primary does not answer: a switchover cannot drain it; use an unplanned failover'));
    // Zero loss needs the lag to drain; a lag already beyond the RPO will not drain in the switchover's time.
    // Backup-restore has no replica to drain: a planned move snapshots the fenced primary and
    // restores that snapshot, which holds every write.
    const drains = f.posture === 'backup-restore' || (loss !== null && loss <= f.rpoSeconds);
    checks.push(
      check(
        'lag-can-reach-zero',
        drains || !!f.force,
        true,
        f.posture === 'backup-restore'
          ? 'backup-restore: a snapshot of the fenced primary is taken, copied and restored, so nothing is lost'
          : drains
            ? 'replication lag is within the RPO and can drain to zero'
            : `replication lag ${loss ?? 'unknown'} s exceeds the RPO of ${f.rpoSeconds} s${f.force ? '; forced by the operator' : '; refused unless forced'}`,
      ),
    );
  }
  // No DR copy at all (a secondary taken apart, no snapshot copied yet): a failover now could not
  // restore the tenant, so both targets would be missed, which is what the readiness alarm watches.
  const noCopy = f.posture === 'backup-restore' ? !f.newestReplicatedBackupAt : !f.secondary && !f.replica;
  if (noCopy) for (const target of ['RPO', 'RTO'] as const) if (!wouldMiss.includes(target)) wouldMiss.push(target);
  const ready = checks.every((c) => c.passed || !c.blocking);
  return { ready, checks, expectedDataLossSeconds: loss, wouldMiss };
}
