/**
 * Listing and copying Aurora cluster snapshots of one region. DescribeDBClusterSnapshots takes
 * AWS's filters (`db-cluster-id`, `db-cluster-snapshot-id`, `snapshot-type`, `engine`) and pages
 * with `MaxRecords`/`Marker`. CopyDBClusterSnapshot is called in the region that receives the
 * copy; the source is named by ARN when it lives in another region (read from the ARN, as the SDK's
 * RDS middleware does to presign the source-region request), and may be a manual snapshot, a copy
 * or an automated one. The copy is a manual snapshot, `copying` for the scaled copy time, carrying
 * its source's cluster identifier, creation time and content, so a restore from it holds the data
 * as of the source's point.
 */
import type {
  CopyDBClusterSnapshotCommandInput,
  CopyDBClusterSnapshotCommandOutput,
  DBClusterSnapshot,
  DescribeDBClusterSnapshotsCommandInput,
  DescribeDBClusterSnapshotsCommandOutput,
  Filter,
} from '@aws-sdk/client-rds';
import { awsError, requireParams } from './errors.ts';
import type { RdsRestores } from './rds-restores.ts';
import { assertIdentifier, copyDatabases, type RdsStore, type SimClusterSnapshot } from './rds-store.ts';
import { tagsFromList, type Out, type SimContext } from './types.ts';

/** Another region's snapshots, as a cross-region copy reaches them. */
export interface SnapshotPeers {
  /** The snapshot of that region by identifier or ARN; undefined when the region or the snapshot does not exist. */
  snapshot(region: string, id: string): { snapshot: SimClusterSnapshot; status: string } | undefined;
  /** Whether RDS of that region is down (an injected `unreachable` fault). */
  unreachable(region: string): boolean;
}

const FILTERS = ['db-cluster-id', 'db-cluster-snapshot-id', 'snapshot-type', 'engine'] as const;
type FilterName = (typeof FILTERS)[number];
const SNAPSHOT_TYPES = ['manual', 'automated', 'shared', 'public', 'awsbackup'];
const DEFAULT_MAX_RECORDS = 100;

const arnRegion = (arn: string): string | undefined => /^arn:aws:rds:([a-z0-9-]+):\d+:cluster-snapshot:/.exec(arn)?.[1];
const kmsRegion = (key: string): string | undefined => /^arn:aws:kms:([a-z0-9-]+):/.exec(key)?.[1];

/** The filters by name, their values lowercased (RDS compares identifiers without case); AWS's error for an unknown name or an empty list. */
function parseFilters(filters: Filter[] | undefined): Partial<Record<FilterName, string[]>> {
  const out: Partial<Record<FilterName, string[]>> = {};
  for (const f of filters ?? []) {
    if (!(FILTERS as readonly string[]).includes(f.Name ?? '')) throw awsError('rds', 'InvalidParameterValue', `Unrecognized filter name: ${f.Name}`);
    if (!f.Values?.length) throw awsError('rds', 'InvalidParameterValue', `The list of values of filter ${f.Name} must not be empty.`);
    const name = f.Name as FilterName;
    out[name] = [...(out[name] ?? []), ...f.Values.map((v) => v.toLowerCase())];
  }
  return out;
}

/** One page of a list: the marker is the opaque offset of the next record. */
function page<T>(items: T[], maxRecords: number | undefined, marker: string | undefined): { items: T[]; marker?: string } {
  const max = maxRecords ?? DEFAULT_MAX_RECORDS;
  if (!Number.isInteger(max) || max < 20 || max > 100) throw awsError('rds', 'InvalidParameterValue', `Invalid value ${maxRecords} for MaxRecords. Must be between 20 and 100`);
  let start = 0;
  if (marker !== undefined) {
    start = Number(Buffer.from(marker, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw awsError('rds', 'InvalidParameterValue', `Invalid Marker: ${marker}`);
  }
  const next = start + max;
  return { items: items.slice(start, next), ...(next < items.length ? { marker: Buffer.from(String(next)).toString('base64url') } : {}) };
}

export class RdsSnapshots {
  constructor(
    private readonly ctx: SimContext,
    private readonly store: RdsStore,
    private readonly restores: RdsRestores,
    private readonly region: string,
    private readonly peers?: SnapshotPeers,
  ) {}

  describe(i: DescribeDBClusterSnapshotsCommandInput): Out<DescribeDBClusterSnapshotsCommandOutput> {
    const filters = parseFilters(i.Filters);
    if (i.SnapshotType !== undefined && !SNAPSHOT_TYPES.includes(i.SnapshotType)) throw awsError('rds', 'InvalidParameterValue', `Unsupported snapshot type: ${i.SnapshotType}`);
    if (i.DBClusterSnapshotIdentifier && i.DBClusterIdentifier) {
      throw awsError('rds', 'InvalidParameterCombination', 'DBClusterIdentifier and DBClusterSnapshotIdentifier cannot be specified together.');
    }
    if (i.DBClusterSnapshotIdentifier) {
      // An automated snapshot is found by its identifier only with its type, as in AWS.
      const id = i.DBClusterSnapshotIdentifier;
      const s = id.toLowerCase().startsWith('rds:') && i.SnapshotType !== 'automated' ? undefined : this.restores.findSnapshot(id);
      if (!s) throw awsError('rds', 'DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`);
      return { DBClusterSnapshots: this.matching([this.describeOne(s)], filters) };
    }
    // Without a type the simulated RDS lists manual snapshots only (AWS adds the automated ones):
    // the control plane asks for automated ones by type, and its snapshot lists stay short.
    let types = i.SnapshotType ? [i.SnapshotType] : (filters['snapshot-type'] ?? ['manual']);
    if (filters['snapshot-type']) types = types.filter((t) => filters['snapshot-type']!.includes(t));
    this.store.sweep();
    const cluster = i.DBClusterIdentifier?.toLowerCase();
    const list: DBClusterSnapshot[] = [];
    if (types.includes('manual')) {
      list.push(...[...this.store.snapshots.values()].filter((s) => !cluster || s.clusterIdentifier === cluster || s.clusterArn === i.DBClusterIdentifier).map((s) => this.store.toSnapshot(s)));
    }
    if (types.includes('automated')) {
      const clusters = [...this.store.clusters.values()].filter((c) => !cluster || c.identifier === cluster || c.arn === i.DBClusterIdentifier);
      list.push(...clusters.flatMap((c) => this.restores.automatedSnapshots(c)));
    }
    const { items, marker } = page(this.matching(list, filters), i.MaxRecords, i.Marker);
    return { DBClusterSnapshots: items, ...(marker ? { Marker: marker } : {}) };
  }

  private describeOne(s: SimClusterSnapshot): DBClusterSnapshot {
    return this.store.snapshots.get(s.identifier) === s ? this.store.toSnapshot(s) : { ...this.store.toSnapshot(s), SnapshotType: 'automated' };
  }

  /** The snapshots every filter accepts: `db-cluster-id` takes cluster identifiers and ARNs, also of clusters in other regions (copies). */
  private matching(list: DBClusterSnapshot[], filters: Partial<Record<FilterName, string[]>>): DBClusterSnapshot[] {
    const arnOf = (s: DBClusterSnapshot) => (this.store.snapshots.get(s.DBClusterSnapshotIdentifier!)?.clusterArn ?? this.store.clusters.get(s.DBClusterIdentifier!)?.arn)?.toLowerCase();
    const test = (name: FilterName, values: (s: DBClusterSnapshot) => Array<string | undefined>) => (s: DBClusterSnapshot) =>
      !filters[name] || values(s).some((v) => v !== undefined && filters[name]!.includes(v.toLowerCase()));
    return list
      .filter(test('db-cluster-id', (s) => [s.DBClusterIdentifier, arnOf(s)]))
      .filter(test('db-cluster-snapshot-id', (s) => [s.DBClusterSnapshotIdentifier, s.DBClusterSnapshotArn]))
      .filter(test('snapshot-type', (s) => [s.SnapshotType]))
      .filter(test('engine', (s) => [s.Engine]));
  }

  /**
   * `PreSignedUrl` (which the SDK builds for a source ARN of another region) is accepted and not
   * read: AWS reads it in the GovCloud regions only. `SourceRegion` is not part of the API.
   */
  async copy(i: CopyDBClusterSnapshotCommandInput): Promise<Out<CopyDBClusterSnapshotCommandOutput>> {
    requireParams('rds', i, ['SourceDBClusterSnapshotIdentifier', 'TargetDBClusterSnapshotIdentifier']);
    const sourceId = i.SourceDBClusterSnapshotIdentifier!;
    const target = i.TargetDBClusterSnapshotIdentifier!;
    assertIdentifier('TargetDBClusterSnapshotIdentifier', target);
    const sourceRegion = sourceId.startsWith('arn:') ? arnRegion(sourceId) : this.region;
    if (!sourceRegion) throw awsError('rds', 'InvalidParameterValue', `Invalid snapshot ARN: ${sourceId}`);
    const crossRegion = sourceRegion !== this.region;
    if (this.store.snapshots.has(target.toLowerCase())) {
      throw awsError('rds', 'DBClusterSnapshotAlreadyExistsFault', `Cannot create the cluster snapshot because one with the identifier ${target} already exists.`);
    }
    if (crossRegion && this.peers?.unreachable(sourceRegion)) {
      // The copy is carried out by the source region (the presigned request runs there): while that
      // region's RDS does not answer, the call hangs and times out exactly like a call made to it.
      await this.ctx.clock.sleep('unreachableTimeout');
      throw awsError('rds', 'TimeoutError', `Connection to rds.${sourceRegion} timed out (injected: region unreachable)`, { $metadata: {} });
    }
    const found = crossRegion ? this.peers?.snapshot(sourceRegion, sourceId) : this.local(sourceId);
    if (!found) throw awsError('rds', 'DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${sourceId} not found.`);
    const { snapshot: source, status } = found;
    if (status !== 'available') throw awsError('rds', 'InvalidDBClusterSnapshotStateFault', `Snapshot ${source.identifier} is not in available state: ${status}.`);
    if (i.KmsKeyId && !source.storageEncrypted) throw awsError('rds', 'InvalidParameterCombination', 'You cannot specify a KMS key when copying an unencrypted DB cluster snapshot.');
    // AWS's answer to a cross-region copy of encrypted data without a key of the target region
    // (as for CopyDBSnapshot): KMS keys are regional, the source's cannot encrypt the copy.
    if (crossRegion && source.storageEncrypted && !i.KmsKeyId) throw awsError('rds', 'InvalidParameterValue', 'Must specify new KMS key for cross region encrypted snapshot copy.');
    const keyRegion = i.KmsKeyId ? kmsRegion(i.KmsKeyId) : undefined;
    if (keyRegion && keyRegion !== this.region) throw awsError('rds', 'KMSKeyNotAccessibleFault', `The specified KMS key [${i.KmsKeyId}] does not exist, is not enabled or you do not have permissions to access it.`);

    const identifier = target.toLowerCase();
    const copy: SimClusterSnapshot = {
      identifier,
      arn: this.store.arn('cluster-snapshot', identifier),
      clusterIdentifier: source.clusterIdentifier,
      ...(source.clusterArn ? { clusterArn: source.clusterArn } : {}),
      engine: source.engine,
      engineVersion: source.engineVersion,
      storageEncrypted: source.storageEncrypted,
      kmsKeyId: i.KmsKeyId ?? source.kmsKeyId,
      // The source's tags first (CopyTags), the request's over them.
      tags: { ...(i.CopyTags ? source.tags : {}), ...tagsFromList(i.Tags) },
      createdAt: new Date(source.createdAt.getTime()),
      availableAt: this.ctx.clock.after(crossRegion ? 'clusterSnapshotCopy' : 'clusterSnapshotCreate'),
      sourceArn: source.arn,
      masterUsername: source.masterUsername,
      ...(source.databaseName ? { databaseName: source.databaseName } : {}),
      databases: copyDatabases(source.databases),
    };
    this.store.snapshots.set(identifier, copy);
    return { DBClusterSnapshot: this.store.toSnapshot(copy) };
  }

  /** A snapshot of this region with its status, for a copy made in this region or in another. */
  local(id: string): { snapshot: SimClusterSnapshot; status: string } | undefined {
    const snapshot = this.restores.findSnapshot(id);
    return snapshot && { snapshot, status: this.store.snapshotStatus(snapshot) };
  }
}
