/**
 * The database side of a restore drill: read the point to restore to, restore the source cluster
 * (the tenant's dedicated cluster or its cell's) to exactly that point into an isolated drill
 * cluster, make it reachable through the Data API with its own RDS-managed master secret, delete
 * it afterwards, and find drill clusters left behind past their TTL. Nothing here waits: each call
 * looks, acts if needed and reports a state the workflow's Wait loop polls.
 */
import {
  DescribeDBClustersCommand,
  EnableHttpEndpointCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { DRILL_EXPIRES_TAG, DRILL_TAG, DRILL_TENANT_TAG } from '#shared/domain/drill-names.ts';
import { resourceFailed, validationError } from '#shared/lib/errors.ts';
import { hasName } from './aws-errors.ts';
import { describeCluster, ensureClusterInstances, isTerminal } from './database-dedicated.ts';
import { retireCluster } from './release-database.ts';
import { tagList } from './tag-list.ts';

// ---------------------------------------------------------------------------------------------
// The restore point

export interface RestorePoint {
  restorePoint: Date;
  /** The latest restorable time, or the time asked for. */
  kind: 'latest' | 'chosen';
  earliest: Date;
  latest: Date;
  clusterArn?: string;
}

/** The source cluster's point-in-time window, and the point a drill restores to. */
export async function readRestorePoint(rds: RDSClient, sourceClusterIdentifier: string, chosen?: Date): Promise<RestorePoint> {
  const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: sourceClusterIdentifier }))).DBClusters?.[0];
  if (!cluster?.LatestRestorableTime || !cluster.EarliestRestorableTime) {
    throw resourceFailed(`Aurora cluster ${sourceClusterIdentifier} has no restorable time (status ${cluster?.Status ?? 'unknown'}): point-in-time recovery is not available yet`);
  }
  const earliest = new Date(cluster.EarliestRestorableTime);
  const latest = new Date(cluster.LatestRestorableTime);
  if (chosen && (chosen.getTime() < earliest.getTime() || chosen.getTime() > latest.getTime())) {
    const message = `the restore time ${chosen.toISOString()} is outside the restorable window of ${sourceClusterIdentifier}, from ${earliest.toISOString()} to ${latest.toISOString()}`;
    throw validationError(message, [{ path: 'restoreTime', message }]);
  }
  return { restorePoint: chosen ?? latest, kind: chosen ? 'chosen' : 'latest', earliest, latest, clusterArn: cluster.DBClusterArn };
}

// ---------------------------------------------------------------------------------------------
// The restore

export interface DrillRestoreInput {
  sourceClusterIdentifier: string;
  clusterIdentifier: string;
  instanceIdentifier: string;
  /** The recorded restore point: restored exactly, never "the latest" of a later moment. */
  restoreTo: Date;
  instanceClass: string;
  dbSubnetGroupName: string;
  vpcSecurityGroupIds: string[];
  kmsKeyId?: string;
  tags: Record<string, string>;
}

export interface DrillRestore {
  /** The drill cluster's RDS status (`creating`, `available`, ...); `absent` before the restore request is seen. */
  status: string;
  /** The cluster and its instance are available, the master secret exists and the Data API endpoint is on. */
  ready: boolean;
  clusterArn?: string;
  secretArn?: string;
  endpoint?: string;
}

async function startRestore(rds: RDSClient, input: DrillRestoreInput): Promise<DBCluster | undefined> {
  try {
    const out = await rds.send(
      new RestoreDBClusterToPointInTimeCommand({
        DBClusterIdentifier: input.clusterIdentifier,
        SourceDBClusterIdentifier: input.sourceClusterIdentifier,
        RestoreToTime: input.restoreTo,
        // A full copy: a drill proves the backups restore, not that a clone of live storage opens.
        RestoreType: 'full-copy',
        DBSubnetGroupName: input.dbSubnetGroupName,
        VpcSecurityGroupIds: input.vpcSecurityGroupIds,
        KmsKeyId: input.kmsKeyId,
        DeletionProtection: false,
        CopyTagsToSnapshot: false,
        Tags: tagList(input.tags),
      }),
    );
    return out.DBCluster;
  } catch (err) {
    if (!hasName(err, 'DBClusterAlreadyExistsFault')) throw err;
    return describeCluster(rds, input.clusterIdentifier);
  }
}

/**
 * A restored cluster carries neither the source's master secret nor its Data API endpoint, so once
 * available RDS is asked to manage the master password (the validation's credentials) and the
 * HTTP endpoint is turned on. Each call takes one step further and describes again.
 */
export async function ensureDrillRestore(rds: RDSClient, input: DrillRestoreInput): Promise<DrillRestore> {
  let cluster = (await describeCluster(rds, input.clusterIdentifier)) ?? (await startRestore(rds, input));
  if (!cluster) return { status: 'absent', ready: false };
  if (isTerminal(cluster.Status)) throw resourceFailed(`drill cluster ${input.clusterIdentifier} is ${cluster.Status}`);
  const instanceAvailable = await ensureClusterInstances(rds, {
    clusterIdentifier: input.clusterIdentifier,
    instanceIdentifiers: [input.instanceIdentifier],
    instanceClass: input.instanceClass,
    tags: tagList(input.tags),
  });
  if (cluster.Status === 'available' && !cluster.MasterUserSecret?.SecretArn) {
    await tolerate(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: input.clusterIdentifier, ManageMasterUserPassword: true, ApplyImmediately: true })), 'InvalidDBClusterStateFault');
    cluster = (await describeCluster(rds, input.clusterIdentifier)) ?? cluster;
  }
  if (cluster.Status === 'available' && !cluster.HttpEndpointEnabled && cluster.DBClusterArn) {
    await tolerate(rds.send(new EnableHttpEndpointCommand({ ResourceArn: cluster.DBClusterArn })), 'InvalidResourceStateFault');
    cluster = (await describeCluster(rds, input.clusterIdentifier)) ?? cluster;
  }
  const secret = cluster.MasterUserSecret;
  const ready = cluster.Status === 'available' && instanceAvailable && !!secret?.SecretArn && secret.SecretStatus !== 'creating' && cluster.HttpEndpointEnabled === true;
  return { status: cluster.Status ?? 'unknown', ready, clusterArn: cluster.DBClusterArn, secretArn: secret?.SecretArn, endpoint: cluster.Endpoint };
}

/** Another operation in progress: the next poll tries again. */
async function tolerate(call: Promise<unknown>, ...names: string[]): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!hasName(err, ...names)) throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Teardown and the sweeper

/**
 * Deletes a drill cluster: its instance, deletion protection off if someone turned it on, then the
 * cluster without a final snapshot (the source's backups are untouched). `absent` only once RDS no
 * longer knows it. The same steps as any restored cluster a release retires.
 */
export function retireDrillCluster(rds: RDSClient, clusterIdentifier: string): Promise<'deleting' | 'absent'> {
  return retireCluster(rds, clusterIdentifier);
}

export interface ExpiredDrillCluster {
  clusterIdentifier: string;
  drillId: string;
  tenantId: string;
  expiresAt: string;
  status?: string;
}

/** Every cluster tagged as a drill's whose TTL tag has passed, for the sweeper. */
export async function listExpiredDrillClusters(rds: RDSClient, now: Date): Promise<ExpiredDrillCluster[]> {
  const out: ExpiredDrillCluster[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBClustersCommand({ Marker: marker, MaxRecords: 100 }));
    for (const c of page.DBClusters ?? []) {
      const tags = Object.fromEntries((c.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      const drillId = tags[DRILL_TAG];
      const expiresAt = tags[DRILL_EXPIRES_TAG];
      if (!drillId || !expiresAt || !c.DBClusterIdentifier) continue;
      const expires = Date.parse(expiresAt);
      // An unreadable expiry is treated as expired: a drill resource must never outlive its drill for good.
      if (Number.isFinite(expires) && expires >= now.getTime()) continue;
      out.push({ clusterIdentifier: c.DBClusterIdentifier, drillId, tenantId: tags[DRILL_TENANT_TAG] ?? '', expiresAt, status: c.Status });
    }
    marker = page.Marker;
  } while (marker);
  return out;
}
