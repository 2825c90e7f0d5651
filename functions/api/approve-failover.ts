/** `POST /v1/failovers/{failoverId}/approve`: 403 for the requester, 409 unless the failover awaits approval. */
import { failoverPathSchema } from '#shared/domain/failover-request.ts';
import { approveBodySchema } from '#shared/domain/release-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { clock } from '#shared/lib/clock.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { approveFailover } from './lib/failover-control.ts';
import { idempotent } from './lib/idempotency.ts';

export const handler = apiHandler({ params: failoverPathSchema, body: approveBodySchema }, async ({ params, body, actor, idempotencyKey, method, path }) => {
  const repo = FleetRepository.fromEnv();
  const now = () => clock().now();
  return idempotent(repo, { actor, key: idempotencyKey, fingerprint: { method, path, body: body ?? null } }, async () => ok({ failover: await approveFailover({ repo, failoverId: params.failoverId, actor, now }) }), now);
});
