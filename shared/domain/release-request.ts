/**
 * What the release API accepts (contract: `POST /v1/releases` and the release paths). Objects are
 * strict, so a misspelt field is a 400 naming it. The artifact rules come from release-artifact.ts
 * and the strategy's (wave sizes, `rest` last) from release-strategy.ts, so the API, the workflow's
 * validation and the planner refuse the same things with the same words.
 */
import * as z from 'zod/mini';
import { freezePeriodSchema } from './freeze-calendar.ts';
import { imageProblem, MODULE_NAME } from './release-artifact.ts';
import { RELEASE_STATUSES } from './release-lifecycle.ts';
import { releaseCalendarSchema } from './release-windows.ts';
import { strategyProblems, type ReleaseStrategy } from './release-strategy.ts';
import { TENANT_OUTCOME_STATUSES } from './release-tenant-outcome.ts';
import { pageQuerySchema, SUPPORTED_ODOO_VERSIONS, tenantIdSchema } from './tenant-request.ts';
import { CRITICALITIES } from './types.ts';

/** `rel-` and the 26 characters of an operation id (time-sorted, lower-case base 32). */
export const RELEASE_ID_PATTERN = /^rel-[0-9a-z]{26}$/;

const imageSchema = z.string().check(
  z.maxLength(255, 'must be at most 255 characters'),
  z.refine((image) => imageProblem(image) === null, {
    error: (issue) => imageProblem(String(issue.input)) ?? 'is not an image reference',
  }),
);

const unique = <T>(items: T[]) => new Set(items).size === items.length;

const modulesSchema = z
  .array(z.string().check(z.regex(MODULE_NAME, 'must be an Odoo module name: lower-case letters, digits and underscores')))
  .check(z.maxLength(200, 'at most 200 modules'), z.refine(unique, 'must not repeat a module'));

const criticalitySchema = z.enum(CRITICALITIES);

export const releaseSelectorSchema = z.strictObject({
  tenantIds: z.optional(
    z
      .array(tenantIdSchema)
      .check(
        z.minLength(1, 'must name at least one tenant; leave it out to select every tenant'),
        z.maxLength(5000, 'at most 5000 tenants'),
        z.refine(unique, 'must not repeat a tenant'),
      ),
  ),
  criticality: z.optional(z.union([criticalitySchema, z.array(criticalitySchema).check(z.minLength(1, 'must name at least one criticality'))])),
  odooVersion: z.optional(z.enum(SUPPORTED_ODOO_VERSIONS)),
});

const waveSizeSchema = z.union([z.number(), z.string()]);

export const releaseStrategySchema = z
  .strictObject({
    waves: z.optional(z.array(waveSizeSchema)),
    maxConcurrency: z.optional(z.number()),
    maxConcurrencyPerCell: z.optional(z.number()),
    maxFailurePercent: z.optional(z.number()),
    bakeSeconds: z.optional(z.number()),
  })
  .check(
    z.superRefine((strategy, ctx) => {
      for (const problem of strategyProblems(strategy as ReleaseStrategy)) {
        // The planner names paths from `strategy.`; the issue path is relative to this object.
        const path = problem.path.replace(/^strategy\.?/, '').split(/[.[\]]/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        ctx.issues.push({ code: 'custom', message: problem.message, input: strategy, path });
      }
    }),
  );

const instantSchema = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 time with a zone, e.g. 2030-01-31T18:00:00Z' });

export const createReleaseBodySchema = z.strictObject({
  image: imageSchema,
  modules: modulesSchema,
  selector: z._default(releaseSelectorSchema, {}),
  strategy: z.optional(releaseStrategySchema),
  emergency: z.optional(
    z.strictObject({ reason: z.string().check(z.trim(), z.minLength(1, 'an emergency release must say why it cannot wait'), z.maxLength(500)) }),
  ),
  deadline: z.optional(instantSchema),
  dryRun: z.optional(z.boolean()),
});
export type CreateReleaseBody = z.infer<typeof createReleaseBodySchema>;

const textSchema = (max: number) => z.string().check(z.trim(), z.maxLength(max, `must be at most ${max} characters`));
const requiredText = (max: number, empty: string) => z.string().check(z.trim(), z.minLength(1, empty), z.maxLength(max, `must be at most ${max} characters`));

/** Approve: an optional comment. Pause, resume and abort: an optional reason. Both bodies may be left out. */
export const approveBodySchema = z.optional(z.strictObject({ comment: z.optional(textSchema(1000)) }));
export const controlBodySchema = z.optional(z.strictObject({ reason: z.optional(textSchema(1000)) }));
export const rejectBodySchema = z.strictObject({ reason: requiredText(1000, 'must say why the release is rejected') });
export const decisionBodySchema = z.strictObject({
  choice: z.enum(['keep', 'rollback']),
  reason: requiredText(1000, 'must say why'),
});

export const releasePathSchema = z.strictObject({
  releaseId: z.string().check(z.regex(RELEASE_ID_PATTERN, 'is not a release id (rel- and 26 lower-case letters or digits)')),
});
export const releaseTenantPathSchema = z.strictObject({
  releaseId: releasePathSchema.shape.releaseId,
  tenantId: tenantIdSchema,
});

export const listReleasesQuerySchema = z.strictObject({
  ...pageQuerySchema.shape,
  status: z.optional(z.enum(RELEASE_STATUSES)),
});
export const getReleaseQuerySchema = z.strictObject({
  ...pageQuerySchema.shape,
  outcome: z.optional(z.enum(TENANT_OUTCOME_STATUSES)),
});

/** `PUT /v1/tenants/{tenantId}/release-calendar`: the calendar, with no field the API would silently drop. */
export const releaseCalendarBodySchema = z.strictObject({
  windows: releaseCalendarSchema.shape.windows.check(z.maxLength(50, 'at most 50 windows')),
  freezes: z._default(z.array(freezePeriodSchema).check(z.maxLength(50, 'at most 50 freezes')), []),
});

/** The id of a release started under operation id `op-<26>`: the same 26 characters. */
export function releaseIdOf(operationId: string): string {
  return `rel-${operationId.replace(/^op-/, '')}`;
}
