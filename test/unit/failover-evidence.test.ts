import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useCloud, type CloudProvider } from '#shared/cloud/clients.ts';
import {
  FAILOVER_DETAIL_TYPE,
  FAILOVER_METRIC_NAMESPACE,
  failoverEvidenceKey,
  failoverMetricData,
  failoverReport,
  publishFailoverEvent,
  putFailoverEvidence,
  putFailoverMetrics,
} from '#shared/cloud/failover-evidence.ts';
import type { Failover, FailoverTenant } from '#shared/domain/failover-types.ts';

const ID = 'fo-01jabcdefghjkmnpqrstvwxyz0';
const AT = new Date('2030-01-01T10:30:00.000Z');

const failover = (over: Partial<Failover> = {}): Failover => ({
  failoverId: ID,
  scope: 'region',
  fromRegion: 'eu-west-1',
  toRegion: 'eu-central-1',
  mode: 'unplanned',
  reason: 'eu-west-1 is down',
  requestedBy: 'alice@ops',
  approvedBy: 'bob@ops',
  status: 'PARTIALLY_SUCCEEDED',
  statusReason: '1 of 3 tenants failed',
  decision: 'unplanned: goes with what it has',
  units: [
    { key: 'tenant:acme', kind: 'dedicated', tenantIds: ['acme'], criticality: 'critical', rtoSeconds: 900 },
    { key: 'cell:cell-a', kind: 'cell', tenantIds: ['alpha', 'bravo'], criticality: 'standard', rtoSeconds: 7200 },
  ],
  tenantCount: 3,
  skipped: [{ tenantId: 'moved', reason: 'active in eu-central-1, not eu-west-1' }],
  createdAt: '2030-01-01T10:00:00.000Z',
  approvedAt: '2030-01-01T10:02:00.000Z',
  startedAt: '2030-01-01T10:02:00.000Z',
  endedAt: '2030-01-01T10:25:00.000Z',
  updatedAt: '2030-01-01T10:25:00.000Z',
  rtoSeconds: 1380,
  dataLossWindowSeconds: 4,
  evidenceKey: `failovers/2030-01-01/${ID}.json`,
  executionArn: `arn:aws:states:eu-central-1:123456789012:execution:odoo-fleet-failover:${ID}`,
  version: 9,
  ...over,
});

const promoted = { name: 'PromoteDatabase', status: 'SUCCEEDED' as const, startedAt: '2030-01-01T10:03:00.000Z', endedAt: '2030-01-01T10:08:00.000Z', detail: { cluster: 'odoo-acme', region: 'eu-central-1' } };
const tenant = (tenantId: string, unit: string, over: Partial<FailoverTenant> = {}): FailoverTenant => ({
  failoverId: ID,
  tenantId,
  unit,
  outcome: 'SUCCEEDED',
  steps: [promoted],
  rtoSeconds: 1200,
  dataLossWindowSeconds: 4,
  dataLossBasis: 'heartbeats',
  updatedAt: '2030-01-01T10:20:00.000Z',
  version: 5,
  ...over,
});
const tenants = [
  tenant('acme', 'tenant:acme'),
  tenant('alpha', 'cell:cell-a', { dataLossWindowSeconds: 2 }),
  tenant('bravo', 'cell:cell-a', {
    outcome: 'FAILED',
    reason: 'VerifyFailover: /web/health answered 502',
    steps: [promoted, { name: 'VerifyFailover', status: 'FAILED', startedAt: '2030-01-01T10:10:00.000Z', endedAt: '2030-01-01T10:25:00.000Z', error: { code: 'ResourceFailed', message: '502' } }],
    rtoSeconds: undefined,
    dataLossWindowSeconds: null,
    dataLossBasis: 'unknown',
  }),
];

describe('failoverReport', () => {
  it('holds the request, the people, the timings, the figures with their definitions, and every tenant with its steps', () => {
    const report = failoverReport(failover(), tenants, AT.toISOString());

    expect(report).toEqual({
      kind: 'odoo-fleet/failover',
      schemaVersion: 1,
      generatedAt: '2030-01-01T10:30:00.000Z',
      failoverId: ID,
      scope: 'region',
      tenantId: null,
      cell: null,
      fromRegion: 'eu-west-1',
      toRegion: 'eu-central-1',
      mode: 'unplanned',
      force: false,
      reason: 'eu-west-1 is down',
      requestedBy: 'alice@ops',
      approvedBy: 'bob@ops',
      status: 'PARTIALLY_SUCCEEDED',
      statusReason: '1 of 3 tenants failed',
      decision: 'unplanned: goes with what it has',
      timings: { createdAt: '2030-01-01T10:00:00.000Z', approvedAt: '2030-01-01T10:02:00.000Z', startedAt: '2030-01-01T10:02:00.000Z', endedAt: '2030-01-01T10:25:00.000Z' },
      rto: { seconds: 1380, definition: expect.stringContaining('the last tenant verified serving in the new region') },
      dataLoss: { windowSeconds: 4, definition: expect.stringContaining('largest tenant window') },
      units: failover().units,
      skipped: [{ tenantId: 'moved', reason: 'active in eu-central-1, not eu-west-1' }],
      tenants: [
        { tenantId: 'acme', unit: 'tenant:acme', outcome: 'SUCCEEDED', reason: null, rtoSeconds: 1200, dataLossWindowSeconds: 4, dataLossBasis: 'heartbeats', readiness: null, steps: [promoted] },
        { tenantId: 'alpha', unit: 'cell:cell-a', outcome: 'SUCCEEDED', reason: null, rtoSeconds: 1200, dataLossWindowSeconds: 2, dataLossBasis: 'heartbeats', readiness: null, steps: [promoted] },
        {
          tenantId: 'bravo',
          unit: 'cell:cell-a',
          outcome: 'FAILED',
          reason: 'VerifyFailover: /web/health answered 502',
          rtoSeconds: null,
          dataLossWindowSeconds: null,
          dataLossBasis: 'unknown',
          readiness: null,
          steps: tenants[2]!.steps,
        },
      ],
      executionArn: failover().executionArn,
    });
  });

  it('says null, never leaves out, what a failover that was refused or rejected never reached', () => {
    const rejected = failover({ status: 'REJECTED', scope: 'cell', cell: 'cell-a', mode: 'planned', force: true, approvedBy: undefined, approvedAt: undefined, startedAt: undefined, endedAt: undefined, rtoSeconds: undefined, dataLossWindowSeconds: undefined, skipped: undefined, decision: undefined, statusReason: undefined, executionArn: undefined });

    const report = failoverReport(rejected, [tenant('alpha', 'cell:cell-a', { outcome: 'PENDING', steps: [], rtoSeconds: undefined, dataLossWindowSeconds: undefined, dataLossBasis: undefined })], AT.toISOString());

    expect(report).toMatchObject({
      cell: 'cell-a',
      force: true,
      approvedBy: null,
      statusReason: null,
      decision: null,
      timings: { createdAt: '2030-01-01T10:00:00.000Z', approvedAt: null, startedAt: null, endedAt: null },
      rto: { seconds: null },
      dataLoss: { windowSeconds: null },
      skipped: [],
      executionArn: null,
      tenants: [{ tenantId: 'alpha', outcome: 'PENDING', reason: null, rtoSeconds: null, dataLossWindowSeconds: null, dataLossBasis: null, readiness: null, steps: [] }],
    });
    // Stable JSON: every key is there even when its value is unknown.
    expect(Object.values(report).includes(undefined)).toBe(false);
  });

  it('is filed under the day the failover was requested', () => {
    expect(failoverEvidenceKey(failover())).toBe(`failovers/2030-01-01/${ID}.json`);
  });
});

describe('failoverMetricData', () => {
  const mode = [{ Name: 'Mode', Value: 'unplanned' }];

  it('counts the outcome and the tenants moved and not moved, and gives RTO and data-loss window, all by Mode', () => {
    expect(failoverMetricData(failover(), tenants, AT)).toEqual([
      { MetricName: 'FailoverSucceeded', Dimensions: mode, Value: 0, Unit: 'Count', Timestamp: AT },
      { MetricName: 'TenantsFailedOver', Dimensions: mode, Value: 2, Unit: 'Count', Timestamp: AT },
      { MetricName: 'TenantsNotFailedOver', Dimensions: mode, Value: 1, Unit: 'Count', Timestamp: AT },
      { MetricName: 'FailoverRtoSeconds', Dimensions: mode, Value: 1380, Unit: 'Seconds', Timestamp: AT },
      { MetricName: 'DataLossWindowSeconds', Dimensions: mode, Value: 4, Unit: 'Seconds', Timestamp: AT },
    ]);
  });

  it('counts a succeeded failover as 1, and a switchover whose window is 0 still reports it', () => {
    const data = failoverMetricData(failover({ status: 'SUCCEEDED', mode: 'planned', dataLossWindowSeconds: 0 }), tenants.slice(0, 2), AT);

    expect(data.find((d) => d.MetricName === 'FailoverSucceeded')).toMatchObject({ Value: 1, Dimensions: [{ Name: 'Mode', Value: 'planned' }] });
    expect(data.find((d) => d.MetricName === 'DataLossWindowSeconds')).toMatchObject({ Value: 0 });
    expect(data.find((d) => d.MetricName === 'TenantsNotFailedOver')).toMatchObject({ Value: 0 });
  });

  it('gives no RTO and no data-loss window when they are not known', () => {
    const data = failoverMetricData(failover({ status: 'FAILED', rtoSeconds: undefined, dataLossWindowSeconds: null }), tenants, AT);

    expect(data.map((d) => d.MetricName)).toEqual(['FailoverSucceeded', 'TenantsFailedOver', 'TenantsNotFailedOver']);
  });
});

describe('writing the evidence where the failover ran', () => {
  const s3 = mockClient(S3Client);
  const cw = mockClient(CloudWatchClient);
  const eb = mockClient(EventBridgeClient);
  const regions: string[] = [];

  beforeAll(() => {
    process.env.EVIDENCE_BUCKET = 'odoo-evidence';
    useCloud({
      kind: 'aws',
      s3: (region: string) => (regions.push(`s3:${region}`), new S3Client({ region })),
      cloudwatch: (region: string) => (regions.push(`cloudwatch:${region}`), new CloudWatchClient({ region })),
      events: (region: string) => (regions.push(`events:${region}`), new EventBridgeClient({ region })),
    } as unknown as CloudProvider);
  });
  afterAll(() => {
    useCloud(undefined);
    delete process.env.EVIDENCE_BUCKET;
  });
  beforeEach(() => {
    s3.reset();
    cw.reset();
    eb.reset();
    regions.length = 0;
  });

  it('puts the report as JSON with the SHA-256 checksum an Object Lock bucket requires', async () => {
    s3.on(PutObjectCommand).resolves({});
    const key = failoverEvidenceKey(failover());

    await putFailoverEvidence('eu-central-1', failover(), tenants, key, AT.toISOString());

    expect(regions).toEqual(['s3:eu-central-1']);
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toEqual({ Bucket: 'odoo-evidence', Key: `failovers/2030-01-01/${ID}.json`, Body: expect.any(String), ContentType: 'application/json', ChecksumAlgorithm: 'SHA256' });
    expect(JSON.parse(input.Body as string)).toEqual(JSON.parse(JSON.stringify(failoverReport(failover(), tenants, AT.toISOString()))));
  });

  it('lets a refused write fail the call, so the step is retried rather than the evidence lost', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    await expect(putFailoverEvidence('eu-central-1', failover(), tenants, 'k', AT.toISOString())).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('puts the metrics in the Odoo/Failover namespace of the region given', async () => {
    cw.on(PutMetricDataCommand).resolves({});

    await putFailoverMetrics('eu-central-1', failover(), tenants, AT);

    expect(regions).toEqual(['cloudwatch:eu-central-1']);
    expect(cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input)).toEqual([{ Namespace: FAILOVER_METRIC_NAMESPACE, MetricData: failoverMetricData(failover(), tenants, AT) }]);
    expect(FAILOVER_METRIC_NAMESPACE).toBe('Odoo/Failover');
  });

  it('publishes one "Failover Finished" event with the figures, and answers undefined instead of throwing when it cannot be put', async () => {
    eb.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] }).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

    const id = await publishFailoverEvent('eu-central-1', failover(), AT);
    const refused = await publishFailoverEvent('eu-central-1', failover(), AT);

    expect(id).toBe('evt-1');
    expect(refused).toBeUndefined();
    const entry = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ Source: 'odoo.fleet', DetailType: FAILOVER_DETAIL_TYPE, Time: AT });
    expect(JSON.parse(entry.Detail!)).toEqual({
      failoverId: ID,
      status: 'PARTIALLY_SUCCEEDED',
      mode: 'unplanned',
      fromRegion: 'eu-west-1',
      toRegion: 'eu-central-1',
      tenantCount: 3,
      rtoSeconds: 1380,
      dataLossWindowSeconds: 4,
    });
  });
});
