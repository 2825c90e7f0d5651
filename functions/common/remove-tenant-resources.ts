/**
 * Compensation of a failed provisioning, and the deletion step of offboarding: removes what exists
 * and reports `done` only when every resource is confirmed gone. The tenant record forgets each
 * resource as it goes, so the record always says what is left.
 */
import { removeTenantResources } from '#shared/cloud/tenant-teardown.ts';
import type { TenantResources } from '#shared/domain/types.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';

type State = WorkflowState & { plan?: { region?: string } };

const RECORD_KEYS: Record<string, (keyof TenantResources)[]> = {
  dns: ['dns'],
  namespace: ['kubernetes'],
  podIdentity: [],
  nodegroup: [],
  otherRegionCompute: [],
  filestore: ['filestore'],
  database: ['database'],
  secrets: ['adminSecretArn'],
  dr: ['dr'],
};

/** Removal is only ever right for a tenant being provisioned (compensation) or offboarded. */
const REMOVABLE = new Set(['PROVISIONING', 'OFFBOARDING']);

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state, config, tenant: loadTenant, updateTenant }) => {
  const tenant = await loadTenant();
  if (!REMOVABLE.has(tenant.status) || tenant.lease?.owner !== state.operationId) {
    // E.g. activation succeeded and then its Lambda failed: the tenant is ACTIVE and serving, and
    // nothing may be deleted on behalf of an operation that no longer holds it.
    return { done: true, remaining: 'none', skipped: `tenant is ${tenant.status}${tenant.lease ? ` under ${tenant.lease.owner}` : ' with no lease'}; nothing removed` };
  }
  const region = state.plan?.region ?? tenant.activeRegion;
  const result = await removeTenantResources(tenant, config, region);

  const gone = Object.entries(result.resources).filter(([, s]) => s === 'gone').flatMap(([k]) => RECORD_KEYS[k] ?? []);
  const computeGone = result.resources.podIdentity === 'gone' && (result.resources.nodegroup ?? 'gone') === 'gone' && (result.resources.otherRegionCompute ?? 'gone') === 'gone';
  const toForget = [...gone, ...(computeGone ? (['compute'] as const) : [])].filter((k) => tenant.resources[k] !== undefined);
  if (toForget.length > 0) {
    await updateTenant((t) => {
      const resources = { ...t.resources };
      for (const k of toForget) delete resources[k];
      return { ...t, resources };
    }, 'ResourcesRemoved');
  }
  const remaining = Object.entries(result.resources).filter(([, s]) => s === 'removing').map(([k]) => k);
  return { done: result.done, remaining: remaining.join(',') || 'none' };
});
