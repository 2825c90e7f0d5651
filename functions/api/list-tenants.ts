/** `GET /v1/tenants?status=&criticality=&model=&limit=&cursor=`: one page of tenants. */
import { listTenantsQuerySchema } from '#shared/domain/tenant-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';

export const handler = apiHandler({ query: listTenantsQuerySchema }, async ({ query }) => {
  const page = await FleetRepository.fromEnv().listTenants(query);
  return ok({ items: page.items, nextCursor: page.nextCursor ?? null });
});
