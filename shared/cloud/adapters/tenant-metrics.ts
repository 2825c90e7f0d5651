/**
 * A tenant's figures over a bake window, as the verdict reads them (`BakeMetrics` of
 * release-verdict.ts), from the metrics its Odoo publishes to CloudWatch (namespace `Odoo/Tenant`,
 * dimension `TenantId`, one datapoint a minute) and the state of its alarms (`odoo-<tenantId>-…`).
 * A figure with no datapoint is left out, never made 0: missing evidence must make the verdict
 * inconclusive, not pass it.
 */
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmState, BakeMetrics } from '#shared/domain/release-verdict.ts';

export const TENANT_METRIC_NAMESPACE = 'Odoo/Tenant';
/** One datapoint a minute: enough detail for a bake of minutes, few enough points for a bake of an hour. */
export const PERIOD_SECONDS = 60;
/** The baseline is the tenant's p95 latency over this long before its release began. */
export const BASELINE_SECONDS = 3600;

export interface BakeWindow {
  tenantId: string;
  start: Date;
  end: Date;
  /** The baseline window ends here (when the tenant's release began); it starts `BASELINE_SECONDS` earlier. */
  baselineEnd: Date;
}

function query(id: string, tenantId: string, metricName: string, stat: string): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: TENANT_METRIC_NAMESPACE, MetricName: metricName, Dimensions: [{ Name: 'TenantId', Value: tenantId }] },
      Period: PERIOD_SECONDS,
      Stat: stat,
    },
    ReturnData: true,
  };
}

/** Every page of a GetMetricData call, datapoints per query id, oldest first. */
async function metricData(cw: CloudWatchClient, queries: MetricDataQuery[], start: Date, end: Date): Promise<Map<string, { t: number; v: number }[]>> {
  const out = new Map<string, { t: number; v: number }[]>();
  let NextToken: string | undefined;
  do {
    const page = await cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampAscending', NextToken }));
    for (const r of page.MetricDataResults ?? []) append(out, r);
    NextToken = page.NextToken;
  } while (NextToken);
  for (const points of out.values()) points.sort((a, b) => a.t - b.t);
  return out;
}

function append(out: Map<string, { t: number; v: number }[]>, r: MetricDataResult): void {
  if (!r.Id) return;
  const points = out.get(r.Id) ?? [];
  (r.Values ?? []).forEach((v, i) => {
    const t = r.Timestamps?.[i];
    if (t !== undefined && Number.isFinite(v)) points.push({ t: new Date(t).getTime(), v });
  });
  out.set(r.Id, points);
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => (xs.length ? sum(xs) / xs.length : undefined);

export async function bakeMetrics(cw: CloudWatchClient, window: BakeWindow): Promise<BakeMetrics> {
  const { tenantId } = window;
  const bake = await metricData(
    cw,
    [
      query('requests', tenantId, 'RequestCount', 'Sum'),
      query('errorrate', tenantId, 'Http5xxRate', 'Average'),
      query('latency', tenantId, 'LatencyP95', 'Average'),
      query('backlog', tenantId, 'QueueBacklog', 'Maximum'),
    ],
    window.start,
    window.end,
  );
  const baselineStart = new Date(window.baselineEnd.getTime() - BASELINE_SECONDS * 1000);
  const baseline = await metricData(cw, [query('baseline', tenantId, 'LatencyP95', 'Average')], baselineStart, window.baselineEnd);

  const requests = bake.get('requests') ?? [];
  const requestsAt = new Map(requests.map((p) => [p.t, p.v]));
  const rates = bake.get('errorrate') ?? [];
  const backlog = bake.get('backlog') ?? [];
  const metrics: BakeMetrics = {};
  if (requests.length > 0) metrics.requests = Math.round(sum(requests.map((p) => p.v)));
  // 5xx are published as a rate per minute: weigh each minute's rate by that minute's requests.
  if (rates.length > 0) metrics.errors5xx = Math.round(sum(rates.map((p) => ((requestsAt.get(p.t) ?? 0) * p.v) / 100)));
  const latency = mean((bake.get('latency') ?? []).map((p) => p.v));
  if (latency !== undefined) metrics.p95LatencyMs = latency;
  const base = mean((baseline.get('baseline') ?? []).map((p) => p.v));
  if (base !== undefined) metrics.baselineP95LatencyMs = base;
  if (backlog.length > 0) {
    metrics.queueBacklogStart = backlog[0]!.v;
    metrics.queueBacklogEnd = backlog[backlog.length - 1]!.v;
  }
  return metrics;
}

const ALARM_STATES: Record<StateValue, AlarmState> = { OK: 'OK', ALARM: 'ALARM', INSUFFICIENT_DATA: 'INSUFFICIENT_DATA' };

/**
 * The tenant's metric and composite alarms, by the naming convention `odoo-<tenantId>-…`. The
 * prefix of `acme` also matches `acme-eu`'s alarms, so a metric alarm on another tenant's
 * `TenantId` dimension is left out.
 */
export async function tenantAlarms(cw: CloudWatchClient, tenantId: string): Promise<{ name: string; state: AlarmState }[]> {
  const alarms: { name: string; state: AlarmState }[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `odoo-${tenantId}-`, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken }));
    const own = (page.MetricAlarms ?? []).filter((a) => {
      const dimension = a.Dimensions?.find((d) => d.Name === 'TenantId');
      return !dimension || dimension.Value === tenantId;
    });
    for (const a of [...own, ...(page.CompositeAlarms ?? [])]) {
      if (a.AlarmName) alarms.push({ name: a.AlarmName, state: ALARM_STATES[a.StateValue ?? 'INSUFFICIENT_DATA'] ?? 'INSUFFICIENT_DATA' });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return alarms;
}
