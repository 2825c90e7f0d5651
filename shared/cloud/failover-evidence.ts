/**
 * Where a failover's evidence goes besides its record: one JSON report in the evidence bucket of
 * the region that ran it (Object Lock in AWS: what an auditor is shown cannot be rewritten), the
 * `Odoo/Failover` CloudWatch metrics (per failover, by mode: its outcome, tenants moved and not, RTO and data-loss window; the report holds each tenant's), and an
 * EventBridge event when it ends. Written to the region being activated: the other may be down.
 */
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { Failover, FailoverTenant } from '#shared/domain/failover-types.ts';
import { cloud } from './clients.ts';
import { putEvidenceReport } from './drill-evidence.ts';
import { putFleetEvent } from './release-events.ts';

export const FAILOVER_METRIC_NAMESPACE = 'Odoo/Failover';
export const FAILOVER_DETAIL_TYPE = 'Failover Finished';

export const failoverEvidenceKey = (f: Pick<Failover, 'failoverId' | 'createdAt'>) => `failovers/${f.createdAt.slice(0, 10)}/${f.failoverId}.json`;

export function failoverReport(f: Failover, tenants: readonly FailoverTenant[], generatedAt: string): Record<string, unknown> {
  return {
    kind: 'odoo-fleet/failover',
    schemaVersion: 1,
    generatedAt,
    failoverId: f.failoverId,
    scope: f.scope,
    tenantId: f.tenantId ?? null,
    cell: f.cell ?? null,
    fromRegion: f.fromRegion,
    toRegion: f.toRegion,
    mode: f.mode,
    force: f.force ?? false,
    reason: f.reason,
    requestedBy: f.requestedBy,
    approvedBy: f.approvedBy ?? null,
    status: f.status,
    statusReason: f.statusReason ?? null,
    decision: f.decision ?? null,
    timings: { createdAt: f.createdAt, approvedAt: f.approvedAt ?? null, startedAt: f.startedAt ?? null, endedAt: f.endedAt ?? null },
    rto: { seconds: f.rtoSeconds ?? null, definition: 'failover requested -> the last tenant verified serving in the new region' },
    dataLoss: { windowSeconds: f.dataLossWindowSeconds ?? null, definition: 'largest tenant window: newest heartbeat of the old primary missing in the new one, else the replication lag at promotion; 0 for a switchover that drained' },
    units: f.units,
    skipped: f.skipped ?? [],
    tenants: tenants.map((t) => ({
      tenantId: t.tenantId,
      unit: t.unit,
      outcome: t.outcome,
      reason: t.reason ?? null,
      rtoSeconds: t.rtoSeconds ?? null,
      dataLossWindowSeconds: t.dataLossWindowSeconds ?? null,
      dataLossBasis: t.dataLossBasis ?? null,
      readiness: t.readiness ?? null,
      steps: t.steps,
    })),
    executionArn: f.executionArn ?? null,
  };
}

export function putFailoverEvidence(region: string, f: Failover, tenants: readonly FailoverTenant[], key: string, generatedAt: string): Promise<void> {
  return putEvidenceReport(region, key, failoverReport(f, tenants, generatedAt));
}

export function failoverMetricData(f: Failover, tenants: readonly FailoverTenant[], at: Date): MetricDatum[] {
  const base = [{ Name: 'Mode', Value: f.mode }];
  const data: MetricDatum[] = [
    { MetricName: 'FailoverSucceeded', Dimensions: base, Value: f.status === 'SUCCEEDED' ? 1 : 0, Unit: 'Count', Timestamp: at },
    { MetricName: 'TenantsFailedOver', Dimensions: base, Value: tenants.filter((t) => t.outcome === 'SUCCEEDED').length, Unit: 'Count', Timestamp: at },
    { MetricName: 'TenantsNotFailedOver', Dimensions: base, Value: tenants.filter((t) => t.outcome !== 'SUCCEEDED').length, Unit: 'Count', Timestamp: at },
  ];
  if (f.rtoSeconds !== undefined) data.push({ MetricName: 'FailoverRtoSeconds', Dimensions: base, Value: f.rtoSeconds, Unit: 'Seconds', Timestamp: at });
  if (typeof f.dataLossWindowSeconds === 'number') data.push({ MetricName: 'DataLossWindowSeconds', Dimensions: base, Value: f.dataLossWindowSeconds, Unit: 'Seconds', Timestamp: at });
  return data;
}

export async function putFailoverMetrics(region: string, f: Failover, tenants: readonly FailoverTenant[], at: Date): Promise<void> {
  const data = failoverMetricData(f, tenants, at);
  // PutMetricData takes at most 1000 data points per call.
  for (let i = 0; i < data.length; i += 1000) {
    await cloud().cloudwatch(region).send(new PutMetricDataCommand({ Namespace: FAILOVER_METRIC_NAMESPACE, MetricData: data.slice(i, i + 1000) }));
  }
}

export function publishFailoverEvent(region: string, f: Failover, at: Date): Promise<string | undefined> {
  return putFleetEvent(
    region,
    FAILOVER_DETAIL_TYPE,
    { failoverId: f.failoverId, status: f.status, mode: f.mode, fromRegion: f.fromRegion, toRegion: f.toRegion, tenantCount: f.tenantCount, rtoSeconds: f.rtoSeconds ?? null, dataLossWindowSeconds: f.dataLossWindowSeconds ?? null },
    at,
    { failoverId: f.failoverId },
  );
}
