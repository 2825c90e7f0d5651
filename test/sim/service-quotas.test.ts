/**
 * The simulated Service Quotas: applied values where the account has them, the AWS default through
 * GetAWSDefaultServiceQuota where it does not, AWS's error names, and values a test can lower.
 */
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { quotaValue } from '#shared/cloud/adapters/service-quotas.ts';
import { EC2_STANDARD_VCPU_QUOTA, EKS_NODEGROUP_QUOTA } from '#shared/domain/dr-capacity.ts';
import { DR, PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

describe('simulated Service Quotas', () => {
  let h: SimHarness;
  const sq = (region = DR) => h.provider.serviceQuotas(region);

  beforeAll(async () => {
    h = await startSim();
  });
  afterAll(async () => h.stop());
  beforeEach(() => {
    h.sim.faults.clear();
    for (const r of [PRIMARY, DR]) h.sim.region(r).serviceQuotas.setApplied('ec2', 'L-1216C47A', 1152);
  });

  it('answers the applied On-Demand Standard vCPU quota, with its ARN and usage metric', async () => {
    const out = await sq().send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' }));
    expect(out.Quota).toMatchObject({
      ServiceCode: 'ec2',
      QuotaCode: 'L-1216C47A',
      QuotaArn: `arn:aws:servicequotas:${DR}:${h.config.accountId}:ec2/L-1216C47A`,
      Value: 1152,
      UsageMetric: { MetricNamespace: 'AWS/Usage', MetricName: 'ResourceCount', MetricDimensions: { Class: 'Standard/OnDemand', Resource: 'vCPU', Service: 'EC2', Type: 'Resource' } },
    });
  });

  it('answers NoSuchResourceException for a quota never applied, whose AWS default GetAWSDefaultServiceQuota gives', async () => {
    const err = await rejection(sq().send(new GetServiceQuotaCommand({ ServiceCode: 'eks', QuotaCode: 'L-6D54EA21' })));
    expect(err.name).toBe('NoSuchResourceException');
    const out = await sq().send(new GetAWSDefaultServiceQuotaCommand({ ServiceCode: 'eks', QuotaCode: 'L-6D54EA21' }));
    expect(out.Quota).toMatchObject({ QuotaName: 'Managed node groups per cluster', Value: 30 });
    expect(await quotaValue(sq(), EKS_NODEGROUP_QUOTA)).toBe(30);
  });

  it('lowers a value in one region only, and back to the AWS default when unset', async () => {
    h.sim.region(DR).serviceQuotas.setApplied('ec2', 'L-1216C47A', 8);
    expect(await quotaValue(sq(DR), EC2_STANDARD_VCPU_QUOTA)).toBe(8);
    expect(await quotaValue(sq(PRIMARY), EC2_STANDARD_VCPU_QUOTA)).toBe(1152);
    h.sim.region(DR).serviceQuotas.setApplied('ec2', 'L-1216C47A', undefined);
    expect(await quotaValue(sq(DR), EC2_STANDARD_VCPU_QUOTA)).toBe(5);
  });

  it('refuses unknown and malformed codes with AWS error names', async () => {
    expect((await rejection(sq().send(new GetAWSDefaultServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-00000000' })))).name).toBe('NoSuchResourceException');
    expect((await rejection(sq().send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L_bad code' })))).name).toBe('IllegalArgumentException');
    expect((await rejection(sq().send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: '' })))).name).toBe('IllegalArgumentException');
  });

  it('takes injected faults like every simulated service: AccessDeniedException, for one region', async () => {
    h.sim.faults.set([{ service: 'servicequotas', region: DR, error: 'AccessDeniedException' }]);
    const err = await rejection(quotaValue(sq(DR), EC2_STANDARD_VCPU_QUOTA));
    expect(err.name).toBe('AccessDeniedException');
    expect(await quotaValue(sq(PRIMARY), EC2_STANDARD_VCPU_QUOTA)).toBe(1152);
  });
});
