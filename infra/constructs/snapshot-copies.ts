/**
 * The job that keeps backup-restore cells' snapshot copies in the region a failover would restore
 * them in, on a schedule in each region: the Lambda (`functions/failover/copy-cell-snapshots.ts`)
 * that snapshots a cell's cluster in its active region, copies the newest snapshot into its own
 * region and prunes both sides. Each region's job pulls the copies into its own region, so it is
 * deployed in both control planes.
 *
 * What it may touch is the cells' clusters and the `<cell cluster>-dr-*` snapshots of the fleet's
 * two regions, nothing else: those names come from `drSnapshotIdentifier`, and a copy keeps its
 * source's name. Its IAM wildcards are acknowledged here, finding by finding, with the reason of each.
 *
 * The schedule lives in the drill schedules' group and ends in their dead-letter queue, like the
 * readiness report's: one place where a schedule that could not start its target shows up.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { rules } from 'cdk-nag';
import { Construct } from 'constructs';
import { parseScheduleExpression } from '#local/schedule-expression.ts';
import { FAILOVER_METRIC_NAMESPACE } from '#shared/cloud/failover-evidence.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { cellDrPosture } from '#shared/domain/fleet-lookup.ts';
import type { DrillSchedules, RetryPolicy } from './drills.ts';
import { FleetFunction } from './fleet-function.ts';

export const SNAPSHOT_COPIES_HANDLER = 'functions/failover/copy-cell-snapshots.ts';
export const SNAPSHOT_COPIES_SCHEDULE_NAME = 'cell-snapshot-copies';

/**
 * A dead source region costs each cell one time-boxed call (`failover.oldRegionTimeoutSeconds`);
 * ten minutes leaves room for that and stays far under the hourly default, so runs do not overlap.
 */
export const SNAPSHOT_COPIES_TIMEOUT = Duration.minutes(10);

/** A missed run is made up by the next one: each run moves every cell on from where it stands. */
const SNAPSHOT_COPIES_RETRY: RetryPolicy = { attempts: 2, maxEventAge: Duration.minutes(30) };

export interface SnapshotCopiesProps {
  readonly fleet: FleetConfig;
  readonly table: dynamodb.ITableV2;
  readonly key: kms.IKey;
  /** Environment every function gets (table name, fleet configuration, evidence bucket). */
  readonly environment: Record<string, string>;
  /** The group and dead-letter queue the schedule joins. */
  readonly schedules: DrillSchedules;
}

export class SnapshotCopies extends Construct {
  readonly function: FleetFunction;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: SnapshotCopiesProps) {
    super(scope, id);
    const { fleet, table } = props;
    const { account } = Stack.of(this);
    // Refused at synthesis, as Scheduler would refuse it at deployment.
    try {
      parseScheduleExpression(fleet.failover.snapshotCopies.schedule);
    } catch (err) {
      throw new Error(`failover.snapshotCopies.schedule of the fleet configuration: ${(err as Error).message}`);
    }
    // Deployed whatever the cells, like every failover function: in a fleet without a
    // backup-restore cell the job finds nothing to do and may touch no snapshot.
    const cells = fleet.cells.filter((c) => cellDrPosture(c) === 'backup-restore');

    this.function = new FleetFunction(this, 'CopyCellSnapshots', {
      entry: SNAPSHOT_COPIES_HANDLER,
      description: "Keeps backup-restore cells' snapshot copies in the region a failover would restore them in",
      environment: props.environment,
      timeout: SNAPSHOT_COPIES_TIMEOUT,
    });
    const add = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions, resources, conditions }));

    const regions = [...new Set([fleet.primaryRegion, fleet.drRegion])];
    const rds = (region: string, resource: string) => `arn:aws:rds:${region}:${account}:${resource}`;
    // A cell's cluster on each side (the side it is active in is the source), and the snapshots
    // named after either: a copy keeps its source's name, so both names occur in both regions.
    const clusters = cells.flatMap((c) => [c.auroraClusterArn, c.dr!.auroraClusterArn]);
    const identifiers = [...new Set(cells.flatMap((c) => [c.auroraClusterIdentifier, c.dr!.auroraClusterIdentifier]))];
    const snapshots = identifiers.flatMap((id) => regions.map((r) => rds(r, `cluster-snapshot:${id}-dr-*`)));

    // The cell's record (its active region, where its copies stand) on the cell's item.
    add(['dynamodb:GetItem', 'dynamodb:UpdateItem'], [table.tableArn]);
    props.key.grant(this.function, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey');
    if (cells.length > 0) {
      // Snapshots are found with a `db-cluster-id` filter: the call names no cluster nor snapshot.
      add(['rds:DescribeDBClusterSnapshots'], regions.flatMap((r) => [rds(r, 'cluster:*'), rds(r, 'cluster-snapshot:*')]));
      // CreateDBClusterSnapshot is authorized on the cluster and the new snapshot, tags included.
      add(['rds:CreateDBClusterSnapshot'], [...clusters, ...snapshots]);
      // A cross-region copy is authorized on the source snapshot (other region) and the copy.
      add(['rds:CopyDBClusterSnapshot', 'rds:DeleteDBClusterSnapshot', 'rds:AddTagsToResource'], snapshots);
      // An encrypted copy: RDS of the receiving region uses its key there, and the source's key in the
      // source region, on the caller's behalf (a grant for the copy). Keys of the data plane (the
      // regions' `aws/rds` keys, or the cells' own), through RDS of each region only.
      for (const region of regions) {
        const keys = [`arn:aws:kms:${region}:${account}:key/*`];
        const viaRds = { 'kms:ViaService': `rds.${region}.amazonaws.com` };
        add(['kms:CreateGrant'], keys, { StringEquals: viaRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } });
        add(['kms:DescribeKey'], keys, { StringEquals: viaRds });
      }
    }
    add(['cloudwatch:PutMetricData'], ['*'], { StringEquals: { 'cloudwatch:namespace': FAILOVER_METRIC_NAMESPACE } });

    this.schedule = props.schedules.addFunctionSchedule(SNAPSHOT_COPIES_SCHEDULE_NAME, this.function, {
      target: 'cell-snapshot-copies',
      description: "Keeps backup-restore cells' snapshot copies in the region a failover would restore them in",
      expression: fleet.failover.snapshotCopies.schedule,
      retry: SNAPSHOT_COPIES_RETRY,
    });

    this.acknowledgeWildcards(regions, snapshots, account);
  }

  /** Each wildcard this construct grants, acknowledged with why; any other stays a finding and fails synthesis. */
  private acknowledgeWildcards(regions: string[], snapshots: string[], account: string): void {
    const reasons = new Map<string, string>();
    for (const region of regions) {
      reasons.set(
        `arn:aws:rds:${region}:${account}:cluster:*`,
        'DescribeDBClusterSnapshots with a `db-cluster-id` filter names no cluster (a region holding only copies has no such cluster); describe only.',
      );
      reasons.set(
        `arn:aws:rds:${region}:${account}:cluster-snapshot:*`,
        "DescribeDBClusterSnapshots with a `db-cluster-id` filter names no snapshot: it lists a cell cluster's snapshots and copies; describe only.",
      );
      reasons.set(
        `arn:aws:kms:${region}:${account}:key/*`,
        "A cross-region copy of an encrypted snapshot uses the source's key and a key of the receiving region, the data plane's (`aws/rds` or the cell's), which the fleet configuration may not name; CreateGrant for AWS resources and DescribeKey only, through RDS of that region only.",
      );
    }
    for (const s of snapshots) {
      reasons.set(s, "The cell's DR snapshots and their copies, named `<cell cluster>-dr-<UTC minute>` at run time by drSnapshotIdentifier; create, copy, tag and delete only.");
    }
    const metric = `CloudWatch PutMetricData supports no resource-level permissions; a condition limits it to ${FAILOVER_METRIC_NAMESPACE}.`;
    for (const policy of this.node.findAll().filter((c): c is iam.CfnPolicy => c instanceof iam.CfnPolicy)) {
      const findings = rules.iam.IAMNoWildcardPermissions(policy);
      if (!Array.isArray(findings)) continue;
      for (const finding of findings) {
        const reason = finding === 'Resource::*' ? (onlyMetricsOnAnyResource(policy) ? metric : undefined) : finding.startsWith('Resource::') ? reasons.get(finding.slice('Resource::'.length)) : undefined;
        if (reason) Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
      }
    }
  }
}

/** Whether every statement of the policy granting `*` is PutMetricData alone (which has no resource-level permissions). */
function onlyMetricsOnAnyResource(policy: iam.CfnPolicy): boolean {
  const document = Stack.of(policy).resolve(policy.policyDocument) as { Statement?: Array<{ Action: string | string[]; Resource: unknown }> };
  return (document.Statement ?? [])
    .filter((s) => ([] as unknown[]).concat(s.Resource).includes('*'))
    .every((s) => ([] as string[]).concat(s.Action).every((a) => a === 'cloudwatch:PutMetricData'));
}
