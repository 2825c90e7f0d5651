/**
 * Records a unit that could not finish, and says where each tenant is. When nothing was promoted
 * (the old primary still holds the writer), the fence is undone: the tenant's stored desired state
 * is applied again in the old region (time-boxed: that region may be the one down) and the tenant
 * goes back ACTIVE there (`FailoverRolledBack`), or stays FAILED when its compute could not be
 * brought back. Once the database was promoted, the tenant's data lives in the new region: it is
 * recorded FAILED there with the step that failed, for a person to finish or fail back.
 */
import { cloud } from '#shared/cloud/clients.ts';
import { applyObjects } from '#shared/cloud/kubernetes-workloads.ts';
import { describeGlobalDatabase, memberIn } from '#shared/cloud/adapters/global-database.ts';
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import { failoverUnitStep, type UnitState } from '#shared/lib/failover-step.ts';
import { changeTenant, loadTenants } from '#shared/lib/failover-tenants.ts';
import { unitTarget, tenantSide } from '#shared/lib/failover-unit-target.ts';
import { timeBoxed } from '#shared/lib/time-box.ts';
import { caughtError } from '#shared/lib/workflow-step.ts';
import { FIELD_MANAGER } from '../provision/apply-kubernetes.ts';
import type { PromoteProgress } from './promote-database.ts';

type State = UnitState & { error?: { Error?: string; Cause?: string }; promote?: PromoteProgress };

export const handler = failoverUnitStep<State, { ready: true; promoted: boolean; rolledBack: string[] }>(async ({ state, repo, config, now, failover, unit, members, executionArn }) => {
  const who = { failoverId: failover.failoverId, actor: state.actor, executionArn };
  const error = caughtError(state as never);
  const tenants = await loadTenants(repo, members.map((m) => m.tenantId));
  const target = unitTarget(config, unit, tenants, failover.fromRegion, failover.toRegion);

  // Where is the writer? Read from the new region; when it cannot be read, the step's own record decides.
  let promoted = state.promote?.phase === 'promoted' || !!state.promote?.requestedAt;
  if (target.globalClusterIdentifier) {
    const global = await describeGlobalDatabase(cloud().rds(failover.toRegion), target.globalClusterIdentifier).catch(() => undefined);
    const member = global ? memberIn(global, failover.toRegion) : undefined;
    if (member) promoted = member.isWriter || (!!global?.failover && global.failover.toDbClusterArn === target.to.clusterArn);
  }

  const rolledBack: string[] = [];
  for (const t of tenants) {
    let reason = `failover ${failover.failoverId} failed: ${error.code}: ${error.message}`;
    if (!promoted && t.status === 'FAILING_OVER') {
      const desired = await repo.getDesiredState(t.tenantId);
      const side = tenantSide(config, t, failover.fromRegion);
      const back = desired
        ? await timeBoxed(async () => applyObjects(await cloud().kubernetes(failover.fromRegion, side.eksCluster), desired.objects as K8sObject[], FIELD_MANAGER), config.failover.oldRegionTimeoutSeconds, `unfencing ${t.tenantId} in ${failover.fromRegion}`)
        : ({ ok: false, error: 'no desired state stored' } as const);
      if (back.ok) {
        await changeTenant(repo, who, t.tenantId, { event: 'FailoverRolledBack', target: 'ACTIVE', type: 'FailoverRolledBack', patch: () => ({ statusReason: `${reason}; nothing was promoted, it serves from ${failover.fromRegion} again` }) }, now);
        rolledBack.push(t.tenantId);
        reason += `; nothing promoted, unfenced in ${failover.fromRegion}`;
      } else {
        reason += `; nothing promoted, and the fence could not be undone (${back.error})`;
        await changeTenant(repo, who, t.tenantId, { event: 'FailoverFailed', target: 'FAILED', type: 'FailoverFailed', patch: () => ({ statusReason: reason.slice(0, 1000) }) }, now);
      }
    } else if (t.status === 'FAILING_OVER' || promoted) {
      reason += promoted ? `; the database was promoted in ${failover.toRegion}: the data is there now` : '';
      await changeTenant(
        repo,
        who,
        t.tenantId,
        { event: 'FailoverFailed', target: 'FAILED', type: 'FailoverFailed', patch: () => ({ statusReason: reason.slice(0, 1000), ...(promoted ? { activeRegion: failover.toRegion } : {}) }) },
        now,
      );
    }
    await repo.updateFailoverTenant(failover.failoverId, t.tenantId, (ft) => ({ ...ft, outcome: 'FAILED', reason: reason.slice(0, 1000) }));
  }
  return { ready: true, promoted, rolledBack };
});
