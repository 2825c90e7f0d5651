import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { timeBoxed, type Boxed } from '#shared/lib/time-box.ts';

const never = () => new Promise<never>(() => undefined);

describe('timeBoxed', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers the value of work that finishes in time, and leaves no timer behind', async () => {
    expect(await timeBoxed(async () => ({ fenced: true }), 30, 'fencing cell-a')).toEqual({ ok: true, value: { fenced: true } });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("answers an error that names the call and AWS's error name and message, instead of throwing", async () => {
    const down = Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });

    const out = await timeBoxed(() => Promise.reject(down), 30, 'fencing odoo-cell-a in eu-west-1');

    expect(out).toEqual({ ok: false, error: 'fencing odoo-cell-a in eu-west-1: ServiceUnavailable: Service Unavailable' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers a rejection that is not an Error in words too', async () => {
    expect(await timeBoxed(() => Promise.reject('connection reset'), 30, 'reading heartbeats')).toEqual({ ok: false, error: 'reading heartbeats: Error: connection reset' });
  });

  it('answers "no answer" once the time box is over, and not a moment before', async () => {
    let settled: Boxed<never> | undefined;
    void timeBoxed(never, 30, 'unfencing acme in eu-west-1').then((b) => (settled = b));

    await vi.advanceTimersByTimeAsync(29_999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);

    expect(settled).toEqual({ ok: false, error: 'unfencing acme in eu-west-1: no answer within 30 s' });
  });

  it('ignores work that finishes after its time box is over', async () => {
    let finish: (v: string) => void = () => undefined;
    const late = timeBoxed(() => new Promise<string>((resolve) => (finish = resolve)), 5, 'scaling down acme');

    await vi.advanceTimersByTimeAsync(5000);
    finish('done');

    expect(await late).toEqual({ ok: false, error: 'scaling down acme: no answer within 5 s' });
  });

  it('answers, never throws, when the work fails before it returns a promise', async () => {
    const broken = (): Promise<string> => {
      throw Object.assign(new Error('no client for eu-west-1'), { name: 'ConfigError' });
    };

    const out = await timeBoxed(broken, 30, 'fencing acme').catch((err: unknown) => ({ threw: (err as Error).message }));

    expect(out).toEqual({ ok: false, error: 'fencing acme: ConfigError: no client for eu-west-1' });
  });
});
