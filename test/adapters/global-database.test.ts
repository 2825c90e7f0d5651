import { GetMetricDataCommand, CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeGlobalClustersCommand, GlobalClusterNotFoundFault, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeGlobalDatabase, globalRpoLagSeconds, memberIn } from '#shared/cloud/adapters/global-database.ts';

const rds = mockClient(RDSClient);
const cw = mockClient(CloudWatchClient);
beforeEach(() => {
  rds.reset();
  cw.reset();
});

const primaryArn = 'arn:aws:rds:eu-west-1:123456789012:cluster:odoo-globex';
const secondaryArn = 'arn:aws:rds:eu-central-1:123456789012:cluster:odoo-globex-dr';

describe('reading a global database', () => {
  it('names its writer and secondaries by region, with a failover in progress', async () => {
    rds.on(DescribeGlobalClustersCommand, { GlobalClusterIdentifier: 'odoo-globex-global' }).resolves({
      GlobalClusters: [
        {
          GlobalClusterIdentifier: 'odoo-globex-global',
          Status: 'failing-over',
          EngineVersion: '16.4',
          GlobalClusterMembers: [
            { DBClusterArn: primaryArn, IsWriter: true, Readers: [secondaryArn] },
            { DBClusterArn: secondaryArn, IsWriter: false, SynchronizationStatus: 'connected' },
          ],
          FailoverState: { Status: 'failing-over', FromDbClusterArn: primaryArn, ToDbClusterArn: secondaryArn, IsDataLossAllowed: true },
        },
      ],
    });
    const db = (await describeGlobalDatabase(new RDSClient({ region: 'eu-central-1' }), 'odoo-globex-global'))!;
    expect(db).toMatchObject({ status: 'failing-over', engineVersion: '16.4', writer: { region: 'eu-west-1' }, failover: { status: 'failing-over', isDataLossAllowed: true } });
    expect(memberIn(db, 'eu-central-1')).toEqual({ clusterArn: secondaryArn, region: 'eu-central-1', isWriter: false, synchronizationStatus: 'connected', readers: [] });
  });

  it('is undefined for a global cluster AWS does not know, and passes other errors on', async () => {
    rds.on(DescribeGlobalClustersCommand).rejects(new GlobalClusterNotFoundFault({ message: 'GlobalCluster odoo-x-global not found', $metadata: {} }));
    expect(await describeGlobalDatabase(new RDSClient({ region: 'eu-central-1' }), 'odoo-x-global')).toBeUndefined();
    rds.on(DescribeGlobalClustersCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(describeGlobalDatabase(new RDSClient({ region: 'eu-central-1' }), 'odoo-x-global')).rejects.toThrow('Rate exceeded');
  });
});

describe('the recovery point lag', () => {
  it('reads the newest AuroraGlobalDBRPOLag of the secondary, in seconds, over the last five minutes', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'rpolag', Values: [2400, 900], Timestamps: [new Date(), new Date()] }] });
    const now = new Date('2026-11-30T12:00:00Z');
    expect(await globalRpoLagSeconds(new CloudWatchClient({ region: 'eu-central-1' }), 'odoo-globex-dr', now)).toBe(2.4);
    expect(cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input).toEqual({
      MetricDataQueries: [
        {
          Id: 'rpolag',
          MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'AuroraGlobalDBRPOLag', Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'odoo-globex-dr' }] }, Period: 60, Stat: 'Maximum' },
          ReturnData: true,
        },
      ],
      StartTime: new Date('2026-11-30T11:55:00Z'),
      EndTime: now,
      ScanBy: 'TimestampDescending',
    });
  });

  it('is null, never zero, when there is no datapoint', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'rpolag', Values: [] }] });
    expect(await globalRpoLagSeconds(new CloudWatchClient({ region: 'eu-central-1' }), 'odoo-globex-dr', new Date())).toBeNull();
  });
});
