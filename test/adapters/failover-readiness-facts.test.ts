import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  GlobalClusterNotFoundFault,
  RDSClient,
  type GlobalCluster,
} from '@aws-sdk/client-rds';
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
const clients: { rds: Record<string, RDSClient>; cloudwatch: Record<string, CloudWatchClient>; eks: Record<string, EKSClient> } = {
  rds: { [FROM]: new RDSClient({ region: FROM }), [TO]: new RDSClient({ region: TO }) },
  cloudwatch: { [FROM]: new CloudWatchClient({ region: FROM }), [TO]: new CloudWatchClient({ region: TO }) },
  eks: { [FROM]: new EKSClient({ region: FROM }), [TO]: new EKSClient({ region: TO }) },
};
const provider = {
  kind: 'aws',
  rds: (region: string) => clients.rds[region]!,
  cloudwatch: (region: string) => clients.cloudwatch[region]!,
  eks: (region: string) => clients.eks[region]!,
} as unknown as CloudProvider;
const rdsFrom = mockClient(clients.rds[FROM]!);
const rdsTo = mockClient(clients.rds[TO]!);
const cwFrom = mockClient(clients.cloudwatch[FROM]!);
const cwTo = mockClient(clients.cloudwatch[TO]!);
const eksFrom = mockClient(clients.eks[FROM]!);
const eksTo = mockClient(clients.eks[TO]!);

beforeEach(() => [rdsFrom, rdsTo, cwFrom, cwTo, eksFrom, eksTo].forEach((m) => m.reset()));
afterEach(() => vi.useRealTimers());

function dedicated(tenantId: string, posture: DrPosture, rpoSeconds = 60): Tenant {
  const t = aTenant(tenantId, { status: 'ACTIVE', model: 'dedicated', criticality: 'critical' });
  t.placement = { ...t.placement, drPosture: posture, rpoSeconds };
  t.resources = {
    database: { kind: 'dedicated', clusterIdentifier: `odoo-${tenantId}`, databaseName: `odoo_${tenantId}`, roleName: 'odoo', secretArn: `arn:aws:secretsmanager:${FROM}:${ACCOUNT}:secret:${tenantId}-AbCdEf` },
    ...(posture === 'backup-restore' ? {} : { dr: { region: TO, globalClusterIdentifier: `odoo-${tenantId}-global`, clusterIdentifier: `odoo-${tenantId}` } }),
  };
  return t;
}

function pooled(tenantId: string, cell: string, rpoSeconds: number): Tenant {
  const t = aTenant(tenantId, { status: 'ACTIVE', model: 'pooled' });
  t.placement = { ...t.placement, cell, rpoSeconds };
  t.resources = { database: { kind: 'pooled', clusterIdentifier: `odoo-${cell}`, databaseName: `odoo_${tenantId}`, roleName: tenantId, secretArn: 's' } };
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

/** Everything answers: the primary, the global database, the secondary, its lag (ms) and the DR EKS cluster. */
function healthy(member: string, global: string, lagMs: number, over: { secondaryStatus?: string; globalOver?: Partial<GlobalCluster> } = {}) {
  rdsFrom.on(DescribeDBClustersCommand, { DBClusterIdentifier: member }).resolves({ DBClusters: [{ DBClusterIdentifier: member, Status: 'available', EngineVersion: '16.4' }] });
  rdsTo.on(DescribeGlobalClustersCommand, { GlobalClusterIdentifier: global }).resolves({ GlobalClusters: [globalCluster(global, member, over.globalOver)] });
  rdsTo.on(DescribeDBClustersCommand, { DBClusterIdentifier: member }).resolves({ DBClusters: [{ DBClusterIdentifier: member, Status: over.secondaryStatus ?? 'available', EngineVersion: '16.4' }] });
  cwTo.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'rpolag', Values: [lagMs], Timestamps: [NOW] }] });
  eksTo.on(DescribeClusterCommand, { name: 'fleet-euc1' }).resolves({ cluster: { name: 'fleet-euc1', status: 'ACTIVE' } });
}

const failed = (r: { checks: { name: string; passed: boolean }[] }) => r.checks.filter((c) => !c.passed).map((c) => c.name);
const check = (r: { checks: { name: string; detail: string }[] }, name: string) => r.checks.find((c) => c.name === name)?.detail;

describe('readiness facts of a warm-standby tenant', () => {
  it('are ready for a planned switchover when the secondary is healthy and its lag within the RPO, read from the DR region but for one probe', async () => {
    healthy('odoo-globex', 'odoo-globex-global', 2000);
    const unit = await readUnitReadiness(input([dedicated('globex', 'warm-standby')]), provider);

    expect(unit).toMatchObject({ posture: 'warm-standby', primaryReachable: true, lagSeconds: 2, globalClusterIdentifier: 'odoo-globex-global', targetClusterIdentifier: 'odoo-globex' });
    expect(unit.tenants.globex).toMatchObject({ ready: true, expectedDataLossSeconds: 2, wouldMiss: [] });
    expect(check(unit.tenants.globex!, 'dr-capacity')).toBe('EKS cluster fleet-euc1 in eu-central-1 is ACTIVE');
    expect(check(unit.tenants.globex!, 'engine-version')).toBe('primary 16.4, secondary 16.4');
    // The old region gets one call, the probe; everything else goes to the region being activated.
    expect(rdsFrom.calls().map((c) => c.args[0].input)).toEqual([{ DBClusterIdentifier: 'odoo-globex' }]);
    expect(cwFrom.calls()).toHaveLength(0);
    expect(eksFrom.calls()).toHaveLength(0);
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
    expect(cwTo.calls()).toHaveLength(0);
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
    rdsTo.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [{ DBClusterIdentifier: 'odoo-cell-b', Status: 'available', SnapshotCreateTime: new Date('2026-11-30T06:00:00Z') }] });
    const unit = await readUnitReadiness(input([pooled('hooli', 'cell-b', 86_400)], { mode: 'unplanned' }), provider);
    expect(unit.posture).toBe('backup-restore');
    expect(unit.tenants.hooli).toMatchObject({ ready: false, expectedDataLossSeconds: 21_600 });
    expect(failed(unit.tenants.hooli!)).toEqual(['dr-capacity', 'rto']);
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
          { DBClusterIdentifier: 'odoo-hooli', Status: 'available', SnapshotCreateTime: new Date('2026-11-29T06:00:00Z') },
          // Still copying: not restorable yet.
          { DBClusterIdentifier: 'odoo-hooli', Status: 'copying', SnapshotCreateTime: new Date('2026-11-30T11:00:00Z') },
        ],
        Marker: 'page-2',
      })
      .on(DescribeDBClusterSnapshotsCommand, { Marker: 'page-2' })
      .resolves({
        DBClusterSnapshots: [
          { DBClusterIdentifier: 'odoo-hooli', Status: 'available', SnapshotCreateTime: new Date('2026-11-30T06:00:00Z') },
          // Another cluster's, had the filter let it through.
          { DBClusterIdentifier: 'odoo-other', Status: 'available', SnapshotCreateTime: new Date('2026-11-30T11:30:00Z') },
        ],
      });
    eksTo.on(DescribeClusterCommand, { name: 'fleet-euc1' }).resolves({ cluster: { name: 'fleet-euc1', status: 'ACTIVE' } });

    const unit = await readUnitReadiness(input([dedicated('hooli', 'backup-restore', 86_400)], { mode: 'unplanned' }), provider);
    expect(unit).toMatchObject({ posture: 'backup-restore', lagSeconds: null, tenants: { hooli: { ready: true, expectedDataLossSeconds: 21_600, wouldMiss: [] } } });
    expect(unit.globalClusterIdentifier).toBeUndefined();
    expect(check(unit.tenants.hooli!, 'replicated-backup')).toBe('newest replicated backup 2026-11-30T06:00:00.000Z (21600 s old)');
    expect(rdsTo.commandCalls(DescribeDBClusterSnapshotsCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'db-cluster-id', Values: ['odoo-hooli'] }], MaxRecords: 100, Marker: undefined },
      { Filters: [{ Name: 'db-cluster-id', Values: ['odoo-hooli'] }], MaxRecords: 100, Marker: 'page-2' },
    ]);
    expect(rdsTo).not.toHaveReceivedCommand(DescribeGlobalClustersCommand);
    expect(cwTo.calls()).toHaveLength(0);
  });

  it('are not ready without a snapshot copy, nor when the DR EKS cluster is missing or not ACTIVE', async () => {
    rdsFrom.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: 'odoo-hooli', EngineVersion: '16.4' }] });
    rdsTo.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    eksTo.on(DescribeClusterCommand).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: fleet-euc1.', $metadata: {} }));
    const r = (await readUnitReadiness(input([dedicated('hooli', 'backup-restore', 86_400)], { mode: 'unplanned' }), provider)).tenants.hooli!;
    expect(failed(r)).toEqual(['replicated-backup', 'dr-capacity', 'rpo', 'rto']);
    expect(check(r, 'dr-capacity')).toBe('EKS cluster fleet-euc1 does not exist in eu-central-1');

    eksTo.on(DescribeClusterCommand).resolves({ cluster: { name: 'fleet-euc1', status: 'UPDATING' } });
    const updating = (await readUnitReadiness(input([dedicated('hooli', 'backup-restore', 86_400)], { mode: 'unplanned' }), provider)).tenants.hooli!;
    expect(check(updating, 'dr-capacity')).toBe('EKS cluster fleet-euc1 in eu-central-1 is UPDATING');
    expect(updating.ready).toBe(false);
  });
});
