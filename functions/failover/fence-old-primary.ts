/**
 * Fences the old primary: the unit's tenants go FAILING_OVER, and their web, worker and cron in the
 * region being left are scaled to zero, so nothing writes to the old database once the new one
 * takes over. Every call into that region is time-boxed (`failover.oldRegionTimeoutSeconds`). A
 * planned switchover needs the fence (its primary is healthy: a fence that fails stops the unit,
 * and the failure record scales back what was fenced); an unplanned failover goes on without it and
 * records which tenants could not be fenced (their region does not answer).
 */
import { cloud } from '#shared/cloud/clients.ts';
import { scaleToZero } from '#shared/cloud/kubernetes-workloads.ts';
import { names } from '#shared/domain/names.ts';
import { resourceFailed } from '#shared/lib/errors.ts';
import { failoverUnitStep, type UnitState } from '#shared/lib/failover-step.ts';
import { changeTenant, loadTenants } from '#shared/lib/failover-tenants.ts';
import { tenantSide } from '#shared/lib/failover-unit-target.ts';
import { timeBoxed } from '#shared/lib/time-box.ts';

export const handler = failoverUnitStep<UnitState, { ready: true; fenced: string[]; unfenced: string[]; detail: Record<string, string | number> }>(
  async ({ state, repo, config, now, failover, members, executionArn }) => {
    const who = { failoverId: failover.failoverId, actor: state.actor, executionArn };
    const tenants = await loadTenants(repo, members.map((m) => m.tenantId));
    for (const t of tenants) {
      await changeTenant(repo, who, t.tenantId, { event: 'FailoverStarted', target: 'FAILING_OVER', patch: () => ({ statusReason: `failover ${failover.failoverId}: ${failover.mode} from ${failover.fromRegion} to ${failover.toRegion}` }), type: 'FailoverStarted' }, now);
    }
    const outcomes = await Promise.all(
      tenants.map(async (t) => {
        const side = tenantSide(config, t, failover.fromRegion);
        const namespace = t.resources.kubernetes?.namespace ?? names.namespace(t.tenantId);
        const result = await timeBoxed(async () => scaleToZero(await cloud().kubernetes(failover.fromRegion, side.eksCluster), namespace), config.failover.oldRegionTimeoutSeconds, `fencing ${t.tenantId} in ${failover.fromRegion}`);
        return { tenantId: t.tenantId, ...result };
      }),
    );
    const fenced = outcomes.filter((o) => o.ok).map((o) => o.tenantId);
    const unfenced = outcomes.filter((o) => !o.ok);
    if (failover.mode === 'planned' && unfenced.length) {
      throw resourceFailed(`a planned switchover needs its old primary fenced, and it could not be: ${unfenced.map((o) => (o.ok ? '' : o.error)).join('; ')}`);
    }
    const detail: Record<string, string | number> = { fenced: fenced.length, unfenced: unfenced.length };
    if (unfenced.length) detail.unfencedReason = unfenced.map((o) => (o.ok ? '' : o.error)).join('; ').slice(0, 500);
    return { ready: true, fenced, unfenced: unfenced.map((o) => o.tenantId), detail };
  },
);
