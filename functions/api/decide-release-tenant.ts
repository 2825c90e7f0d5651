/**
 * `POST /v1/releases/{releaseId}/tenants/{tenantId}/decision` `{choice: keep|rollback, reason}`:
 * 409 unless the tenant awaits a decision; the waiting workflow carries it out.
 */
import { decisionBodySchema, releaseTenantPathSchema } from '#shared/domain/release-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { clock } from '#shared/lib/clock.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { idempotent } from './lib/idempotency.ts';
import { decideTenant } from './lib/tenant-decision.ts';

export const handler = apiHandler({ params: releaseTenantPathSchema, body: decisionBodySchema }, async ({ params, body, actor, idempotencyKey, method, path }) => {
  const repo = FleetRepository.fromEnv();
  const now = () => clock().now();
  return idempotent(repo, { actor, key: idempotencyKey, fingerprint: { method, path, body } }, async () =>
    ok({ tenant: await decideTenant({ repo, ...params, actor, choice: body.choice, reason: body.reason, now }) }),
  now);
});
