import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeClusterCommand, EKSClient, ListNodegroupsCommand, ResourceNotFoundException } from '@aws-sdk/client-eks';
import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  GlobalClusterNotFoundFault,
  RDSClient,
  type GlobalCluster,
} from '@aws-sdk/client-rds';
import { GetBucketReplicationCommand, S3Client, type ReplicationRule } from '@aws-sdk/client-s3';
import {
  AccessDeniedException,
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  NoSuchResourceException,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CloudProvider } from '#shared/cloud/clients.ts';
import { readUnitReadiness, type UnitReadinessInput } from '#shared/cloud/failover-readiness-facts.ts';
import { planFailoverUnits } from '#shared/domain/failover-plan.ts';
import { fleetConfigSchema } from '#shared/domain/fleet-config.ts';
import type { DrPosture, Tenant } from '#shared/domain/types.ts';
import { aTenant } from '../store/fixtures.ts';

const FROM = 'eu-west-1';
const TO = 'eu-central-1';
const ACCOUNT = '123456789012';
const NOW = new Date('2026-11-30T12:00:00.000Z');
const arn = (region: string, id: string) => `arn:aws:rds:${region}:${ACCOUNT}:cluster:${id}`;

const config = fleetConfigSchema.parse({
  accountId: ACCOUNT,
  primaryRegion: FROM,
  drRegion: TO,
  baseDomain: 'odoo.example.com',
  hostedZoneId: 'Z1',
  eksClusters: [
    { name: 'fleet-euw1', region: FROM, nodeRoleArn: 'arn:aws:iam::1:role/n', subnetIds: ['subnet-a'], ingressHostname: 'lb-euw1' },
    { name: 'fleet-euc1', region: TO, nodeRoleArn: 'arn:aws:iam::1:role/n', subnetIds: ['subnet-c'], ingressHostname: 'lb-euc1' },
  ],
  cells: [
    {
      id: 'cell-a',
      region: FROM,
      eksCluster: 'fleet-euw1',
      auroraClusterIdentifier: 'odoo-cell-a',
      auroraClusterArn: arn(FROM, 'odoo-cell-a'),
      masterSecretArn: `arn:aws:secretsmanager:${FROM}:${ACCOUNT}:secret:cell-a-AbCdEf`,
      bucket: 'odoo-cell-a-euw1',
      capacity: 50,
      dr: {
        globalClusterIdentifier: 'odoo-cell-a-global',
        auroraClusterIdentifier: 'odoo-cell-a',
        auroraClusterArn: arn(TO, 'odoo-cell-a'),
        masterSecretArn: `arn:aws:secretsmanager:${TO}:${ACCOUNT}:secret:cell-a-AbCdEf`,
        eksCluster: 'fleet-euc1',
        bucket: 'odoo-cell-a-euc1',
      },
    },
    {
      id: 'cell-b',
      region: FROM,
      eksCluster: 'fleet-euw1',
      auroraClusterIdentifier: 'odoo-cell-b',
      auroraClusterArn: arn(FROM, 'odoo-cell-b'),
      masterSecretArn: `arn:aws:secretsmanager:${FROM}:${ACCOUNT}:secret:cell-b-AbCdEf`,
      bucket: 'odoo-cell-b-euw1',
      capacity: 50,
    },
  ],
  dedicated: { eksCluster: 'fleet-euw1', dbSubnetGroupName: 'odoo-dedicated', vpcSecurityGroupIds: ['sg-1'] },
  archiveBucket: 'odoo-archive',
});

/** One client per service and region, each mocked on its own: a call's region is the client it went to. */
const clients = {
  rds: { [FROM]: new RDSClient({ region: FROM }), [TO]: new RDSClient({ region: TO }) } as Record<string, RDSClient>,
  cloudwatch: { [FROM]: new CloudWatchClient({ region: FROM }), [TO]: new CloudWatchClient({ region: TO }) } as Record<string, CloudWatchClient>,
  eks: { [FROM]: new EKSClient({ region: FROM }), [TO]: new EKSClient({ region: TO }) } as Record<string, EKSClient>,
  s3: { [FROM]: new S3Client({ region: FROM }), [TO]: new S3Client({ region: TO }) } as Record<string, S3Client>,
  serviceQuotas: { [FROM]: new ServiceQuotasClient({ region: FROM }), [TO]: new ServiceQuotasClient({ region: TO }) } as Record<string, ServiceQuotasClient>,
};
const provider = {
  kind: 'aws',
  rds: (region: string) => clients.rds[region]!,
  cloudwatch: (region: string) => clients.cloudwatch[region]!,
  eks: (region: string) => clients.eks[region]!,
  s3: (region: string) => clients.s3[region]!,
  serviceQuotas: (region: string) => clients.serviceQuotas[region]!,
} as unknown as CloudProvider;
const rdsFrom = mockClient(clients.rds[FROM]!);
const rdsTo = mockClient(clients.rds[TO]!);
const cwFrom = mockClient(clients.cloudwatch[FROM]!);
const cwTo = mockClient(clients.cloudwatch[TO]!);
const eksFrom = mockClient(clients.eks[FROM]!);
const eksTo = mockClient(clients.eks[TO]!);
const s3From = mockClient(clients.s3[FROM]!);
const s3To = mockClient(clients.s3[TO]!);
const sqFrom = mockClient(clients.serviceQuotas[FROM]!);
const sqTo = mockClient(clients.serviceQuotas[TO]!);

beforeEach(() => [rdsFrom, rdsTo, cwFrom, cwTo, eksFrom, eksTo, s3From, s3To, sqFrom, sqTo].forEach((m) => m.reset()));
afterEach(() => vi.useRealTimers());

const bucket = (tenantId: string, region: string) => `odoo-${tenantId}-${ACCOUNT}-${region}`;

/** A dedicated tenant on `m6i.xlarge` nodes (4 vCPUs), 2 of them; warm standby keeps its DR node group at one. */
function dedicated(tenantId: string, posture: DrPosture, rpoSeconds = 60): Tenant {
  const t = aTenant(tenantId, { status: 'ACTIVE', model: 'dedicated', criticality: 'critical' });
  t.placement = {
    ...t.placement,
    cluster: 'fleet-euw1',
    drPosture: posture,
    rpoSeconds,
    resources: {
      kind: 'dedicated',
      quota: { cpu: '8', memory: '16Gi', pods: 40 },
      web: { minReplicas: 2, maxReplicas: 4, cpu: '1', memory: '2Gi' },
      workers: 2,
      nodeGroup: { instanceType: 'm6i.xlarge', minSize: 2, desiredSize: 2, maxSize: 4 },
      database: { engine: 'aurora-postgresql', instanceClass: 'db.r6g.large', instances: 2 },
    },
  };
  t.resources = {
    database: { kind: 'dedicated', clusterIdentifier: `odoo-${tenantId}`, databaseName: `odoo_${tenantId}`, roleName: 'odoo', secretArn: `arn:aws:secretsmanager:${FROM}:${ACCOUNT}:secret:${tenantId}-AbCdEf` },
    filestore: { bucket: bucket(tenantId, FROM), prefix: `tenants/${tenantId}/` },
    ...(posture === 'backup-restore'
      ? {}
      : { dr: { region: TO, globalClusterIdentifier: `odoo-${tenantId}-global`, clusterIdentifier: `odoo-${tenantId}`, bucket: bucket(tenantId, TO), ...(posture === 'warm-standby' ? { nodegroup: `odoo-${tenantId}` } : {}) } }),
  };
  return t;
}

function pooled(tenantId: string, cell: string, rpoSeconds: number): Tenant {
  const t = aTenant(tenantId, { status: 'ACTIVE', model: 'pooled' });
  t.placement = { ...t.placement, cell, cluster: 'fleet-euw1', rpoSeconds };
  t.resources = { database: { kind: 'pooled', clusterIdentifier: `odoo-${cell}`, databaseName: `odoo_${tenantId}`, roleName: tenantId, secretArn: `arn:aws:secretsmanager:${FROM}:${ACCOUNT}:secret:${cell}-AbCdEf` } };
  return t;
}

const input = (tenants: Tenant[], over: Partial<UnitReadinessInput> = {}): UnitReadinessInput => ({
  config,
  unit: planFailoverUnits(tenants)[0]!,
  tenants,
  mode: 'planned',
  fromRegion: FROM,
  toRegion: TO,
  now: NOW,
  ...over,
});

/** A global database with its writer in FROM and a connected secondary in TO. */
function globalCluster(id: string, member: string, over: Partial<GlobalCluster> = {}): GlobalCluster {
  return {
    GlobalClusterIdentifier: id,
    Status: 'available',
    EngineVersion: '16.4',
    GlobalClusterMembers: [
      { DBClusterArn: arn(FROM, member), IsWriter: true, Readers: [arn(TO, member)] },
      { DBClusterArn: arn(TO, member), IsWriter: false, SynchronizationStatus: 'connected' },
    ],
    ...over,
  };
}

/** The DR region's quotas and usage: the vCPU quota applied, the node group quota at its AWS default. */
function quotas(o: { vcpuQuota?: number; vcpusRunning?: number; lagMs?: number; nodegroups?: string[] } = {}) {
  sqTo.on(GetServiceQuotaCommand, { ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' }).resolves({ Quota: { ServiceCode: 'ec2', QuotaCode: 'L-1216C47A', Value: o.vcpuQuota ?? 64 } });
  sqTo
    .on(GetServiceQuotaCommand, { ServiceCode: 'eks', QuotaCode: 'L-6D54EA21' })
    .rejects(new NoSuchResourceException({ message: 'The request failed because the specified service quota does not exist.', $metadata: {} }));
  sqTo.on(GetAWSDefaultServiceQuotaCommand, { ServiceCode: 'eks', QuotaCode: 'L-6D54EA21' }).resolves({ Quota: { ServiceCode: 'eks', QuotaCode: 'L-6D54EA21', Value: 30 } });
  // One GetMetricData per reading, told apart by its query id: the secondary's lag, the vCPUs running.
  cwTo.on(GetMetricDataCommand).callsFake((i: { MetricDataQueries: { Id: string }[] }) => ({
    MetricDataResults: i.MetricDataQueries.map(({ Id }) => ({ Id, Values: Id === 'rpolag' ? (o.lagMs === undefined ? [] : [o.lagMs]) : Id === 'vcpus' ? [o.vcpusRunning ?? 20] : [], Timestamps: [NOW] })),
  }));
  eksTo.on(ListNodegroupsCommand, { clusterName: 'fleet-euc1' }).resolves({ nodegroups: o.nodegroups ?? ['odoo-globex', 'odoo-pool-a'] });
}

/** The source bucket's replication rule (with metrics) and its newest ReplicationLatency, in the old region. */
function replicating(source: string, destination: string, latencySeconds: number | undefined, rule: Partial<ReplicationRule> = {}) {
  s3From.on(GetBucketReplicationCommand, { Bucket: source }).resolves({
    ReplicationConfiguration: {
      Role: `arn:aws:iam::${ACCOUNT}:role/odoo-s3-replication`,
      Rules: [{ ID: 'dr-copy', Status: 'Enabled', Priority: 1, Filter: {}, DeleteMarkerReplication: { Status: 'Enabled' }, Destination: { Bucket: `arn:aws:s3:::${destination}`, Metrics: { Status: 'Enabled' } }, ...rule }],
    },
  });
  cwFrom.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'latency', Values: latencySeconds === undefined ? [] : [latencySeconds], Timestamps: [NOW] }] });
}

/** Everything answers: the primary, the global database, the secondary, its lag (ms), the DR EKS cluster and quotas, the filestore's replication. */
function healthy(member: string, global: string, lagMs: number, over: { secondaryStatus?: string; globalOver?: Partial<GlobalCluster> } = {}) {
  rdsFrom.on(DescribeDBClustersCommand, { DBClusterIdentifier: member }).resolves({ DBClusters: [{ DBClusterIdentifier: member, Status: 'available', EngineVersion: '16.4' }] });
  rdsTo.on(DescribeGlobalClustersCommand, { GlobalClusterIdentifier: global }).resolves({ GlobalClusters: [globalCluster(global, member, over.globalOver)] });
  rdsTo.on(DescribeDBClustersCommand, { DBClusterIdentifier: member }).resolves({ DBClusters: [{ DBClusterIdentifier: member, Status: over.secondaryStatus ?? 'available', EngineVersion: '16.4' }] });
  quotas({ lagMs });
  eksTo.on(DescribeClusterCommand, { name: 'fleet-euc1' }).resolves({ cluster: { name: 'fleet-euc1', status: 'ACTIVE' } });
  if (member === 'odoo-globex') replicating(bucket('globex', FROM), bucket('globex', TO), 3);
  else replicating('odoo-cell-a-euw1', 'odoo-cell-a-euc1', 3);
}

/** The query ids of the GetMetricData calls a mocked CloudWatch got. */
const queryIds = (cw: typeof cwTo) => cw.commandCalls(GetMetricDataCommand).flatMap((c) => c.args[0].input.MetricDataQueries!.map((q) => q.Id));

const failed = (r: { checks: { name: string; passed: boolean }[] }) => r.checks.filter((c) => !c.passed).map((c) => c.name);
const check = (r: { checks: { name: string; detail: string }[] }, name: string) => r.checks.find((c) => c.name === name)?.detail;

/** The tag the control plane puts on the snapshots it takes and copies for a cell's or tenant's DR. */
const drTag = (cluster: string) => [{ Key: 'odoo:dr-copy-of', Value: cluster }];

describe('readiness facts of a warm-standby tenant', () => {
  it('are ready for a planned switchover when the secondary is healthy and its lag within the RPO, read from the DR region but for one probe', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    const unit = await readUnitReadiness(input([dedicated('globex', 'warm-standby')]), provider);

    expect(unit).toMatchObject({ posture: 'warm-standby', primaryReachable: true, lagSeconds: 2, globalClusterIdentifier: 'odoo-globex-global', targetClusterIdentifier: 'odoo-globex' });
    expect(unit.tenants.globex).toMatchObject({ ready: true, expectedDataLossSeconds: 2, wouldMiss: [] });
    expect(check(unit.tenants.globex!, 'dr-capacity')).toBe('EKS cluster fleet-euc1 in eu-central-1 is ACTIVE; 1 more m6i.xlarge node: needs 4 vCPU, 44 free of 64 (L-1216C47A)');
    expect(check(unit.tenants.globex!, 'engine-version')).toBe('primary 16.4, secondary 16.4');
    expect(check(unit.tenants.globex!, 'filestore-backlog')).toBe('filestore replication backlog 3 s against an RPO of 60 s');
    // The old region gets the probe and the filestore's replication (published there), both time-boxed; everything else goes to the region being activated.
    expect(rdsFrom.calls().map((c) => c.args[0].input)).toEqual([{ DBClusterIdentifier: 'odoo-globex' }]);
    expect(s3From.calls().map((c) => c.args[0].input)).toEqual([{ Bucket: bucket('globex', FROM) }]);
    expect(queryIds(cwFrom)).toEqual(['latency']);
    expect(eksFrom.calls()).toHaveLength(0);
    expect(sqFrom.calls()).toHaveLength(0);
    expect(s3To.calls()).toHaveLength(0);
    expect(rdsTo).toHaveReceivedCommandWith(DescribeGlobalClustersCommand, { GlobalClusterIdentifier: 'odoo-globex-global' });
    expect(rdsTo).toHaveReceivedCommandWith(DescribeDBClustersCommand, { DBClusterIdentifier: 'odoo-globex' });
    expect(cwTo.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries![0]!.MetricStat!.Metric).toEqual({
      Namespace: 'AWS/RDS',
      MetricName: 'AuroraGlobalDBRPOLag',
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'odoo-globex' }],
    });
    expect(eksTo).toHaveReceivedCommandWith(DescribeClusterCommand, { name: 'fleet-euc1' });
  });

  it('refuse a planned switchover whose lag is beyond the RPO, and let an unplanned failover go reporting the miss', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 300_000);
    const planned = (await readUnitReadiness(input([dedicated('globex', 'warm-standby', 60)]), provider)).tenants.globex!;
    expect(planned).toMatchObject({ ready: false, wouldMiss: ['RPO'], expectedDataLossSeconds: 300 });
    expect(failed(planned)).toEqual(['rpo', 'lag-can-reach-zero']);

    const unplanned = (await readUnitReadiness(input([dedicated('globex', 'warm-standby', 60)], { mode: 'unplanned' }), provider)).tenants.globex!;
    expect(unplanned).toMatchObject({ ready: true, wouldMiss: ['RPO'] });
    const forced = (await readUnitReadiness(input([dedicated('globex', 'warm-standby', 60)], { force: true }), provider)).tenants.globex!;
    expect(forced.ready).toBe(true);
  });

  it('are not ready when the secondary is not available, or the global database is mid-failover', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000, {
      secondaryStatus: 'modifying',
      globalOver: { Status: 'switching-over', FailoverState: { Status: 'failing-over', FromDbClusterArn: arn(FROM, 'odoo-globex'), ToDbClusterArn: arn(TO, 'odoo-globex') } },
    });
    const r = (await readUnitReadiness(input([dedicated('globex', 'warm-standby')], { mode: 'unplanned' }), provider)).tenants.globex!;
    expect(r.ready).toBe(false);
    expect(failed(r)).toEqual(['secondary-healthy', 'secondary-promotable']);
    expect(check(r, 'secondary-healthy')).toBe('global secondary is modifying');
  });

  it('are not ready without a global database, and then read no lag (never a lag of zero)', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    rdsTo.on(DescribeGlobalClustersCommand).rejects(new GlobalClusterNotFoundFault({ message: 'GlobalCluster odoo-globex-global not found', $metadata: {} }));
    const unit = await readUnitReadiness(input([dedicated('globex', 'warm-standby')], { mode: 'unplanned' }), provider);
    expect(unit).toMatchObject({ lagSeconds: null, tenants: { globex: { ready: false, expectedDataLossSeconds: null } } });
    expect(unit.targetClusterIdentifier).toBeUndefined();
    expect(check(unit.tenants.globex!, 'secondary-healthy')).toBe('no global secondary in the DR region');
    expect(queryIds(cwTo)).not.toContain('rpolag');
  });

  it('pass on an error of the DR region: it is the region the failover needs, not a fact to guess', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    rdsTo.on(DescribeGlobalClustersCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(readUnitReadiness(input([dedicated('globex', 'warm-standby')]), provider)).rejects.toThrow('Rate exceeded');
  });
});

describe('the primary probe', () => {
  it('counts a failed call into the old region as unreachable, and the rest is still answered from the DR region', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    rdsFrom.on(DescribeDBClustersCommand).rejects(Object.assign(new Error('Connection to rds.eu-west-1 timed out'), { name: 'TimeoutError' }));
    const unit = await readUnitReadiness(input([dedicated('globex', 'warm-standby')]), provider);
    expect(unit).toMatchObject({ primaryReachable: false, lagSeconds: 2, targetClusterIdentifier: 'odoo-globex' });
    // The engine versions still compare: the writer's comes from the global cluster, read in the DR region.
    expect(failed(unit.tenants.globex!)).toEqual(['primary-reachable']);
    const unplanned = await readUnitReadiness(input([dedicated('globex', 'warm-standby')], { mode: 'unplanned' }), provider);
    expect(unplanned.tenants.globex).toMatchObject({ ready: true });
  });

  it('gives up on an old region that never answers after oldRegionTimeoutSeconds, aborting the call', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    rdsFrom.on(DescribeDBClustersCommand).callsFake(() => new Promise(() => undefined));
    let settled = false;
    const reading = readUnitReadiness(input([dedicated('globex', 'warm-standby')]), provider).finally(() => (settled = true));

    await vi.advanceTimersByTimeAsync(29_000);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    const unit = await reading;
    expect(config.failover.oldRegionTimeoutSeconds).toBe(30);
    expect(unit.primaryReachable).toBe(false);
    expect(((rdsFrom.commandCalls(DescribeDBClustersCommand)[0]!.args as unknown[])[1] as { abortSignal: AbortSignal }).abortSignal.aborted).toBe(true);
  });
});

describe('readiness facts of a cell', () => {
  it('are read once for the whole cell (pilot light: its headless global secondary) and judged against each tenant own RPO', async () => {
    healthy('odoo-cell-a', 'odoo-cell-a-global', 120_000);
    const tenants = [pooled('acme', 'cell-a', 900), pooled('initech', 'cell-a', 60)];
    const unit = await readUnitReadiness(input(tenants), provider);

    expect(unit).toMatchObject({ posture: 'pilot-light', lagSeconds: 120, globalClusterIdentifier: 'odoo-cell-a-global', targetClusterIdentifier: 'odoo-cell-a' });
    expect(unit.tenants.acme).toMatchObject({ ready: true, wouldMiss: [] });
    expect(unit.tenants.initech).toMatchObject({ ready: false, wouldMiss: ['RPO'] });
    expect(check(unit.tenants.acme!, 'secondary-healthy')).toBe('headless global secondary is available');
    expect(rdsTo.commandCalls(DescribeGlobalClustersCommand)).toHaveLength(1);
    expect(cwTo.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    expect(rdsFrom.calls().map((c) => c.args[0].input)).toEqual([{ DBClusterIdentifier: 'odoo-cell-a' }]);
  });

  it('without a dr section are backup-restore, with no DR cluster to run them: not ready, saying why', async () => {
    rdsFrom.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: 'odoo-cell-b', EngineVersion: '16.4' }] });
    rdsTo.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [{ DBClusterIdentifier: 'odoo-cell-b', Status: 'available', SnapshotCreateTime: new Date('2026-11-30T06:00:00Z'), TagList: drTag('odoo-cell-b') }] });
    const unit = await readUnitReadiness(input([pooled('hooli', 'cell-b', 86_400)], { mode: 'unplanned' }), provider);
    expect(unit.posture).toBe('backup-restore');
    expect(unit.tenants.hooli).toMatchObject({ ready: false, expectedDataLossSeconds: 21_600 });
    expect(failed(unit.tenants.hooli!)).toEqual(['dr-capacity']);
    expect(check(unit.tenants.hooli!, 'dr-capacity')).toBe('cell cell-b has no copy in eu-central-1 (no dr section in the fleet configuration)');
    expect(eksTo.calls()).toHaveLength(0);
  });
});

describe('readiness facts of a backup-restore tenant', () => {
  it('take the newest available snapshot copy of its cluster in the DR region, page after page', async () => {
    rdsFrom.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: 'odoo-hooli', EngineVersion: '16.4' }] });
    rdsTo
      .on(DescribeDBClusterSnapshotsCommand, { Marker: undefined })
      .resolves({
        DBClusterSnapshots: [
          { DBClusterIdentifier: 'odoo-hooli', Status: 'available', SnapshotCreateTime: new Date('2026-11-29T06:00:00Z'), TagList: drTag('odoo-hooli') },
          // Still copying: not restorable yet.
          { DBClusterIdentifier: 'odoo-hooli', Status: 'copying', SnapshotCreateTime: new Date('2026-11-30T11:00:00Z'), TagList: drTag('odoo-hooli') },
          // Not a DR copy (an old primary kept after a failover): not counted.
          { DBClusterIdentifier: 'odoo-hooli', Status: 'available', SnapshotCreateTime: new Date('2026-11-30T10:00:00Z') },
        ],
        Marker: 'page-2',
      })
      .on(DescribeDBClusterSnapshotsCommand, { Marker: 'page-2' })
      .resolves({
        DBClusterSnapshots: [
          { DBClusterIdentifier: 'odoo-hooli', Status: 'available', SnapshotCreateTime: new Date('2026-11-30T06:00:00Z'), TagList: drTag('odoo-hooli') },
          // Another cluster's, had the filter let it through.
          { DBClusterIdentifier: 'odoo-other', Status: 'available', SnapshotCreateTime: new Date('2026-11-30T11:30:00Z'), TagList: drTag('odoo-other') },
        ],
      });
    eksTo.on(DescribeClusterCommand, { name: 'fleet-euc1' }).resolves({ cluster: { name: 'fleet-euc1', status: 'ACTIVE' } });
    quotas();

    const unit = await readUnitReadiness(input([dedicated('hooli', 'backup-restore', 86_400)], { mode: 'unplanned' }), provider);
    expect(unit).toMatchObject({ posture: 'backup-restore', lagSeconds: null, tenants: { hooli: { ready: true, expectedDataLossSeconds: 21_600, wouldMiss: [] } } });
    expect(unit.globalClusterIdentifier).toBeUndefined();
    expect(check(unit.tenants.hooli!, 'replicated-backup')).toBe('newest replicated backup 2026-11-30T06:00:00.000Z (21600 s old)');
    expect(rdsTo.commandCalls(DescribeDBClusterSnapshotsCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'db-cluster-id', Values: ['odoo-hooli'] }], SnapshotType: 'manual', MaxRecords: 100 },
      { Filters: [{ Name: 'db-cluster-id', Values: ['odoo-hooli'] }], SnapshotType: 'manual', MaxRecords: 100, Marker: 'page-2' },
    ]);
    expect(rdsTo).not.toHaveReceivedCommand(DescribeGlobalClustersCommand);
    expect(queryIds(cwTo)).not.toContain('rpolag');
    // No filestore replication for backup-restore: nothing read of it, and no check.
    expect(s3From.calls()).toHaveLength(0);
    expect(check(unit.tenants.hooli!, 'filestore-backlog')).toBeUndefined();
  });

  it('are not ready without a snapshot copy, nor when the DR EKS cluster is missing or not ACTIVE', async () => {
    rdsFrom.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: 'odoo-hooli', EngineVersion: '16.4' }] });
    rdsTo.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    eksTo.on(DescribeClusterCommand).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: fleet-euc1.', $metadata: {} }));
    const r = (await readUnitReadiness(input([dedicated('hooli', 'backup-restore', 86_400)], { mode: 'unplanned' }), provider)).tenants.hooli!;
    expect(failed(r)).toEqual(['replicated-backup', 'dr-capacity', 'rpo']);
    expect(check(r, 'dr-capacity')).toBe('EKS cluster fleet-euc1 does not exist in eu-central-1');

    eksTo.on(DescribeClusterCommand).resolves({ cluster: { name: 'fleet-euc1', status: 'UPDATING' } });
    const updating = (await readUnitReadiness(input([dedicated('hooli', 'backup-restore', 86_400)], { mode: 'unplanned' }), provider)).tenants.hooli!;
    expect(check(updating, 'dr-capacity')).toBe('EKS cluster fleet-euc1 in eu-central-1 is UPDATING');
    expect(updating.ready).toBe(false);
  });
});

describe('DR capacity against the quotas of the region being activated', () => {
  it('fits a pilot-light tenant whose node group is not there yet: its vCPUs and one more node group, read in the DR region', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    quotas({ vcpuQuota: 64, vcpusRunning: 20, lagMs: 2000, nodegroups: ['odoo-pool-a', 'odoo-pool-b'] });
    const unit = await readUnitReadiness(input([dedicated('globex', 'pilot-light')], { mode: 'unplanned' }), provider);

    expect(unit.tenants.globex!.ready).toBe(true);
    expect(check(unit.tenants.globex!, 'dr-capacity')).toBe(
      'EKS cluster fleet-euc1 in eu-central-1 is ACTIVE; 2 more m6i.xlarge nodes in a new node group: needs 8 vCPU, 44 free of 64 (L-1216C47A); needs 1 node group, 28 free of 30 (L-6D54EA21)',
    );
    // The applied vCPU quota; the node group quota was never applied, so its AWS default.
    expect(sqTo.commandCalls(GetServiceQuotaCommand).map((c) => c.args[0].input)).toEqual(
      expect.arrayContaining([
        { ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' },
        { ServiceCode: 'eks', QuotaCode: 'L-6D54EA21' },
      ]),
    );
    expect(sqTo.commandCalls(GetAWSDefaultServiceQuotaCommand).map((c) => c.args[0].input)).toEqual([{ ServiceCode: 'eks', QuotaCode: 'L-6D54EA21' }]);
    expect(eksTo.commandCalls(ListNodegroupsCommand).map((c) => c.args[0].input)).toEqual([{ clusterName: 'fleet-euc1', maxResults: 100, nextToken: undefined }]);
    const usage = cwTo.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input).find((i) => i.MetricDataQueries![0]!.Id === 'vcpus')!;
    expect(usage.MetricDataQueries![0]!.MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/Usage',
        MetricName: 'ResourceCount',
        Dimensions: [
          { Name: 'Service', Value: 'EC2' },
          { Name: 'Type', Value: 'Resource' },
          { Name: 'Resource', Value: 'vCPU' },
          { Name: 'Class', Value: 'Standard/OnDemand' },
        ],
      },
      Period: 60,
      Stat: 'Maximum',
    });
    expect(usage.EndTime).toEqual(NOW);
    expect(usage.StartTime).toEqual(new Date(NOW.getTime() - 15 * 60_000));
    expect(sqFrom.calls()).toHaveLength(0);
  });

  it('refuses a unit whose vCPUs exceed the headroom, with the figures', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    quotas({ vcpuQuota: 64, vcpusRunning: 60, lagMs: 2000, nodegroups: [] });
    const r = (await readUnitReadiness(input([dedicated('globex', 'pilot-light')], { mode: 'unplanned' }), provider)).tenants.globex!;

    expect(r.ready).toBe(false);
    expect(failed(r)).toEqual(['dr-capacity']);
    expect(check(r, 'dr-capacity')).toContain('needs 8 vCPU, 4 free of 64 (L-1216C47A)');
  });

  it('refuses a unit whose node group would pass the per-cluster quota', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    quotas({ lagMs: 2000, nodegroups: Array.from({ length: 30 }, (_, i) => `odoo-t${i}`) });
    const r = (await readUnitReadiness(input([dedicated('globex', 'pilot-light')], { mode: 'unplanned' }), provider)).tenants.globex!;

    expect(r.ready).toBe(false);
    expect(check(r, 'dr-capacity')).toContain('needs 1 node group, 0 free of 30 (L-6D54EA21)');
  });

  it('counts only what a warm standby adds to the node group it keeps there at one node', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    quotas({ vcpuQuota: 64, vcpusRunning: 62, lagMs: 2000, nodegroups: ['odoo-globex'] });
    const r = (await readUnitReadiness(input([dedicated('globex', 'warm-standby')]), provider)).tenants.globex!;

    expect(r.ready).toBe(false);
    expect(check(r, 'dr-capacity')).toBe('EKS cluster fleet-euc1 in eu-central-1 is ACTIVE; 1 more m6i.xlarge node: needs 4 vCPU, 2 free of 64 (L-1216C47A)');
    expect(sqTo.commandCalls(GetServiceQuotaCommand).map((c) => c.args[0].input.QuotaCode)).toEqual(['L-1216C47A']);
  });

  it('does not refuse when the quota cannot be read: the headroom is reported unknown', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    sqTo.on(GetServiceQuotaCommand).rejects(new AccessDeniedException({ message: 'User is not authorized to perform servicequotas:GetServiceQuota', $metadata: {} }));
    const r = (await readUnitReadiness(input([dedicated('globex', 'warm-standby')]), provider)).tenants.globex!;

    expect(r.ready).toBe(true);
    expect(check(r, 'dr-capacity')).toBe('EKS cluster fleet-euc1 in eu-central-1 is ACTIVE; 1 more m6i.xlarge node: needs 4 vCPU, headroom unknown (L-1216C47A: AccessDeniedException)');
    expect(sqTo).not.toHaveReceivedCommand(GetAWSDefaultServiceQuotaCommand);
  });

  it('falls back to the AWS default of a quota never applied in the region', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    sqTo
      .on(GetServiceQuotaCommand, { ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' })
      .rejects(new NoSuchResourceException({ message: 'The request failed because the specified service quota does not exist.', $metadata: {} }));
    sqTo.on(GetAWSDefaultServiceQuotaCommand, { ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' }).resolves({ Quota: { Value: 5 } });
    const r = (await readUnitReadiness(input([dedicated('globex', 'warm-standby')]), provider)).tenants.globex!;

    expect(r.ready).toBe(false);
    expect(check(r, 'dr-capacity')).toContain('needs 4 vCPU, 0 free of 5 (L-1216C47A)');
  });

  it('reads no quota for a cell: its node pool runs in the DR region already', async () => {
    healthy('odoo-cell-a', 'odoo-cell-a-global', 2000);
    const unit = await readUnitReadiness(input([pooled('acme', 'cell-a', 900)]), provider);

    expect(check(unit.tenants.acme!, 'dr-capacity')).toBe('EKS cluster fleet-euc1 in eu-central-1 is ACTIVE');
    expect(sqTo.calls()).toHaveLength(0);
    expect(eksTo).not.toHaveReceivedCommand(ListNodegroupsCommand);
  });
});

describe('the filestore replication backlog', () => {
  it('is the newest ReplicationLatency of the bucket rule to the DR bucket, read where S3 publishes it: the old region', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    replicating(bucket('globex', FROM), bucket('globex', TO), 600);
    const r = (await readUnitReadiness(input([dedicated('globex', 'warm-standby', 60)], { mode: 'unplanned' }), provider)).tenants.globex!;

    // A warning: the failover may go, and it would miss the RPO.
    expect(r).toMatchObject({ ready: true, wouldMiss: ['RPO'] });
    expect(r.checks.find((c) => c.name === 'filestore-backlog')).toEqual({ name: 'filestore-backlog', passed: false, blocking: false, detail: 'filestore replication backlog 600 s against an RPO of 60 s' });
    expect(s3From).toHaveReceivedCommandWith(GetBucketReplicationCommand, { Bucket: bucket('globex', FROM) });
    const latency = cwFrom.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(latency.MetricDataQueries).toEqual([
      {
        Id: 'latency',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/S3',
            MetricName: 'ReplicationLatency',
            Dimensions: [
              { Name: 'SourceBucket', Value: bucket('globex', FROM) },
              { Name: 'DestinationBucket', Value: bucket('globex', TO) },
              { Name: 'RuleId', Value: 'dr-copy' },
            ],
          },
          Period: 60,
          Stat: 'Maximum',
        },
        ReturnData: true,
      },
    ]);
    expect(latency).toMatchObject({ StartTime: new Date(NOW.getTime() - 15 * 60_000), EndTime: NOW, ScanBy: 'TimestampDescending' });
  });

  it("reads a cell's rule under the id its replication configuration gives, and nothing when that rule has no metrics", async () => {
    healthy('odoo-cell-a', 'odoo-cell-a-global', 2000);
    replicating('odoo-cell-a-euw1', 'odoo-cell-a-euc1', 4, { ID: 'cell-a-to-dr' });
    const unit = await readUnitReadiness(input([pooled('acme', 'cell-a', 900)]), provider);
    expect(check(unit.tenants.acme!, 'filestore-backlog')).toBe('filestore replication backlog 4 s against an RPO of 900 s');
    expect(cwFrom.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries![0]!.MetricStat!.Metric!.Dimensions).toContainEqual({ Name: 'RuleId', Value: 'cell-a-to-dr' });

    cwFrom.resetHistory();
    replicating('odoo-cell-a-euw1', 'odoo-cell-a-euc1', 4, { Destination: { Bucket: 'arn:aws:s3:::odoo-cell-a-euc1' } });
    const noMetrics = await readUnitReadiness(input([pooled('acme', 'cell-a', 900)]), provider);
    expect(check(noMetrics.tenants.acme!, 'filestore-backlog')).toBe('filestore replication backlog unknown');
    expect(cwFrom.calls()).toHaveLength(0);
  });

  it('is unknown, never an error, when the old region does not answer', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    s3From.on(GetBucketReplicationCommand).rejects(Object.assign(new Error('Connection to s3.eu-west-1 timed out'), { name: 'TimeoutError' }));
    const r = (await readUnitReadiness(input([dedicated('globex', 'warm-standby')], { mode: 'unplanned' }), provider)).tenants.globex!;

    expect(r).toMatchObject({ ready: true, wouldMiss: [] });
    expect(r.checks.find((c) => c.name === 'filestore-backlog')).toMatchObject({ passed: false, blocking: false, detail: 'filestore replication backlog unknown' });
    expect(cwFrom.calls()).toHaveLength(0);
  });

  it('gives up after oldRegionTimeoutSeconds on an old region that never answers, aborting the call', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    cwFrom.on(GetMetricDataCommand).callsFake(() => new Promise(() => undefined));
    let settled = false;
    const reading = readUnitReadiness(input([dedicated('globex', 'warm-standby')], { mode: 'unplanned' }), provider).finally(() => (settled = true));

    await vi.advanceTimersByTimeAsync(29_000);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    const r = (await reading).tenants.globex!;
    expect(check(r, 'filestore-backlog')).toBe('filestore replication backlog unknown');
    expect(((cwFrom.commandCalls(GetMetricDataCommand)[0]!.args as unknown[])[1] as { abortSignal: AbortSignal }).abortSignal.aborted).toBe(true);
  });
});
