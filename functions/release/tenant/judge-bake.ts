/**
 * The verdict after the bake: the tenant's alarms, its metrics over the bake window against its
 * own baseline (the hour before its release began), and the synthetic business checks as its
 * admin. `pass` completes the tenant, `fail` rolls it back, `inconclusive` asks a human. When the
 * only gap is too little traffic the bake is first extended, up to the fleet's `maxBakeSeconds`.
 * The verdict with its findings is kept on the tenant's release item; the outcome is moved by the
 * step that acts on it.
 */
import { readSecretJson } from '#shared/cloud/adapters/secrets.ts';
import { bakeMetrics, tenantAlarms } from '#shared/cloud/adapters/tenant-metrics.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { namedChecks } from '#shared/cloud/odoo-probe.ts';
import { verdict, verdictPolicy, type VerdictInput } from '#shared/domain/release-verdict.ts';
import { clock } from '#shared/lib/clock.ts';
import { conflict } from '#shared/lib/errors.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';
import { databaseOf } from './lib/tenant-database.ts';
import { load, patchItem, type UpgradeState } from './lib/upgrade-state.ts';

export const handler = workflowStep<UpgradeState, Record<string, unknown>>(async (ctx) => {
  const { state, config } = ctx;
  const { release, item, tenant } = await load(ctx);
  if (item.outcome !== 'BAKING' || !item.cutoverAt) throw conflict(`a verdict is given on a BAKING tenant, not ${item.outcome}`);
  const c = cloud();
  const region = tenant.activeRegion;
  const cutover = Date.parse(item.cutoverAt);
  const baked = state.verdict?.bakeSeconds ?? release.strategy.bakeSeconds;
  const baselineEnd = item.startedAt ?? item.migrationStartedAt ?? item.cutoverAt;

  const cw = c.cloudwatch(region);
  const [metrics, alarms, checks] = await Promise.all([
    bakeMetrics(cw, { tenantId: tenant.tenantId, start: new Date(cutover), end: new Date(cutover + baked * 1000), baselineEnd: new Date(baselineEnd) }),
    tenantAlarms(cw, tenant.tenantId),
    syntheticChecks(tenant, region),
  ]);
  const result = verdict({ windowSeconds: baked, alarms, metrics, checks }, verdictPolicy());
  await patchItem(ctx, (i) => ({ ...i, verdict: result }));

  const onlyTraffic = result.findings.filter((f) => f.outcome === 'inconclusive').every((f) => f.subject === 'traffic');
  const maxBake = config.release.maxBakeSeconds;
  if (result.outcome === 'inconclusive' && onlyTraffic && baked < maxBake) {
    const longer = Math.min(maxBake, baked + release.strategy.bakeSeconds);
    const bakeUntil = clock().timerDeadline(new Date(cutover + longer * 1000)).toISOString();
    await patchItem(ctx, (i) => ({ ...i, bakeUntil }));
    return { outcome: 'extend', bakeSeconds: longer, bakeUntil, reason: result.reasons[0] ?? null };
  }
  return { outcome: result.outcome, bakeSeconds: baked, reason: result.reasons[0] ?? null };

  async function syntheticChecks(t: typeof tenant, r: string): Promise<VerdictInput['checks']> {
    // Without the admin's credentials the checks cannot run; the verdict then says they did not report.
    if (!t.resources.adminSecretArn) return [];
    const admin = await readSecretJson<{ login?: string; password?: string }>(c.secrets(r), t.resources.adminSecretArn);
    const probe = c.probe(r);
    return namedChecks(await probe.syntheticChecks(t.hostname, databaseOf(t).databaseName, { login: admin.login ?? 'admin', password: admin.password ?? '' }));
  }
});
