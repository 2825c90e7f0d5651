/**
 * The wrapper every workflow task handler is built with. It parses the task payload
 * (`{state, step, executionArn}` from the state machine), records the step on the operation
 * (RUNNING on entry; SUCCEEDED, or still RUNNING while a poll loop waits, or FAILED with the
 * error), and gives the handler its records, configuration and a safe way to change the tenant.
 * Transient errors are rethrown untouched so Step Functions retries them by name.
 */
import middy from '@middy/core';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { fleetConfig, type FleetConfig } from '#shared/domain/fleet-config.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { clock } from './clock.ts';
import { AppError, validationError } from './errors.ts';
import { isTransient } from './transient-errors.ts';

// zod/mini ships no messages of its own; English ones make a failed step's detail readable.
z.config(en());

const nonEmpty = () => z.string().check(z.minLength(1));

export const workflowStateSchema = z.looseObject({ tenantId: nonEmpty(), operationId: nonEmpty(), actor: nonEmpty() });
export type WorkflowState = z.infer<typeof workflowStateSchema>;

const stepEventSchema = z.object({ state: workflowStateSchema, step: nonEmpty(), executionArn: nonEmpty() });

export interface StepContext<S extends WorkflowState> {
  state: S;
  step: string;
  executionArn: string;
  repo: FleetRepository;
  config: FleetConfig;
  /** The control plane's now (`clock()`: the simulated clock locally). */
  now: () => Date;
  /** Reads the tenant, applies `mutate`, writes it back with a change event; re-reads on a version race. */
  updateTenant(mutate: (t: Tenant) => Tenant, changeType: string): Promise<Tenant>;
  tenant(): Promise<Tenant>;
}

/** A poll step reports `ready: false` (or `done: false`) until its resource is there. */
function stillWaiting(result: unknown): boolean {
  const r = result as { ready?: unknown; done?: unknown } | null;
  return !!r && (r.ready === false || r.done === false);
}

function summary(result: unknown): Record<string, unknown> | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  return out;
}

let repoSingleton: FleetRepository | undefined;
const repository = () => (repoSingleton ??= FleetRepository.fromEnv());

export function workflowStep<S extends WorkflowState, R>(fn: (ctx: StepContext<S>) => Promise<R>, options: { recordStep?: boolean } = {}) {
  const record = options.recordStep ?? true;
  const base = async (event: unknown): Promise<R> => {
    const parsed = stepEventSchema.safeParse(event);
    if (!parsed.success) {
      throw validationError('Invalid workflow task input', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    }
    const { state, step, executionArn } = parsed.data;
    const repo = repository();
    const now = () => clock().now();
    const at = () => now().toISOString();
    const ctx: StepContext<S> = {
      state: state as S,
      step,
      executionArn,
      repo,
      config: fleetConfig(),
      now,
      tenant: () => repo.requireTenant(state.tenantId),
      async updateTenant(mutate, changeType) {
        for (let attempt = 0; ; attempt++) {
          try {
            // At the version the update reads; a write racing it is a Conflict, and the next attempt reads again.
            return await repo.updateCurrentTenant(state.tenantId, mutate, {
              actor: state.actor,
              type: changeType,
              operationId: state.operationId,
              executionArn,
            });
          } catch (err) {
            if (!(err instanceof AppError && err.code === 'Conflict') || attempt >= 4) throw err;
          }
        }
      },
    };
    if (record) await repo.recordStep(state.operationId, { name: step, status: 'RUNNING', at: at() });
    try {
      const result = await fn(ctx);
      if (record) {
        const waiting = stillWaiting(result);
        await repo.recordStep(state.operationId, { name: step, status: waiting ? 'RUNNING' : 'SUCCEEDED', at: at(), detail: summary(result) });
      }
      return result;
    } catch (err) {
      const e = err as { name?: string; message?: string };
      if (record && !isTransient(err)) {
        await repo
          .recordStep(state.operationId, { name: step, status: 'FAILED', at: at(), error: { code: e.name ?? 'Error', message: e.message ?? String(err) } })
          .catch(() => undefined);
      }
      throw err;
    }
  };
  return middy(base);
}

/**
 * Ends every step still RUNNING (a step whose retries ran out on a transient error is never
 * recorded FAILED by its own invocation) as FAILED with the workflow's error.
 */
export async function failRunningSteps(repo: FleetRepository, operationId: string, error: { code: string; message: string }, at: string, currentStep: string): Promise<void> {
  const op = await repo.getOperation(operationId);
  for (const step of op?.steps ?? []) {
    if (step.status === 'RUNNING' && step.name !== currentStep) await repo.recordStep(operationId, { name: step.name, status: 'FAILED', at, error });
  }
}

/** The `{Error, Cause}` a Catch put at `key` (default `$.error`), as a code and a readable message. */
export function caughtError(state: WorkflowState, key: 'error' | 'compensationError' | 'teardownError' = 'error'): { code: string; message: string } {
  const raw = (state as Record<string, { Error?: string; Cause?: string } | undefined>)[key];
  const code = raw?.Error ?? 'Unknown';
  let message = raw?.Cause ?? 'no cause recorded';
  try {
    const cause = JSON.parse(message) as { errorMessage?: string; message?: string };
    message = cause.errorMessage ?? cause.message ?? message;
  } catch {
    // Cause was plain text already.
  }
  return { code, message: message.slice(0, 1000) };
}
