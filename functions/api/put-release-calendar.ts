/**
 * `PUT /v1/tenants/{tenantId}/release-calendar`: replaces when releases may start on the tenant
 * (windows in its own time zone, and its freezes). A change event records the old and new calendar.
 */
import { releaseCalendarBodySchema } from '#shared/domain/release-request.ts';
import { tenantPathSchema } from '#shared/domain/tenant-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { replaceReleaseCalendar } from './lib/release-calendar.ts';

export const handler = apiHandler({ params: tenantPathSchema, body: releaseCalendarBodySchema }, async ({ params, body, actor }) => {
  const tenant = await replaceReleaseCalendar(FleetRepository.fromEnv(), params.tenantId, body, actor);
  return ok(tenant);
});
