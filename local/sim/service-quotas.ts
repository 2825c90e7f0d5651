/**
 * Service Quotas of one region, for the quotas the control plane reads: an applied value where one
 * was applied (the vCPU quota, as in an account that has run instances for a while), else
 * `NoSuchResourceException` from GetServiceQuota, as AWS answers for a quota left at its default,
 * which GetAWSDefaultServiceQuota gives. Tests and game days lower or raise a value with `setApplied`.
 */
import type { GetAWSDefaultServiceQuotaCommandInput, GetAWSDefaultServiceQuotaCommandOutput, GetServiceQuotaCommandInput, GetServiceQuotaCommandOutput, ServiceQuota } from '@aws-sdk/client-service-quotas';
import { awsError, requireParams } from './errors.ts';
import type { Out, ServiceSim, SimContext } from './types.ts';

interface QuotaDefinition {
  serviceName: string;
  quotaName: string;
  /** The AWS default (GetAWSDefaultServiceQuota). */
  defaultValue: number;
  unit: string;
  /** The metric Service Quotas names for the quota's usage. */
  usageMetric?: ServiceQuota['UsageMetric'];
}

const key = (serviceCode: string, quotaCode: string) => `${serviceCode}/${quotaCode}`;

/** The quotas the simulator knows, with their AWS defaults. */
export const KNOWN_QUOTAS: Record<string, QuotaDefinition> = {
  [key('ec2', 'L-1216C47A')]: {
    serviceName: 'Amazon Elastic Compute Cloud (Amazon EC2)',
    quotaName: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
    defaultValue: 5,
    unit: 'None',
    usageMetric: {
      MetricNamespace: 'AWS/Usage',
      MetricName: 'ResourceCount',
      MetricDimensions: { Class: 'Standard/OnDemand', Resource: 'vCPU', Service: 'EC2', Type: 'Resource' },
      MetricStatisticRecommendation: 'Maximum',
    },
  },
  [key('eks', 'L-6D54EA21')]: { serviceName: 'Amazon Elastic Kubernetes Service (Amazon EKS)', quotaName: 'Managed node groups per cluster', defaultValue: 30, unit: 'None' },
};

/** What a fresh simulated account has applied: enough vCPUs for a fleet's node groups; node groups at their default. */
const INITIAL_APPLIED: Record<string, number> = { [key('ec2', 'L-1216C47A')]: 1152 };

const SERVICE_CODE = /^[a-zA-Z][a-zA-Z0-9-]{1,63}$/;
const QUOTA_CODE = /^[a-zA-Z][a-zA-Z0-9-]{1,128}$/;

export class ServiceQuotasSim implements ServiceSim {
  private readonly applied = new Map<string, number>(Object.entries(INITIAL_APPLIED));

  constructor(
    private readonly ctx: SimContext,
    private readonly region: string,
  ) {}

  readonly operations = {
    GetServiceQuota: (i: GetServiceQuotaCommandInput) => this.getServiceQuota(i),
    GetAWSDefaultServiceQuota: (i: GetAWSDefaultServiceQuotaCommandInput) => this.getDefault(i),
  };

  /** Sets a quota's applied value in this region; undefined returns it to the AWS default. */
  setApplied(serviceCode: string, quotaCode: string, value: number | undefined): void {
    if (!KNOWN_QUOTAS[key(serviceCode, quotaCode)]) throw new Error(`the simulated Service Quotas has no quota ${key(serviceCode, quotaCode)}`);
    if (value === undefined) this.applied.delete(key(serviceCode, quotaCode));
    else this.applied.set(key(serviceCode, quotaCode), value);
  }

  private definition(i: { ServiceCode?: string; QuotaCode?: string }): QuotaDefinition {
    requireParams('servicequotas', i, ['ServiceCode', 'QuotaCode']);
    if (!SERVICE_CODE.test(i.ServiceCode!)) throw awsError('servicequotas', 'IllegalArgumentException', `Invalid service code: ${i.ServiceCode}`);
    if (!QUOTA_CODE.test(i.QuotaCode!)) throw awsError('servicequotas', 'IllegalArgumentException', `Invalid quota code: ${i.QuotaCode}`);
    const definition = KNOWN_QUOTAS[key(i.ServiceCode!, i.QuotaCode!)];
    if (!definition) throw awsError('servicequotas', 'NoSuchResourceException', `The request failed because the specified quota ${i.QuotaCode} of service ${i.ServiceCode} does not exist.`);
    return definition;
  }

  private quota(i: { ServiceCode?: string; QuotaCode?: string }, d: QuotaDefinition, value: number, arnAccount: string): ServiceQuota {
    return {
      ServiceCode: i.ServiceCode,
      ServiceName: d.serviceName,
      QuotaArn: `arn:aws:servicequotas:${this.region}:${arnAccount}:${i.ServiceCode}/${i.QuotaCode}`,
      QuotaCode: i.QuotaCode,
      QuotaName: d.quotaName,
      Value: value,
      Unit: d.unit,
      Adjustable: true,
      GlobalQuota: false,
      ...(d.usageMetric ? { UsageMetric: d.usageMetric } : {}),
    };
  }

  private getServiceQuota(i: GetServiceQuotaCommandInput): Out<GetServiceQuotaCommandOutput> {
    const d = this.definition(i);
    const value = this.applied.get(key(i.ServiceCode!, i.QuotaCode!));
    if (value === undefined) throw awsError('servicequotas', 'NoSuchResourceException', `The request failed because the specified quota ${i.QuotaCode} has no applied value; it is at its AWS default.`);
    return { Quota: this.quota(i, d, value, this.ctx.accountId) };
  }

  private getDefault(i: GetAWSDefaultServiceQuotaCommandInput): Out<GetAWSDefaultServiceQuotaCommandOutput> {
    const d = this.definition(i);
    // Default quotas are AWS's, not the account's: their ARN carries no account.
    return { Quota: this.quota(i, d, d.defaultValue, '') };
  }
}
