/**
 * A scheduled drill run over a simulated fleet, on virtual time (local/virtual-time.ts): seeded
 * pooled tenants, every one due (never drilled), one `odoo-fleet-drill-run` execution started as
 * EventBridge Scheduler would, with faults injected into some tenants' restores, measured in the
 * same run:
 * - makespan on the control plane's clock and drills per hour under the run's concurrency cap,
 *   against the bound the cap sets on the measured drill durations (max(longest drill, total drill
 *   time / cap)): the ratio says how well the run packs its drills;
 * - CPU of this process per drill (the control plane's handlers and workflows, and the simulated
 *   cloud's work, PGlite's SQL included) and Step Functions transitions and Lambda invocations per
 *   drill (what AWS would bill);
 * - outcomes, and the drill resources left in the simulated cloud after the faults (must be 0).
 */
import { writeHeartbeats } from '#functions/drill/write-heartbeats.ts';
import { startLocalControlPlane } from '#local/control-plane.ts';
import { seedTenants } from '#local/sim/seed-tenants.ts';
import { DRILL_RUN_MACHINE_NAME } from '#shared/domain/drill-names.ts';
import type { DrillRecord } from '#shared/domain/drill-types.ts';
import type { DrillRunSummary } from '#functions/drill/summarize-drill-run.ts';
import { fleetFor } from './release-scale.ts';

export interface DrillScaleRun {
  tenants: number;
  maxConcurrent: number;
  taskLatencyMs: number;
  /** Share of tenants given each fault (restore-fails, missing-attachments, stale-restore). */
  faultShare: number;
}

export interface DrillScaleFigures {
  run: DrillScaleRun;
  started: number;
  outcomes: Record<string, number>;
  makespanSeconds: number;
  boundSeconds: number;
  drillsPerHour: number;
  medianDrillSeconds: number;
  medianRtoSeconds: number;
  cpuMsPerDrill: number;
  transitionsPerDrill: number;
  tasksPerDrill: number;
  wallSeconds: number;
  seedSeconds: number;
  leftovers: number;
  notCleanedUp: number;
  faulted: number;
  faultsAsExpected: number;
}

const FAULTS = ['restore-fails', 'missing-attachments', 'stale-restore'] as const;
const EXPECTED: Record<(typeof FAULTS)[number], string> = { 'restore-fails': 'FAILED', 'missing-attachments': 'FAILED', 'stale-restore': 'BREACHED_TARGET' };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
};

export async function drillsAtScale(run: DrillScaleRun): Promise<DrillScaleFigures> {
  const config = fleetFor(run.tenants, 10);
  config.drills = { ...config.drills, maxPerRun: run.tenants, maxConcurrent: run.maxConcurrent };
  const plane = await startLocalControlPlane({ port: 0, virtualTime: true, taskLatencyMs: run.taskLatencyMs, config, seed: 1 });
  try {
    const seedStart = performance.now();
    const width = String(run.tenants - 1).length;
    const ids = Array.from({ length: run.tenants }, (_, i) => `drill-${String(i).padStart(width, '0')}`);
    // Standard criticality: RPO target 15 min, so a restore missing its newest hours breaches it.
    await seedTenants(plane, ids.map((tenantId) => ({ tenantId, criticality: 'standard' as const })));
    const heartbeats = await writeHeartbeats(plane.repo, plane.config);
    if (heartbeats.failed.length > 0) throw new Error(`heartbeats failed: ${JSON.stringify(heartbeats.failed.slice(0, 3))}`);
    const seedSeconds = (performance.now() - seedStart) / 1000;

    // Every k-th tenant gets one fault, the faults taking turns.
    const every = Math.max(1, Math.round(1 / (run.faultShare * FAULTS.length)));
    const faulted = new Map<string, (typeof FAULTS)[number]>();
    ids.forEach((id, i) => {
      if (i % every === every - 1) faulted.set(id, FAULTS[faulted.size % FAULTS.length]!);
    });
    const rules = [...faulted].map(([tenant, effect]) => ({ service: 'rds', effect, tenant }));
    const set = await fetch(`${plane.url}/_local/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules }) });
    if (set.status !== 200) throw new Error(`faults: ${set.status} ${await set.text()}`);

    // The heartbeat schedule, as in AWS: every minute of the control plane's clock while the run goes on.
    let running = true;
    const heartbeat = (async () => {
      while (running) {
        await plane.virtualTime!.sleep(60_000);
        if (running) await writeHeartbeats(plane.repo, plane.config);
      }
    })();

    const before = plane.runner.listExecutions().length;
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    const startedAt = plane.clock.nowMs();
    const execution = plane.runner.startExecution(
      plane.runner.stateMachineArn(DRILL_RUN_MACHINE_NAME),
      'bench-drills-standard',
      JSON.stringify({ criticality: 'standard', trigger: 'schedule', scheduledAt: new Date(startedAt).toISOString() }),
    );
    await execution.done;
    running = false;
    const makespanSeconds = (plane.clock.nowMs() - startedAt) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const wallSeconds = (performance.now() - wallStart) / 1000;
    if (execution.status !== 'SUCCEEDED') throw new Error(`drill run ${execution.status}: ${execution.error} ${execution.cause}`);
    const summary = JSON.parse(execution.output!) as DrillRunSummary;
    await heartbeat;

    const drills: DrillRecord[] = [];
    for (const id of ids) drills.push(...(await plane.repo.listDrills(id)).items);
    // From the restore request (the drill's first step is one task before it), not the reservation: every drill of the run is reserved at its start.
    const durations = drills.map((d) => (Date.parse(d.endedAt!) - Date.parse(d.restoreRequestedAt ?? d.startedAt)) / 1000);
    const total = durations.reduce((a, b) => a + b, 0);
    const boundSeconds = Math.max(Math.max(...durations), total / run.maxConcurrent);
    const executions = plane.runner.listExecutions().slice(before);
    const inventory = (await (await fetch(`${plane.url}/_local/cloud`)).json()) as { regions: Record<string, { rds: { clusters: { tags: Record<string, string> }[] } }> };
    const leftovers = Object.values(inventory.regions).flatMap((r) => r.rds.clusters.filter((c) => c.tags['odoo:drill'])).length;
    if (process.env.BENCH_DRILL_DEBUG) for (const d of drills.filter((x) => x.outcome !== 'PASSED')) console.error(d.tenantId, faulted.get(d.tenantId), d.outcome, d.reason);
    const faultsAsExpected = drills.filter((d) => faulted.has(d.tenantId) && d.outcome === EXPECTED[faulted.get(d.tenantId)!]).length;

    return {
      run,
      started: summary.started,
      outcomes: summary.outcomes,
      makespanSeconds,
      boundSeconds,
      drillsPerHour: summary.started / (makespanSeconds / 3600),
      medianDrillSeconds: median(durations),
      medianRtoSeconds: median(drills.flatMap((d) => (d.rtoSeconds === undefined ? [] : [d.rtoSeconds]))),
      cpuMsPerDrill: (cpu.user + cpu.system) / 1000 / Math.max(1, summary.started),
      transitionsPerDrill: executions.reduce((n, e) => n + e.transitions, 0) / Math.max(1, summary.started),
      tasksPerDrill: executions.reduce((n, e) => n + e.taskInvocations, 0) / Math.max(1, summary.started),
      wallSeconds,
      seedSeconds,
      leftovers,
      notCleanedUp: drills.filter((d) => !d.cleanedUp).length,
      faulted: faulted.size,
      faultsAsExpected,
    };
  } finally {
    await plane.close();
  }
}
