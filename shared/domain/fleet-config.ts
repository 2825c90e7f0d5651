/**
 * The data plane the control plane places tenants on. It is not created by the control plane
 * (EKS clusters, cell Aurora clusters and buckets have their own lifecycle); the CDK app passes it
 * to every function inside its bundle (esbuild `define` of `__FLEET_CONFIG__`: a Lambda's
 * environment holds 4 KB in all, which a fleet of a few cells outgrows), and the local control
 * plane seeds its simulated cloud with it. `FLEET_CONFIG` in the environment is the fallback for
 * unbundled runs (tests, scripts).
 */
import * as z from 'zod/mini';
import { freezePeriodSchema } from './freeze-calendar.ts';

export const cellConfigSchema = z.object({
  id: z.string().check(z.regex(/^[a-z][a-z0-9-]{1,30}$/)),
  region: z.string(),
  /** EKS cluster whose node pool (label `odoo.fleet/cell=<id>`) runs the cell's tenants. */
  eksCluster: z.string(),
  /** Shared Aurora PostgreSQL cluster of the cell. */
  auroraClusterIdentifier: z.string(),
  auroraClusterArn: z.string(),
  /** Secrets Manager secret of the cluster's master user, used through the RDS Data API. */
  masterSecretArn: z.string(),
  /** Writer endpoint of the cell cluster; read from RDS when absent. */
  endpoint: z.optional(z.string()),
  /** The cell's versioned filestore bucket; each tenant gets a prefix. */
  bucket: z.string(),
  /** Maximum number of tenants the cell takes. */
  capacity: z.number().check(z.int(), z.positive()),
  /** Criticalities the cell accepts (critical tenants are never pooled). */
  accepts: z._default(z.array(z.enum(['low', 'standard'])), ['low', 'standard']),
  /**
   * Where a restore of the cell's cluster in its home region goes (a failback of a backup-restore
   * cell): DB subnet group, security groups and KMS key. The dedicated network and the region's
   * `aws/rds` key when absent.
   */
  dbSubnetGroupName: z.optional(z.string()),
  vpcSecurityGroupIds: z.optional(z.array(z.string()).check(z.minLength(1))),
  kmsKeyId: z.optional(z.string()),
  /**
   * The cell in the fleet's DR region: the EKS cluster whose node pool takes the cell's tenants
   * there, the master secret's replica, the replica of the filestore bucket, and the cluster that
   * serves the cell there. With `globalClusterIdentifier` that cluster is the secondary of the
   * cell's Aurora global database (headless until a failover adds its writer instance: pilot
   * light); without it the cell is backup-restore: snapshot copies are kept in the DR region and a
   * failover restores the cluster from the newest one, under `auroraClusterIdentifier`, into
   * `dbSubnetGroupName`/`vpcSecurityGroupIds` (the dedicated DR network when absent), encrypted
   * with `kmsKeyId` (the region's `aws/rds` key when absent). A cell without `dr` cannot fail over.
   */
  dr: z.optional(
    z.object({
      globalClusterIdentifier: z.optional(z.string()),
      auroraClusterIdentifier: z.string(),
      auroraClusterArn: z.string(),
      masterSecretArn: z.string(),
      eksCluster: z.string(),
      bucket: z.string(),
      dbSubnetGroupName: z.optional(z.string()),
      vpcSecurityGroupIds: z.optional(z.array(z.string()).check(z.minLength(1))),
      kmsKeyId: z.optional(z.string()),
    }),
  ),
});
export type CellConfig = z.infer<typeof cellConfigSchema>;

export const eksClusterConfigSchema = z.object({
  name: z.string(),
  region: z.string(),
  /** Node role for tenant node groups. */
  nodeRoleArn: z.string(),
  subnetIds: z.array(z.string()).check(z.minLength(1)),
  /** DNS name of the cluster's Traefik load balancer; tenant host names are aliased to it. */
  ingressHostname: z.string(),
});
export type EksClusterConfig = z.infer<typeof eksClusterConfigSchema>;

/** Fleet-wide release policy. Every field has a default, so a configuration written before releases still parses. */
export const releasePolicySchema = z.object({
  /** Freezes of the whole fleet (a peak season, a year end); only rollbacks and emergencies go through. */
  freezes: z._default(z.array(freezePeriodSchema), []),
  /** Pre-flight refuses a tenant whose newest backup is older than this. */
  backupMaxAgeHours: z._default(z.number().check(z.positive()), 26),
  /** No verdict may extend a tenant's bake beyond this many seconds after its cut-over. */
  maxBakeSeconds: z._default(z.number().check(z.int(), z.positive()), 3600),
});
export type ReleasePolicy = z.infer<typeof releasePolicySchema>;

export const DEFAULT_RELEASE_POLICY: ReleasePolicy = { freezes: [], backupMaxAgeHours: 26, maxBakeSeconds: 3600 };

/**
 * Restore drills. The schedules only wake the selector; who is due is decided by the cadence, and
 * how many at once by the caps, so a missed or late run is caught up by the next one.
 */
export const drillPolicySchema = z.object({
  /** Days after a tenant's last successful drill before it is due again, by criticality. */
  cadenceDays: z._default(z.object({ critical: z.number().check(z.positive()), standard: z.number().check(z.positive()), low: z.number().check(z.positive()) }), {
    critical: 7,
    standard: 30,
    low: 90,
  }),
  /** EventBridge Scheduler expressions of the selector, by criticality (UTC). */
  schedules: z._default(z.object({ critical: z.string(), standard: z.string(), low: z.string() }), {
    critical: 'cron(0 2 * * ? *)',
    standard: 'cron(0 3 * * ? *)',
    low: 'cron(0 4 * * ? *)',
  }),
  /** Minutes EventBridge Scheduler may shift a run by, to spread the fleet's load. */
  flexibleWindowMinutes: z._default(z.number().check(z.int(), z.nonnegative()), 60),
  /** Tenants one run drills at most (the cost cap); the rest are due at the next run. */
  maxPerRun: z._default(z.number().check(z.int(), z.positive()), 20),
  /** Drills of one run restoring at the same time. */
  maxConcurrent: z._default(z.number().check(z.int(), z.positive()), 5),
  /** Drill subnet group: subnets with no route to production. */
  dbSubnetGroupName: z._default(z.string(), 'odoo-drills'),
  /** Security groups of drill clusters: no ingress at all (validation goes through the Data API). */
  vpcSecurityGroupIds: z._default(z.array(z.string()).check(z.minLength(1)), ['sg-0e00000000000e001']),
  instanceClass: z._default(z.string(), 'db.r6g.large'),
  /** A drill resource still there this long after its drill began is a leftover the sweeper removes. */
  ttlHours: z._default(z.number().check(z.positive()), 12),
  /** How long a restore may take before the drill gives up (and tears down). */
  restoreTimeoutMinutes: z._default(z.number().check(z.int(), z.positive()), 240),
  /**
   * A latest restorable time further behind the drill's start than this means continuous backup has
   * stalled: the drill fails its restore-point check, whatever the restore then shows.
   */
  maxRestorePointAgeMinutes: z._default(z.number().check(z.positive()), 60),
  /** Attachments whose filestore object is checked, newest first. */
  attachmentSample: z._default(z.number().check(z.int(), z.positive()), 20),
});
export type DrillPolicy = z.infer<typeof drillPolicySchema>;

export const DEFAULT_DRILL_POLICY: DrillPolicy = drillPolicySchema.parse({});

/** Failovers: how many units move at once, and the time boxes of calls into the region being left. */
export const failoverPolicySchema = z.object({
  /** Units (a cell, or a dedicated tenant) failing over at the same time. */
  maxConcurrent: z._default(z.number().check(z.int(), z.positive()), 10),
  /** Longest any optional call into the old region may take (fencing, final reads) before it is given up. */
  oldRegionTimeoutSeconds: z._default(z.number().check(z.int(), z.positive()), 30),
  /** How long a planned switchover waits for the replication lag to reach zero. */
  drainTimeoutSeconds: z._default(z.number().check(z.int(), z.positive()), 300),
  /** Instance class of the writer a failover adds to a cell's headless secondary. */
  cellWriterInstanceClass: z._default(z.string(), 'db.r6g.large'),
  /**
   * What the readiness report expects each part of a failover to take, to say whether a tenant
   * would meet its RTO: promoting the global database, restoring a backup-restore cell's cluster
   * from its snapshot copy (writer included), adding a headless secondary's writer,
   * creating a dedicated tenant's node group, the pods becoming ready, DNS caches expiring.
   */
  expectedSeconds: z._default(
    z.object({
      promote: z.number().check(z.nonnegative()),
      restore: z._default(z.number().check(z.nonnegative()), 2_400),
      writerInstance: z.number().check(z.nonnegative()),
      nodeGroup: z.number().check(z.nonnegative()),
      pods: z.number().check(z.nonnegative()),
      dns: z.number().check(z.nonnegative()),
    }),
    { promote: 120, restore: 2_400, writerInstance: 600, nodeGroup: 300, pods: 120, dns: 60 },
  ),
  /** EventBridge Scheduler expression of the readiness report. */
  readinessSchedule: z._default(z.string(), 'rate(15 minutes)'),
  /**
   * Snapshot copies of backup-restore cells (cells whose `dr` has no global database): the
   * schedule of the job that keeps them, how old the newest may get before a new snapshot is
   * taken and copied, and how many copies are kept in the region a failover would restore in.
   */
  snapshotCopies: z._default(
    z.object({
      schedule: z._default(z.string(), 'rate(1 hour)'),
      everySeconds: z._default(z.number().check(z.int(), z.positive()), 21_600),
      keep: z._default(z.number().check(z.int(), z.positive()), 4),
    }),
    { schedule: 'rate(1 hour)', everySeconds: 21_600, keep: 4 },
  ),
});
export type FailoverPolicy = z.infer<typeof failoverPolicySchema>;
export const DEFAULT_FAILOVER_POLICY: FailoverPolicy = failoverPolicySchema.parse({});

export const fleetConfigSchema = z.object({
  accountId: z.string(),
  primaryRegion: z.string(),
  drRegion: z.string(),
  /** Tenants get `<tenantId>.<baseDomain>` unless they ask for a host name. */
  baseDomain: z.string(),
  hostedZoneId: z.string(),
  /** Prefix of every resource name the control plane makes, e.g. `odoo`. */
  namePrefix: z._default(z.string(), 'odoo'),
  eksClusters: z.array(eksClusterConfigSchema).check(z.minLength(1)),
  cells: z.array(cellConfigSchema).check(z.minLength(1)),
  dedicated: z.object({
    /** EKS cluster that hosts dedicated node groups in each region. */
    eksCluster: z.string(),
    dbSubnetGroupName: z.string(),
    vpcSecurityGroupIds: z.array(z.string()).check(z.minLength(1)),
    /** KMS key for dedicated clusters and buckets; the AWS-managed key when absent. */
    kmsKeyId: z.optional(z.string()),
    /** EKS cluster of the DR region that takes dedicated tenants on failover; the first one listed in that region when absent. */
    drEksCluster: z.optional(z.string()),
    /** DB subnet group and security groups of the DR region's secondaries; the primary's names when absent. */
    drDbSubnetGroupName: z.optional(z.string()),
    drVpcSecurityGroupIds: z.optional(z.array(z.string()).check(z.minLength(1))),
  }),
  /** Bucket receiving offboarding exports and final dumps. */
  archiveBucket: z.string(),
  /** Pod Identity roles are created under this path with this permissions boundary. */
  tenantRolePath: z._default(z.string(), '/odoo-tenants/'),
  tenantRoleBoundaryArn: z.optional(z.string()),
  defaultOdooImage: z._default(z.string(), 'odoo:17.0'),
  /** Seconds offboarding keeps the tenant scaled to zero before deleting; 0 deletes at once. */
  offboardGraceSeconds: z._default(z.number().check(z.int(), z.nonnegative()), 0),
  release: z._default(releasePolicySchema, DEFAULT_RELEASE_POLICY),
  drills: z._default(drillPolicySchema, DEFAULT_DRILL_POLICY),
  failover: z._default(failoverPolicySchema, DEFAULT_FAILOVER_POLICY),
});
export type FleetConfig = z.infer<typeof fleetConfigSchema>;

let cached: FleetConfig | undefined;

/** The configuration compiled into a Lambda bundle; undeclared (so `typeof` is 'undefined') anywhere else. */
declare const __FLEET_CONFIG__: string | undefined;

/** Reads and validates the fleet configuration once per process: the bundle's, else `FLEET_CONFIG`. */
export function fleetConfig(): FleetConfig {
  if (!cached) {
    const raw = typeof __FLEET_CONFIG__ === 'string' ? __FLEET_CONFIG__ : process.env.FLEET_CONFIG;
    if (!raw) throw new Error('FLEET_CONFIG is not set (and no configuration was bundled)');
    cached = fleetConfigSchema.parse(JSON.parse(raw));
  }
  return cached;
}

/** For tests and the local control plane, which set the configuration in-process. */
export function setFleetConfig(config: FleetConfig | undefined): void {
  cached = config ? fleetConfigSchema.parse(config) : undefined;
  if (config) process.env.FLEET_CONFIG = JSON.stringify(cached);
}
