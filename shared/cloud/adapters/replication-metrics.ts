/**
 * How far a bucket's replication to its DR bucket lags: S3's `ReplicationLatency` (seconds),
 * published in the SOURCE bucket's region under `AWS/S3` with the dimensions SourceBucket,
 * DestinationBucket and RuleId, and only for rules with replication metrics enabled
 * (`Metrics: {Status: 'Enabled'}`, which the dedicated buckets' rule sets: filestore.ts). The rule id
 * is read from the bucket's replication configuration, so a cell bucket made outside the control
 * plane is read under whatever id its rule has.
 */
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetBucketReplicationCommand, type S3Client } from '@aws-sdk/client-s3';
import { hasName } from './aws-errors.ts';

export interface ReplicationPair {
  sourceBucket: string;
  destinationBucket: string;
}

export interface ReplicationRule {
  id: string;
  /** Whether S3 publishes the rule's replication metrics. */
  metrics: boolean;
}

/**
 * The enabled rule of the source bucket that replicates to the destination bucket (one with
 * metrics preferred), or undefined when there is none or no replication configuration at all.
 */
export async function replicationRuleTo(s3: S3Client, pair: ReplicationPair, abortSignal?: AbortSignal): Promise<ReplicationRule | undefined> {
  let rules;
  try {
    rules = (await s3.send(new GetBucketReplicationCommand({ Bucket: pair.sourceBucket }), { abortSignal })).ReplicationConfiguration?.Rules ?? [];
  } catch (err) {
    if (hasName(err, 'ReplicationConfigurationNotFoundError')) return undefined;
    throw err;
  }
  const destination = `arn:aws:s3:::${pair.destinationBucket}`;
  const candidates = rules
    .filter((r) => r.Status === 'Enabled' && r.ID && r.Destination?.Bucket === destination)
    .map((r) => ({ id: r.ID!, metrics: r.Destination?.Metrics?.Status === 'Enabled' }));
  return candidates.find((r) => r.metrics) ?? candidates[0];
}

/** A quarter hour: metrics arrive a few minutes late, and a backlog older than that is not "now". */
const LATENCY_WINDOW_SECONDS = 15 * 60;

/** The newest `ReplicationLatency` (Maximum per minute) of the rule, in seconds, or null without a datapoint. */
export async function replicationLatencySeconds(cw: CloudWatchClient, pair: ReplicationPair, ruleId: string, now: Date, abortSignal?: AbortSignal): Promise<number | null> {
  const out = await cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(now.getTime() - LATENCY_WINDOW_SECONDS * 1000),
      EndTime: now,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        {
          Id: 'latency',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/S3',
              MetricName: 'ReplicationLatency',
              Dimensions: [
                { Name: 'SourceBucket', Value: pair.sourceBucket },
                { Name: 'DestinationBucket', Value: pair.destinationBucket },
                { Name: 'RuleId', Value: ruleId },
              ],
            },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: true,
        },
      ],
    }),
    { abortSignal },
  );
  const values = out.MetricDataResults?.find((r) => r.Id === 'latency')?.Values ?? [];
  return values.length === 0 ? null : Math.round(values[0]!);
}
