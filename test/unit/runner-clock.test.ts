/**
 * The control plane's clock: the system clock in AWS; locally the simulated clock, moved forward
 * by tests and `POST /_local/clock`, with timestamp waits scaled by the local time scale.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { handleLocalRoute } from '#local/local-routes.ts';
import type { LocalStepFunctions } from '#local/runner.ts';
import { SimClock } from '#local/sim/clock.ts';
import { clock, systemClock, useClock } from '#shared/lib/clock.ts';

const T0 = Date.parse('2025-03-30T00:30:00Z');

afterEach(() => useClock(undefined));

describe('Function: clock', () => {
  it('is the system clock unless another is registered, and a timer wakes at the very instant', () => {
    const at = new Date('2030-01-01T00:00:00Z');

    const before = Date.now();
    const now = clock().now().getTime();

    expect(clock()).toBe(systemClock);
    expect(now).toBeGreaterThanOrEqual(before);
    expect(clock().timerDeadline(at).toISOString()).toBe(at.toISOString());
  });

  it('answers with the registered clock, until it is unregistered', () => {
    const fixed = { now: () => new Date(T0), timerDeadline: (at: Date) => at, timerNow: () => new Date(T0) };

    useClock(fixed);
    const registered = clock().now().getTime();
    useClock(undefined);

    expect(registered).toBe(T0);
    expect(clock()).toBe(systemClock);
  });
});

describe('Class: SimClock', () => {
  it('moves forward by whole days without waiting, and never backwards', () => {
    const sim = new SimClock(0.001, () => new Date(T0));

    const moved = sim.advance(2 * 86_400);

    expect(moved.toISOString()).toBe('2025-04-01T00:30:00.000Z');
    expect(sim.nowMs()).toBe(T0 + 2 * 86_400_000);
    expect(() => sim.advance(-1)).toThrow(/only moves forward/);
  });

  it('turns a simulated instant into a real wake-up: the gap scaled, never in the past', () => {
    const sim = new SimClock(0.001, () => new Date(T0));
    sim.advance(3600);
    const realNow = new Date('2025-06-01T12:00:00Z');

    const inFiveHours = sim.timerDeadline(new Date(sim.nowMs() + 5 * 3_600_000), realNow);
    const past = sim.timerDeadline(new Date(T0), realNow);

    expect(inFiveHours.getTime() - realNow.getTime()).toBe(18_000);
    expect(past.getTime()).toBe(realNow.getTime());
  });
});

describe('Route: /_local/clock', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serve(sim: SimClock): Promise<string> {
    const ctx = { sim: { inventory: () => ({}), inventoryForTenant: () => [], faults: { set: () => [], clear: () => undefined, list: () => [] } }, runner: {} as LocalStepFunctions, clock: sim };
    server = createServer((req, res) => {
      void handleLocalRoute(ctx, req, res, new URL(req.url ?? '/', 'http://local')).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/_local/clock`;
  }

  it('tells the simulated now and moves it forward by advanceSeconds', async () => {
    const sim = new SimClock(0.001, () => new Date(T0));
    const url = await serve(sim);

    const read = await fetch(url);
    const moved = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 90 * 60 }) });

    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ now: '2025-03-30T00:30:00.000Z' });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toEqual({ now: '2025-03-30T02:00:00.000Z' });
    expect(sim.now().toISOString()).toBe('2025-03-30T02:00:00.000Z');
  });

  it('refuses to move the clock backwards or by something that is not a number', async () => {
    const sim = new SimClock(0.001, () => new Date(T0));
    const url = await serve(sim);

    const backwards = await fetch(url, { method: 'POST', body: JSON.stringify({ advanceSeconds: -60 }) });
    const text = await fetch(url, { method: 'POST', body: JSON.stringify({ advanceSeconds: '1h' }) });

    expect(backwards.status).toBe(400);
    expect(await backwards.json()).toMatchObject({ error: { code: 'ValidationError', details: [{ path: 'advanceSeconds' }] } });
    expect(text.status).toBe(400);
    expect(sim.nowMs()).toBe(T0);
  });
});
