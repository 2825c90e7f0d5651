/**
 * The wrapper of the release-level task handlers (the parent release workflow, its batches and
 * rehearsals). Like `workflowStep` it parses the task payload `{state, step, executionArn}`, but
 * the state names a release (`releaseId`, `actor`), not a tenant operation, so nothing is recorded
 * on an operation: the release record and its events are the record. Status changes go through
 * `updateRelease`, which asks the release lifecycle table and publishes the change.
 */
import middy from '@middy/core';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { publishReleaseEvent } from '#shared/cloud/release-events.ts';
import { fleetConfig, type FleetConfig } from '#shared/domain/fleet-config.ts';
import { releaseTransitions, transition, type ReleaseEvent, type ReleaseTransitionContext } from '#shared/domain/release-lifecycle.ts';
import type { Release } from '#shared/domain/release-types.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { clock } from './clock.ts';
import { AppError, conflict, validationError } from './errors.ts';
import { caughtError, type WorkflowState } from './workflow-step.ts';

z.config(en());

const nonEmpty = () => z.string().check(z.minLength(1));

export const releaseStateSchema = z.looseObject({ releaseId: nonEmpty(), actor: nonEmpty() });
export type ReleaseState = z.infer<typeof releaseStateSchema>;

const stepEventSchema = z.object({
  state: releaseStateSchema,
  step: nonEmpty(),
  executionArn: nonEmpty(),
  /** Present for `waitForTaskToken` tasks. */
  taskToken: z.optional(nonEmpty()),
});

export interface ReleaseStepContext<S extends ReleaseState> {
  state: S;
  step: string;
  executionArn: string;
  taskToken?: string;
  repo: FleetRepository;
  config: FleetConfig;
  /** The control plane's now (`clock()`: the simulated clock locally). */
  now: () => Date;
  release(): Promise<Release>;
  /**
   * Reads the release, applies `mutate` and, with `event`, the status the lifecycle table gives;
   * writes it back (re-reading on a version race) and publishes a status change. A replayed event
   * whose target status already holds is a no-op returning the release; any other refusal is a
   * Conflict naming the table's reason.
   */
  updateRelease(mutate: (r: Release) => Release, event?: ReleaseEvent, guard?: ReleaseTransitionContext): Promise<Release>;
}

/** A release the workflow must stop for, named so a Catch can tell it apart (`ReleaseAborted`, ...). */
export class ReleaseStopped extends Error {
  constructor(name: 'ReleaseAborted' | 'ReleaseRejected', message: string) {
    super(message);
    this.name = name;
  }
}

/** The `{Error, Cause}` a Catch put at `$.error`, as a code and a readable message. */
export function caughtReleaseError(state: ReleaseState): { code: string; message: string } {
  // Only the caught error is read: the tenant fields of a workflow state play no part.
  return caughtError(state as unknown as WorkflowState);
}

/** Whether some row of the table leads `event` to `status`: a replay of an event already applied. */
export function eventReaches(event: ReleaseEvent, status: string): boolean {
  return releaseTransitions.some((t) => t.event === event && t.to === status);
}

const MAX_VERSION_RACES = 5;

export async function updateReleaseStatus(
  repo: FleetRepository,
  releaseId: string,
  now: () => Date,
  mutate: (r: Release) => Release,
  event?: ReleaseEvent,
  guard?: ReleaseTransitionContext,
): Promise<Release> {
  for (let attempt = 0; ; attempt++) {
    const current = await repo.requireRelease(releaseId);
    let status = current.status;
    if (event) {
      const next = transition(current.status, event, guard);
      if (!next.ok) {
        if (eventReaches(event, current.status)) return current;
        throw conflict(next.reason);
      }
      status = next.to;
    }
    let updated: Release;
    try {
      updated = await repo.updateRelease(releaseId, current.version, (r) => ({ ...mutate(r), status, updatedAt: now().toISOString() }));
    } catch (err) {
      if (err instanceof AppError && err.code === 'Conflict' && attempt < MAX_VERSION_RACES) continue;
      throw err;
    }
    if (updated.status !== current.status) {
      await publishReleaseEvent({
        detailType: 'Release Status Changed',
        release: updated,
        detail: { from: current.status, to: updated.status, event },
        at: now(),
      });
    }
    return updated;
  }
}

export function releaseStep<S extends ReleaseState, R>(fn: (ctx: ReleaseStepContext<S>) => Promise<R>) {
  const base = async (event: unknown): Promise<R> => {
    const parsed = stepEventSchema.safeParse(event);
    if (!parsed.success) {
      throw validationError('Invalid release task input', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    }
    const { state, step, executionArn, taskToken } = parsed.data;
    // Memoized per endpoint and table by the repository itself.
    const repo = FleetRepository.fromEnv();
    const now = () => clock().now();
    return fn({
      state: state as S,
      step,
      executionArn,
      taskToken,
      repo,
      config: fleetConfig(),
      now,
      release: () => repo.requireRelease(state.releaseId),
      updateRelease: (mutate, ev, guard) => updateReleaseStatus(repo, state.releaseId, now, mutate, ev, guard),
    });
  };
  return middy(base);
}
