/**
 * A simulated cloud for one test file: s3rver in a temporary directory, the local provider over
 * the default local fleet, and a clock the test moves forward instead of sleeping.
 */
import { createLocalCloud } from '#local/cloud-provider.ts';
import { defaultLocalFleetConfig } from '#local/fleet.local.ts';
import { startLocalS3, type LocalS3 } from '#local/s3.ts';
import type { CloudProvider } from '#shared/cloud/clients.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import type { SimCloud } from '#local/sim/sim-cloud.ts';

export const TIME_SCALE = 0.001;
export const PRIMARY = 'eu-west-1';
export const DR = 'eu-central-1';

/** A clock that moves only when told; `advance` takes unscaled seconds, as AWS would take them. */
export class ManualClock {
  private t = Date.parse('2026-03-01T09:00:00Z');
  constructor(private readonly timeScale: number) {}
  now = (): Date => new Date(this.t);
  advance(seconds: number): void {
    this.t += seconds * 1000 * this.timeScale;
  }
}

export interface SimHarness {
  provider: CloudProvider;
  sim: SimCloud;
  clock: ManualClock;
  config: FleetConfig;
  s3: LocalS3;
  stop(): Promise<void>;
}

export async function startSim(options: { seed?: number } = {}): Promise<SimHarness> {
  const s3 = await startLocalS3();
  const config = defaultLocalFleetConfig();
  const clock = new ManualClock(TIME_SCALE);
  const { provider, sim } = createLocalCloud({ config, timeScale: TIME_SCALE, s3Endpoint: s3.endpoint, now: clock.now, seed: options.seed ?? 7 });
  return { provider, sim, clock, config, s3, stop: () => s3.stop() };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { $fault?: string; $metadata?: unknown; status?: number }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { $fault?: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
