/** What `POST /v1/tenants/{tenantId}/drills` accepts: nothing, or a chosen restore time. */
import * as z from 'zod/mini';

/** The longest backup retention RDS allows: a point older than this cannot be restorable. */
export const MAX_RESTORE_AGE_DAYS = 35;

export const createDrillBodySchema = z.optional(
  z.strictObject({
    /** Restore to this instant instead of the latest restorable time (ISO-8601, UTC). */
    restoreTime: z.optional(
      z.string().check(z.refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time such as 2026-11-30T08:00:00Z')),
    ),
  }),
);
export type CreateDrillBody = z.infer<typeof createDrillBodySchema>;

/** Why a chosen restore time cannot be restorable, or null: not in the future, not older than any retention. */
export function restoreTimeRefusal(restoreTime: string, now: Date): string | null {
  const at = Date.parse(restoreTime);
  if (at > now.getTime()) return `is in the future (now is ${now.toISOString()})`;
  if (now.getTime() - at > MAX_RESTORE_AGE_DAYS * 86_400_000) return `is more than ${MAX_RESTORE_AGE_DAYS} days ago, beyond any backup retention`;
  return null;
}
