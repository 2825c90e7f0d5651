/** `POST /v1/releases/{releaseId}/abort`: between tenants and waves (tenants being changed finish or roll back); a release awaiting approval stops at once. */
import { controlBodySchema, releasePathSchema } from '#shared/domain/release-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { clock } from '#shared/lib/clock.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { idempotent } from './lib/idempotency.ts';
import { abortRelease } from './lib/release-control.ts';

export const handler = apiHandler({ params: releasePathSchema, body: controlBodySchema }, async ({ params, body, actor, idempotencyKey, method, path }) => {
  const repo = FleetRepository.fromEnv();
  const now = () => clock().now();
  return idempotent(repo, { actor, key: idempotencyKey, fingerprint: { method, path, body } }, async () =>
    ok({ release: await abortRelease({ repo, releaseId: params.releaseId, actor, now }, body?.reason) }),
  now);
});
