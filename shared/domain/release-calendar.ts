/**
 * The release calendar a tenant is held to. A tenant without one may be released at any time: its
 * window is every day around the clock, and only the fleet's freezes hold it.
 */
import type { ReleaseCalendar } from './release-windows.ts';
import type { Tenant } from './types.ts';
import { WEEKDAYS } from './zoned-time.ts';

export const ALWAYS_OPEN_CALENDAR: ReleaseCalendar = Object.freeze({
  windows: [{ days: [...WEEKDAYS], start: '00:00', end: '00:00', timeZone: 'UTC' }],
  freezes: [],
}) as ReleaseCalendar;

export function releaseCalendarOf(tenant: Pick<Tenant, 'releaseCalendar'>): ReleaseCalendar {
  return tenant.releaseCalendar ?? ALWAYS_OPEN_CALENDAR;
}
