/**
 * The failover readiness report, on a schedule in each region: the Lambda that reads, for every
 * active tenant, whether its unit could fail over now and within its RPO, stores the report on the
 * tenant and publishes the counts to `Odoo/Failover` (which the readiness alarm watches). It runs in
 * both regions' control planes, so a report keeps coming while either region is down.
 *
 * The schedule lives in the drill schedules' group and ends in their dead-letter queue: one place
 * where a schedule that could not start its target shows up, under one alarm.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { parseScheduleExpression } from '#local/schedule-expression.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import type { DrillSchedules, RetryPolicy } from './drills.ts';
import { FleetFunction } from './fleet-function.ts';
import { grantCloudAccess } from './workflow-permissions.ts';

export const READINESS_HANDLER = 'functions/failover/report-readiness.ts';
export const READINESS_SCHEDULE_NAME = 'failover-readiness';

/** The index of "tenants by status": the report lists the ACTIVE ones. */
const BY_STATUS_INDEX = 'ByStatus';

/**
 * A unit whose old region is down waits out `failover.oldRegionTimeoutSeconds` on its probe; ten
 * minutes leaves room for that and stays under the default quarter-hour rate, so runs do not overlap.
 */
export const READINESS_TIMEOUT = Duration.minutes(10);

/** A report is worth nothing once the next one is due. */
const READINESS_RETRY: RetryPolicy = { attempts: 2, maxEventAge: Duration.minutes(10) };

export interface FailoverReadinessProps {
  readonly fleet: FleetConfig;
  readonly table: dynamodb.ITableV2;
  readonly key: kms.IKey;
  /** Environment every function gets (table name, fleet configuration, evidence bucket). */
  readonly environment: Record<string, string>;
  /** The group and dead-letter queue the schedule joins. */
  readonly schedules: DrillSchedules;
}

export class FailoverReadiness extends Construct {
  readonly function: FleetFunction;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: FailoverReadinessProps) {
    super(scope, id);
    const { fleet, table } = props;
    const stack = Stack.of(this);
    // Refused at synthesis, as Scheduler would refuse it at deployment.
    try {
      parseScheduleExpression(fleet.failover.readinessSchedule);
    } catch (err) {
      throw new Error(`failover.readinessSchedule of the fleet configuration: ${(err as Error).message}`);
    }

    this.function = new FleetFunction(this, 'ReportReadiness', {
      entry: READINESS_HANDLER,
      description: 'Reports whether each active tenant could fail over now, and within its RPO',
      environment: props.environment,
      timeout: READINESS_TIMEOUT,
    });
    // What the report does with the table: list the ACTIVE tenants, and set each one's report.
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [table.tableArn, `${table.tableArn}/index/${BY_STATUS_INDEX}`] }));
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [table.tableArn] }));
    props.key.grant(this.function, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey');
    grantCloudAccess(this.function, READINESS_HANDLER, fleet, stack.account, stack.region);

    this.schedule = props.schedules.addFunctionSchedule(READINESS_SCHEDULE_NAME, this.function, {
      target: 'failover-readiness',
      description: 'Reports the failover readiness of every active tenant and publishes the counts to Odoo/Failover',
      expression: fleet.failover.readinessSchedule,
      retry: READINESS_RETRY,
    });
  }
}
