/**
 * The whole control plane on one machine: DynamoDB on dynalite, S3 on s3rver, the simulated cloud
 * for everything else, the synthesized state machines on the local runner with every Task bound
 * to its handler module, and the API server on 127.0.0.1. `npm start`, the end-to-end tests and
 * the benchmarks all start it through here.
 */
import './polyfills.ts';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import { useCloud } from '#shared/cloud/clients.ts';
import { DRILL_MACHINE_NAME, DRILL_RUN_MACHINE_NAME } from '#shared/domain/drill-names.ts';
import { setFleetConfig, type FleetConfig } from '#shared/domain/fleet-config.ts';
import { useClock } from '#shared/lib/clock.ts';
import { createTable } from '#shared/store/create-table.ts';
import { serveInProcess } from '#shared/store/in-process.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { drillEvidenceBucketName } from '#infra/constructs/drills.ts';
import { REPO_ROOT } from '#infra/constructs/fleet-function.ts';
import { createLocalCloud } from './cloud-provider.ts';
import { loadDefinitions } from './definitions.ts';
import { defaultLocalFleetConfig } from './fleet.local.ts';
import { LocalStepFunctions } from './runner.ts';
import type { SimClock } from './sim/clock.ts';
import { localS3ClientConfig, startLocalS3 } from './s3.ts';
import { LocalScheduler, loadSchedules } from './scheduler.ts';
import { startApiServer } from './server.ts';
import { localSfnClient } from './sfn-client.ts';
import { handleLocalRoute } from './local-routes.ts';
import { VirtualTime } from './virtual-time.ts';
import { synthWorkflowTemplate } from './workflow-template.ts';

/** A 10-minute Aurora creation takes 3 s locally; a whole dedicated tenant provisions in seconds. */
export const DEFAULT_TIME_SCALE = 0.005;

export interface LocalControlPlaneOptions {
  port?: number;
  timeScale?: number;
  config?: FleetConfig;
  /** Seed of the fault injector's random numbers, for repeatable runs. */
  seed?: number;
  /**
   * Run on virtual time (local/virtual-time.ts) instead of the scaled wall clock: every simulated
   * duration and Wait takes its full length on a clock that stands still while the machine works
   * and jumps when everything waits. For measuring schedules (the benchmarks); `timeScale` is then 1.
   */
  virtualTime?: boolean;
  /** On virtual time: virtual milliseconds each Lambda task takes (AWS's invoke and transition latency, modelled). */
  taskLatencyMs?: number;
  /**
   * Fire the template's EventBridge Scheduler schedules on the control plane's clock (drill runs,
   * heartbeats, the sweeper). Off, they are still listed and can be fired on demand
   * (`POST /_local/schedules/{name}/run`). @default the `LOCAL_SCHEDULES` variable (`1` or `0`), else off
   */
  schedules?: boolean;
}

export interface LocalControlPlane {
  url: string;
  config: FleetConfig;
  sim: ReturnType<typeof createLocalCloud>['sim'];
  runner: LocalStepFunctions;
  repo: FleetRepository;
  /** The control plane's clock (`clock()` of every handler): simulated, moved forward with `advance(seconds)`. */
  clock: SimClock;
  /** The virtual time the plane runs on, when it does. */
  virtualTime?: VirtualTime;
  /** The template's schedules; firing on the clock only when started with `schedules`. */
  scheduler: LocalScheduler;
  close(): Promise<void>;
}

function setDefaultEnv(): void {
  const defaults: Record<string, string> = {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: 'odoo-fleet-local',
  };
  for (const [k, v] of Object.entries(defaults)) process.env[k] ??= v;
  process.env.FLEET_LOCAL = '1';
}

export async function startLocalControlPlane(options: LocalControlPlaneOptions = {}): Promise<LocalControlPlane> {
  setDefaultEnv();
  const virtualTime = options.virtualTime ? new VirtualTime() : undefined;
  const timeScale = virtualTime ? 1 : (options.timeScale ?? Number(process.env.LOCAL_TIME_SCALE ?? DEFAULT_TIME_SCALE));
  if (!(timeScale > 0)) throw new Error(`LOCAL_TIME_SCALE must be a positive number, got ${process.env.LOCAL_TIME_SCALE}`);
  const config = options.config ?? defaultLocalFleetConfig();
  setFleetConfig(config);
  const region = config.primaryRegion;

  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', () => resolve()));
  process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  // This process's own clients skip the socket; anything else still reaches dynalite over HTTP.
  serveInProcess(process.env.AWS_ENDPOINT_URL_DYNAMODB, dynamo);
  const repo = FleetRepository.fromEnv();
  await createTable(process.env.TABLE_NAME!);

  const s3 = await startLocalS3();
  // The stack's own drill evidence bucket; the simulated cloud knows only the fleet's buckets.
  const evidenceBucket = drillEvidenceBucketName(config.namePrefix, config.accountId, region);
  process.env.EVIDENCE_BUCKET = evidenceBucket;
  await createBucket(s3.endpoint, region, evidenceBucket);
  const template = synthWorkflowTemplate(config);
  const definitions = loadDefinitions(template, region);
  const runner = new LocalStepFunctions({
    region,
    definitions,
    timeScale,
    repoRoot: REPO_ROOT,
    time: virtualTime,
    taskLatencyMs: options.taskLatencyMs,
    pathWaitMs: () => Math.round(config.offboardGraceSeconds * 1000 * timeScale),
  });
  process.env.PROVISION_STATE_MACHINE_ARN = runner.stateMachineArn('odoo-fleet-provision');
  process.env.OFFBOARD_STATE_MACHINE_ARN = runner.stateMachineArn('odoo-fleet-offboard');
  process.env.RELEASE_STATE_MACHINE_ARN = runner.stateMachineArn('odoo-fleet-release');
  process.env.DRILL_STATE_MACHINE_ARN = runner.stateMachineArn(DRILL_MACHINE_NAME);
  process.env.DRILL_RUN_STATE_MACHINE_ARN = runner.stateMachineArn(DRILL_RUN_MACHINE_NAME);
  process.env.FAILOVER_STATE_MACHINE_ARN = runner.stateMachineArn('odoo-fleet-failover');

  const { provider, sim } = createLocalCloud({
    config,
    timeScale,
    s3Endpoint: s3.endpoint,
    sfn: (r: string) => localSfnClient(runner, r),
    seed: options.seed,
    virtualTime,
  });
  useCloud(provider);
  // Handlers read the simulated clock, so a test (or POST /_local/clock) can open a release window
  // or end a freeze without waiting; a Wait until control-plane time `at` takes the scaled gap.
  useClock({ now: () => sim.clock.now(), timerDeadline: (at) => sim.clock.timerDeadline(at), timerNow: () => (virtualTime ? virtualTime.now() : new Date()) });

  const scheduler = new LocalScheduler({
    schedules: loadSchedules(template, { region, account: config.accountId, stateMachineArn: (name) => runner.stateMachineArn(name) }),
    runner,
    repoRoot: REPO_ROOT,
    clock: sim.clock,
    virtualTime,
    region,
    account: config.accountId,
  });
  if (options.schedules ?? process.env.LOCAL_SCHEDULES === '1') scheduler.start();

  const server = await startApiServer({
    port: options.port ?? Number(process.env.PORT ?? 8787),
    host: '127.0.0.1',
    extraRoutes: (req, res, url) => handleLocalRoute({ sim, runner, clock: sim.clock, scheduler }, req, res, url),
    hold: virtualTime ? (work) => virtualTime.hold(work) : undefined,
  });

  return {
    url: server.url,
    config,
    sim,
    runner,
    repo,
    clock: sim.clock,
    virtualTime,
    scheduler,
    async close() {
      await server.close();
      await scheduler.stop();
      // A release may be waiting for an approval or a window: stop what still runs rather than wait.
      await runner.shutdown().catch(() => undefined);
      virtualTime?.stop();
      useCloud(undefined);
      useClock(undefined);
      await s3.stop();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}


async function createBucket(endpoint: string, region: string, bucket: string): Promise<void> {
  const client = new S3Client(localS3ClientConfig(endpoint, region));
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if ((err as Error).name !== 'BucketAlreadyOwnedByYou' && (err as Error).name !== 'BucketAlreadyExists') throw err;
  } finally {
    client.destroy();
  }
}
