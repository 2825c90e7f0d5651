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
}

export const systemClock: Clock = {
  now: () => new Date(),
  timerDeadline: (at) => new Date(at.getTime()),
};

let current: Clock = systemClock;

export function clock(): Clock {
  return current;
}

/** Makes `c` the control plane's clock (the local control plane does, at start); none: the system clock. */
export function useClock(c?: Clock): void {
  current = c ?? systemClock;
}
