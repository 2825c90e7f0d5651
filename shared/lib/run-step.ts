/**
 * The wrapper of task handlers that work on no single tenant (a scheduled drill run, a failover): it
 * parses the task payload (`{state, step, executionArn, taskToken?}`), hands over the records, configuration and clock,
 * and rethrows transient errors untouched so Step Functions retries them by name.
 */
import middy from '@middy/core';
import * as z from 'zod/mini';
import { fleetConfig, type FleetConfig } from '#shared/domain/fleet-config.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { clock } from './clock.ts';
import { validationError } from './errors.ts';

const eventSchema = z.object({
  state: z.looseObject({}),
  step: z.string().check(z.minLength(1)),
  executionArn: z.string().check(z.minLength(1)),
  /** Present for `waitForTaskToken` tasks. */
  taskToken: z.optional(z.string().check(z.minLength(1))),
});

export interface RunStepContext<S> {
  state: S;
  step: string;
  executionArn: string;
  taskToken?: string;
  repo: FleetRepository;
  config: FleetConfig;
  now: () => Date;
}

export function runStep<S, R>(fn: (ctx: RunStepContext<S>) => Promise<R>) {
  return middy(async (event: unknown): Promise<R> => {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) throw validationError('Invalid workflow task input', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    const { state, step, executionArn, taskToken } = parsed.data;
    return fn({ state: state as S, step, executionArn, ...(taskToken ? { taskToken } : {}), repo: FleetRepository.fromEnv(), config: fleetConfig(), now: () => clock().now() });
  });
}
