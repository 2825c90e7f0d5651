/**
 * Deterministic names of what a release makes for one tenant. Each carries the release's short id,
 * so a retried or re-run step finds what an earlier attempt made (never a second upgrade Job,
 * snapshot or copy), and two releases of the same tenant never collide.
 */
import { shortId } from './names.ts';

const prefix = (p?: string) => p ?? 'odoo';

export const releaseNames = {
  /** The Job that runs `odoo -u <modules> --stop-after-init` in the tenant's namespace. */
  upgradeJob: (releaseId: string) => `odoo-upgrade-${shortId(releaseId)}`,
  /** Manual cluster snapshot of a dedicated tenant, taken in maintenance before the upgrade. */
  preChangeSnapshot: (tenantId: string, releaseId: string, p?: string) => `${prefix(p)}-${tenantId}-pre-${shortId(releaseId)}`,
  /** Copy of a pooled tenant's database on its cell cluster (at most 36 + 13 characters of 63). */
  preChangeCopy: (databaseName: string, releaseId: string) => `${databaseName}_pre_${shortId(releaseId)}`,
  /** The cluster a dedicated tenant's pre-change snapshot is restored into on rollback. */
  restoredCluster: (tenantId: string, releaseId: string, p?: string) => `${prefix(p)}-${tenantId}-rb-${shortId(releaseId)}`,
  restoredInstance: (tenantId: string, releaseId: string, index: number, p?: string) => `${prefix(p)}-${tenantId}-rb-${shortId(releaseId)}-${index + 1}`,
};

/**
 * A tenant's bake-and-verdict execution (`odoo-fleet-release-verdict`) is named after the release
 * and the tenant with this suffix; `_` appears in neither id, so it never collides with the
 * tenant's upgrade execution (`<releaseId>-<tenantId>`).
 */
export const VERDICT_EXECUTION_SUFFIX = '_verdict';
export const VERDICT_MACHINE_NAME = 'odoo-fleet-release-verdict';

/** The ARN of a tenant's verdict execution, in the account and region of `anyExecutionArn` (the release's own). */
export function verdictExecutionArn(anyExecutionArn: string, releaseId: string, tenantId: string): string {
  const [arn, partition, service, region, account] = anyExecutionArn.split(':');
  return [arn, partition, service, region, account, 'execution', VERDICT_MACHINE_NAME, `${releaseId}-${tenantId}${VERDICT_EXECUTION_SUFFIX}`].join(':');
}

