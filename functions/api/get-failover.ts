/**
 * `GET /v1/failovers/{failoverId}`: the failover (status, units in order, RTO achieved, data-loss
 * window, evidence key) and every tenant's outcome with its steps' timings, readiness and figures.
 */
import { failoverPathSchema } from '#shared/domain/failover-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { failoverView } from './lib/failover-control.ts';

export const handler = apiHandler({ params: failoverPathSchema }, async ({ params }) => ok(await failoverView(FleetRepository.fromEnv(), params.failoverId)));
