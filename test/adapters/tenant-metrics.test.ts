import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { bakeMetrics, tenantAlarms } from '#shared/cloud/adapters/tenant-metrics.ts';
import { verdict } from '#shared/domain/release-verdict.ts';

const cw = mockClient(CloudWatchClient);
const t0 = Date.parse('2030-01-01T10:00:00Z');
const minute = (n: number) => new Date(t0 + n * 60_000);
const series = (id: string, values: number[]): MetricDataResult => ({ Id: id, Timestamps: values.map((_, i) => minute(i)), Values: values, StatusCode: 'Complete' });
const window = { tenantId: 'acme', start: minute(0), end: minute(3), baselineEnd: minute(-10) };

beforeEach(() => cw.reset());

describe('Function: bakeMetrics', () => {
  it('asks GetMetricData for the tenant metrics per minute over the window and the baseline hour before', async () => {
    // prepare
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // act
    await bakeMetrics(new CloudWatchClient({}), window);

    // assess
    const [bake, baseline] = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(bake).toMatchObject({ StartTime: minute(0), EndTime: minute(3), ScanBy: 'TimestampAscending' });
    expect(bake!.MetricDataQueries?.[0]).toEqual({
      Id: 'requests',
      MetricStat: { Metric: { Namespace: 'Odoo/Tenant', MetricName: 'RequestCount', Dimensions: [{ Name: 'TenantId', Value: 'acme' }] }, Period: 60, Stat: 'Sum' },
      ReturnData: true,
    });
    expect(bake!.MetricDataQueries?.map((q) => q.MetricStat?.Metric?.MetricName)).toEqual(['RequestCount', 'Http5xxRate', 'LatencyP95', 'QueueBacklog']);
    expect(baseline).toMatchObject({ StartTime: minute(-70), EndTime: minute(-10) });
  });

  it('sums requests, weighs each minute 5xx rate by its requests, and keeps the backlog ends', async () => {
    // prepare
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          series('requests', [100, 200, 100]),
          series('errorrate', [1, 10, 0]),
          series('latency', [300, 360, 330]),
          { ...series('backlog', [5, 7, 9]), Timestamps: [minute(2), minute(0), minute(1)], Values: [9, 5, 7] },
        ],
      })
      .resolvesOnce({ MetricDataResults: [series('baseline', [300, 300])] });

    // act
    const metrics = await bakeMetrics(new CloudWatchClient({}), window);

    // assess
    expect(metrics).toEqual({ requests: 400, errors5xx: 21, p95LatencyMs: 330, baselineP95LatencyMs: 300, queueBacklogStart: 5, queueBacklogEnd: 9 });
  });

  it('follows NextToken across pages', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [series('requests', [100])], NextToken: 'more' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'requests', Timestamps: [minute(1)], Values: [50] }] })
      .resolves({ MetricDataResults: [] });
    const metrics = await bakeMetrics(new CloudWatchClient({}), window);
    expect(metrics.requests).toBe(150);
    expect(cw.commandCalls(GetMetricDataCommand)[1]!.args[0].input.NextToken).toBe('more');
  });

  it('leaves out what has no datapoint, so the verdict is inconclusive instead of passing', async () => {
    // prepare
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [series('requests', []), series('errorrate', [])] });

    // act
    const metrics = await bakeMetrics(new CloudWatchClient({}), window);
    const result = verdict({ windowSeconds: 180, alarms: [], metrics, checks: [] });

    // assess
    expect(metrics).toEqual({});
    expect(result.outcome).toBe('inconclusive');
  });
});

describe('Function: tenantAlarms', () => {
  it('lists the tenant alarms by prefix, without another tenant whose id starts the same', async () => {
    // prepare
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({
        MetricAlarms: [
          { AlarmName: 'odoo-acme-http-5xx', StateValue: 'ALARM', Dimensions: [{ Name: 'TenantId', Value: 'acme' }] },
          { AlarmName: 'odoo-acme-eu-http-5xx', StateValue: 'OK', Dimensions: [{ Name: 'TenantId', Value: 'acme-eu' }] },
        ],
        NextToken: 'next',
      })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: 'odoo-acme-health', StateValue: 'INSUFFICIENT_DATA' }] });

    // act
    const alarms = await tenantAlarms(new CloudWatchClient({}), 'acme');

    // assess
    expect(alarms).toEqual([
      { name: 'odoo-acme-http-5xx', state: 'ALARM' },
      { name: 'odoo-acme-health', state: 'INSUFFICIENT_DATA' },
    ]);
    expect(cw.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toEqual({ AlarmNamePrefix: 'odoo-acme-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: undefined });
  });
});
