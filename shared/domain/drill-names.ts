/**
 * Names and tags of what a drill makes. A drill's id is its operation's id; every name carries the
 * tenant and the drill's short id, so a retried step finds what an earlier attempt made, a drill
 * never takes a production name, and the sweeper can tell a drill's leftovers by their tags alone.
 */
import { resourceTags, shortId } from './names.ts';

/** Tag keys on every drill resource. */
export const DRILL_TAG = 'odoo:drill';
export const DRILL_TENANT_TAG = 'odoo:tenant';
/** ISO-8601 instant after which the sweeper removes the resource. */
export const DRILL_EXPIRES_TAG = 'odoo:drill-expires-at';

/** CloudWatch namespace of drill figures (RTO, RPO, success, leftovers). */
export const DRILL_METRIC_NAMESPACE = 'Odoo/Drills';

/** The state machines of drills. */
export const DRILL_MACHINE_NAME = 'odoo-fleet-drill';
export const DRILL_RUN_MACHINE_NAME = 'odoo-fleet-drill-run';

export const drillNames = {
  /** The restored cluster: `odoo-drill-<tenant>-<short id>` (at most 51 characters). */
  cluster: (tenantId: string, drillId: string, p?: string) => `${p ?? 'odoo'}-drill-${tenantId}-${shortId(drillId)}`,
  instance: (tenantId: string, drillId: string, p?: string) => `${p ?? 'odoo'}-drill-${tenantId}-${shortId(drillId)}-1`,
  /** The drill's execution: `{tenantId}-drill-{drillId}`. */
  execution: (tenantId: string, drillId: string) => `${tenantId}-drill-${drillId}`.slice(0, 80),
  /** The evidence report in the evidence bucket. */
  evidenceKey: (tenantId: string, drillId: string, startedAt: string) => `drills/${tenantId}/${startedAt.slice(0, 10)}/${drillId}.json`,
};

export function drillTags(tenantId: string, drillId: string, expiresAt: string): Record<string, string> {
  return resourceTags(tenantId, drillId, { [DRILL_TAG]: drillId, [DRILL_TENANT_TAG]: tenantId, [DRILL_EXPIRES_TAG]: expiresAt });
}
