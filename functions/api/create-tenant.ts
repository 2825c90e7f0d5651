/** `POST /v1/tenants`: validates the request, places the tenant and starts its provisioning (202). */
import { fleetConfig } from '#shared/domain/fleet-config.ts';
import { createTenantBodySchema, withFleetDefaults } from '#shared/domain/tenant-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { accepted } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { idempotent } from './lib/idempotency.ts';
import { startTenantCreation } from './lib/tenant-creation.ts';

export const handler = apiHandler({ body: createTenantBodySchema }, async ({ body, actor, idempotencyKey, method, path }) => {
  const config = fleetConfig();
  const request = withFleetDefaults(body, config);
  const repo = FleetRepository.fromEnv();
  return idempotent(repo, { actor, key: idempotencyKey, fingerprint: { method, path, body: request } }, async (attempt) =>
    accepted(await startTenantCreation({ repo, config, request, actor, attempt })),
  );
});
