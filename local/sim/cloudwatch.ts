/** CloudWatch of one region: metric data is kept (the newest 1000 points) for the inventory and tests. */
import type { PutMetricDataCommandInput, PutMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { awsError, requireParams } from './errors.ts';
import type { Out, ServiceSim, SimContext } from './types.ts';

export interface MetricPoint {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  value?: number;
  unit?: string;
  timestamp: string;
}

const MAX_POINTS = 1000;

export class CloudWatchSim implements ServiceSim {
  readonly metrics: MetricPoint[] = [];

  constructor(private readonly ctx: SimContext) {}

  readonly operations = {
    PutMetricData: (i: PutMetricDataCommandInput) => this.put(i),
  };

  private put(i: PutMetricDataCommandInput): Out<PutMetricDataCommandOutput> {
    requireParams('cloudwatch', i, ['Namespace']);
    if (i.Namespace!.startsWith('AWS/')) throw awsError('cloudwatch', 'InvalidParameterValue', 'The value AWS/ for parameter Namespace is invalid.');
    const data = i.MetricData ?? [];
    if (data.length === 0 || data.length > 1000) throw awsError('cloudwatch', 'InvalidParameterValue', 'MetricData must hold between 1 and 1000 items.');
    for (const d of data) {
      if (!d.MetricName) throw awsError('cloudwatch', 'MissingParameter', 'The parameter MetricData.member.N.MetricName is required.');
      this.metrics.push({
        namespace: i.Namespace!,
        name: d.MetricName,
        dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name ?? '', x.Value ?? ''])),
        value: d.Value,
        unit: d.Unit,
        timestamp: (d.Timestamp ?? this.ctx.clock.now()).toISOString(),
      });
    }
    if (this.metrics.length > MAX_POINTS) this.metrics.splice(0, this.metrics.length - MAX_POINTS);
    return {};
  }
}
