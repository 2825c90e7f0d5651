/**
 * What a failover accepts (contract: `POST /v1/failovers`, and the same body as the input of the
 * failover state machine started from the Step Functions console, whose first state validates it
 * with this schema). The object is strict, so a misspelt field is a 400 naming it; the rules that
 * need the fleet (known regions, a failover going between the fleet's two regions, a known cell)
 * come after parsing, with field-level details.
 */
import * as z from 'zod/mini';
import type { FleetConfig } from './fleet-config.ts';
import { tenantIdSchema } from './tenant-request.ts';

const rule = (ok: (b: Record<string, unknown>) => boolean, path: string, message: string) =>
  z.refine<Record<string, unknown>>((b) => ok(b), { path: [path], message, when: (payload) => typeof payload.value === 'object' && payload.value !== null });

export const createFailoverBodySchema = z
  .strictObject({
    scope: z.enum(['tenant', 'cell', 'region']),
    tenantId: z.optional(tenantIdSchema),
    cell: z.optional(z.string().check(z.regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be a cell id such as cell-a'))),
    fromRegion: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name such as eu-west-1')),
    toRegion: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name such as eu-central-1')),
    mode: z.enum(['planned', 'unplanned']),
    reason: z.string().check(z.trim(), z.minLength(1, 'must say why (it goes on every record of the failover)'), z.maxLength(500, 'must be at most 500 characters')),
    /** A planned switchover whose lag cannot drain to zero goes anyway, losing what did not arrive. */
    force: z.optional(z.boolean()),
  })
  .check(
    // Each rule between fields runs whenever the body is an object, even when another field is
    // missing or malformed, so one answer names every problem.
    rule((b) => b.scope !== 'tenant' || !!b.tenantId, 'tenantId', 'is required when scope is tenant'),
    rule((b) => b.scope === 'tenant' || b.tenantId === undefined, 'tenantId', 'only goes with scope tenant'),
    rule((b) => b.scope !== 'cell' || !!b.cell, 'cell', 'is required when scope is cell'),
    rule((b) => b.scope === 'cell' || b.cell === undefined, 'cell', 'only goes with scope cell'),
    rule((b) => b.fromRegion === undefined || b.fromRegion !== b.toRegion, 'toRegion', 'must differ from fromRegion'),
    rule((b) => b.mode !== 'unplanned' || b.force === undefined, 'force', 'only applies to a planned switchover'),
  );
export type CreateFailoverBody = z.infer<typeof createFailoverBodySchema>;

/** Field-level problems of a parsed body against the fleet, or none. */
export function failoverFleetProblems(body: CreateFailoverBody, config: Pick<FleetConfig, 'primaryRegion' | 'drRegion' | 'cells'>): { path: string; message: string }[] {
  const regions = [config.primaryRegion, config.drRegion];
  const problems: { path: string; message: string }[] = [];
  if (!regions.includes(body.fromRegion)) problems.push({ path: 'fromRegion', message: `must be one of the fleet's regions: ${regions.join(', ')}` });
  if (!regions.includes(body.toRegion)) problems.push({ path: 'toRegion', message: `must be one of the fleet's regions: ${regions.join(', ')}` });
  if (body.cell !== undefined && !config.cells.some((c) => c.id === body.cell)) {
    problems.push({ path: 'cell', message: `is not a cell of the fleet (${config.cells.map((c) => c.id).join(', ')})` });
  }
  return problems;
}

export const failoverPathSchema = z.object({ failoverId: z.string().check(z.regex(/^fo-[0-9a-z]{26}$/, 'must be a failover id (fo- and 26 characters)')) });
export const rejectFailoverBodySchema = z.strictObject({ reason: z.string().check(z.trim(), z.minLength(1, 'must say why the failover is rejected'), z.maxLength(1000, 'must be at most 1000 characters')) });
export const listFailoversQuerySchema = z.object({
  limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100))),
  cursor: z.optional(z.string()),
});
