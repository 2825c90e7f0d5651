/**
 * The control plane's time. In AWS it is the system clock, and a Step Functions Wait on a
 * timestamp wakes at that very instant. Locally the control plane runs on the simulated clock,
 * which tests move forward instead of waiting for a release window, while Wait states take scaled
 * wall time: `timerDeadline` turns "wake at control-plane time `at`" into the instant the Wait
 * state (TimestampPath) must carry. Release windows, bake ends and deadlines are computed with both.
 */

export interface Clock {
  /** The control plane's now. */
  now(): Date;
  /** The instant a Step Functions Wait must use to wake at control-plane time `at`. */
  timerDeadline(at: Date): Date;
  /**
   * Now on the clock Wait states run on, to compare with instants `timerDeadline` gave (a stored
   * bake end, say). In AWS, and on virtual time, the same as `now()`; locally on the scaled wall
   * clock, the wall clock.
   */
  timerNow(): Date;
}

export const systemClock: Clock = {
  now: () => new Date(),
  timerDeadline: (at) => new Date(at.getTime()),
  timerNow: () => new Date(),
};

let current: Clock = systemClock;

export function clock(): Clock {
  return current;
}

/** The Wait instant `seconds` of control-plane time from now (a poll interval, a margin). */
export function timerAfter(seconds: number): Date {
  const c = current;
  return c.timerDeadline(new Date(c.now().getTime() + seconds * 1000));
}

/** Makes `c` the control plane's clock (the local control plane does, at start); none: the system clock. */
export function useClock(c?: Clock): void {
  current = c ?? systemClock;
}
