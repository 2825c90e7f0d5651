/** `POST /v1/releases/{releaseId}/approve`: 403 for the requester, 409 unless the release awaits approval. */
import { approveBodySchema, releasePathSchema } from '#shared/domain/release-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { clock } from '#shared/lib/clock.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { idempotent } from './lib/idempotency.ts';
import { approveRelease } from './lib/release-control.ts';

export const handler = apiHandler({ params: releasePathSchema, body: approveBodySchema }, async ({ params, body, actor, idempotencyKey, method, path }) => {
  const repo = FleetRepository.fromEnv();
  const now = () => clock().now();
  return idempotent(repo, { actor, key: idempotencyKey, fingerprint: { method, path, body } }, async () =>
    ok({ release: await approveRelease({ repo, releaseId: params.releaseId, actor, now }, body?.comment) }),
  now);
});
