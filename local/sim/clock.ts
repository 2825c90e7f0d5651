/**
 * Simulated time. Every duration is what AWS or Kubernetes typically takes, multiplied by the time
 * scale; states are computed from timestamps when read, so a test can move an injected clock
 * forward instead of sleeping.
 */

/** Typical real durations, in seconds, before scaling. */
export const DURATIONS = {
  auroraClusterCreate: 600,
  auroraClusterDelete: 300,
  auroraInstanceCreate: 480,
  auroraInstanceDelete: 240,
  clusterSnapshotCreate: 120,
  /** A cluster snapshot copied into another region (a small cell's storage; large ones take hours). */
  clusterSnapshotCopy: 1200,
  nodegroupCreate: 300,
  nodegroupUpdate: 90,
  nodegroupDelete: 150,
  deploymentReady: 30,
  namespaceTerminate: 10,
  initJob: 60,
  upgradeJob: 90,
  dumpJob: 20,
  otherJob: 30,
  route53Propagation: 60,
  /** A force-deleted secret lingers briefly before its name can be reused. */
  secretPurge: 30,
  /** How long a call into an unreachable region hangs before it times out. */
  unreachableTimeout: 10,
  /** A planned switchover of an Aurora global database (once the secondary has caught up). */
  globalSwitchover: 120,
  /** An unplanned failover of an Aurora global database (AllowDataLoss). */
  globalFailover: 60,
  /** Promoting a cross-region read replica cluster (or detaching a global secondary) to a standalone writer. */
  replicaPromote: 300,
} as const;

export type DurationName = keyof typeof DURATIONS;

/** Slow migrations (an injected fault) take this many times longer. */
export const SLOW_FACTOR = 10;

/**
 * What the simulated clock runs on when it is not the wall clock: virtual time
 * (local/virtual-time.ts), which stands still while the machine works and jumps to the next wake-up.
 */
export interface SimTimeSource {
  nowMs(): number;
  advance(ms: number): void;
}

export class SimClock {
  /** How far the clock has been moved ahead of its source, in milliseconds. */
  private offsetMs = 0;

  constructor(
    readonly timeScale: number,
    private readonly clock: () => Date = () => new Date(),
    /** On virtual time, this clock is virtual time: moving it wakes what waits, timers need no scaling. */
    private readonly virtual?: SimTimeSource,
  ) {
    if (!(timeScale > 0)) throw new Error(`timeScale must be positive, got ${timeScale}`);
  }

  /** Whether the clock is virtual time rather than the (scaled) wall clock. */
  get isVirtual(): boolean {
    return this.virtual !== undefined;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    if (this.virtual) return this.virtual.nowMs();
    return this.clock().getTime() + this.offsetMs;
  }

  /**
   * Moves simulated time forward (a release window opens, a freeze ends) without waiting for it.
   * Resources in progress see the jump too: what would have finished by then has finished.
   */
  advance(seconds: number): Date {
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`the clock only moves forward: ${seconds} seconds`);
    if (this.virtual) this.virtual.advance(seconds * 1000);
    else this.offsetMs += seconds * 1000;
    return this.now();
  }

  /** Where a Wait on a timestamp must wake, in real time, to wake at simulated time `at`: the gap is scaled like every duration. */
  timerDeadline(at: Date, realNow: Date = new Date()): Date {
    // On virtual time a Wait sleeps on this very clock, unscaled (virtual time runs at scale 1).
    if (this.virtual) return new Date(at.getTime());
    const gapMs = (at.getTime() - this.nowMs()) * this.timeScale;
    return new Date(realNow.getTime() + Math.max(0, gapMs));
  }

  iso(): string {
    return this.now().toISOString();
  }

  /** Scaled milliseconds of a typical duration. */
  scaledMs(seconds: number): number {
    return seconds * 1000 * this.timeScale;
  }

  /** The moment (epoch ms) a duration started now ends. */
  after(duration: DurationName | number, factor = 1): number {
    const seconds = typeof duration === 'number' ? duration : DURATIONS[duration];
    return this.nowMs() + this.scaledMs(seconds * factor);
  }

  /** A real wait of a scaled duration (only for effects that must take wall time, like a timeout). */
  sleep(duration: DurationName): Promise<void> {
    const ms = this.scaledMs(DURATIONS[duration]);
    // On virtual time the caller holds time still (it runs inside a Lambda invocation), so a sleep
    // there would never end: the effect comes at once, and takes no virtual time. Known limit.
    if (this.virtual) return Promise.resolve();
    return new Promise((resolve) => setTimeout(resolve, Math.min(ms, 30_000)));
  }
}
