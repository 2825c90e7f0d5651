/**
 * Every quarter hour (EventBridge Scheduler, `failover.readinessSchedule`): whether each ACTIVE
 * tenant could be switched over (planned mode) from its active region to the fleet's other region
 * now, and whether it would meet its RPO. The facts are read once per failover unit (a cell's
 * tenants share one database, so one read serves them all), judged per tenant, and stored on the
 * tenant out of band (`drReadiness`: no version bump, no change event). CloudWatch gets the counts
 * (`Odoo/Failover`: `TenantsNotReady`, `TenantsWouldMissRpo`, fleet-wide and per criticality, zeros
 * included so an alarm sees data), so an alarm fires before a failover is needed, not during one.
 * A unit whose facts cannot be read never stops the others: its tenants are recorded not ready,
 * with the error as the check's detail.
 */
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import middy from '@middy/core';
import { cloud, type CloudProvider } from '#shared/cloud/clients.ts';
import { readUnitReadiness } from '#shared/cloud/failover-readiness-facts.ts';
import { repairDrCopies, type DrCopyRepairResult } from '#shared/cloud/dr-copy-repair.ts';
import { preserveOldPrimaries, type PreservationResult } from '#shared/cloud/old-primaries.ts';
import { FAILOVER_METRIC_NAMESPACE } from '#shared/cloud/failover-evidence.ts';
import { controlPlaneRegion } from '#shared/cloud/release-events.ts';
import { planFailoverUnits, type FailoverUnit } from '#shared/domain/failover-plan.ts';
import type { Readiness } from '#shared/domain/failover-readiness.ts';
import { fleetConfig, type FleetConfig } from '#shared/domain/fleet-config.ts';
import { otherRegion } from '#shared/domain/fleet-lookup.ts';
import { CRITICALITIES, type Criticality, type DrReadinessReport, type Tenant } from '#shared/domain/types.ts';
import { clock } from '#shared/lib/clock.ts';
import { logger } from '#shared/lib/logger.ts';
import { allPages } from '#shared/store/query.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { unitCellSince } from '#shared/lib/failover-tenants.ts';

export { FAILOVER_METRIC_NAMESPACE };

/**
 * Units read at once. A unit whose old region is down waits out `oldRegionTimeoutSeconds` on its
 * probe, so this, not the number of units, bounds how long a run with a dead region takes.
 */
const UNIT_CONCURRENCY = 16;
/** Report writes in flight at once: single-item updates, far under the table's capacity. */
const WRITE_CONCURRENCY = 16;

export interface ReadinessCounts {
  tenants: number;
  notReady: number;
  wouldMissRpo: number;
  wouldMissRto: number;
}

export interface ReadinessReportResult extends ReadinessCounts {
  checkedAt: string;
  units: number;
  byCriticality: Record<Criticality, ReadinessCounts>;
  /** Units whose facts could not be read; their tenants are recorded not ready. */
  failedUnits: { unit: string; fromRegion: string; error: string }[];
  /** Tenants whose report could not be stored. */
  notStored: { tenantId: string; error: string }[];
}

const describeError = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`.slice(0, 300);

/** Runs `work` over `items`, at most `concurrency` at once. */
async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** The report of a tenant whose unit could not be read: not ready, and why. */
function unreadable(error: string): Readiness {
  return { ready: false, wouldMiss: [], expectedDataLossSeconds: null, checks: [{ name: 'readiness-facts', passed: false, blocking: true, detail: `the readiness facts could not be read: ${error}` }] };
}

export function readinessMetricData(result: Pick<ReadinessReportResult, 'notReady' | 'wouldMissRpo' | 'wouldMissRto' | 'byCriticality'>, at: Date): MetricDatum[] {
  const datum = (name: string, value: number, criticality?: Criticality): MetricDatum => ({
    MetricName: name,
    Value: value,
    Unit: 'Count',
    Timestamp: at,
    Dimensions: criticality ? [{ Name: 'Criticality', Value: criticality }] : [],
  });
  return [
    datum('TenantsNotReady', result.notReady),
    datum('TenantsWouldMissRpo', result.wouldMissRpo),
    datum('TenantsWouldMissRto', result.wouldMissRto),
    ...CRITICALITIES.flatMap((c) => [
      datum('TenantsNotReady', result.byCriticality[c].notReady, c),
      datum('TenantsWouldMissRpo', result.byCriticality[c].wouldMissRpo, c),
      datum('TenantsWouldMissRto', result.byCriticality[c].wouldMissRto, c),
    ]),
  ];
}

export async function reportReadiness(repo: FleetRepository, config: FleetConfig, now: Date, clients: CloudProvider = cloud()): Promise<ReadinessReportResult> {
  const checkedAt = now.toISOString();
  const active = await allPages((cursor) => repo.listTenants({ status: 'ACTIVE', limit: 100, cursor }));
  const byId = new Map(active.map((t) => [t.tenantId, t]));

  // Units per active region: a cell's tenants normally move together, but one read covers one direction.
  const work: { unit: FailoverUnit; fromRegion: string; tenants: Tenant[] }[] = [];
  for (const fromRegion of [...new Set(active.map((t) => t.activeRegion))].sort()) {
    for (const unit of planFailoverUnits(active.filter((t) => t.activeRegion === fromRegion))) {
      work.push({ unit, fromRegion, tenants: unit.tenantIds.map((id) => byId.get(id)!) });
    }
  }

  const reports = new Map<string, DrReadinessReport>();
  const failedUnits: ReadinessReportResult['failedUnits'] = [];
  await eachLimited(work, UNIT_CONCURRENCY, async ({ unit, fromRegion, tenants }) => {
    const toRegion = otherRegion(config, fromRegion);
    let readiness: Record<string, Readiness>;
    try {
      const since = await unitCellSince(repo, unit, tenants);
      readiness = (await readUnitReadiness({ config, unit, tenants, mode: 'planned', fromRegion, toRegion, now, ...(since ? { cellActiveSince: since } : {}) }, clients)).tenants;
    } catch (error) {
      const detail = describeError(error);
      failedUnits.push({ unit: unit.key, fromRegion, error: detail });
      readiness = Object.fromEntries(tenants.map((t) => [t.tenantId, unreadable(detail)]));
    }
    for (const t of tenants) {
      const r = readiness[t.tenantId] ?? unreadable('no readiness for the tenant');
      reports.set(t.tenantId, { checkedAt, fromRegion, toRegion, ready: r.ready, wouldMiss: r.wouldMiss, expectedDataLossSeconds: r.expectedDataLossSeconds, checks: r.checks });
    }
  });

  const notStored: ReadinessReportResult['notStored'] = [];
  await eachLimited([...reports], WRITE_CONCURRENCY, async ([tenantId, report]) => {
    try {
      await repo.setDrReadiness(tenantId, report);
    } catch (error) {
      notStored.push({ tenantId, error: describeError(error) });
    }
  });

  const counts = (): ReadinessCounts => ({ tenants: 0, notReady: 0, wouldMissRpo: 0, wouldMissRto: 0 });
  const total = counts();
  const byCriticality = Object.fromEntries(CRITICALITIES.map((c) => [c, counts()])) as Record<Criticality, ReadinessCounts>;
  for (const [tenantId, report] of reports) {
    for (const c of [total, byCriticality[byId.get(tenantId)!.profile.criticality]]) {
      c.tenants++;
      if (!report.ready) c.notReady++;
      if (report.wouldMiss.includes('RPO')) c.wouldMissRpo++;
      if (report.wouldMiss.includes('RTO')) c.wouldMissRto++;
    }
  }
  const result: ReadinessReportResult = { checkedAt, ...total, units: work.length, byCriticality, failedUnits, notStored };
  // 12 data, far under PutMetricData's 1000.
  await clients.cloudwatch(controlPlaneRegion()).send(new PutMetricDataCommand({ Namespace: FAILOVER_METRIC_NAMESPACE, MetricData: readinessMetricData(result, now) }));
  if (failedUnits.length > 0 || notStored.length > 0) logger.warn('failover readiness incomplete', { failedUnits: failedUnits.slice(0, 20), notStored: notStored.slice(0, 20) });
  logger.info('failover readiness', { tenants: total.tenants, notReady: total.notReady, wouldMissRpo: total.wouldMissRpo, wouldMissRto: total.wouldMissRto, units: work.length });
  return result;
}

/**
 * The scheduled run: the readiness report, then what failovers left behind (once its region
 * answers), then the DR copies a release rollback took apart.
 */
export const handler = middy(async (): Promise<ReadinessReportResult & { oldPrimaries: PreservationResult; drCopies: DrCopyRepairResult }> => {
  const repo = FleetRepository.fromEnv();
  const config = fleetConfig();
  const report = await reportReadiness(repo, config, clock().now());
  const oldPrimaries = await preserveOldPrimaries(repo, config, cloud(), clock().now());
  const drCopies = await repairDrCopies(repo, config, cloud(), clock().now());
  if (drCopies.failed.length > 0) logger.warn('DR copies not repaired', { failed: drCopies.failed.slice(0, 20) });
  return { ...report, oldPrimaries, drCopies };
});
