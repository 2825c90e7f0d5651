/** `DELETE /v1/tenants/{tenantId}`: starts offboarding the tenant (202), or 409 while it is busy. */
import { tenantPathSchema } from '#shared/domain/tenant-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { accepted } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { idempotent } from './lib/idempotency.ts';
import { startTenantOffboarding } from './lib/tenant-offboarding.ts';

export const handler = apiHandler({ params: tenantPathSchema }, async ({ params, actor, idempotencyKey, method, path }) => {
  const repo = FleetRepository.fromEnv();
  return idempotent(repo, { actor, key: idempotencyKey, fingerprint: { method, path } }, async (attempt) =>
    accepted(await startTenantOffboarding({ repo, tenantId: params.tenantId, actor, attempt })),
  );
});
