/**
 * A release over a large simulated fleet, through the local control plane's API as an SRE drives
 * it (create, approve as a second person, wait until it ends), on virtual time (the plane's clock
 * stands still while the machine computes and jumps when every workflow waits, see
 * local/virtual-time.ts), measured in the same run:
 * - makespan, from the approval to the release's end on the control plane's clock, against the
 *   lower bound no schedule under the release's waves, bakes and caps can beat, given the
 *   simulated durations each tenant's path really waits for; every Lambda task also takes a
 *   modelled `taskLatencyMs`, which the bound leaves out;
 * - wall time and CPU time of this process (API, workflows, handlers, simulated cloud, DynamoDB):
 *   what the control plane's own work costs, apart from the schedule;
 * - state transitions and task (Lambda) invocations per tenant, over every execution of the
 *   release (parent, rehearsal, batches, tenants);
 * - the largest execution history (approximate event count, see `historyEventsOf` in
 *   local/runner.ts) and the largest state payload, against Step Functions' limits.
 *
 * Tenants are seeded (local/sim/seed-tenants.ts), not provisioned: the provisioning workflow would
 * take longer than the release itself.
 */
import { startLocalControlPlane, type LocalControlPlane } from '#local/control-plane.ts';
import { defaultLocalFleetConfig } from '#local/fleet.local.ts';
import type { LocalExecution, PayloadSize } from '#local/runner.ts';
import { DURATIONS } from '#local/sim/clock.ts';
import { seedTenants } from '#local/sim/seed-tenants.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { waveLowerBoundSeconds } from '#shared/domain/release-schedule.ts';
import type { ReleaseStrategy } from '#shared/domain/release-strategy.ts';
import type { Release, TenantRelease } from '#shared/domain/release-types.ts';
import { releasePollInterval } from '#statemachines/policies.ts';

/** Step Functions' limits. */
export const HISTORY_LIMIT = 25_000;
export const PAYLOAD_LIMIT = 256 * 1024;

const REQUESTER = 'alice@ops';
const APPROVER = 'bob@ops';
const IMAGE = 'registry.example.com/odoo:17.0-20261201';
const ENDED = ['SUCCEEDED', 'HALTED', 'FAILED', 'ABORTED', 'REJECTED'];

export interface ReleaseScaleRun {
  tenants: number;
  /** Virtual milliseconds each Lambda task takes: AWS's invoke and state transition latency, modelled. */
  taskLatencyMs: number;
  strategy: Required<Pick<ReleaseStrategy, 'maxConcurrency' | 'maxConcurrencyPerCell' | 'bakeSeconds'>>;
  cells: number;
}

export interface ReleaseScaleFigures {
  run: ReleaseScaleRun;
  status: string;
  succeeded: number;
  waves: number[];
  seedSeconds: number;
  /** Simulated seconds (control-plane clock) from the approval to the release's end. */
  makespanSeconds: number;
  /** Simulated seconds: the sum of the waves' bounds. */
  lowerBoundSeconds: number;
  /** Wall seconds the release took on this machine. */
  wallSeconds: number;
  /** Simulated seconds one tenant holds its slot for, at best (the bound's per-tenant figure). */
  tenantUpgradeSeconds: number;
  /** Control-plane CPU time (this process: API, workflows, handlers, simulated cloud, DynamoDB) from approval to end. */
  cpuSeconds: number;
  transitionsPerTenant: number;
  tasksPerTenant: number;
  executions: number;
  largestHistory: { events: number; execution: string };
  largestPayload: PayloadSize & { execution: string };
}

/** A wait on a resource of `seconds`, polled every `interval`: ready at the first poll after it. */
const polled = (seconds: number, interval: number) => (seconds <= 0 ? 0 : Math.ceil(seconds / interval) * interval);

/**
 * What one pooled tenant's upgrade waits for in the simulated cloud, in simulated seconds, each step
 * rounded up to its poll interval: maintenance (scale to zero: ready at the first look, the sim
 * has no scale-down delay), the pre-change copy (a template copy, done within the call), the
 * upgrade Job (`upgradeJob`, polled every `upgradeJob` interval) and the roll to the new image
 * (`deploymentReady`, polled every `rollout` interval). The bake is not in it: a wave's bound adds
 * one bake after its last upgrade.
 */
export function tenantUpgradeSeconds(): { total: number; parts: Record<string, number> } {
  const parts = {
    maintenance: polled(0, releasePollInterval.maintenance.toSeconds()),
    preChangeCopy: polled(0, releasePollInterval.database.toSeconds()),
    upgradeJob: polled(DURATIONS.upgradeJob, releasePollInterval.upgradeJob.toSeconds()),
    rollout: polled(DURATIONS.deploymentReady, releasePollInterval.rollout.toSeconds()),
  };
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

/** The local fleet with `cells` pooled cells sharing `tenants` (and some room). */
/** The local fleet with `cells` cells sized for `tenants`; each cell with its own DR copy, named as in local/fleet.local.ts. */
export function fleetFor(tenants: number, cells: number): FleetConfig {
  const config = defaultLocalFleetConfig();
  const template = config.cells[0]!;
  const capacity = Math.ceil((tenants * 1.5) / cells) + 10;
  const dr = config.drRegion;
  const drEks = config.eksClusters.find((c) => c.region === dr)!.name;
  config.cells = Array.from({ length: cells }, (_, i) => {
    const id = `cell-${String(i).padStart(2, '0')}`;
    const cell = {
      ...template,
      id,
      auroraClusterIdentifier: `odoo-${id}`,
      auroraClusterArn: template.auroraClusterArn.replace(template.auroraClusterIdentifier, `odoo-${id}`),
      masterSecretArn: template.masterSecretArn.replace(`/${template.id}/`, `/${id}/`),
      bucket: template.bucket.replace(template.id, id),
      capacity,
    };
    return {
      ...cell,
      dr: {
        globalClusterIdentifier: `${cell.auroraClusterIdentifier}-global`,
        auroraClusterIdentifier: cell.auroraClusterIdentifier,
        auroraClusterArn: cell.auroraClusterArn.replace(`:${cell.region}:`, `:${dr}:`),
        masterSecretArn: cell.masterSecretArn.replace(`:${cell.region}:`, `:${dr}:`),
        eksCluster: drEks,
        bucket: cell.bucket.replace(cell.region, dr),
      },
    };
  });
  return config;
}

/** One API call to the local plane as `actor`. */
export async function call<T>(plane: LocalControlPlane, method: string, path: string, actor: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${plane.url}${path}`, {
    method,
    headers: { 'x-actor': actor, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

async function release(plane: LocalControlPlane, releaseId: string): Promise<Release> {
  const res = await call<{ release: Release }>(plane, 'GET', `/v1/releases/${releaseId}?limit=1`, REQUESTER);
  if (res.status !== 200) throw new Error(`GET release ${releaseId}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.release;
}

async function until(plane: LocalControlPlane, releaseId: string, done: (r: Release) => boolean, pollMs: number): Promise<Release> {
  for (;;) {
    const r = await release(plane, releaseId);
    if (done(r)) return r;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function allTenantReleases(plane: LocalControlPlane, releaseId: string): Promise<TenantRelease[]> {
  const out: TenantRelease[] = [];
  let cursor: string | null | undefined;
  do {
    const res = await call<{ tenants: TenantRelease[]; nextCursor?: string | null }>(
      plane,
      'GET',
      `/v1/releases/${releaseId}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      REQUESTER,
    );
    out.push(...res.body.tenants);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

export async function releaseAtScale(run: ReleaseScaleRun): Promise<ReleaseScaleFigures> {
  const config = fleetFor(run.tenants, run.cells);
  const plane = await startLocalControlPlane({ port: 0, virtualTime: true, taskLatencyMs: run.taskLatencyMs, config, seed: 1 });
  try {
    const seedStart = performance.now();
    const width = String(run.tenants - 1).length;
    // One canary (ring 0), the rest low criticality (ring 1): waves 1, 5 %, 25 %, rest.
    await seedTenants(
      plane,
      Array.from({ length: run.tenants }, (_, i) => ({ tenantId: `fleet-${String(i).padStart(width, '0')}`, tags: i === 0 ? ['canary'] : [] })),
    );
    const seedSeconds = (performance.now() - seedStart) / 1000;

    plane.runner.measurePayloads = true;
    const created = await call<{ release: Release }>(plane, 'POST', '/v1/releases', REQUESTER, { image: IMAGE, modules: ['sale'], strategy: run.strategy });
    if (created.status !== 202) throw new Error(`create release: ${created.status} ${JSON.stringify(created.body)}`);
    const releaseId = created.body.release.releaseId;
    const awaiting = await until(plane, releaseId, (r) => r.status === 'AWAITING_APPROVAL' || ENDED.includes(r.status), 100);
    if (awaiting.status !== 'AWAITING_APPROVAL') throw new Error(`release ${releaseId} ended before its approval: ${awaiting.status} ${awaiting.statusReason ?? ''}`);

    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    const approvedAt = plane.clock.nowMs();
    const approved = await call(plane, 'POST', `/v1/releases/${releaseId}/approve`, APPROVER, {});
    if (approved.status !== 200) throw new Error(`approve: ${approved.status} ${JSON.stringify(approved.body)}`);
    const ended = await until(plane, releaseId, (r) => ENDED.includes(r.status) && r.endedAt !== undefined, 250);
    const cpu = process.cpuUsage(cpuStart);
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const makespanSeconds = (Date.parse(ended.endedAt!) - approvedAt) / 1000;
    await plane.runner.idle();

    const items = await allTenantReleases(plane, releaseId);
    const upgrade = tenantUpgradeSeconds();
    const options = { ...run.strategy };
    const boundSimulated = ended.waves
      .map((w) => ({ tenants: items.filter((t) => t.wave === w.index).map((t) => ({ tenantId: t.tenantId, cell: t.cell, predictedUpgradeSeconds: upgrade.total })) }))
      .reduce((sum, wave) => sum + waveLowerBoundSeconds(wave, options), 0);

    const executions = plane.runner.listExecutions().filter((e) => e.name === releaseId || e.name.startsWith(`${releaseId}-`));
    const sum = (f: (e: LocalExecution) => number) => executions.reduce((n, e) => n + f(e), 0);
    const biggest = executions.reduce((a, b) => (b.historyEvents > a.historyEvents ? b : a));
    const heaviest = executions.reduce((a, b) => ((b.largestPayload?.bytes ?? 0) > (a.largestPayload?.bytes ?? 0) ? b : a));
    const label = (e: LocalExecution) => `${e.stateMachineArn.split(':').pop()} ${e.name}`;
    return {
      run,
      status: ended.status,
      succeeded: items.filter((t) => t.outcome === 'SUCCEEDED').length,
      waves: ended.waves.map((w) => w.tenants),
      seedSeconds,
      makespanSeconds,
      lowerBoundSeconds: boundSimulated,
      wallSeconds,
      tenantUpgradeSeconds: upgrade.total,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      transitionsPerTenant: sum((e) => e.transitions) / run.tenants,
      tasksPerTenant: sum((e) => e.taskInvocations) / run.tenants,
      executions: executions.length,
      largestHistory: { events: biggest.historyEvents, execution: label(biggest) },
      largestPayload: { ...(heaviest.largestPayload ?? { bytes: 0, where: 'none' }), execution: label(heaviest) },
    };
  } finally {
    await plane.close();
  }
}
