/**
 * The "Region failover at fleet scale" section of `npm run bench` (bench/run.ts runs it in a
 * process of its own). Fleet size from BENCH_FAILOVER_TENANTS (default 200), the units failing over
 * at once from BENCH_FAILOVER_CONCURRENCY (default 10, the configuration's default), the pooled
 * cells from BENCH_FAILOVER_CELLS (default 4, of which BENCH_FAILOVER_RESTORE_CELLS, default 1, are backup-restore), the modelled Lambda latency from BENCH_TASK_LATENCY_MS.
 * BENCH_FAILOVER_DEBUG prints each unit's start, span, chain and step timings to stderr.
 */
import { failoverAtScale, type UnitChain } from './failover-scale.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL ??= 'silent';

const tenants = Number(process.env.BENCH_FAILOVER_TENANTS ?? 200);
const maxConcurrent = Number(process.env.BENCH_FAILOVER_CONCURRENCY ?? 10);
const cells = Number(process.env.BENCH_FAILOVER_CELLS ?? 4);
const restoreCells = Number(process.env.BENCH_FAILOVER_RESTORE_CELLS ?? 1);
const taskLatencyMs = Number(process.env.BENCH_TASK_LATENCY_MS ?? 100);
const f = await failoverAtScale({ tenants, maxConcurrent, cells, restoreCells, taskLatencyMs });

const list = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ');
const chain = (c: UnitChain | undefined) => (c ? `${Object.entries(c.parts).map(([k, v]) => `${k} ${v}`).join(' + ')} = ${c.total} s` : 'none');
const s = (n: number | null) => (n === null ? 'unknown' : `${Math.round(n)} s`);

console.log(`\n## Region failover at fleet scale (one unplanned failover of the primary region, seeded tenants of every kind, on virtual time)\n`);
console.log(
  `${tenants} tenants (${list(f.mix)}) active in the primary region, which becomes unreachable; one \`POST /v1/failovers\` ` +
    `(scope region, unplanned) approved by a second person, at most ${maxConcurrent} units at once (failover.maxConcurrent); ` +
    `each Lambda task takes a modelled ${taskLatencyMs} ms. A unit is a cell (its shared global database and its tenants) or a ` +
    `dedicated tenant. Chain: what a unit waits for in the simulated cloud, each wait rounded up to its poll interval ` +
    `(cell: ${chain(f.chains.cell)}; backup-restore cell: ${chain(f.chains['cell backup-restore'])}; dedicated pilot light: ${chain(f.chains['dedicated pilot-light'])}; dedicated warm standby: ` +
    `${chain(f.chains['dedicated warm-standby'])}). Bound: max(longest chain, sum of chains / cap). Ordered schedule: the chains ` +
    `started in the failover's unit order (most critical first), each in the first slot to come free, as the Map starts them: ` +
    `what the order costs beyond the bound. RTO: the failover's, from the ` +
    `request to the last tenant verified in the DR region, on the control plane's clock (the checks before the approval included). ` +
    `Unit overhead: a unit's first step to its record, minus its chain (task latency, poll phase). CPU: this process (API, workflows, ` +
    `handlers, simulated cloud, DynamoDB) from the request to the end.\n`,
);
console.log('| tenants | outcome | units | RTO (failover) | tenant RTO max / median | bound | ratio | ordered schedule | ratio to it | request to approval | unit overhead median / max | data-loss window max / median (basis) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
console.log(
  `| ${tenants} | ${f.status}: ${list(f.outcomes)} | ${list(f.units)} | ${s(f.rtoSeconds)} | ${s(f.maxTenantRtoSeconds)} / ${s(f.medianTenantRtoSeconds)} | ` +
    `${s(f.boundSeconds)} (longest ${s(f.longestChainSeconds)}, sum ${s(f.sumOfChainsSeconds)}) | ${(f.rtoSeconds / f.boundSeconds).toFixed(3)} | ` +
    `${s(f.orderedScheduleSeconds)} | ${(f.rtoSeconds / f.orderedScheduleSeconds).toFixed(3)} | ${s(f.untilApprovalSeconds)} | ` +
    `${s(f.medianUnitOverheadSeconds)} / ${s(f.maxUnitOverheadSeconds)} | ${s(f.dataLossMaxSeconds)} / ${s(f.dataLossMedianSeconds)} (${list(f.dataLossBases)}) |`,
);
console.log('\n| criticality | slowest tenant RTO | RTO target |\n|---|---|---|');
for (const [k, v] of Object.entries(f.rtoByCriticality)) console.log(`| ${k} | ${s(v.maxSeconds)} | ${s(v.targetSeconds)} |`);
const unitCount = Object.values(f.units).reduce((a, b) => a + b, 0);
console.log('\n| tenants | executions | transitions per tenant (per unit) | tasks per tenant (per unit) | CPU per tenant | seeding (wall) | failover (wall) |\n|---|---|---|---|---|---|---|');
console.log(
  `| ${tenants} | ${f.executions} | ${f.transitionsPerTenant.toFixed(1)} (${((f.transitionsPerTenant * tenants) / unitCount).toFixed(1)}) | ` +
    `${f.tasksPerTenant.toFixed(1)} (${((f.tasksPerTenant * tenants) / unitCount).toFixed(1)}) | ${Math.round(f.cpuMsPerTenant)} ms | ${f.seedSeconds.toFixed(0)} s | ${f.wallSeconds.toFixed(0)} s |`,
);
if (f.status !== 'SUCCEEDED' || f.rtoSeconds < f.boundSeconds) {
  console.error(`failover ${f.status}; RTO ${f.rtoSeconds} s against a bound of ${f.boundSeconds} s (an RTO under the bound means the bound is wrong)`);
  process.exitCode = 1;
}
