/**
 * `npm run bench`: figures measured side by side in one run, printed as tables.
 *  1. Lambda bundles: size and cold-load time, as a ratio to a minimal middy handler.
 *  2. Local provisioning: wall time and state transitions for one tenant, then 100 at once.
 *  3. Release at fleet scale: a release over seeded tenants (1,000, then 5,000 when asked), its
 *     makespan against its lower bound, transitions and invocations per tenant, and the largest
 *     execution history and state payload against Step Functions' limits.
 *  4. Restore drills at fleet scale: one scheduled run over 500 seeded tenants, with faults: drills
 *     per hour under the concurrency cap, CPU per drill, and the leftovers (must be 0).
 *  5. Region failover at fleet scale: one unplanned failover of the primary region over 200 seeded
 *     tenants of every kind: RTO against the bound the simulated cloud and the cap set, CPU,
 *     transitions and invocations per tenant, outcomes and data-loss windows.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { apiRoutes } from '#functions/api/routes.ts';
import { startLocalControlPlane } from '#local/control-plane.ts';
import { defaultLocalFleetConfig } from '#local/fleet.local.ts';
import { OFFBOARD_TASKS } from '#statemachines/offboard.ts';
import { PROVISION_TASKS } from '#statemachines/provision.ts';
import { measureBundles } from './bundles.ts';


process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL ??= 'silent';

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function bundles(): Promise<void> {
  const entries = [...new Set([...apiRoutes.map((r) => r.entry), ...Object.values(PROVISION_TASKS), ...Object.values(OFFBOARD_TASKS)])];
  const { baseline, bundles } = await measureBundles(entries);
  console.log('\n## Lambda bundles (esbuild ESM minified; cold load = median of 5 fresh processes)\n');
  console.log(`| handler | size | x minimal | cold load | x minimal |\n|---|---|---|---|---|`);
  console.log(`| minimal middy handler | ${kb(baseline.bytes)} | 1.00 | ${baseline.coldLoadMs.toFixed(1)} ms | 1.00 |`);
  for (const b of bundles.sort((a, c) => c.bytes - a.bytes)) {
    console.log(`| ${b.entry} | ${kb(b.bytes)} | ${(b.bytes / baseline.bytes).toFixed(2)} | ${b.coldLoadMs.toFixed(1)} ms | ${(b.coldLoadMs / baseline.coldLoadMs).toFixed(2)} |`);
  }
}

async function provisioning(): Promise<void> {
  const config = defaultLocalFleetConfig();
  // Room for 100 pooled tenants at once.
  config.cells = config.cells.map((c) => ({ ...c, capacity: 200 }));
  const timeScale = Number(process.env.LOCAL_TIME_SCALE ?? 0.001);
  const plane = await startLocalControlPlane({ port: 0, timeScale, config, seed: 1 });
  const create = async (id: string) => {
    const res = await fetch(`${plane.url}/v1/tenants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: id, displayName: id, odooVersion: '17.0', profile: { criticality: 'low', customization: 'light', compliance: [], expectedUsers: 20 } }),
    });
    if (res.status !== 202) throw new Error(`create ${id}: ${res.status} ${await res.text()}`);
  };
  const run = async (label: string, ids: string[]) => {
    const before = plane.runner.listExecutions().length;
    const t0 = performance.now();
    await Promise.all(ids.map(create));
    await plane.runner.idle();
    const ms = performance.now() - t0;
    const executions = plane.runner.listExecutions().slice(before);
    const transitions = executions.reduce((n, e) => n + e.transitions, 0);
    const tasks = executions.reduce((n, e) => n + e.taskInvocations, 0);
    const ok = executions.filter((e) => e.status === 'SUCCEEDED').length;
    console.log(`| ${label} | ${ok}/${ids.length} | ${(ms / 1000).toFixed(2)} s | ${transitions} | ${(transitions / ids.length).toFixed(1)} | ${(tasks / ids.length).toFixed(1)} |`);
  };
  console.log(`\n## Local provisioning (pooled tenants, time scale ${timeScale})\n`);
  console.log('| run | succeeded | wall time | state transitions | per tenant | task invocations per tenant |\n|---|---|---|---|---|---|');
  await run('1 tenant', ['bench-one']);
  await run('100 tenants at once', Array.from({ length: 100 }, (_, i) => `bench-${String(i).padStart(3, '0')}`));
  await plane.close();
}

/**
 * In a process of its own: handler modules stay loaded between control planes in one process, and
 * those keeping a warm client (as a Lambda container does) would still talk to the closed plane.
 */
function releases(): void {
  // 5,000 tenants' records, executions and simulated workloads take about 3 GB.
  const run = spawnSync(process.execPath, ['--max-old-space-size=6144', ...process.execArgv, path.resolve('bench/release-section.ts')], { stdio: 'inherit', env: process.env });
  if (run.status !== 0) throw new Error(`release benchmark exited with ${run.status ?? run.signal}`);
}

/** In a process of its own, like the releases: PGlite and the plane's handlers stay loaded otherwise. */
function drills(): void {
  const run = spawnSync(process.execPath, ['--max-old-space-size=6144', ...process.execArgv, path.resolve('bench/drill-section.ts')], { stdio: 'inherit', env: process.env });
  if (run.status !== 0) throw new Error(`drill benchmark exited with ${run.status ?? run.signal}`);
}

/** In a process of its own, like the drills: handler modules keep warm clients to the plane they first saw. */
function failovers(): void {
  const run = spawnSync(process.execPath, [...process.execArgv, path.resolve('bench/failover-section.ts')], { stdio: 'inherit', env: process.env });
  if (run.status !== 0) throw new Error(`failover benchmark exited with ${run.status ?? run.signal}`);
}

await bundles();
await provisioning();
releases();
drills();
failovers();
