/**
 * The "Release at fleet scale" section of `npm run bench` (bench/run.ts runs it in a process of its
 * own). Fleet sizes come from BENCH_RELEASE_TENANTS (default `1000,5000`), the modelled Lambda
 * latency from BENCH_TASK_LATENCY_MS (default 100).
 */
import { HISTORY_LIMIT, PAYLOAD_LIMIT, releaseAtScale, tenantUpgradeSeconds, type ReleaseScaleRun } from './release-scale.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL ??= 'silent';

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function releases(): Promise<void> {
  const sizes = (process.env.BENCH_RELEASE_TENANTS ?? '1000,5000').split(',').map(Number).filter((n) => n > 0);
  const taskLatencyMs = Number(process.env.BENCH_TASK_LATENCY_MS ?? 100);
  const runs: ReleaseScaleRun[] = sizes.map((tenants) => ({
    tenants,
    taskLatencyMs,
    cells: 10,
    strategy: tenants >= 5000 ? { maxConcurrency: 250, maxConcurrencyPerCell: 25, bakeSeconds: 600 } : { maxConcurrency: 100, maxConcurrencyPerCell: 10, bakeSeconds: 600 },
  }));
  const upgrade = tenantUpgradeSeconds();
  const parts = Object.entries(upgrade.parts).map(([k, v]) => `${k} ${v} s`).join(' + ');
  console.log(`\n## Release at fleet scale (seeded pooled tenants in 10 cells, waves 1 / 5 % / 25 % / rest, bake 600 s, on virtual time)\n`);
  console.log(
    `The plane runs on virtual time: its clock stands still while this machine computes and jumps to the next wake-up once every ` +
      `workflow waits, so makespan measures the schedule the workflows make, whatever this machine's speed; each Lambda task ` +
      `takes a modelled ${taskLatencyMs} ms (BENCH_TASK_LATENCY_MS). ` +
      `Lower bound: per wave, max(longest tenant, total work / maxConcurrency, busiest cell's work / maxConcurrencyPerCell) + one bake ` +
      `(waveLowerBoundSeconds), summed over the waves; a tenant's work is what its path waits for in the simulated cloud, ` +
      `each wait rounded up to its poll interval: ${parts} = ${upgrade.total} s. Not in it: the modelled Lambda latency, ` +
      `the gate, pre-flight, verdict and completion steps. Makespan: approval to the release's end on the control plane's clock. ` +
      `Wall and CPU: this process (API, workflows, handlers, simulated cloud, DynamoDB) from approval to end. History: approximate Step Functions ` +
      `events per execution (execution, state entered/exited, 3 per Lambda task + 1 per .sync or token task, 3 per retry, 2 per Map + 2 per iteration). ` +
      `Payload: largest state input/output, task payload/result or execution input/output.\n`,
  );
  const figures = [];
  for (const run of runs) figures.push(await releaseAtScale(run));
  console.log('| tenants | caps (fleet / cell) | outcome | waves | makespan | lower bound | ratio (goal <= 1.10) | seeding (wall) | release (wall) | CPU per tenant |\n|---|---|---|---|---|---|---|---|---|---|');
  for (const f of figures) {
    const ratio = f.makespanSeconds / f.lowerBoundSeconds;
    console.log(
      `| ${f.run.tenants} | ${f.run.strategy.maxConcurrency} / ${f.run.strategy.maxConcurrencyPerCell} | ${f.status}, ${f.succeeded} succeeded | ${f.waves.join(' / ')} | ` +
        `${f.makespanSeconds.toFixed(0)} s | ${f.lowerBoundSeconds.toFixed(0)} s | ${ratio.toFixed(3)} | ` +
        `${f.seedSeconds.toFixed(0)} s | ${f.wallSeconds.toFixed(0)} s | ${((f.cpuSeconds / f.run.tenants) * 1000).toFixed(0)} ms |`,
    );
  }
  console.log('\n| tenants | executions | transitions per tenant | tasks per tenant | largest history (limit 25,000) | largest payload (limit 256 KiB) |\n|---|---|---|---|---|---|');
  for (const f of figures) {
    console.log(
      `| ${f.run.tenants} | ${f.executions} | ${f.transitionsPerTenant.toFixed(1)} | ${f.tasksPerTenant.toFixed(1)} | ` +
        `${f.largestHistory.events}${f.largestHistory.events < HISTORY_LIMIT ? '' : ' OVER'}: ${f.largestHistory.execution} | ` +
        `${kb(f.largestPayload.bytes)}${f.largestPayload.bytes < PAYLOAD_LIMIT ? '' : ' OVER'}: ${f.largestPayload.where} in ${f.largestPayload.execution} |`,
    );
  }
}

await releases();
