/**
 * Poll loops in the workflows carry `since` (when the wait began) from one iteration to the next, so
 * a resource that never becomes ready fails the workflow after a bound instead of looping forever.
 */
import { AppError } from './errors.ts';

export function pollSince(previous: { since?: string } | undefined, now: Date): string {
  return previous?.since ?? now.toISOString();
}

export function assertWithinDeadline(what: string, since: string, now: Date, maxSeconds: number): void {
  const waited = (now.getTime() - Date.parse(since)) / 1000;
  if (waited > maxSeconds) throw new AppError('ResourceFailed', `${what} was not ready after ${Math.round(waited)} s (limit ${maxSeconds} s)`);
}
