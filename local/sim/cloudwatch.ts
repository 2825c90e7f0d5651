/**
 * CloudWatch of one region: metric data put by the control plane is kept (the newest 1000 points)
 * for the inventory and tests; tenant metrics (`Odoo/Tenant`) and tenant alarms are answered from
 * what the tenant's workloads would report (tenant-signals.ts), validated as CloudWatch does. AWS's
 * own metrics are answered from the rest of the simulated cloud: Aurora global databases' lag, the
 * On-Demand Standard vCPUs the region's node groups run (`AWS/Usage`), and the `ReplicationLatency`
 * of S3 replication rules with metrics on, in their source bucket's region (`AWS/S3`).
 */
import type {
  DescribeAlarmsCommandInput,
  DescribeAlarmsCommandOutput,
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
  MetricAlarm,
  MetricDataResult,
  PutMetricDataCommandInput,
  PutMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { standardInstanceVcpus } from '#shared/domain/dr-capacity.ts';
import type { EksSim } from './eks.ts';
import { awsError, requireParams } from './errors.ts';
import type { FaultInjector } from './faults.ts';
import type { S3Sim } from './s3.ts';
import { alarmNames, TENANT_METRICS, TENANT_NAMESPACE, type TenantMetric, type TenantSignals, type TenantWorkload } from './tenant-signals.ts';
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
const RDS_NAMESPACE = 'AWS/RDS';
/** Aurora global database lag metrics, answered for replicating clusters (dimension `DBClusterIdentifier` of the secondary). */
export const LAG_METRICS = ['AuroraGlobalDBRPOLag', 'AuroraGlobalDBReplicationLag'] as const;
/** GetMetricData answers at most this many datapoints per call. */
const MAX_DATAPOINTS = 100_800;
const QUERY_ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;
/** The usage metric of the On-Demand Standard vCPU quota: exactly these dimensions. */
const VCPU_USAGE_DIMENSIONS: Record<string, string> = { Service: 'EC2', Type: 'Resource', Resource: 'vCPU', Class: 'Standard/OnDemand' };
const S3_REPLICATION_DIMENSIONS = ['SourceBucket', 'DestinationBucket', 'RuleId'];

/** What AWS's own usage and replication metrics are computed from. */
export interface AwsMetricSources {
  eks: () => EksSim;
  s3: S3Sim;
  faults: FaultInjector;
}

const invalid = (message: string) => awsError('cloudwatch', 'InvalidParameterValue', message);

export class CloudWatchSim implements ServiceSim {
  readonly metrics: MetricPoint[] = [];

  private readonly region: string;
  private readonly signals?: TenantSignals;
  private readonly replicationLag?: (clusterIdentifier: string) => number | undefined;
  private readonly usage?: AwsMetricSources;

  constructor(
    private readonly ctx: SimContext,
    options: {
      region?: string;
      signals?: TenantSignals;
      /** The current replication lag (ms) of a replicating Aurora cluster of the region, by identifier (rds-global.ts). */
      replicationLag?: (clusterIdentifier: string) => number | undefined;
      usage?: AwsMetricSources;
    } = {},
  ) {
    this.region = options.region ?? 'us-east-1';
    this.signals = options.signals;
    this.replicationLag = options.replicationLag;
    this.usage = options.usage;
  }

  /** On-Demand Standard vCPUs the region's node groups run now: desired size times the instance type's vCPUs. */
  standardVcpusRunning(): number {
    const eks = this.usage?.eks();
    if (!eks) return 0;
    const now = this.ctx.clock.nowMs();
    let vcpus = 0;
    for (const cluster of eks.clusters.values()) {
      for (const ng of cluster.nodegroups.values()) {
        if ((ng.goneAt !== undefined && ng.goneAt <= now) || ng.capacityType !== 'ON_DEMAND') continue;
        vcpus += ng.scaling.desiredSize * (standardInstanceVcpus(ng.instanceTypes[0] ?? '') ?? 0);
      }
    }
    return vcpus;
  }

  /**
   * The replication latency (seconds) of a rule of a source bucket in this region, or undefined
   * when S3 would publish none: no such enabled rule to that destination, or its metrics are off.
   * 0, or what a `filestore-lag` fault sets for the destination's region.
   */
  replicationLatency(sourceBucket: string, destinationBucket: string, ruleId: string): number | undefined {
    const s3 = this.usage?.s3;
    const source = s3?.settings.get(sourceBucket);
    if (!s3 || !source || source.region !== this.region) return undefined;
    const rule = source.replication?.Rules?.find((r) => r.ID === ruleId && r.Status === 'Enabled' && r.Destination?.Bucket === `arn:aws:s3:::${destinationBucket}`);
    if (!rule || rule.Destination?.Metrics?.Status !== 'Enabled') return undefined;
    const destinationRegion = s3.settings.get(destinationBucket)?.region ?? this.region;
    return this.usage!.faults.filestoreLag(destinationRegion) ?? 0;
  }

  readonly operations = {
    PutMetricData: (i: PutMetricDataCommandInput) => this.put(i),
    GetMetricData: (i: GetMetricDataCommandInput) => this.getMetricData(i),
    DescribeAlarms: (i: DescribeAlarmsCommandInput) => this.describeAlarms(i),
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

  /**
   * Tenant metrics over any window, the part after the simulated now included: simulated time runs
   * at the local time scale, so a bake window's end is still ahead of the simulated clock when the
   * workflow (which waited scaled time) asks for it.
   */
  private getMetricData(i: GetMetricDataCommandInput): Out<GetMetricDataCommandOutput> {
    requireParams('cloudwatch', i, ['MetricDataQueries', 'StartTime', 'EndTime']);
    const queries = i.MetricDataQueries!;
    if (queries.length === 0 || queries.length > 500) throw invalid('MetricDataQueries must hold between 1 and 500 queries.');
    const start = new Date(i.StartTime!).getTime();
    const end = new Date(i.EndTime!).getTime();
    if (!(start < end)) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
    const ids = new Set<string>();
    let datapoints = 0;
    // A tenant's workload is read once per call, not once per datapoint.
    const workloads = new Map<string, TenantWorkload | undefined>();
    const workloadOf = (tenantId: string) => {
      if (!workloads.has(tenantId)) workloads.set(tenantId, this.signals?.workload(tenantId));
      return workloads.get(tenantId);
    };
    const results: MetricDataResult[] = queries.map((q) => {
      if (!q.Id || !QUERY_ID.test(q.Id)) throw invalid(`The value ${q.Id} for parameter MetricDataQueries.member.Id is invalid: it must start with a lower-case letter.`);
      if (ids.has(q.Id)) throw invalid(`The values for parameter id in MetricDataQueries are not unique: ${q.Id}.`);
      ids.add(q.Id);
      const stat = q.MetricStat;
      if (!stat) throw invalid(`Query ${q.Id} must have a MetricStat; expressions are not simulated.`);
      if (!stat.Metric?.MetricName || !stat.Stat) throw awsError('cloudwatch', 'MissingParameter', `Query ${q.Id}: MetricStat.Metric.MetricName and MetricStat.Stat are required.`);
      const period = stat.Period ?? 0;
      if (!([1, 5, 10, 30].includes(period) || (period >= 60 && period % 60 === 0))) throw invalid(`The parameter MetricDataQueries.member.MetricStat.Period must be 1, 5, 10, 30 or a multiple of 60, not ${period}.`);
      const timestamps: Date[] = [];
      const values: number[] = [];
      const tenantId = stat.Metric.Dimensions?.find((d) => d.Name === 'TenantId')?.Value;
      const metric = stat.Metric.MetricName as TenantMetric;
      const known = stat.Metric.Namespace === TENANT_NAMESPACE && tenantId && (TENANT_METRICS as readonly string[]).includes(metric);
      if (known && this.signals) {
        // Newest first, as GetMetricData answers by default.
        for (let t = end - period * 1000; t >= start; t -= period * 1000) {
          if (++datapoints > MAX_DATAPOINTS) throw invalid(`Too many datapoints requested: more than ${MAX_DATAPOINTS}.`);
          const value = this.signals.metric(tenantId, metric, t, period, workloadOf(tenantId));
          if (value === undefined) continue;
          timestamps.push(new Date(t));
          values.push(value);
        }
      }
      const lagCluster = stat.Metric.Dimensions?.find((d) => d.Name === 'DBClusterIdentifier')?.Value;
      if (stat.Metric.Namespace === RDS_NAMESPACE && lagCluster && (LAG_METRICS as readonly string[]).includes(stat.Metric.MetricName)) {
        // The lag as it stands now (milliseconds, as Aurora publishes it), at every period of the window.
        const lag = this.replicationLag?.(lagCluster);
        for (let t = end - period * 1000; lag !== undefined && t >= start; t -= period * 1000) {
          if (++datapoints > MAX_DATAPOINTS) throw invalid(`Too many datapoints requested: more than ${MAX_DATAPOINTS}.`);
          timestamps.push(new Date(t));
          values.push(lag);
        }
      }
      const dims = Object.fromEntries((stat.Metric.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));
      const sameDimensions = (expected: string[]) => Object.keys(dims).length === expected.length && expected.every((k) => dims[k] !== undefined);
      let aws: number | undefined;
      if (stat.Metric.Namespace === 'AWS/Usage' && stat.Metric.MetricName === 'ResourceCount' && sameDimensions(Object.keys(VCPU_USAGE_DIMENSIONS)) && Object.entries(VCPU_USAGE_DIMENSIONS).every(([k, v]) => dims[k] === v)) {
        // Nothing running publishes no usage points.
        aws = this.standardVcpusRunning() || undefined;
      }
      if (stat.Metric.Namespace === 'AWS/S3' && stat.Metric.MetricName === 'ReplicationLatency' && sameDimensions(S3_REPLICATION_DIMENSIONS)) {
        aws = this.replicationLatency(dims.SourceBucket!, dims.DestinationBucket!, dims.RuleId!);
      }
      for (let t = end - period * 1000; aws !== undefined && t >= start; t -= period * 1000) {
        if (++datapoints > MAX_DATAPOINTS) throw invalid(`Too many datapoints requested: more than ${MAX_DATAPOINTS}.`);
        timestamps.push(new Date(t));
        values.push(aws);
      }
      return { Id: q.Id, Label: q.Label ?? metric, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
    });
    return { MetricDataResults: results, Messages: [] };
  }

  private describeAlarms(i: DescribeAlarmsCommandInput): Out<DescribeAlarmsCommandOutput> {
    if (i.AlarmNamePrefix && i.AlarmNames?.length) throw awsError('cloudwatch', 'InvalidParameterCombination', 'AlarmNamePrefix and AlarmNames cannot be given together.');
    const types = i.AlarmTypes ?? ['MetricAlarm'];
    if (!types.includes('MetricAlarm')) return { MetricAlarms: [], CompositeAlarms: [] };
    const signals = this.signals;
    // Only the tenants whose alarm names the request can match are evaluated.
    const named = (tenantId: string) =>
      alarmNames(tenantId).some((name) => (!i.AlarmNamePrefix || name.startsWith(i.AlarmNamePrefix)) && (!i.AlarmNames?.length || i.AlarmNames.includes(name)));
    const tenants = signals ? signals.tenants(named) : [];
    const alarms: MetricAlarm[] = tenants.flatMap((tenantId) =>
      signals!.alarms(tenantId).map((a) => ({
        AlarmName: a.name,
        AlarmArn: `arn:aws:cloudwatch:${this.region}:${this.ctx.accountId}:alarm:${a.name}`,
        StateValue: a.state,
        StateReason: a.reason,
        StateUpdatedTimestamp: this.ctx.clock.now(),
        Namespace: TENANT_NAMESPACE,
        MetricName: a.metric,
        Dimensions: [{ Name: 'TenantId', Value: tenantId }],
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 5,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: a.metric === 'Http5xxRate' ? 5 : 2000,
        ActionsEnabled: true,
      })),
    );
    const selected = alarms
      .filter((a) => !i.AlarmNamePrefix || a.AlarmName!.startsWith(i.AlarmNamePrefix))
      .filter((a) => !i.AlarmNames?.length || i.AlarmNames.includes(a.AlarmName!))
      .filter((a) => !i.StateValue || a.StateValue === i.StateValue);
    return { MetricAlarms: selected, CompositeAlarms: [] };
  }
}
