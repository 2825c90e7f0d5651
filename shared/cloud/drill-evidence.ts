/**
 * Where a drill's evidence goes besides its record: a JSON report in the evidence bucket (Object
 * Lock, default retention, in AWS: what an auditor is shown cannot be rewritten), CloudWatch
 * metrics `Odoo/Drills` (RTO, RPO, success; fleet-wide and per tenant, so one alarm watches the
 * whole fleet and a dashboard can show one tenant), and an EventBridge event for failures and breaches.
 */
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DRILL_METRIC_NAMESPACE } from '#shared/domain/drill-names.ts';
import type { DrillRecord } from '#shared/domain/drill-types.ts';
import { cloud } from './clients.ts';
import { controlPlaneRegion, putFleetEvent } from './release-events.ts';

export { DRILL_METRIC_NAMESPACE };

export const DRILL_DETAIL_TYPES = { FAILED: 'Drill Failed', BREACHED_TARGET: 'Drill Breached Target' } as const;

/** The evidence bucket, set by the stack (and by the local control plane). */
export function evidenceBucket(): string {
  const bucket = process.env.EVIDENCE_BUCKET;
  if (!bucket) throw new Error('EVIDENCE_BUCKET is not set');
  return bucket;
}

/** The report: the whole record, with what it was judged against, in a stable shape. */
export function evidenceReport(drill: DrillRecord, generatedAt: string): Record<string, unknown> {
  return {
    kind: 'odoo-fleet/restore-drill',
    schemaVersion: 1,
    generatedAt,
    tenantId: drill.tenantId,
    drillId: drill.drillId,
    trigger: drill.trigger,
    requestedBy: drill.requestedBy,
    criticality: drill.criticality,
    model: drill.model,
    outcome: drill.outcome,
    reason: drill.reason ?? null,
    timings: {
      startedAt: drill.startedAt,
      restorePoint: drill.restorePoint ?? null,
      restorePointKind: drill.restorePointKind ?? null,
      referenceTime: drill.referenceTime ?? null,
      restoreRequestedAt: drill.restoreRequestedAt ?? null,
      restoreAvailableAt: drill.restoreAvailableAt ?? null,
      validatedAt: drill.validatedAt ?? null,
      endedAt: drill.endedAt ?? null,
    },
    rto: { seconds: drill.rtoSeconds ?? null, targetSeconds: drill.targetRtoSeconds, definition: 'restore requested -> validation passed' },
    rpo: { seconds: drill.rpoSeconds ?? null, targetSeconds: drill.targetRpoSeconds, definition: 'restore point - newest committed data found', newestData: drill.newestData ?? null },
    target: drill.target ?? null,
    checks: drill.checks,
    cleanup: { cleanedUp: drill.cleanedUp, resources: drill.teardown ?? {} },
    executionArn: drill.executionArn ?? null,
  };
}

/** One JSON report into the evidence bucket (drills and failovers alike). */
export async function putEvidenceReport(region: string, key: string, report: Record<string, unknown>): Promise<void> {
  await cloud()
    .s3(region)
    .send(
      new PutObjectCommand({
        Bucket: evidenceBucket(),
        Key: key,
        Body: JSON.stringify(report, null, 2),
        ContentType: 'application/json',
        // A bucket with Object Lock refuses a PUT without an integrity checksum.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
}

export function putEvidence(drill: DrillRecord, key: string, generatedAt: string, region = controlPlaneRegion()): Promise<void> {
  return putEvidenceReport(region, key, evidenceReport(drill, generatedAt));
}

export function drillMetricData(drill: DrillRecord, at: Date): MetricDatum[] {
  const dimensionSets = [[], [{ Name: 'Criticality', Value: drill.criticality }], [{ Name: 'TenantId', Value: drill.tenantId }]];
  const values: [string, number | undefined, 'Seconds' | 'Count'][] = [
    ['DrillSucceeded', drill.outcome === 'PASSED' ? 1 : 0, 'Count'],
    ['DrillFailed', drill.outcome === 'FAILED' ? 1 : 0, 'Count'],
    ['DrillBreachedTarget', drill.outcome === 'BREACHED_TARGET' ? 1 : 0, 'Count'],
    ['DrillLeftover', drill.cleanedUp ? 0 : 1, 'Count'],
    ['DrillRtoSeconds', drill.rtoSeconds, 'Seconds'],
    ['DrillRpoSeconds', drill.rpoSeconds, 'Seconds'],
  ];
  return values
    .filter(([, v]) => v !== undefined)
    .flatMap(([name, value, unit]) => dimensionSets.map((Dimensions) => ({ MetricName: name, Value: value, Unit: unit, Timestamp: at, Dimensions })));
}

export async function putDrillMetrics(drill: DrillRecord, at: Date, region = controlPlaneRegion()): Promise<void> {
  const data = drillMetricData(drill, at);
  // PutMetricData takes at most 1000 data per call; a drill has 18.
  await cloud().cloudwatch(region).send(new PutMetricDataCommand({ Namespace: DRILL_METRIC_NAMESPACE, MetricData: data }));
}

/** The event of a failed or breached drill; none for a pass. Best effort, like release events. */
export async function publishDrillEvent(drill: DrillRecord, at: Date, region = controlPlaneRegion()): Promise<string | undefined> {
  if (drill.outcome !== 'FAILED' && drill.outcome !== 'BREACHED_TARGET') return undefined;
  const detail = {
    tenantId: drill.tenantId,
    drillId: drill.drillId,
    outcome: drill.outcome,
    reason: drill.reason,
    rtoSeconds: drill.rtoSeconds,
    rpoSeconds: drill.rpoSeconds,
    targetRtoSeconds: drill.targetRtoSeconds,
    targetRpoSeconds: drill.targetRpoSeconds,
    evidenceKey: drill.evidenceKey,
    cleanedUp: drill.cleanedUp,
  };
  return putFleetEvent(region, DRILL_DETAIL_TYPES[drill.outcome], detail, at, { drillId: drill.drillId, tenantId: drill.tenantId });
}
