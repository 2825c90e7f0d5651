/**
 * An unplanned failover of a whole region over a simulated fleet, on virtual time
 * (local/virtual-time.ts): seeded tenants of every kind (pooled standard in cells with an Aurora
 * global database, pooled low in a backup-restore cell restored from its snapshot copy, and the
 * rest of them with the standard ones; dedicated standard in pilot light, dedicated critical in
 * warm standby),
 * all active in the primary region; that region goes dark (every call into it hangs, then times
 * out); an SRE asks for the failover through the API and a second one approves it. Measured in the
 * same run:
 * - time to all tenants verified in the DR region, on the control plane's clock: the failover's
 *   RTO (request to the last tenant verified) and the tenants' own RTOs;
 * - the bound the simulated cloud and the concurrency cap set: per unit, the durations its chain
 *   waits for in the simulated cloud (a headless secondary's writer instance, the global
 *   database's failover, or a backup-restore cell's restore; a node group in the DR region, the
 *   pods becoming ready), each rounded up
 *   to its poll interval; bound = max(longest chain, sum of chains / `failover.maxConcurrent`);
 * - CPU of this process per tenant, Step Functions transitions and Lambda invocations per tenant;
 * - outcomes, data-loss windows with their basis, units by kind.
 *
 * Tenants are seeded (local/sim/seed-tenants.ts), not provisioned, as in the release benchmark.
 */
import { writeHeartbeats } from '#functions/drill/write-heartbeats.ts';
import { startLocalControlPlane, type LocalControlPlane } from '#local/control-plane.ts';
import { DURATIONS } from '#local/sim/clock.ts';
import { RESTORE_SECONDS } from '#local/sim/rds-restores.ts';
import { keepCellSnapshotCopies } from '#shared/cloud/cell-snapshot-copies.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { seedTenants, type SeedTenantSpec } from '#local/sim/seed-tenants.ts';
import type { Failover, FailoverTenant } from '#shared/domain/failover-types.ts';
import type { FailoverUnit } from '#shared/domain/failover-plan.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { otherRegion } from '#shared/domain/fleet-lookup.ts';
import { names } from '#shared/domain/names.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { tenantSide, unitTarget } from '#shared/lib/failover-unit-target.ts';
import { failoverPollInterval } from '#statemachines/policies.ts';
import { call, fleetFor } from './release-scale.ts';

const REQUESTER = 'alice@ops';
const APPROVER = 'bob@ops';

export interface FailoverScaleRun {
  tenants: number;
  /** Units failing over at once (`failover.maxConcurrent`). */
  maxConcurrent: number;
  /** Virtual milliseconds each Lambda task takes: AWS's invoke and state transition latency, modelled. */
  taskLatencyMs: number;
  /** Pooled cells sharing the pooled tenants. */
  cells: number;
  /** How many of them are backup-restore (no global database: restored from snapshot copies); they take the low tenants first. */
  restoreCells: number;
}

/** What one unit's chain waits for in the simulated cloud, in seconds, each wait rounded up to its poll interval. */
export interface UnitChain {
  key: string;
  kind: UnitKind;
  tenants: number;
  parts: Record<string, number>;
  total: number;
}

export type UnitKind = 'cell' | 'cell backup-restore' | 'dedicated pilot-light' | 'dedicated warm-standby';

export interface FailoverScaleFigures {
  run: FailoverScaleRun;
  /** Tenants by criticality and model, as seeded. */
  mix: Record<string, number>;
  status: string;
  outcomes: Record<string, number>;
  units: Record<UnitKind, number>;
  /** Per unit kind: the chain of its first unit (parts and total), for the table's legend. */
  chains: Partial<Record<UnitKind, UnitChain>>;
  /** Seconds on the control plane's clock from the request to the approval (the checks ran in between). */
  untilApprovalSeconds: number;
  /** The failover's RTO: request to the last tenant verified. */
  rtoSeconds: number;
  maxTenantRtoSeconds: number;
  medianTenantRtoSeconds: number;
  longestChainSeconds: number;
  sumOfChainsSeconds: number;
  boundSeconds: number;
  /** The chains run as the Map runs the units: in the failover's order (most critical first), each in the first free slot. */
  orderedScheduleSeconds: number;
  /** Per criticality: the slowest tenant's RTO and the tightest target. */
  rtoByCriticality: Record<string, { maxSeconds: number; targetSeconds: number }>;
  /** Per unit, its first step's start to its record, minus its chain: what the workflow adds (task latency, poll phase). */
  medianUnitOverheadSeconds: number;
  maxUnitOverheadSeconds: number;
  dataLossMaxSeconds: number | null;
  dataLossMedianSeconds: number | null;
  dataLossBases: Record<string, number>;
  cpuMsPerTenant: number;
  transitionsPerTenant: number;
  tasksPerTenant: number;
  executions: number;
  seedSeconds: number;
  wallSeconds: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
};

const count = <T>(xs: T[], key: (x: T) => string) => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [key(x)]: (m[key(x)] ?? 0) + 1 }), {});

/** A wait on a resource of `seconds`, polled every `interval`: ready at the first poll after it. */
const polled = (seconds: number, interval: number) => (seconds <= 0 ? 0 : Math.ceil(seconds / interval) * interval);

/**
 * When the last of `durations` ends if each starts, in the order given, in the first of `slots`
 * to come free: what a Map state with that MaxConcurrency makes of them.
 */
export function orderedSchedule(durations: readonly number[], slots: number): number {
  const free = Array.from({ length: Math.min(slots, durations.length) }, () => 0);
  for (const d of durations) {
    const i = free.indexOf(Math.min(...free));
    free[i]! += d;
  }
  return Math.max(0, ...free);
}

/**
 * `fleetFor`'s cells, each with its own DR copy named as local/fleet.local.ts names it (the seed
 * checks the names against what the simulated AWS gives): a global database, the headless
 * secondary and the master secret's replica in the DR region, the DR EKS cluster, the DR bucket.
 */
/** `fleetFor` (every cell with its DR copy) with the run's concurrency cap; the last `restoreCells` cells are backup-restore, for low tenants only. */
export function failoverFleetFor(run: FailoverScaleRun): FleetConfig {
  const config = fleetFor(run.tenants, run.cells);
  config.failover = { ...config.failover, maxConcurrent: run.maxConcurrent };
  config.cells = config.cells.map((c, i) => {
    if (i < run.cells - run.restoreCells || !c.dr) return c;
    const { globalClusterIdentifier: _global, ...dr } = c.dr;
    return { ...c, accepts: ['low'], dr };
  });
  return config;
}

/**
 * The fleet's mix, tenant by tenant, in twentieths: 1 critical (dedicated, warm standby), 1
 * standard with heavy customization (dedicated, pilot light), 6 standard and 12 low (pooled).
 */
export function failoverFleetSpecs(tenants: number): SeedTenantSpec[] {
  const width = String(tenants - 1).length;
  return Array.from({ length: tenants }, (_, i): SeedTenantSpec => {
    const tenantId = `fo-${String(i).padStart(width, '0')}`;
    const slot = i % 20;
    if (slot === 0) return { tenantId, criticality: 'critical' };
    if (slot === 1) return { tenantId, criticality: 'standard', customization: 'heavy' };
    if (slot < 8) return { tenantId, criticality: 'standard' };
    return { tenantId, criticality: 'low' };
  });
}

/**
 * One unit's chain, from what the simulated cloud holds before the failover (not from the tenant's
 * posture alone): the DR secondary has no instance -> a writer instance (`auroraInstanceCreate`);
 * the global database's unplanned failover (`globalFailover`); a dedicated tenant without a node
 * group in the DR region -> its creation (`nodegroupCreate`), or one at its standby size (warm
 * standby: one node) -> its update to the tenant's size (`nodegroupUpdate`); the pods (`deploymentReady`). The fence, the old primary's reads and the DNS
 * change add nothing: on virtual time an unreachable region answers at once, and the probe needs
 * the record, not its propagation.
 */
export function unitChain(plane: LocalControlPlane, unit: FailoverUnit, tenants: Tenant[], from: string, to: string): UnitChain {
  const { config, sim } = plane;
  const promote = failoverPollInterval.promote.toSeconds();
  const compute = failoverPollInterval.compute.toSeconds();
  const target = unitTarget(config, unit, tenants, from, to);
  const store = sim.region(to).rds.store;
  const instances = [...store.instances.values()].filter((i) => i.clusterIdentifier === target.to.clusterIdentifier && i.goneAt === undefined).length;
  const parts: Record<string, number> = {};
  if (target.posture === 'backup-restore') {
    // Restored from the copy already there; its writer instance is asked for with the restore and is ready first.
    parts.restore = polled(Math.max(RESTORE_SECONDS, DURATIONS.auroraInstanceCreate), promote);
  } else {
    if (instances === 0) parts.writerInstance = polled(DURATIONS.auroraInstanceCreate, promote);
    parts.globalFailover = polled(DURATIONS.globalFailover, promote);
  }
  const first = tenants[0]!;
  if (unit.kind === 'dedicated') {
    const eksCluster = tenantSide(config, first, to).eksCluster;
    const ng = sim.region(to).eks.clusters.get(eksCluster)?.nodegroups.get(names.nodegroupName(first.tenantId, config.namePrefix));
    if (!ng || ng.goneAt !== undefined) parts.nodegroup = polled(DURATIONS.nodegroupCreate, compute);
    else {
      // Scaled down (warm standby keeps one node, pilot light none): any change to the tenant's size is an update.
      const want = first.placement.resources.kind === 'dedicated' ? first.placement.resources.nodeGroup : undefined;
      const same = want && ng.scaling.minSize === want.minSize && ng.scaling.desiredSize === want.desiredSize && ng.scaling.maxSize === want.maxSize;
      if (!same) parts.nodegroup = polled(DURATIONS.nodegroupUpdate, compute);
    }
  }
  parts.pods = polled(DURATIONS.deploymentReady, compute);
  const kind: UnitKind = unit.kind === 'cell' ? (target.posture === 'backup-restore' ? 'cell backup-restore' : 'cell') : first.placement.drPosture === 'warm-standby' ? 'dedicated warm-standby' : 'dedicated pilot-light';
  return { key: unit.key, kind, tenants: unit.tenantIds.length, parts, total: Object.values(parts).reduce((a, b) => a + b, 0) };
}

type View = { failover: Failover; tenants: FailoverTenant[] };

async function view(plane: LocalControlPlane, failoverId: string): Promise<View> {
  const res = await call<View>(plane, 'GET', `/v1/failovers/${failoverId}`, REQUESTER);
  if (res.status !== 200) throw new Error(`GET failover ${failoverId}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function awaitApprovalRequest(plane: LocalControlPlane, failoverId: string): Promise<Failover> {
  for (;;) {
    const { failover } = await view(plane, failoverId);
    if (failover.status === 'AWAITING_APPROVAL' || failover.endedAt) return failover;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function failoverAtScale(run: FailoverScaleRun): Promise<FailoverScaleFigures> {
  const config = failoverFleetFor(run);
  const plane = await startLocalControlPlane({ port: 0, virtualTime: true, taskLatencyMs: run.taskLatencyMs, config, seed: 1 });
  try {
    const from = config.primaryRegion;
    const to = otherRegion(config, from);
    const seedStart = performance.now();
    const seeded = await seedTenants(plane, failoverFleetSpecs(run.tenants));
    // The newest committed data on both sides before the outage: what a data-loss window is measured against.
    const heartbeats = await writeHeartbeats(plane.repo, plane.config);
    if (heartbeats.failed.length > 0) throw new Error(`heartbeats failed: ${JSON.stringify(heartbeats.failed.slice(0, 3))}`);
    plane.clock.advance(5);
    // The backup-restore cells' snapshot copies in the DR region, as the scheduled job keeps them.
    for (let i = 0; i < 100 && config.cells.some((c) => c.dr && !c.dr.globalClusterIdentifier); i++) {
      const run = await keepCellSnapshotCopies(plane.repo, config, cloud(), plane.clock.now(), to);
      if (run.cells.every((c) => c.copyAgeSeconds !== null)) break;
      plane.clock.advance(60);
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const mix = count(seeded, (t) => `${t.profile.criticality} ${t.placement.model}${t.placement.model === 'dedicated' ? ` ${t.placement.drPosture}` : ''}`);
    const byId = new Map(seeded.map((t) => [t.tenantId, t]));

    // The primary region goes dark: every call into it hangs, then times out.
    const set = await fetch(`${plane.url}/_local/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: [{ service: '*', region: from, effect: 'unreachable' }] }) });
    if (set.status !== 200) throw new Error(`faults: ${set.status} ${await set.text()}`);

    const before = plane.runner.listExecutions().length;
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    const created = await call<View>(plane, 'POST', '/v1/failovers', REQUESTER, { scope: 'region', fromRegion: from, toRegion: to, mode: 'unplanned', reason: `${from} is down` });
    if (created.status !== 202) throw new Error(`create failover: ${created.status} ${JSON.stringify(created.body)}`);
    const failoverId = created.body.failover.failoverId;
    const awaiting = await awaitApprovalRequest(plane, failoverId);
    if (awaiting.status !== 'AWAITING_APPROVAL') throw new Error(`failover ${failoverId} ended before its approval: ${awaiting.status} ${awaiting.statusReason ?? ''}`);
    // The chains from the simulated cloud as the units find it, before anything is promoted.
    const chains = awaiting.units.map((u) => unitChain(plane, u, u.tenantIds.map((id) => byId.get(id)!), from, to));
    const untilApprovalSeconds = (plane.clock.nowMs() - Date.parse(awaiting.createdAt)) / 1000;
    const approved = await call(plane, 'POST', `/v1/failovers/${failoverId}/approve`, APPROVER, {});
    if (approved.status !== 200) throw new Error(`approve: ${approved.status} ${JSON.stringify(approved.body)}`);
    const execution = plane.runner.listExecutions().find((e) => e.executionArn === awaiting.executionArn);
    if (!execution) throw new Error(`failover ${failoverId}: no execution ${awaiting.executionArn}`);
    await execution.done;
    await plane.runner.idle();
    const cpu = process.cpuUsage(cpuStart);
    const wallSeconds = (performance.now() - wallStart) / 1000;

    const { failover, tenants } = await view(plane, failoverId);
    const rtos = tenants.flatMap((t) => (t.rtoSeconds === undefined ? [] : [t.rtoSeconds]));
    const windows = tenants.flatMap((t) => (typeof t.dataLossWindowSeconds === 'number' ? [t.dataLossWindowSeconds] : []));
    const totals = chains.map((c) => c.total);
    const sumOfChainsSeconds = totals.reduce((a, b) => a + b, 0);
    const longestChainSeconds = Math.max(...totals);
    const overheads = chains.flatMap((c) => {
      const steps = tenants.filter((t) => t.unit === c.key).flatMap((t) => t.steps);
      const start = Math.min(...steps.map((s) => Date.parse(s.startedAt)));
      const end = Math.max(...steps.map((s) => Date.parse(s.endedAt ?? s.startedAt)));
      return steps.length === 0 ? [] : [(end - start) / 1000 - c.total];
    });
    if (process.env.BENCH_FAILOVER_DEBUG) {
      const approvedAt = Date.parse(failover.approvedAt ?? failover.createdAt);
      for (const c of chains) {
        const mine = tenants.filter((t) => t.unit === c.key);
        const steps = mine.flatMap((t) => t.steps);
        const start = Math.min(...steps.map((x) => Date.parse(x.startedAt)));
        const end = Math.max(...steps.map((x) => Date.parse(x.endedAt ?? x.startedAt)));
        const stepTimes = mine[0]!.steps.map((x) => `${x.name} +${((Date.parse(x.startedAt) - start) / 1000).toFixed(1)}..+${((Date.parse(x.endedAt ?? x.startedAt) - start) / 1000).toFixed(1)}`).join(', ');
        console.error(`${c.key} ${c.kind} x${c.tenants}: starts +${((start - approvedAt) / 1000).toFixed(1)} s, span ${((end - start) / 1000).toFixed(1)} s, chain ${c.total} s, window ${mine[0]!.dataLossWindowSeconds} s; ${stepTimes}`);
      }
    }
    const rtoByCriticality: FailoverScaleFigures['rtoByCriticality'] = {};
    for (const t of tenants) {
      const seededTenant = byId.get(t.tenantId)!;
      const c = (rtoByCriticality[seededTenant.profile.criticality] ??= { maxSeconds: 0, targetSeconds: seededTenant.placement.rtoSeconds });
      c.maxSeconds = Math.max(c.maxSeconds, t.rtoSeconds ?? Number.POSITIVE_INFINITY);
      c.targetSeconds = Math.min(c.targetSeconds, seededTenant.placement.rtoSeconds);
    }
    const executions = plane.runner.listExecutions().slice(before);
    const units: Record<UnitKind, number> = { cell: 0, 'cell backup-restore': 0, 'dedicated pilot-light': 0, 'dedicated warm-standby': 0 };
    const firstChains: Partial<Record<UnitKind, UnitChain>> = {};
    for (const c of chains) {
      units[c.kind] += 1;
      firstChains[c.kind] ??= c;
    }
    return {
      run,
      mix,
      status: failover.status,
      outcomes: count(tenants, (t) => t.outcome),
      units,
      chains: firstChains,
      untilApprovalSeconds,
      rtoSeconds: failover.rtoSeconds ?? Number.NaN,
      maxTenantRtoSeconds: Math.max(...rtos),
      medianTenantRtoSeconds: median(rtos),
      longestChainSeconds,
      sumOfChainsSeconds,
      boundSeconds: Math.max(longestChainSeconds, sumOfChainsSeconds / run.maxConcurrent),
      orderedScheduleSeconds: orderedSchedule(totals, run.maxConcurrent),
      rtoByCriticality,
      medianUnitOverheadSeconds: median(overheads),
      maxUnitOverheadSeconds: Math.max(...overheads),
      dataLossMaxSeconds: windows.length ? Math.max(...windows) : null,
      dataLossMedianSeconds: windows.length ? median(windows) : null,
      dataLossBases: count(tenants, (t) => t.dataLossBasis ?? 'none'),
      cpuMsPerTenant: (cpu.user + cpu.system) / 1000 / run.tenants,
      transitionsPerTenant: executions.reduce((n, e) => n + e.transitions, 0) / run.tenants,
      tasksPerTenant: executions.reduce((n, e) => n + e.taskInvocations, 0) / run.tenants,
      executions: executions.length,
      seedSeconds,
      wallSeconds,
    };
  } finally {
    await plane.close();
  }
}
