/**
 * The "Release at fleet scale" section of `npm run bench` (bench/run.ts runs it in a process of its
 * own). Fleet sizes come from BENCH_RELEASE_TENANTS (default 1000; `1000,5000` adds the large
 * fleet, which takes far longer than the rest of the bench: see the note printed without it), the
 * time scale from BENCH_RELEASE_TIME_SCALE.
 */
import { HISTORY_LIMIT, PAYLOAD_LIMIT, releaseAtScale, tenantUpgradeSeconds, type ReleaseScaleRun } from './release-scale.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL ??= 'silent';

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function releases(): Promise<void> {
  const sizes = (process.env.BENCH_RELEASE_TENANTS ?? '1000').split(',').map(Number).filter((n) => n > 0);
  const timeScale = Number(process.env.BENCH_RELEASE_TIME_SCALE ?? 0.05);
  const runs: ReleaseScaleRun[] = sizes.map((tenants) => ({
    tenants,
    timeScale,
    cells: 10,
    strategy: tenants >= 5000 ? { maxConcurrency: 250, maxConcurrencyPerCell: 25, bakeSeconds: 600 } : { maxConcurrency: 100, maxConcurrencyPerCell: 10, bakeSeconds: 600 },
  }));
  const upgrade = tenantUpgradeSeconds();
  const parts = Object.entries(upgrade.parts).map(([k, v]) => `${k} ${v} s`).join(' + ');
  console.log(`\n## Release at fleet scale (seeded pooled tenants in 10 cells, time scale ${timeScale}, waves 1 / 5 % / 25 % / rest, bake 600 s)\n`);
  console.log(
    `Lower bound: per wave, max(longest tenant, total work / maxConcurrency, busiest cell's work / maxConcurrencyPerCell) + one bake ` +
      `(waveLowerBoundSeconds), summed over the waves and scaled; a tenant's work is what its path waits for in the simulated cloud, ` +
      `each wait rounded up to its poll interval: ${parts} = ${upgrade.total} s. Not in it: Lambda, DynamoDB and interpreter time, ` +
      `the gate, pre-flight, verdict and completion steps, the approval call. Makespan: approval to the release's end (wall). ` +
      `CPU: this process (API, workflows, handlers, simulated cloud, DynamoDB) from approval to end. History: approximate Step Functions ` +
      `events per execution (execution, state entered/exited, 3 per Lambda task + 1 per .sync or token task, 3 per retry, 2 per Map + 2 per iteration). ` +
      `Payload: largest state input/output, task payload/result or execution input/output.\n`,
  );
  const figures = [];
  for (const run of runs) figures.push(await releaseAtScale(run));
  console.log('| tenants | caps (fleet / cell) | outcome | waves | seeding | makespan | lower bound | ratio (goal <= 1.10) | CPU per tenant | CPU busy |\n|---|---|---|---|---|---|---|---|---|---|');
  for (const f of figures) {
    const ratio = f.makespanSeconds / f.lowerBoundSeconds;
    console.log(
      `| ${f.run.tenants} | ${f.run.strategy.maxConcurrency} / ${f.run.strategy.maxConcurrencyPerCell} | ${f.status}, ${f.succeeded} succeeded | ${f.waves.join(' / ')} | ` +
        `${f.seedSeconds.toFixed(0)} s | ${f.makespanSeconds.toFixed(1)} s | ${f.lowerBoundSeconds.toFixed(1)} s | ${ratio.toFixed(2)} | ` +
        `${((f.cpuSeconds / f.run.tenants) * 1000).toFixed(0)} ms | ${((f.cpuSeconds / f.makespanSeconds) * 100).toFixed(0)} % |`,
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
  const measured = figures[0];
  if (measured && !sizes.includes(5000)) {
    // The control plane runs on one Node thread: CPU per tenant, not the time scale, bounds a large fleet's wall time.
    const minutes = (5000 * (measured.cpuSeconds + measured.seedSeconds)) / measured.run.tenants / 60;
    console.log(
      `\n5,000 tenants: not run by default. At the CPU measured above (release plus seeding) it needs about ${minutes.toFixed(0)} minutes of one core ` +
        `whatever the time scale; BENCH_RELEASE_TENANTS=1000,5000 runs it.`,
    );
  }
}


await releases();
