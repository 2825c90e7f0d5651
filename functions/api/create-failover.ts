/**
 * `POST /v1/failovers`: fails a tenant, a cell or a whole region over to the other region
 * (202 with the failover and its tenants, in the order they will move). 400 names every bad field;
 * 409 when a tenant in scope is held by another failover or operation, or nothing is active in
 * `fromRegion`. Unplanned failovers, and those moving a critical tenant, then wait for approval.
 */
import { fleetConfig } from '#shared/domain/fleet-config.ts';
import { createFailoverBodySchema } from '#shared/domain/failover-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { clock } from '#shared/lib/clock.ts';
import { accepted } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { startFailover } from './lib/failover-control.ts';
import { idempotent } from './lib/idempotency.ts';

export const handler = apiHandler({ body: createFailoverBodySchema }, async ({ body, actor, idempotencyKey, method, path }) => {
  const repo = FleetRepository.fromEnv();
  const now = () => clock().now();
  return idempotent(
    repo,
    { actor, key: idempotencyKey, fingerprint: { method, path, body } },
    // The failover's id is the request's operation id, re-prefixed: a retried request finds its failover.
    async (attempt) => accepted(await startFailover({ repo, config: fleetConfig(), body, actor, failoverId: `fo-${attempt.operationId.slice(3)}`, now: now() })),
    now,
  );
});
