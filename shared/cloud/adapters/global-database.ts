/**
 * What a failover reads about an Aurora global database, from the region being activated: the
 * global cluster (writer, secondaries and their synchronization, a switchover or failover in
 * progress), and the secondary's replication lag as CloudWatch reports it (`AuroraGlobalDBRPOLag`,
 * milliseconds, per secondary cluster). Every call goes to the DR region's endpoints, so a dead
 * primary region costs nothing here. A pilot-light tenant's secondary is a headless one (no
 * instances): Aurora PostgreSQL has no cross-region read replica clusters, a global database
 * secondary without instances is its pilot light.
 */
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeGlobalClustersCommand, type RDSClient } from '@aws-sdk/client-rds';
import { hasName } from './aws-errors.ts';

export interface GlobalDatabaseMember {
  clusterArn: string;
  /** The region, from the ARN. */
  region: string;
  isWriter: boolean;
  /** `connected` or `pending-resync` (a secondary that must be re-synchronised before it can take over). */
  synchronizationStatus?: string;
  readers: string[];
}

export interface GlobalDatabase {
  identifier: string;
  status: string;
  engineVersion?: string;
  members: GlobalDatabaseMember[];
  writer?: GlobalDatabaseMember;
  /** A switchover or failover in progress (`FailoverState.Status`), or none. */
  failover?: { status: string; fromDbClusterArn?: string; toDbClusterArn?: string; isDataLossAllowed?: boolean };
}

const regionOf = (arn: string) => arn.split(':')[3] ?? '';

/** The global cluster, or undefined when it does not exist (GlobalClusterNotFoundFault). */
export async function describeGlobalDatabase(rds: RDSClient, globalClusterIdentifier: string): Promise<GlobalDatabase | undefined> {
  let out;
  try {
    out = await rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: globalClusterIdentifier }));
  } catch (err) {
    if (hasName(err, 'GlobalClusterNotFoundFault')) return undefined;
    throw err;
  }
  const g = out.GlobalClusters?.[0];
  if (!g) return undefined;
  const members = (g.GlobalClusterMembers ?? [])
    .filter((m) => !!m.DBClusterArn)
    .map((m) => ({ clusterArn: m.DBClusterArn!, region: regionOf(m.DBClusterArn!), isWriter: !!m.IsWriter, synchronizationStatus: m.SynchronizationStatus, readers: m.Readers ?? [] }));
  const failover = g.FailoverState?.Status
    ? { status: g.FailoverState.Status, fromDbClusterArn: g.FailoverState.FromDbClusterArn, toDbClusterArn: g.FailoverState.ToDbClusterArn, isDataLossAllowed: g.FailoverState.IsDataLossAllowed }
    : undefined;
  return {
    identifier: g.GlobalClusterIdentifier ?? globalClusterIdentifier,
    status: g.Status ?? 'unknown',
    engineVersion: g.EngineVersion,
    members,
    writer: members.find((m) => m.isWriter),
    ...(failover ? { failover } : {}),
  };
}

/** The member in `region`, the one a failover promotes there. */
export function memberIn(db: GlobalDatabase, region: string): GlobalDatabaseMember | undefined {
  return db.members.find((m) => m.region === region);
}

/**
 * The secondary's recovery point lag, in seconds: the newest `AuroraGlobalDBRPOLag` datapoint of
 * the last `windowSeconds` (milliseconds in CloudWatch), or null when there is none (a lag that
 * cannot be read must not look like zero).
 */
export async function globalRpoLagSeconds(cw: CloudWatchClient, secondaryClusterIdentifier: string, now: Date, windowSeconds = 300): Promise<number | null> {
  const out = await cw.send(
    new GetMetricDataCommand({
      MetricDataQueries: [
        {
          Id: 'rpolag',
          MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'AuroraGlobalDBRPOLag', Dimensions: [{ Name: 'DBClusterIdentifier', Value: secondaryClusterIdentifier }] }, Period: 60, Stat: 'Maximum' },
          ReturnData: true,
        },
      ],
      StartTime: new Date(now.getTime() - windowSeconds * 1000),
      EndTime: now,
      ScanBy: 'TimestampDescending',
    }),
  );
  const values = out.MetricDataResults?.find((r) => r.Id === 'rpolag')?.Values ?? [];
  return values.length === 0 ? null : Math.round((values[0]! / 1000) * 10) / 10;
}
