/**
 * `GET /v1/releases/{releaseId}?outcome=&limit=&cursor=`: the release (status, waves, counts) and
 * one page of its tenants' outcomes with their reasons, optionally of one outcome.
 */
import { getReleaseQuerySchema, releasePathSchema } from '#shared/domain/release-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';

export const handler = apiHandler({ params: releasePathSchema, query: getReleaseQuerySchema }, async ({ params, query }) => {
  const repo = FleetRepository.fromEnv();
  const release = await repo.requireRelease(params.releaseId);
  const tenants = await repo.listTenantReleases(params.releaseId, query);
  return ok({ release, tenants: tenants.items, nextCursor: tenants.nextCursor ?? null });
});
