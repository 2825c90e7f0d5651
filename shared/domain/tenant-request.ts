/**
 * What the tenant API accepts (contract: `POST /v1/tenants`, `GET /v1/tenants`, the tenant paths).
 * Objects are strict, so a misspelt field is a 400 naming it rather than a default silently used.
 * Fleet-dependent defaults (host name, regions) are applied after parsing, from the fleet
 * configuration, by `withFleetDefaults`.
 */
import * as z from 'zod/mini';
import { validationError } from '#shared/lib/errors.ts';
import type { FleetConfig } from './fleet-config.ts';
import { TENANT_ID_PATTERN } from './names.ts';
import { releaseCalendarSchema } from './release-windows.ts';
import { CRITICALITIES, CUSTOMIZATIONS, TENANT_STATUSES } from './types.ts';

export const SUPPORTED_ODOO_VERSIONS = ['16.0', '17.0', '18.0'] as const;

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TAG_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** Regimes are named by upper-case tokens (`PCI`, `SOX`, `GDPR`, `HIPAA`, `ISO27001`...). */
const COMPLIANCE_PATTERN = /^[A-Z][A-Z0-9-]{1,15}$/;

const unique = <T>(items: T[]) => new Set(items).size === items.length;

export const tenantIdSchema = z.string().check(z.regex(TENANT_ID_PATTERN, 'must start with a letter and hold 3 to 31 lower-case letters, digits or dashes'));

/** Lower-cased before the DNS check, which only runs on a name of acceptable length. */
export const hostnameSchema = z
  .pipe(
    z.string().check(z.maxLength(253, 'must be at most 253 characters')),
    z.transform((h: string) => h.toLowerCase()),
  )
  .check(
    z.refine((h) => {
      const labels = h.split('.');
      return labels.length >= 2 && labels.every((l) => DNS_LABEL.test(l));
    }, 'must be a DNS name such as acme.example.com'),
  );

export const tenantProfileSchema = z.strictObject({
  criticality: z.enum(CRITICALITIES),
  customization: z.enum(CUSTOMIZATIONS),
  compliance: z
    .array(z.string().check(z.regex(COMPLIANCE_PATTERN, 'must be an upper-case regime name such as PCI or SOX')))
    .check(z.maxLength(10, 'at most 10 regimes'), z.refine(unique, 'must not repeat a regime')),
  expectedUsers: z.number().check(z.int('must be a whole number'), z.minimum(1), z.maximum(100_000)),
});

export const createTenantBodySchema = z.strictObject({
  tenantId: tenantIdSchema,
  displayName: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(100, 'must be at most 100 characters')),
  profile: tenantProfileSchema,
  odooVersion: z.enum(SUPPORTED_ODOO_VERSIONS),
  hostname: z.optional(hostnameSchema),
  tags: z.optional(
    z
      .array(z.string().check(z.regex(TAG_PATTERN, 'must be 1 to 40 lower-case letters, digits or dashes, starting with a letter or digit')))
      .check(z.maxLength(20, 'at most 20 tags'), z.refine(unique, 'must not repeat a tag')),
  ),
  regions: z.optional(z.strictObject({ primary: z.string().check(z.minLength(1)), dr: z.string().check(z.minLength(1)) })),
  /** When releases may start on the tenant; without one, at any time. */
  releaseCalendar: z.optional(releaseCalendarSchema),
});
export type CreateTenantBody = z.infer<typeof createTenantBodySchema>;

/** A create request with every default applied: what the tenant record is made from. */
export interface TenantRequest extends Omit<CreateTenantBody, 'hostname' | 'tags' | 'regions'> {
  hostname: string;
  tags: string[];
  regions: { primary: string; dr: string };
}

/**
 * The host name defaults to `<tenantId>.<baseDomain>`; the regions default to the fleet's and, if
 * given, must be the fleet's (a tenant cannot live where the fleet has no clusters).
 */
export function withFleetDefaults(body: CreateTenantBody, config: FleetConfig): TenantRequest {
  const regions = body.regions ?? { primary: config.primaryRegion, dr: config.drRegion };
  const details = [];
  if (regions.primary !== config.primaryRegion) details.push({ path: 'regions.primary', message: `must be ${config.primaryRegion}, the fleet's primary region` });
  if (regions.dr !== config.drRegion) details.push({ path: 'regions.dr', message: `must be ${config.drRegion}, the fleet's disaster-recovery region` });
  // The control plane writes the tenant's record in the fleet's hosted zone; a name outside it
  // would only fail at the DNS step, after the database and everything else were made.
  const zone = config.baseDomain.toLowerCase();
  if (body.hostname !== undefined && !body.hostname.endsWith(`.${zone}`)) {
    details.push({ path: 'hostname', message: `must be a name in the fleet's zone ${zone} (e.g. ${body.tenantId}.${zone})` });
  }
  if (details.length) throw validationError('Invalid request body', details);
  return {
    ...body,
    hostname: body.hostname ?? `${body.tenantId}.${config.baseDomain}`.toLowerCase(),
    tags: body.tags ?? [],
    regions,
  };
}

const limitSchema = z.coerce.number().check(z.int('must be a whole number'), z.minimum(1), z.maximum(100));
const cursorSchema = z.string().check(z.minLength(1), z.maxLength(2048));

export const listTenantsQuerySchema = z.strictObject({
  status: z.optional(z.enum(TENANT_STATUSES)),
  criticality: z.optional(z.enum(CRITICALITIES)),
  model: z.optional(z.enum(['pooled', 'dedicated'])),
  limit: z.optional(limitSchema),
  cursor: z.optional(cursorSchema),
});
export type ListTenantsQuery = z.infer<typeof listTenantsQuerySchema>;

export const pageQuerySchema = z.strictObject({ limit: z.optional(limitSchema), cursor: z.optional(cursorSchema) });

export const tenantPathSchema = z.strictObject({ tenantId: tenantIdSchema });
export const operationPathSchema = z.strictObject({ operationId: z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/, 'is not an operation id')) });
