/**
 * Least privilege for workflow functions: each handler module declares the cloud capabilities it
 * uses, and each capability grants only the actions it needs on resources named the way
 * `shared/domain/names.ts` names them (prefix `odoo`) or listed in the fleet configuration.
 * Capabilities on resources of the stack itself (the evidence bucket and its key) are granted by
 * `grantStackResources`, which holds the constructs rather than name patterns.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { FAILOVER_METRIC_NAMESPACE } from '#shared/cloud/failover-evidence.ts';
import { DRILL_METRIC_NAMESPACE, DRILL_TAG } from '#shared/domain/drill-names.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { VERDICT_MACHINE_NAME } from '#shared/domain/release-names.ts';

export type Capability =
  | 'records'
  | 'rds'
  | 'rdsData'
  | 'secrets'
  | 's3'
  | 'eks'
  | 'podIdentity'
  | 'route53'
  | 'kubernetes'
  /** Pre-change snapshots of dedicated clusters: create, tag, delete; describe clusters for backup freshness. */
  | 'rdsSnapshot'
  /** Restore a dedicated cluster from a snapshot or to a point in time (rollbacks, rehearsal copies), swap and delete clusters. */
  | 'rdsRestore'
  /** SQL on a tenant's own database: cell clusters and dedicated clusters, with their master secrets. */
  | 'tenantRdsData'
  /** Read and update a tenant's secrets (its database endpoint after a restore, its admin login for checks). */
  | 'tenantSecret'
  /** A tenant's CloudWatch metrics and alarms (the bake verdict). */
  | 'tenantMetrics'
  /** Release events on the default event bus. */
  | 'events'
  /** Describe the tenants' bake-and-verdict executions (the wave's end finds one that ended without settling its tenant). */
  | 'verdictExecutions'
  /** Describe the fleet's clusters: a drill's source and its latest restorable time. */
  | 'rdsDescribe'
  /** Restore a tenant's or cell's cluster to a point in time into a tagged `<prefix>-drill-*` cluster, with its instance and Data API. */
  | 'drillRestore'
  /** Delete drill clusters and instances, only those tagged `odoo:drill` (teardown and the sweeper). */
  | 'drillTeardown'
  /** Find drill leftovers: list every cluster of the region with its tags. */
  | 'drillSweep'
  /** SQL on drill clusters only, their RDS-managed master secrets, and the filestore versions of the tenants' buckets. */
  | 'drillData'
  /** Write drill reports, locked, into the evidence bucket (granted by `grantStackResources`). */
  | 'evidence'
  /** Publish drill figures to the `Odoo/Drills` CloudWatch namespace only. */
  | 'drillMetrics'
  /**
   * Read both regions' side of a failover unit: the fleet's clusters, their replicated snapshots and
   * their Aurora global databases.
   */
  | 'failoverDescribe'
  /**
   * Promote a unit's secondary: switch over or fail over its global database, and give a headless
   * secondary its writer instance (tagged), in either region.
   */
  | 'failoverPromote'
  /** SQL (heartbeats) on tenant and cell clusters of both regions, with the secrets the Data API uses. */
  | 'failoverData'
  /** Read a tenant's own secrets (its admin login) in both regions. */
  | 'failoverTenantSecret'
  /** Read metrics (the global database's replication lag); GetMetricData has no resource-level permissions. */
  | 'failoverLag'
  /** Publish failover figures to the `Odoo/Failover` CloudWatch namespace only. */
  | 'failoverMetrics'
  /** Failover events on the default event bus of either region (the one activated publishes). */
  | 'failoverEvents'
  /** Write failover reports into the evidence bucket (granted by `grantStackResources`). */
  | 'failoverEvidence'
  /** Whether the fleet's EKS clusters, in both regions, exist and are ACTIVE. */
  | 'eksDescribe'
  /**
   * What a failover would draw on in the region it activates: the vCPU and node group quotas
   * (Service Quotas, read-only), the node groups of the fleet's EKS clusters. The vCPU usage metric is
   * read with GetMetricData (`failoverLag`).
   */
  | 'drCapacity'
  /** Which rule replicates a tenant's or cell's bucket (its `ReplicationLatency` is read with GetMetricData). */
  | 'filestoreReplication'
  /** Backup-restore cells: snapshot the fenced primary, copy it across, restore it with its writer and Data API. */
  | 'failoverRestore'
  /**
   * What a failover left in the region it left: snapshot, detach, delete, recreate as a secondary;
   * and a dedicated tenant's DR copy made again after a release rollback (the scheduled readiness run).
   */
  | 'oldPrimaries';

/** Failover steps call both regions: the one being left (time-boxed) and the one being activated. */
const fleetRegions = (config: FleetConfig): string[] => [...new Set([config.primaryRegion, config.drRegion])];

const RELEASE_EVENTS: Capability[] = ['events'];


/** What each workflow handler module touches. A module missing here gets only its table access. */
export const HANDLER_CAPABILITIES: Record<string, Capability[]> = {
  'functions/provision/validate-request.ts': [],
  'functions/common/acquire-lease.ts': [],
  'functions/provision/ensure-database.ts': ['rds', 'rdsData', 'secrets'],
  'functions/provision/ensure-filestore.ts': ['s3'],
  'functions/provision/ensure-compute.ts': ['eks', 'podIdentity'],
  'functions/provision/apply-kubernetes.ts': ['kubernetes', 'secrets'],
  'functions/provision/ensure-dns.ts': ['route53'],
  'functions/provision/ensure-odoo-init.ts': ['kubernetes'],
  'functions/provision/check-health.ts': ['secrets'],
  'functions/provision/activate-tenant.ts': [],
  'functions/provision/mark-failed.ts': [],
  'functions/common/record-operation-failed.ts': [],
  'functions/common/remove-tenant-resources.ts': ['rds', 'rdsData', 'secrets', 's3', 'eks', 'podIdentity', 'route53', 'kubernetes'],
  'functions/offboard/validate-request.ts': [],
  'functions/offboard/scale-to-zero.ts': ['kubernetes', 'eks'],
  'functions/offboard/take-final-backup.ts': ['rds', 'kubernetes'],
  'functions/offboard/export-filestore.ts': ['s3'],
  'functions/offboard/mark-deleted.ts': [],
  'functions/offboard/mark-failed.ts': [],
  // Release, parent and batch: records, and the status events they publish.
  'functions/release/validate-release.ts': RELEASE_EVENTS,
  'functions/release/evaluate-rehearsals.ts': RELEASE_EVENTS,
  'functions/release/await-approval.ts': RELEASE_EVENTS,
  'functions/release/start-wave.ts': RELEASE_EVENTS,
  'functions/release/load-batch.ts': [],
  'functions/release/await-verdicts.ts': [...RELEASE_EVENTS, 'verdictExecutions'],
  'functions/release/end-wave.ts': RELEASE_EVENTS,
  'functions/release/finish-release.ts': RELEASE_EVENTS,
  'functions/release/fail-release.ts': RELEASE_EVENTS,
  'functions/release/gate-tenant.ts': RELEASE_EVENTS,
  'functions/release/record-tenant-crash.ts': RELEASE_EVENTS,
  // One tenant's upgrade.
  'functions/release/tenant/preflight.ts': ['rdsSnapshot', 'events'],
  'functions/release/tenant/skip-tenant.ts': ['rdsSnapshot', 'events'],
  'functions/release/tenant/enter-maintenance.ts': ['kubernetes', 'events'],
  'functions/release/tenant/take-pre-change-copy.ts': ['rdsSnapshot', 'tenantRdsData', 'events'],
  'functions/release/tenant/run-upgrade-job.ts': ['kubernetes', 'events'],
  'functions/release/tenant/roll-to-new-image.ts': ['kubernetes', 'tenantSecret', 'events'],
  'functions/release/tenant/judge-bake.ts': ['tenantMetrics', 'tenantSecret', 'events'],
  'functions/release/tenant/complete-tenant.ts': ['tenantRdsData', 'kubernetes', 'events'],
  'functions/release/tenant/await-decision.ts': ['events'],
  'functions/release/tenant/plan-rollback.ts': ['tenantRdsData', 'events'],
  'functions/release/tenant/restore-database.ts': ['rdsRestore', 'tenantRdsData', 'tenantSecret', 'kubernetes', 'events'],
  'functions/release/tenant/revert-image.ts': ['kubernetes', 'tenantSecret', 'events'],
  'functions/release/tenant/mark-rolled-back.ts': ['tenantRdsData', 'kubernetes', 'events'],
  'functions/release/tenant/mark-rollback-failed.ts': ['kubernetes', 'events'],
  // Rehearsal on an isolated, neutralized copy.
  'functions/release/rehearsal/prepare-rehearsal-copy.ts': ['rdsRestore', 'tenantRdsData', 'tenantSecret', 'kubernetes', 'events'],
  'functions/release/rehearsal/neutralize-copy.ts': ['tenantRdsData', 'kubernetes'],
  'functions/release/rehearsal/run-rehearsal-upgrade.ts': ['kubernetes'],
  'functions/release/rehearsal/check-rehearsal.ts': ['tenantRdsData', 'kubernetes'],
  'functions/release/rehearsal/tear-down-rehearsal.ts': ['rdsRestore', 'tenantRdsData', 'kubernetes'],
  'functions/release/rehearsal/record-rehearsal.ts': RELEASE_EVENTS,
  // Restore drills: the scheduled run, one tenant's drill, and the schedules' own functions.
  'functions/drill/select-due-drills.ts': [],
  'functions/drill/summarize-drill-run.ts': [],
  'functions/drill/begin-drill.ts': ['rdsDescribe'],
  'functions/drill/restore-drill-target.ts': ['drillRestore'],
  'functions/drill/validate-drill.ts': ['drillData'],
  'functions/drill/tear-down-drill.ts': ['drillTeardown'],
  'functions/drill/record-drill.ts': ['evidence', 'drillMetrics', 'events'],
  'functions/drill/write-heartbeats.ts': ['tenantRdsData'],
  'functions/drill/sweep-drill-leftovers.ts': ['drillTeardown', 'drillSweep'],
  // Failover: the parent (plan, readiness, approval, end) and each unit's steps. Records only where empty.
  'functions/failover/begin-failover.ts': [],
  'functions/failover/check-failover-readiness.ts': ['failoverDescribe', 'failoverLag', 'eksDescribe', 'drCapacity', 'filestoreReplication'],
  'functions/failover/await-failover-approval.ts': [],
  'functions/failover/fence-old-primary.ts': ['kubernetes'],
  'functions/failover/promote-database.ts': ['failoverDescribe', 'failoverPromote', 'failoverRestore', 'failoverLag', 'failoverData'],
  'functions/failover/scale-dr-compute.ts': ['failoverDescribe', 'eks', 'podIdentity', 'kubernetes'],
  'functions/failover/switch-dns.ts': ['route53'],
  'functions/failover/verify-failover.ts': ['failoverData', 'failoverTenantSecret'],
  'functions/failover/record-unit.ts': ['eks'],
  'functions/failover/record-unit-failed.ts': ['failoverDescribe', 'kubernetes'],
  'functions/failover/finish-failover.ts': ['failoverEvidence', 'failoverMetrics', 'failoverEvents'],
  // The scheduled readiness report (infra/constructs/failover-readiness.ts); its table access is its own.
  'functions/failover/report-readiness.ts': ['failoverDescribe', 'failoverLag', 'failoverMetrics', 'eksDescribe', 'drCapacity', 'filestoreReplication', 'oldPrimaries', 'failoverData', 'failoverEvidence'],
  // The scheduled snapshot copies of backup-restore cells: all its grants are its own (infra/constructs/snapshot-copies.ts).
  'functions/failover/copy-cell-snapshots.ts': [],
};

export function grantCloudAccess(fn: lambda.Function, entry: string, config: FleetConfig, account: string, region: string): void {
  const p = config.namePrefix;
  const arn = (service: string, resource: string, r = region) => `arn:aws:${service}:${r}:${account}:${resource}`;
  const add = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources, conditions }));
  const rdsResources = [arn('rds', `cluster:${p}-*`), arn('rds', `db:${p}-*`), arn('rds', `cluster-snapshot:${p}-*`)];
  let rdsDescribed = false;
  // Every Describe names its cluster, instance or snapshot, so IAM checks that one ARN:
  // dedicated tenants' own, and the cell clusters whose endpoints pooled tenants connect to.
  const describeRds = () => {
    if (rdsDescribed) return;
    rdsDescribed = true;
    add(['rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribeDBClusterSnapshots'], [...rdsResources, ...config.cells.map((c) => c.auroraClusterArn)]);
  };
  // What RDS authorizes when it creates a cluster or instance: the groups it attaches.
  const rdsAttachments = [arn('rds', `subgrp:${config.dedicated.dbSubnetGroupName}`), arn('rds', 'secgrp:*'), arn('rds', 'cluster-pg:*'), arn('rds', 'pg:*'), arn('rds', 'og:*')];
  // ManageMasterUserPassword: RDS creates the master secret on the caller's behalf.
  const rdsMasterSecret = () => add(['secretsmanager:CreateSecret', 'secretsmanager:TagResource'], [arn('secretsmanager', 'secret:rds!*')]);
  // Drill clusters and instances: `<prefix>-drill-<tenant>-<short id>` (shared/domain/drill-names.ts).
  const drillCluster = arn('rds', `cluster:${p}-drill-*`);
  const drillInstance = arn('rds', `db:${p}-drill-*`);
  // A drill restores only into its own subnet group, which has no route to production.
  const drillAttachments = [arn('rds', `subgrp:${config.drills.dbSubnetGroupName}`), arn('rds', 'secgrp:*'), arn('rds', 'cluster-pg:*'), arn('rds', 'pg:*'), arn('rds', 'og:*')];
  // What a drill may restore from: the cells' clusters and the dedicated tenants' clusters.
  const drillSources = [arn('rds', `cluster:${p}-*`), ...config.cells.map((c) => c.auroraClusterArn)];
  const drillTagged = { Null: { [`aws:ResourceTag/${DRILL_TAG}`]: 'false' } };
  // Failover: the same names in both regions, and the cells' clusters on either side.
  const regions = fleetRegions(config);
  const inBoth = (service: string, resource: string) => regions.map((r) => arn(service, resource, r));
  const cellClusters = config.cells.flatMap((c) => [c.auroraClusterArn, ...(c.dr ? [c.dr.auroraClusterArn] : [])]);
  const fleetClusters = [...inBoth('rds', `cluster:${p}-*`), ...cellClusters];
  // Global clusters have no region in their ARN; a cell's may be named outside the prefix.
  const globalClusters = [`arn:aws:rds::${account}:global-cluster:${p}-*`, ...config.cells.flatMap((c) => (c.dr?.globalClusterIdentifier ? [`arn:aws:rds::${account}:global-cluster:${c.dr.globalClusterIdentifier}`] : []))];
  // Backup-restore cells (a `dr` without a global database): their clusters on either side, the
  // snapshots taken and copied of them (named after the cluster), and where a restore goes.
  const restoreCells = config.cells.filter((c) => c.dr && !c.dr.globalClusterIdentifier);
  const restoreClusterIds = [...new Set(restoreCells.flatMap((c) => [c.auroraClusterIdentifier, c.dr!.auroraClusterIdentifier]))];
  const restoreClusters = [...new Set(restoreCells.flatMap((c) => [c.auroraClusterArn, c.dr!.auroraClusterArn, ...inBoth('rds', `cluster:${c.auroraClusterIdentifier}`), ...inBoth('rds', `cluster:${c.dr!.auroraClusterIdentifier}`)]))];
  const restoreSnapshots = restoreClusterIds.flatMap((id) => inBoth('rds', `cluster-snapshot:${id}-*`));
  const restoreInstances = restoreClusterIds.flatMap((id) => inBoth('rds', `db:${id}-*`));
  const restoreNetwork = [
    ...new Set(
      restoreCells.flatMap((c) => [
        arn('rds', `subgrp:${c.dbSubnetGroupName ?? config.dedicated.dbSubnetGroupName}`, c.region),
        ...regions.filter((r) => r !== c.region).map((r) => arn('rds', `subgrp:${c.dr!.dbSubnetGroupName ?? config.dedicated.drDbSubnetGroupName ?? config.dedicated.dbSubnetGroupName}`, r)),
      ]),
    ),
    ...inBoth('rds', 'secgrp:*'),
    ...inBoth('rds', 'cluster-pg:*'),
    ...inBoth('rds', 'pg:*'),
    ...inBoth('rds', 'og:*'),
  ];
  // Restoring or copying an encrypted snapshot: the keys are the data plane's, used through RDS only.
  const rdsKeysViaRds = () =>
    add(['kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncrypt*'], inBoth('kms', 'key/*'), { StringEquals: { 'kms:ViaService': regions.map((r) => `rds.${r}.amazonaws.com`) } });

  for (const capability of HANDLER_CAPABILITIES[entry] ?? []) {
    switch (capability) {
      case 'rds':
        add(
          ['rds:CreateDBCluster', 'rds:CreateDBInstance', 'rds:DeleteDBCluster', 'rds:DeleteDBInstance', 'rds:ModifyDBCluster', 'rds:EnableHttpEndpoint', 'rds:CreateDBClusterSnapshot', 'rds:AddTagsToResource'],
          [...rdsResources, ...rdsAttachments],
        );
        describeRds();
        rdsMasterSecret();
        break;
      case 'rdsSnapshot':
        add(['rds:CreateDBClusterSnapshot', 'rds:DeleteDBClusterSnapshot', 'rds:AddTagsToResource'], [arn('rds', `cluster:${p}-*`), arn('rds', `cluster-snapshot:${p}-*`)]);
        describeRds();
        break;
      case 'rdsRestore':
        add(
          [
            'rds:RestoreDBClusterFromSnapshot',
            'rds:RestoreDBClusterToPointInTime',
            'rds:CreateDBInstance',
            'rds:ModifyDBCluster',
            // A restored cluster's Data API (heartbeats) is turned on once it is available.
            'rds:EnableHttpEndpoint',
            'rds:DeleteDBCluster',
            'rds:DeleteDBInstance',
            'rds:AddTagsToResource',
          ],
          [...rdsResources, ...rdsAttachments],
        );
        describeRds();
        rdsMasterSecret();
        break;
      case 'tenantRdsData':
        add(['rds-data:ExecuteStatement'], [arn('rds', `cluster:${p}-*`), ...config.cells.map((c) => c.auroraClusterArn)]);
        add(['secretsmanager:GetSecretValue'], config.cells.map((c) => c.masterSecretArn));
        // A dedicated cluster's master secret is RDS's own (`rds!cluster-...`): only those RDS tagged
        // as belonging to one of the fleet's clusters.
        add(['secretsmanager:GetSecretValue'], [arn('secretsmanager', 'secret:rds!*')], {
          StringLike: { 'secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn': arn('rds', `cluster:${p}-*`) },
        });
        break;
      case 'tenantSecret':
        add(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'], [arn('secretsmanager', `secret:${p}/*`)]);
        break;
      case 'tenantMetrics':
        add(['cloudwatch:GetMetricData'], ['*']);
        add(['cloudwatch:DescribeAlarms'], [arn('cloudwatch', `alarm:${p}-*`)]);
        break;
      case 'events':
        add(['events:PutEvents'], [arn('events', 'event-bus/default')]);
        break;
      case 'verdictExecutions':
        add(['states:DescribeExecution'], [arn('states', `execution:${VERDICT_MACHINE_NAME}:*`)]);
        break;
      case 'rdsDescribe':
        describeRds();
        break;
      case 'drillRestore':
        // The restore names its source and its new cluster; it must carry the drill tag, which is
        // how teardown and the sweeper may later delete what it made.
        add(['rds:RestoreDBClusterToPointInTime'], [...drillSources, drillCluster, ...drillAttachments], { Null: { [`aws:RequestTag/${DRILL_TAG}`]: 'false' } });
        add(['rds:CreateDBInstance'], [drillCluster, drillInstance, ...drillAttachments], { Null: { [`aws:RequestTag/${DRILL_TAG}`]: 'false' } });
        add(['rds:AddTagsToResource', 'rds:ModifyDBCluster', 'rds:EnableHttpEndpoint'], [drillCluster, drillInstance]);
        describeRds();
        // ManageMasterUserPassword on the restored cluster: RDS creates its `rds!cluster-...` secret.
        add(['secretsmanager:CreateSecret', 'secretsmanager:TagResource'], [arn('secretsmanager', 'secret:rds!cluster-*')]);
        // The source's storage key and the master secret's key, used by RDS and Secrets Manager on the
        // drill's behalf only: the keys belong to the data plane and are not in the configuration.
        add(['kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey'], [arn('kms', 'key/*')], {
          StringEquals: { 'kms:ViaService': [`rds.${region}.amazonaws.com`, `secretsmanager.${region}.amazonaws.com`] },
        });
        break;
      case 'drillTeardown':
        // Deletion protection off first, when a restore left it on; then delete, only what is tagged a drill.
        add(['rds:ModifyDBCluster'], [drillCluster]);
        add(['rds:DeleteDBInstance'], [drillInstance], drillTagged);
        add(['rds:DeleteDBCluster'], [drillCluster], drillTagged);
        describeRds();
        break;
      case 'drillSweep':
        // A leftover is found by its tags, whatever its name: a listing names no cluster.
        add(['rds:DescribeDBClusters'], [arn('rds', 'cluster:*')]);
        break;
      case 'drillData':
        add(['rds-data:ExecuteStatement'], [drillCluster]);
        add(['secretsmanager:GetSecretValue'], [arn('secretsmanager', 'secret:rds!cluster-*')], {
          StringLike: { 'secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn': drillCluster },
        });
        add(['s3:ListBucketVersions'], [`arn:aws:s3:::${p}-*`, ...config.cells.map((c) => `arn:aws:s3:::${c.bucket}`)]);
        break;
      case 'drillMetrics':
        add(['cloudwatch:PutMetricData'], ['*'], { StringEquals: { 'cloudwatch:namespace': DRILL_METRIC_NAMESPACE } });
        break;
      case 'evidence':
      case 'failoverEvidence':
        // Granted by grantStackResources, on the bucket and key constructs.
        break;
      case 'failoverDescribe':
        add(['rds:DescribeDBClusters'], fleetClusters);
        add(['rds:DescribeGlobalClusters'], globalClusters);
        // Replicated backups are found with a `db-cluster-id` filter: the call names no snapshot, and
        // backups copied to the other region keep no fleet name, so it is allowed on every snapshot.
        add(['rds:DescribeDBClusterSnapshots'], [...inBoth('rds', 'cluster:*'), ...inBoth('rds', 'cluster-snapshot:*')]);
        break;
      case 'failoverPromote': {
        add(['rds:SwitchoverGlobalCluster', 'rds:FailoverGlobalCluster'], [...globalClusters, ...fleetClusters]);
        // A headless secondary's writer: `<prefix>-...` for a dedicated tenant, `<cell cluster>-<region>-1` for a cell.
        const writers = [...inBoth('rds', `db:${p}-*`), ...config.cells.flatMap((c) => (c.dr ? [c.auroraClusterIdentifier, c.dr.auroraClusterIdentifier] : [])).flatMap((id) => inBoth('rds', `db:${id}-*`))];
        const drSubnetGroup = config.dedicated.drDbSubnetGroupName ?? config.dedicated.dbSubnetGroupName;
        const attachments = regions.flatMap((r) => [arn('rds', `subgrp:${config.dedicated.dbSubnetGroupName}`, r), arn('rds', `subgrp:${drSubnetGroup}`, r), arn('rds', 'secgrp:*', r), arn('rds', 'pg:*', r), arn('rds', 'og:*', r)]);
        add(['rds:CreateDBInstance'], [...fleetClusters, ...writers, ...new Set(attachments)]);
        add(['rds:AddTagsToResource'], [...fleetClusters, ...writers]);
        add(['rds:DescribeDBInstances'], writers);
        break;
      }
      case 'failoverRestore':
        if (!restoreCells.length) break;
        // Planned: a snapshot of the fenced primary, copied into the region being activated.
        add(['rds:CreateDBClusterSnapshot'], [...restoreClusters, ...restoreSnapshots]);
        add(['rds:CopyDBClusterSnapshot'], restoreSnapshots);
        add(['rds:DescribeDBClusterSnapshots'], [...inBoth('rds', 'cluster:*'), ...restoreSnapshots]);
        // The restore names the snapshot, the new cluster and what it attaches; then its writer and its Data API.
        add(['rds:RestoreDBClusterFromSnapshot'], [...restoreClusters, ...restoreSnapshots, ...restoreNetwork]);
        add(['rds:CreateDBInstance'], [...restoreClusters, ...restoreInstances, ...restoreNetwork]);
        add(['rds:AddTagsToResource'], [...restoreClusters, ...restoreInstances, ...restoreSnapshots]);
        add(['rds:EnableHttpEndpoint', 'rds:DescribeDBInstances'], [...restoreClusters, ...restoreInstances]);
        rdsKeysViaRds();
        break;
      case 'oldPrimaries': {
        // After a failover, the old primary is snapshotted, detached from its global database,
        // deleted and (pilot light, warm standby) created again as a secondary; a backup-restore
        // cell's is deleted only. Both regions: either may be the one left.
        const oldSnapshots = [...inBoth('rds', `cluster-snapshot:${p}-*`), ...config.cells.flatMap((c) => [c.auroraClusterIdentifier, ...(c.dr ? [c.dr.auroraClusterIdentifier] : [])]).flatMap((id) => inBoth('rds', `cluster-snapshot:${id}-*`))];
        const instances = [...inBoth('rds', `db:${p}-*`), ...config.cells.flatMap((c) => [c.auroraClusterIdentifier, ...(c.dr ? [c.dr.auroraClusterIdentifier] : [])]).flatMap((id) => inBoth('rds', `db:${id}-*`))];
        const drSubnetGroup = config.dedicated.drDbSubnetGroupName ?? config.dedicated.dbSubnetGroupName;
        const attachments = [...new Set(regions.flatMap((r) => [arn('rds', `subgrp:${config.dedicated.dbSubnetGroupName}`, r), arn('rds', `subgrp:${drSubnetGroup}`, r)])), ...inBoth('rds', 'secgrp:*'), ...inBoth('rds', 'cluster-pg:*'), ...inBoth('rds', 'pg:*'), ...inBoth('rds', 'og:*')];
        add(['rds:CreateDBClusterSnapshot', 'rds:AddTagsToResource'], [...fleetClusters, ...instances, ...oldSnapshots]);
        // Detaching an old primary; making a dedicated tenant's global database again after a release rollback took it apart.
        add(['rds:RemoveFromGlobalCluster', 'rds:CreateGlobalCluster'], [...globalClusters, ...fleetClusters]);
        add(['rds:ModifyDBCluster', 'rds:DeleteDBCluster', 'rds:DeleteDBInstance'], [...fleetClusters, ...instances]);
        add(['rds:CreateDBCluster', 'rds:CreateDBInstance'], [...fleetClusters, ...instances, ...globalClusters, ...attachments]);
        add(['rds:DescribeDBInstances'], instances);
        rdsKeysViaRds();
        break;
      }
      case 'failoverData':
        add(['rds-data:ExecuteStatement'], fleetClusters);
        add(['secretsmanager:GetSecretValue'], [...config.cells.flatMap((c) => [c.masterSecretArn, ...(c.dr ? [c.dr.masterSecretArn] : [])]), ...inBoth('secretsmanager', `secret:${p}/*`)]);
        break;
      case 'failoverTenantSecret':
        add(['secretsmanager:GetSecretValue'], inBoth('secretsmanager', `secret:${p}/*`));
        break;
      case 'failoverLag':
        add(['cloudwatch:GetMetricData'], ['*']);
        break;
      case 'failoverMetrics':
        add(['cloudwatch:PutMetricData'], ['*'], { StringEquals: { 'cloudwatch:namespace': FAILOVER_METRIC_NAMESPACE } });
        break;
      case 'failoverEvents':
        add(['events:PutEvents'], inBoth('events', 'event-bus/default'));
        break;
      case 'eksDescribe':
        add(['eks:DescribeCluster'], config.eksClusters.map((c) => arn('eks', `cluster/${c.name}`, c.region)));
        break;
      case 'drCapacity':
        add(['servicequotas:GetServiceQuota', 'servicequotas:GetAWSDefaultServiceQuota'], ['*']);
        add(['eks:ListNodegroups'], config.eksClusters.map((c) => arn('eks', `cluster/${c.name}`, c.region)));
        break;
      case 'filestoreReplication':
        // Either side may be the source: a failback reads the DR bucket's rule.
        add(['s3:GetReplicationConfiguration'], [`arn:aws:s3:::${p}-*`, ...config.cells.flatMap((c) => [`arn:aws:s3:::${c.bucket}`, ...(c.dr ? [`arn:aws:s3:::${c.dr.bucket}`] : [])])]);
        break;
      case 'rdsData':
        add(['rds-data:ExecuteStatement'], config.cells.map((c) => c.auroraClusterArn));
        add(['secretsmanager:GetSecretValue'], config.cells.map((c) => c.masterSecretArn));
        break;
      case 'secrets':
        add(
          ['secretsmanager:CreateSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DeleteSecret', 'secretsmanager:TagResource'],
          [arn('secretsmanager', `secret:${p}/*`)],
        );
        break;
      case 's3':
        add(
          ['s3:CreateBucket', 's3:DeleteBucket', 's3:PutBucketVersioning', 's3:GetBucketVersioning', 's3:PutEncryptionConfiguration', 's3:PutBucketPublicAccessBlock', 's3:PutBucketOwnershipControls', 's3:PutBucketTagging', 's3:ListBucket', 's3:ListBucketVersions'],
          [`arn:aws:s3:::${p}-*`, ...config.cells.map((c) => `arn:aws:s3:::${c.bucket}`), `arn:aws:s3:::${config.archiveBucket}`],
        );
        add(
          ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObjectVersion'],
          [`arn:aws:s3:::${p}-*/*`, ...config.cells.map((c) => `arn:aws:s3:::${c.bucket}/tenants/*`), `arn:aws:s3:::${config.archiveBucket}/offboarded/*`],
        );
        break;
      case 'eks': {
        const clusters = config.eksClusters.map((c) => arn('eks', `cluster/${c.name}`, c.region));
        add(['eks:DescribeCluster', 'eks:ListNodegroups'], clusters);
        add(
          ['eks:CreateNodegroup', 'eks:DescribeNodegroup', 'eks:UpdateNodegroupConfig', 'eks:DeleteNodegroup', 'eks:TagResource'],
          [...clusters, ...config.eksClusters.map((c) => arn('eks', `nodegroup/${c.name}/${p}-*/*`, c.region))],
        );
        add(['iam:PassRole'], config.eksClusters.map((c) => c.nodeRoleArn), { StringEquals: { 'iam:PassedToService': 'eks.amazonaws.com' } });
        break;
      }
      case 'podIdentity': {
        const rolePattern = `arn:aws:iam::${account}:role${config.tenantRolePath}${p}-tenant-*`;
        add(['iam:CreateRole', 'iam:GetRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies', 'iam:DeleteRole', 'iam:TagRole'], [rolePattern]);
        add(['iam:PassRole'], [rolePattern], { StringEquals: { 'iam:PassedToService': 'pods.eks.amazonaws.com' } });
        add(
          ['eks:CreatePodIdentityAssociation', 'eks:ListPodIdentityAssociations', 'eks:DescribePodIdentityAssociation', 'eks:DeletePodIdentityAssociation', 'eks:TagResource'],
          [...config.eksClusters.map((c) => arn('eks', `cluster/${c.name}`, c.region)), ...config.eksClusters.map((c) => arn('eks', `podidentityassociation/${c.name}/*`, c.region))],
        );
        break;
      }
      case 'route53':
        add(['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'], [`arn:aws:route53:::hostedzone/${config.hostedZoneId}`]);
        break;
      case 'kubernetes':
        // Kubernetes RBAC (an EKS access entry mapped to this role) limits what it may do in-cluster.
        add(['eks:DescribeCluster'], config.eksClusters.map((c) => arn('eks', `cluster/${c.name}`, c.region)));
        break;
      case 'records':
        break;
    }
  }
}

/** Resources of the control plane stack itself that capabilities grant on. */
export interface StackResources {
  readonly evidenceBucket: s3.IBucket;
  readonly key: kms.IKey;
}

/**
 * The capabilities on the stack's own resources: the drill reports are written under `drills/` of
 * the evidence bucket, with the retention Object Lock asks for, and the failover reports under
 * `failovers/` (the bucket's default retention), encrypted with the stack's key.
 */
export function grantStackResources(fn: lambda.Function, entry: string, resources: StackResources): void {
  for (const capability of HANDLER_CAPABILITIES[entry] ?? []) {
    if (capability === 'evidence') {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:PutObjectRetention'], resources: [resources.evidenceBucket.arnForObjects('drills/*')] }));
      resources.key.grant(fn, 'kms:GenerateDataKey');
    } else if (capability === 'failoverEvidence') {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [resources.evidenceBucket.arnForObjects('failovers/*')] }));
      resources.key.grant(fn, 'kms:GenerateDataKey');
    }
  }
}
