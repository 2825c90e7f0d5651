/**
 * Virtual time: stands still while work is held, jumps to the earliest wake-up once everything
 * waits, wakes sleepers in order, and moves forward at once when advanced.
 */
import { describe, expect, it } from 'vitest';
import { VirtualTime } from '#local/virtual-time.ts';

const T0 = Date.parse('2026-11-30T00:00:00Z');

describe('VirtualTime', () => {
  it('jumps to each wake-up in turn once nothing else happens, however long the waits', async () => {
    // Prepare
    const time = new VirtualTime(T0);
    const woke: Array<[string, number]> = [];

    // Act
    await Promise.all([
      time.sleep(3_600_000).then(() => woke.push(['an hour', time.nowMs() - T0])),
      time.sleep(600_000).then(() => woke.push(['ten minutes', time.nowMs() - T0])),
      time.sleepUntil(T0 + 86_400_000).then(() => woke.push(['a day', time.nowMs() - T0])),
    ]);

    // Assess
    expect(woke).toEqual([
      ['ten minutes', 600_000],
      ['an hour', 3_600_000],
      ['a day', 86_400_000],
    ]);
    expect(time.pending).toBe(0);
  });

  it('stands still while work is held, and goes on once it is done', async () => {
    // Prepare
    const time = new VirtualTime(T0);
    let release!: () => void;
    const work = new Promise<void>((r) => (release = r));
    let wokeAt: number | undefined;
    const held = time.hold(work);
    const sleeper = time.sleep(1000).then(() => (wokeAt = time.nowMs()));

    // Act
    await new Promise((r) => setTimeout(r, 30));
    const whileHeld = { now: time.nowMs(), wokeAt };
    release();
    await held;
    await sleeper;

    // Assess
    expect(whileHeld).toEqual({ now: T0, wokeAt: undefined });
    expect(wokeAt).toBe(T0 + 1000);
  });

  it('lets work started by a wake-up run before the next jump', async () => {
    // Prepare
    const time = new VirtualTime(T0);
    const seen: number[] = [];
    // Each step sleeps, then "works" (held) for a few real milliseconds, then sleeps again.
    const chain = async (name: number) => {
      for (let i = 0; i < 3; i++) {
        await time.sleep(1000 * name);
        await time.hold(new Promise((r) => setTimeout(r, 5)));
        seen.push(time.nowMs() - T0);
      }
    };

    // Act
    await Promise.all([chain(1), chain(2)]);

    // Assess: virtual instants, not the order of real events, decide what comes first.
    expect(seen).toEqual([1000, 2000, 2000, 3000, 4000, 6000]);
  });

  it('moves forward at once when advanced, waking what was due by then, and never goes back', async () => {
    // Prepare
    const time = new VirtualTime(T0);
    const woke: number[] = [];
    let release!: () => void;
    void time.hold(new Promise<void>((r) => (release = r)));
    const due = time.sleep(5000).then(() => woke.push(time.nowMs() - T0));
    const later = time.sleep(20_000).then(() => woke.push(time.nowMs() - T0));

    // Act
    time.advance(10_000);
    await due;
    const past = time.sleepUntil(T0).then(() => time.nowMs() - T0);
    release();
    await later;

    // Assess: what was due wakes into the moved clock, like a resource that finished meanwhile.
    expect(woke).toEqual([10_000, 20_000]);
    expect(await past).toBe(10_000);
    expect(() => time.advance(-1)).toThrow(/forward/);
  });
});
