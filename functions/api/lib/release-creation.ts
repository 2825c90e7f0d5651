/**
 * `POST /v1/releases`: the plan (tenants in rings and waves, failure budgets, predicted durations)
 * and each planned tenant's next release window; then, unless it is a dry run, the release
 * recorded PLANNED with its waves and tenant items and its workflow started.
 *
 * A dry run reads and writes nothing else: the same plan a real request would record. A request
 * is refused before anything is written when the body, the deadline or the bake time is not
 * acceptable, or when the selector leaves no tenant to release.
 */
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { releaseCalendarOf } from '#shared/domain/release-calendar.ts';
import { releasedModuleSetKey } from '#shared/domain/release-artifact.ts';
import { NEW_RELEASE, transition } from '#shared/domain/release-lifecycle.ts';
import { planRelease, type PlannedTenant, type ReleasePlan } from '#shared/domain/release-plan.ts';
import type { CreateReleaseBody } from '#shared/domain/release-request.ts';
import { plannedWaveRecords, plannedWaveSummaries, type Release, type ReleasePreview, type TenantRelease } from '#shared/domain/release-types.ts';
import { evaluateRelease } from '#shared/domain/release-window-decision.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { validationError, type ErrorDetail } from '#shared/lib/errors.ts';
import { idempotentOperationId } from '#shared/lib/ids.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { candidateTenants, rehearsedUpgradeSeconds } from './release-candidates.ts';
import { executionArnOf, startReleaseWorkflow, stateMachineArn } from './workflow-start.ts';

/** The shortest bake a verdict can be drawn from: one CloudWatch period (PERIOD_SECONDS of tenant-metrics.ts). */
export const MIN_BAKE_SECONDS = 60;
/** A release without a deadline may start tenants for this long. */
export const DEFAULT_DEADLINE_SECONDS = 7 * 86_400;
/** Nobody plans a release this far ahead; a deadline beyond it is a typo. */
export const MAX_DEADLINE_SECONDS = 90 * 86_400;
/** The release record lists at most this many skipped tenants (a DynamoDB item holds 400 KB). */
export const MAX_SKIPPED_LISTED = 500;

export interface ReleaseRequestContext {
  repo: FleetRepository;
  config: FleetConfig;
  body: CreateReleaseBody;
  actor: string;
  now: Date;
}

interface Planned {
  plan: ReleasePlan;
  deadline: Date;
  tenants: Map<string, Tenant>;
}

function requestProblems(c: ReleaseRequestContext, deadline: Date): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (deadline.getTime() <= c.now.getTime()) problems.push({ path: 'deadline', message: `must be in the future (it is now ${c.now.toISOString()})` });
  else if (deadline.getTime() - c.now.getTime() > MAX_DEADLINE_SECONDS * 1000) problems.push({ path: 'deadline', message: 'must be at most 90 days ahead' });
  const bake = c.body.strategy?.bakeSeconds;
  const maxBake = c.config.release.maxBakeSeconds;
  if (bake !== undefined && bake > maxBake) problems.push({ path: 'strategy.bakeSeconds', message: `must be at most ${maxBake} (the fleet's maximum bake time)` });
  // Tenant metrics arrive a minute at a time: a shorter bake has no datapoint to judge, so its
  // verdict could only ever be inconclusive.
  else if (bake !== undefined && bake < MIN_BAKE_SECONDS) {
    problems.push({ path: 'strategy.bakeSeconds', message: `must be at least ${MIN_BAKE_SECONDS} (tenant metrics have one datapoint a minute)` });
  }
  return problems;
}

async function planRequest(c: ReleaseRequestContext): Promise<Planned> {
  const { body } = c;
  const deadline = body.deadline ? new Date(body.deadline) : new Date(c.now.getTime() + DEFAULT_DEADLINE_SECONDS * 1000);
  const problems = requestProblems(c, deadline);
  if (problems.length) throw validationError('Invalid request body', problems);

  const [candidates, predicted] = await Promise.all([candidateTenants(c.repo, body.selector), rehearsedUpgradeSeconds(c.repo)]);
  const plan = planRelease({
    // Keyed like rehearsals: the modules each tenant will have once released.
    tenants: candidates.map((t) => ({ ...t, release: { ...t.release, modules: releasedModuleSetKey(t.release.modules, body.modules).split(',').filter(Boolean) } })),
    selector: body.selector,
    strategy: body.strategy as Parameters<typeof planRelease>[0]['strategy'],
    predictedUpgradeSeconds: predicted,
    now: c.now,
  });
  if (plan.totals.tenants === 0) {
    throw validationError('The selector matches no tenant that can be released', [
      { path: 'selector', message: 'matches no ACTIVE tenant' },
      ...plan.skipped.slice(0, 20).map((s) => ({ path: `tenant ${s.tenantId}`, message: s.reason })),
    ]);
  }
  return { plan, deadline, tenants: new Map(candidates.map((t) => [t.tenantId, t])) };
}

const plannedTenants = (plan: ReleasePlan) => plan.waves.flatMap((w) => w.tenants.map((t) => ({ wave: w.index, t })));

function windowOf(c: ReleaseRequestContext, planned: Planned, t: PlannedTenant): ReleasePreview['windows'][string] {
  const calendar = releaseCalendarOf(planned.tenants.get(t.tenantId) ?? {});
  const decision = evaluateRelease({
    windows: calendar.windows,
    tenantFreezes: calendar.freezes,
    fleetFreezes: c.config.release.freezes,
    now: c.now,
    deadline: planned.deadline,
    emergency: c.body.emergency,
    minimumSlotSeconds: t.predictedUpgradeSeconds,
  });
  return decision.decision === 'skip'
    ? { decision: 'skip', reason: decision.reason }
    : { decision: decision.decision, until: decision.until.toISOString(), reason: decision.reason };
}

/** The dry run's answer: the plan, and when each planned tenant could start. */
export async function previewRelease(c: ReleaseRequestContext): Promise<ReleasePreview> {
  const planned = await planRequest(c);
  const windows = Object.fromEntries(plannedTenants(planned.plan).map(({ t }) => [t.tenantId, windowOf(c, planned, t)]));
  return { dryRun: true, plan: planned.plan, windows };
}

export interface ReleaseStart extends ReleaseRequestContext {
  /** The release id: `rel-` and the 26 characters of the request's operation id. */
  releaseId: string;
  /** Whether a retry with the same Idempotency-Key can finish this request. */
  keyed: boolean;
}

/**
 * Each tenant's RELEASE operation id, fixed when the release is recorded: the gate creates the
 * operation under it, and a re-plan or a replay names the same one.
 */
export function tenantOperationId(releaseId: string, tenantId: string, createdAt: string): string {
  return idempotentOperationId(releaseId, tenantId, new Date(createdAt));
}


function releaseRecord(c: ReleaseStart, planned: Planned, executionArn: string): Release {
  const requested = transition(NEW_RELEASE, 'Requested');
  if (!requested.ok) throw new Error(`release lifecycle refuses a new release: ${requested.reason}`);
  const at = c.now.toISOString();
  const { plan } = planned;
  const listed = plan.skipped.slice(0, MAX_SKIPPED_LISTED);
  return {
    releaseId: c.releaseId,
    status: requested.to,
    image: c.body.image,
    modules: c.body.modules,
    selector: c.body.selector,
    strategy: plan.strategy,
    ...(c.body.emergency ? { emergency: { reason: c.body.emergency.reason } } : {}),
    deadline: planned.deadline.toISOString(),
    requestedBy: c.actor,
    executionArn,
    waves: plannedWaveSummaries(plan),
    skipped: listed,
    ...(listed.length < plan.skipped.length ? { skippedTotal: plan.skipped.length } : {}),
    rehearsals: [],
    counts: { PENDING: plan.totals.tenants },
    predictedSeconds: plan.totals.predictedSeconds,
    lowerBoundSeconds: plan.totals.lowerBoundSeconds,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}


function tenantRecords(releaseId: string, plan: ReleasePlan, createdAt: string): TenantRelease[] {
  return plannedTenants(plan).map(({ wave, t }) => ({
    releaseId,
    tenantId: t.tenantId,
    wave,
    ring: t.ring,
    cell: t.cell,
    outcome: 'PENDING',
    operationId: tenantOperationId(releaseId, t.tenantId, createdAt),
    predictedUpgradeSeconds: t.predictedUpgradeSeconds,
    history: [],
    version: 1,
  }));
}

/** Records the release PLANNED and starts `odoo-fleet-release` named after it. */
export async function startRelease(c: ReleaseStart): Promise<Release> {
  const machineArn = stateMachineArn('release');
  const planned = await planRequest(c);
  const release = releaseRecord(c, planned, executionArnOf(machineArn, c.releaseId));
  await c.repo.createRelease(release, plannedWaveRecords(c.releaseId, planned.plan), tenantRecords(c.releaseId, planned.plan, release.createdAt));
  // A retried request finds the release its first attempt recorded, and answers with that one.
  const recorded = await c.repo.requireRelease(c.releaseId);
  try {
    await startReleaseWorkflow({ machineArn, releaseId: c.releaseId, actor: recorded.requestedBy });
  } catch (err) {
    // Without an Idempotency-Key nobody can finish this request: the release ends FAILED, with why.
    if (!c.keyed) await abandonRelease(c.repo, recorded, err, c.now);
    throw err;
  }
  return recorded;
}

async function abandonRelease(repo: FleetRepository, release: Release, cause: unknown, now: Date): Promise<void> {
  const failed = transition(release.status, 'Failed');
  if (!failed.ok) return;
  const reason = `the release workflow could not be started: ${(cause as Error).name ?? 'Error'}: ${(cause as Error).message ?? String(cause)}`;
  await repo.updateRelease(release.releaseId, release.version, (r) => ({ ...r, status: failed.to, statusReason: reason, endedAt: now.toISOString() }));
}
