/**
 * `POST /v1/releases`: a dry run answers 200 with the plan and each tenant's next window, writing
 * nothing; otherwise the release is recorded PLANNED and its workflow started (202).
 */
import { clock } from '#shared/lib/clock.ts';
import { fleetConfig } from '#shared/domain/fleet-config.ts';
import { createReleaseBodySchema, releaseIdOf } from '#shared/domain/release-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { accepted, ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { idempotent } from './lib/idempotency.ts';
import { previewRelease, startRelease } from './lib/release-creation.ts';

export const handler = apiHandler({ body: createReleaseBodySchema }, async ({ body, actor, idempotencyKey, method, path }) => {
  const config = fleetConfig();
  const repo = FleetRepository.fromEnv();
  const now = () => clock().now();
  if (body.dryRun) return ok(await previewRelease({ repo, config, body, actor, now: now() }));
  return idempotent(
    repo,
    { actor, key: idempotencyKey, fingerprint: { method, path, body } },
    async (attempt) =>
      accepted({ release: await startRelease({ repo, config, body, actor, now: now(), releaseId: releaseIdOf(attempt.operationId), keyed: attempt.keyed }) }),
    now,
  );
});
