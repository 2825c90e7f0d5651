/**
 * The wrappers of failover task handlers. `failoverStep` is for the failover as a whole (begin,
 * readiness, approval, finish): the plain `runStep`, with `changeFailoverStatus` to move the
 * failover as its lifecycle table says. `failoverUnitStep` is for
 * one unit's steps (fence, promote, scale, DNS, verify): besides, it times the step on every
 * tenant of the unit (RUNNING on entry, SUCCEEDED when the step reports it is done, FAILED with the
 * error), so `GET /v1/failovers/{id}` shows each step's timings per tenant. Transient errors are
 * rethrown untouched for Step Functions to retry by name, and are not recorded as failures.
 */
import middy from '@middy/core';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { failoverTransition, failoverTransitions, type FailoverEvent } from '#shared/domain/failover-lifecycle.ts';
import type { FailoverUnit } from '#shared/domain/failover-plan.ts';
import type { Failover, FailoverStepTiming, FailoverTenant, FailoverTenantOutcome } from '#shared/domain/failover-types.ts';
import { fleetConfig } from '#shared/domain/fleet-config.ts';
import type { ReleaseTransitionContext } from '#shared/domain/release-lifecycle.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { clock } from './clock.ts';
import { AppError, conflict, forbidden, validationError } from './errors.ts';
import { runStep, type RunStepContext } from './run-step.ts';
import { isTransient } from './transient-errors.ts';

z.config(en());

const eventSchema = z.object({
  state: z.looseObject({}),
  step: z.string().check(z.minLength(1)),
  executionArn: z.string().check(z.minLength(1)),
});

export interface FailoverState {
  failoverId: string;
  actor: string;
}

export type FailoverStepContext<S> = RunStepContext<S>;

let repoSingleton: FleetRepository | undefined;
const repository = () => (repoSingleton ??= FleetRepository.fromEnv());

function parse(event: unknown) {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) throw validationError('Invalid workflow task input', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  return parsed.data;
}

/** A failover-level task handler (the state is whatever the machine passes; the first state validates it). */
export const failoverStep = runStep;

/**
 * Changes the failover's status as the lifecycle table says, with `mutate` applied in the same
 * write. A replayed event whose target status already holds returns the failover unchanged; a
 * refusal by the approval guard is a 403, any other refusal a 409 naming the table's reason.
 */
export async function changeFailoverStatus(
  repo: FleetRepository,
  failoverId: string,
  event: FailoverEvent,
  mutate: (f: Failover) => Failover = (f) => f,
  guard: ReleaseTransitionContext = {},
): Promise<Failover> {
  let replay: Failover | undefined;
  const updated = await repo.updateFailover(failoverId, (f) => {
    const result = failoverTransition(f.status, event, guard);
    if (!result.ok) {
      if (failoverTransitions.some((t) => t.event === event && t.to === f.status)) {
        replay = f;
        return f;
      }
      if (result.guard) throw forbidden(`Failover ${failoverId}: ${result.reason}`);
      throw conflict(`Failover ${failoverId} cannot take ${event} now: ${result.reason}`, [{ path: 'status', message: f.status }]);
    }
    return { ...mutate(f), status: result.to };
  });
  return replay ?? updated;
}

export interface UnitState extends FailoverState {
  unitKey: string;
}

export interface UnitStepContext<S extends UnitState> extends FailoverStepContext<S> {
  failover: Failover;
  /** The unit this execution moves. */
  unit: FailoverUnit;
  /** The unit's tenants' failover records, by tenant id. */
  members: FailoverTenant[];
}

/** What a unit step reports: `ready: false` keeps the step RUNNING (a poll loop comes back); `detail` lands on the timing. */
export interface UnitStepResult {
  ready?: boolean;
  detail?: FailoverStepTiming['detail'];
}

/** The tenants of one unit of a failover, with their records: read by key, never the whole failover's list. */
export async function unitMembers(repo: FleetRepository, failover: Failover, unitKey: string): Promise<FailoverTenant[]> {
  const unit = failover.units.find((u) => u.key === unitKey);
  if (!unit) throw validationError(`unit ${unitKey} is not part of failover ${failover.failoverId}`, [{ path: 'unitKey', message: 'unknown unit' }]);
  const records = await Promise.all(unit.tenantIds.map((id) => repo.getFailoverTenant(failover.failoverId, id)));
  return records.filter((t): t is FailoverTenant => !!t);
}

/** Records `timing` as the newest state of step `name` on the tenant, and its outcome while it runs. */
export function withStep(t: FailoverTenant, timing: FailoverStepTiming, outcome?: FailoverTenantOutcome): FailoverTenant {
  const steps = t.steps.filter((s) => s.name !== timing.name);
  const previous = t.steps.find((s) => s.name === timing.name);
  const merged: FailoverStepTiming = { ...timing, startedAt: previous?.startedAt ?? timing.startedAt };
  return { ...t, steps: [...steps, merged], ...(outcome ? { outcome } : {}) };
}

/** The outcome a tenant shows while a step runs. */
const RUNNING_OUTCOME: Record<string, FailoverTenantOutcome> = {
  FenceOldPrimary: 'FENCING',
  PromoteDatabase: 'PROMOTING',
  ScaleDrCompute: 'SCALING',
  SwitchDns: 'SWITCHING_DNS',
  VerifyFailover: 'VERIFYING',
};

export function failoverUnitStep<S extends UnitState, R extends UnitStepResult>(fn: (ctx: UnitStepContext<S>) => Promise<R>) {
  return middy(async (event: unknown): Promise<R> => {
    const { state: raw, step, executionArn } = parse(event);
    const state = raw as unknown as S;
    if (!state.failoverId || !state.unitKey) throw validationError('A unit step needs failoverId and unitKey', [{ path: 'state', message: 'failoverId and unitKey are required' }]);
    const repo = repository();
    const now = () => clock().now();
    const failover = await repo.requireFailover(state.failoverId);
    const members = await unitMembers(repo, failover, state.unitKey);
    const unit = failover.units.find((u) => u.key === state.unitKey)!;
    const at = now().toISOString();
    const mark = (timing: FailoverStepTiming, outcome?: FailoverTenantOutcome) =>
      Promise.all(members.map((m) => repo.updateFailoverTenant(failover.failoverId, m.tenantId, (t) => withStep(t, timing, outcome))));
    const first = !members.every((m) => m.steps.some((s) => s.name === step));
    if (first) await mark({ name: step, status: 'RUNNING', startedAt: at }, RUNNING_OUTCOME[step]);
    try {
      const result = await fn({ state, step, executionArn, repo, config: fleetConfig(), now, failover, unit, members });
      if (result.ready !== false) {
        await mark({ name: step, status: 'SUCCEEDED', startedAt: at, endedAt: now().toISOString(), ...(result.detail ? { detail: result.detail } : {}) });
      }
      return result;
    } catch (err) {
      if (!isTransient(err)) {
        const e = err as { name?: string; message?: string };
        const code = err instanceof AppError ? err.code : (e.name ?? 'Error');
        await mark({ name: step, status: 'FAILED', startedAt: at, endedAt: now().toISOString(), error: { code, message: e.message ?? String(err) } }).catch(() => undefined);
      }
      throw err;
    }
  });
}
