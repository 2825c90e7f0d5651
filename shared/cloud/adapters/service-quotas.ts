/**
 * The quotas a failover draws on in the region being activated, and what already counts against
 * them: a quota's applied value from Service Quotas (the AWS default where none was ever applied:
 * GetServiceQuota answers `NoSuchResourceException` for a quota left at its default), the
 * On-Demand Standard vCPUs running now (CloudWatch usage metric `AWS/Usage` `ResourceCount`, the one
 * Service Quotas itself names for that quota), and the managed node groups of an EKS cluster.
 */
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ListNodegroupsCommand, type EKSClient } from '@aws-sdk/client-eks';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { hasName } from './aws-errors.ts';

export interface QuotaCode {
  serviceCode: string;
  quotaCode: string;
}

/** The quota's value in the client's region: the applied one, else the AWS default. */
export async function quotaValue(sq: ServiceQuotasClient, quota: QuotaCode): Promise<number> {
  const input = { ServiceCode: quota.serviceCode, QuotaCode: quota.quotaCode };
  let value: number | undefined;
  try {
    value = (await sq.send(new GetServiceQuotaCommand(input))).Quota?.Value;
  } catch (err) {
    if (!hasName(err, 'NoSuchResourceException')) throw err;
    value = (await sq.send(new GetAWSDefaultServiceQuotaCommand(input))).Quota?.Value;
  }
  if (value === undefined) throw Object.assign(new Error(`Service Quotas gave no value for ${quota.serviceCode}/${quota.quotaCode}`), { name: 'NoQuotaValue' });
  return value;
}

/** The usage metric of `L-1216C47A`, as Service Quotas names it (`UsageMetric`). */
export const STANDARD_VCPU_USAGE_METRIC = {
  Namespace: 'AWS/Usage',
  MetricName: 'ResourceCount',
  Dimensions: [
    { Name: 'Service', Value: 'EC2' },
    { Name: 'Type', Value: 'Resource' },
    { Name: 'Resource', Value: 'vCPU' },
    { Name: 'Class', Value: 'Standard/OnDemand' },
  ],
};

/** The usage metric is published every minute; a quarter hour finds its latest points without old peaks. */
const USAGE_WINDOW_SECONDS = 15 * 60;

/**
 * On-Demand Standard vCPUs running in the client's region: the highest count of the last quarter
 * hour; 0 when nothing ran (the metric has no points while no instance runs).
 */
export async function runningStandardVcpus(cw: CloudWatchClient, now: Date): Promise<number> {
  const out = await cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(now.getTime() - USAGE_WINDOW_SECONDS * 1000),
      EndTime: now,
      MetricDataQueries: [{ Id: 'vcpus', MetricStat: { Metric: STANDARD_VCPU_USAGE_METRIC, Period: 60, Stat: 'Maximum' }, ReturnData: true }],
    }),
  );
  const values = out.MetricDataResults?.find((r) => r.Id === 'vcpus')?.Values ?? [];
  return values.length ? Math.max(...values) : 0;
}

/** The managed node groups of an EKS cluster, every page. */
export async function listNodegroups(eks: EKSClient, clusterName: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await eks.send(new ListNodegroupsCommand({ clusterName, maxResults: 100, nextToken }));
    names.push(...(page.nodegroups ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}
