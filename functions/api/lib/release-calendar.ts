/**
 * Replacing a tenant's release calendar. Only the calendar changes, so it is allowed while another
 * operation holds the tenant (a release in flight reads it at its next gate); a deleted tenant has
 * no releases to schedule. A write that races another change of the tenant is tried again on the
 * fresh record.
 */
import type { ReleaseCalendar } from '#shared/domain/release-windows.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { AppError, conflict } from '#shared/lib/errors.ts';
import type { FleetRepository } from '#shared/store/repository.ts';

const VERSION_RACES = 3;

export async function replaceReleaseCalendar(repo: FleetRepository, tenantId: string, calendar: ReleaseCalendar, actor: string): Promise<Tenant> {
  for (let race = 1; ; race++) {
    const tenant = await repo.requireTenant(tenantId);
    if (tenant.status === 'DELETED') throw conflict(`Tenant ${tenantId} is DELETED: it has no releases to schedule`, [{ path: 'status', message: 'DELETED' }]);
    try {
      return await repo.updateTenant(tenantId, tenant.version, (t) => ({ ...t, releaseCalendar: calendar }), { actor, type: 'ReleaseCalendarChanged' });
    } catch (err) {
      const stale = err instanceof AppError && err.code === 'Conflict' && err.details.some((d) => d.path === 'version');
      if (!stale || race >= VERSION_RACES) throw err;
    }
  }
}
