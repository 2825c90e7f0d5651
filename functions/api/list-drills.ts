/** `GET /v1/tenants/{tenantId}/drills?limit=&cursor=`: the tenant's drill history, newest first. */
import { pageQuerySchema, tenantPathSchema } from '#shared/domain/tenant-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';

export const handler = apiHandler({ params: tenantPathSchema, query: pageQuerySchema }, async ({ params, query }) => {
  const repo = FleetRepository.fromEnv();
  await repo.requireTenant(params.tenantId);
  const page = await repo.listDrills(params.tenantId, query);
  return ok({ items: page.items, nextCursor: page.nextCursor ?? null });
});
