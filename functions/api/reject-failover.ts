/** `POST /v1/failovers/{failoverId}/reject` with `{reason}`: ends a failover awaiting approval, having moved nothing. */
import { failoverPathSchema, rejectFailoverBodySchema } from '#shared/domain/failover-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { clock } from '#shared/lib/clock.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { rejectFailover } from './lib/failover-control.ts';
import { idempotent } from './lib/idempotency.ts';

export const handler = apiHandler({ params: failoverPathSchema, body: rejectFailoverBodySchema }, async ({ params, body, actor, idempotencyKey, method, path }) => {
  const repo = FleetRepository.fromEnv();
  const now = () => clock().now();
  return idempotent(repo, { actor, key: idempotencyKey, fingerprint: { method, path, body } }, async () => ok({ failover: await rejectFailover({ repo, failoverId: params.failoverId, actor, now }, body.reason) }), now);
});
