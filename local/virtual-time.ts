/**
 * Virtual time for the local control plane: a clock that stands still while anything runs and,
 * once everything waits, jumps to the earliest pending wake-up. This is how a discrete-event
 * simulation measures a schedule: what the workflows wait for (Wait states, simulated cloud
 * durations, modelled Lambda latency) takes its full simulated length, and what the local
 * machine spends computing takes none, so a makespan measured on it depends on the schedule the
 * workflows make and not on how fast this machine runs them. A fleet-scale benchmark then runs
 * as fast as the CPU allows, and its figures are the same on a fast or a loaded machine.
 *
 * "Everything waits" means: no unit of work held (`hold`: a Lambda invocation, an API request) and
 * no wake-up registered for a few turns of the event loop and one millisecond of real time, so
 * work that hops through I/O between two holds (a child execution starting, a response being
 * read) is not taken for idleness. A jump that comes too early can only delay what was about to
 * run (its work then happens at a later virtual time): it never makes a figure look better.
 */

interface Sleeper {
  at: number;
  seq: number;
  wake: () => void;
}

/** Event loop turns, then real milliseconds, without any activity before time jumps. */
const SETTLE_TURNS = 4;
const SETTLE_MS = 1;

export class VirtualTime {
  private current: number;
  private readonly sleepers: Sleeper[] = [];
  private seq = 0;
  private busy = 0;
  /** Bumped by every hold, release and sleep: a settle round seeing it change starts over. */
  private epoch = 0;
  private checking = false;
  private stopped = false;

  constructor(startMs: number = Date.now()) {
    this.current = startMs;
  }

  nowMs(): number {
    return this.current;
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Wake-ups pending, for tests and diagnostics. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Resolves once virtual time reaches `atMs` (at once, on a later turn, when it already has). */
  sleepUntil(atMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.sleepers.push({ at: Math.max(atMs, this.current), seq: this.seq++, wake: resolve });
      this.touch();
    });
  }

  sleep(ms: number): Promise<void> {
    return this.sleepUntil(this.current + Math.max(0, ms));
  }

  /** Virtual time stands still until `work` settles. */
  async hold<T>(work: Promise<T>): Promise<T> {
    this.busy += 1;
    this.touch();
    try {
      return await work;
    } finally {
      this.busy -= 1;
      this.touch();
    }
  }

  /** Moves time forward by `ms` at once, waking every sleeper due by then in order (the clock of a test or `/_local/clock`). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`virtual time only moves forward: ${ms} ms`);
    const target = this.current + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > target) break;
      this.wake(next);
    }
    this.current = target;
    this.touch();
  }

  /** No more jumps: sleepers stay asleep (the plane is closing). */
  stop(): void {
    this.stopped = true;
  }

  private earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.sleepers) if (!best || s.at < best.at || (s.at === best.at && s.seq < best.seq)) best = s;
    return best;
  }

  private wake(s: Sleeper): void {
    this.sleepers.splice(this.sleepers.indexOf(s), 1);
    this.current = Math.max(this.current, s.at);
    s.wake();
  }

  private touch(): void {
    this.epoch += 1;
    if (!this.checking && !this.stopped) {
      this.checking = true;
      void this.settleAndJump();
    }
  }

  /** Waits until nothing has happened for a while, then wakes the earliest sleepers (all due at that instant). */
  private async settleAndJump(): Promise<void> {
    try {
      for (;;) {
        if (this.stopped || this.busy > 0 || this.sleepers.length === 0) return;
        const seen = this.epoch;
        for (let i = 0; i < SETTLE_TURNS; i++) await new Promise<void>((r) => setImmediate(r));
        await new Promise<void>((r) => setTimeout(r, SETTLE_MS));
        if (this.stopped || this.busy > 0 || this.sleepers.length === 0) return;
        if (this.epoch !== seen) continue;
        const first = this.earliest()!;
        const at = first.at;
        for (let s = this.earliest(); s && s.at === at; s = this.earliest()) this.wake(s);
        this.epoch += 1;
      }
    } finally {
      this.checking = false;
      // Something may have changed between the last look and now: look again.
      if (!this.stopped && this.busy === 0 && this.sleepers.length > 0) this.touch();
    }
  }
}
