/** `GET /v1/tenants/{tenantId}`: the tenant record, or 404. */
import { tenantPathSchema } from '#shared/domain/tenant-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';

export const handler = apiHandler({ params: tenantPathSchema }, async ({ params }) => {
  const tenant = await FleetRepository.fromEnv().requireTenant(params.tenantId);
  return ok(tenant);
});
