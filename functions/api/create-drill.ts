/**
 * `POST /v1/tenants/{tenantId}/drills`: an on-demand restore drill (202 with the drill and its
 * operation). Body optional: `{restoreTime}` restores to that instant instead of the latest
 * restorable time. 409 while another drill of the tenant runs, or when it has nothing to restore.
 */
import { createDrillBodySchema, restoreTimeRefusal } from '#shared/domain/drill-request.ts';
import { fleetConfig } from '#shared/domain/fleet-config.ts';
import { tenantPathSchema } from '#shared/domain/tenant-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { clock } from '#shared/lib/clock.ts';
import { validationError } from '#shared/lib/errors.ts';
import { accepted } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { startDrill } from './lib/drill-start.ts';
import { idempotent } from './lib/idempotency.ts';

export const handler = apiHandler({ params: tenantPathSchema, body: createDrillBodySchema }, async ({ params, body, actor, idempotencyKey, method, path }) => {
  const now = () => clock().now();
  const restoreTime = body?.restoreTime ? new Date(body.restoreTime).toISOString() : undefined;
  if (restoreTime) {
    const refusal = restoreTimeRefusal(restoreTime, now());
    if (refusal) throw validationError(`restoreTime ${refusal}`, [{ path: 'restoreTime', message: refusal }]);
  }
  const repo = FleetRepository.fromEnv();
  await repo.requireTenant(params.tenantId);
  return idempotent(
    repo,
    { actor, key: idempotencyKey, fingerprint: { method, path, body: body ?? null } },
    async (attempt) => accepted(await startDrill({ repo, config: fleetConfig(), tenantId: params.tenantId, actor, attempt, restoreTime, now: now() })),
    now,
  );
});
