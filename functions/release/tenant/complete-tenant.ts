/**
 * The tenant passed (or a human chose to keep the new version): it is ACTIVE on the release's image
 * and module set, then its outcome is SUCCEEDED, the pooled pre-change copy is dropped (a dedicated
 * tenant's pre-change snapshot is kept as a backup), the lease is released and the operation
 * SUCCEEDED. Run again on a SUCCEEDED tenant it only finishes what is left.
 */
import { dropPooledCopy } from '#shared/cloud/adapters/release-database.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { conflict } from '#shared/lib/errors.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';
import { cellFor } from './lib/tenant-database.ts';
import { load, moveOutcome, moveTenant, type UpgradeState } from './lib/upgrade-state.ts';

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { state, repo, config, now } = ctx;
  const { release, item, tenant } = await load(ctx);
  const endedAt = now().toISOString();
  if (item.outcome !== 'BAKING' && item.outcome !== 'AWAITING_DECISION' && item.outcome !== 'SUCCEEDED') {
    throw conflict(`a tenant is completed from BAKING or AWAITING_DECISION, not ${item.outcome}`);
  }

  // The tenant record first, then the outcome: whoever reads SUCCEEDED finds the new image on the tenant.
  const modules = [...new Set([...tenant.release.modules, ...release.modules])].sort();
  await moveTenant(ctx, 'UpdateSucceeded', 'ACTIVE', () => ({ release: { image: release.image, modules }, statusReason: undefined }), 'ReleaseApplied');
  if (item.outcome === 'BAKING') await moveOutcome(ctx, 'VerdictPassed', { endedAt, reason: 'the verdict passed' });
  else if (item.outcome === 'AWAITING_DECISION') await moveOutcome(ctx, 'KeepDecided', { endedAt, reason: `kept by ${item.decision?.by ?? state.actor}` });
  const copy = item.preflight?.copyDatabase;
  const dropped = tenant.placement.model === 'pooled' && copy ? await dropPooledCopy(cloud().rdsData(tenant.activeRegion), cellFor(config, tenant), copy) : 'none';

  await repo.releaseLease(state.tenantId, state.operationId);
  const operation = await repo.requireOperation(state.operationId);
  if (operation.status !== 'SUCCEEDED') await repo.updateOperation(state.operationId, { status: 'SUCCEEDED', endedAt });
  return { outcome: 'SUCCEEDED', image: release.image, copy: dropped };
});
