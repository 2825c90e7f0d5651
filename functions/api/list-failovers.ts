/** `GET /v1/failovers?limit=&cursor=`: failovers, newest first. */
import { listFailoversQuerySchema } from '#shared/domain/failover-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';

export const handler = apiHandler({ query: listFailoversQuerySchema }, async ({ query }) => {
  const page = await FleetRepository.fromEnv().listFailovers(query);
  return ok({ items: page.items, nextCursor: page.nextCursor ?? null });
});
