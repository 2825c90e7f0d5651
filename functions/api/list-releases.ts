/** `GET /v1/releases?status=&limit=&cursor=`: one page of releases, newest first. */
import { listReleasesQuerySchema } from '#shared/domain/release-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';

export const handler = apiHandler({ query: listReleasesQuerySchema }, async ({ query }) => {
  const page = await FleetRepository.fromEnv().listReleases(query);
  return ok({ items: page.items, nextCursor: page.nextCursor ?? null });
});
