/**
 * The "Restore drills at fleet scale" section of `npm run bench` (bench/run.ts runs it in a process
 * of its own). Fleet size from BENCH_DRILL_TENANTS (default 500), the run's concurrency cap from
 * BENCH_DRILL_CONCURRENCY (default 25), the modelled Lambda latency from BENCH_TASK_LATENCY_MS.
 */
import { drillsAtScale } from './drill-scale.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL ??= 'silent';

const tenants = Number(process.env.BENCH_DRILL_TENANTS ?? 500);
const maxConcurrent = Number(process.env.BENCH_DRILL_CONCURRENCY ?? 25);
const taskLatencyMs = Number(process.env.BENCH_TASK_LATENCY_MS ?? 100);
const f = await drillsAtScale({ tenants, maxConcurrent, taskLatencyMs, faultShare: 0.02 });
const h = (s: number) => `${(s / 3600).toFixed(2)} h`;

console.log(`\n## Restore drills at fleet scale (one scheduled run, seeded pooled tenants, all due, on virtual time)\n`);
console.log(
  `One \`odoo-fleet-drill-run\` execution over ${tenants} standard tenants, at most ${maxConcurrent} drills at once ` +
    `(drills.maxConcurrent); each Lambda task takes a modelled ${taskLatencyMs} ms. ${f.faulted} tenants get a fault ` +
    `(restore-fails, missing-attachments, stale-restore in turn). Bound: max(longest drill, sum of the measured drill durations / cap): ` +
    `what the cap allows with these drills; the ratio is how well the run packs them. CPU: this process (handlers, workflows, ` +
    `simulated cloud and its PGlite SQL). Leftovers: drill clusters in the simulated cloud once the run has ended (must be 0).\n`,
);
console.log('| drills | outcomes | makespan | bound | ratio | drills per hour | median drill | median RTO | CPU per drill | transitions / tasks per drill | faults as expected | leftovers | wall |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
console.log(
  `| ${f.started} | ${Object.entries(f.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')} | ${h(f.makespanSeconds)} | ${h(f.boundSeconds)} | ${(f.makespanSeconds / f.boundSeconds).toFixed(3)} | ` +
    `${f.drillsPerHour.toFixed(1)} | ${Math.round(f.medianDrillSeconds)} s | ${Math.round(f.medianRtoSeconds)} s | ${Math.round(f.cpuMsPerDrill)} ms | ` +
    `${f.transitionsPerDrill.toFixed(1)} / ${f.tasksPerDrill.toFixed(1)} | ${f.faultsAsExpected}/${f.faulted} | ${f.leftovers} (not confirmed: ${f.notCleanedUp}) | ${f.wallSeconds.toFixed(0)} s |`,
);
if (f.leftovers !== 0 || f.notCleanedUp !== 0) {
  console.error(`drill leftovers after the run: ${f.leftovers} clusters, ${f.notCleanedUp} drills not confirmed cleaned up`);
  process.exitCode = 1;
}
