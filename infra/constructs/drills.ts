/**
 * What restore drills need besides their workflows: the evidence bucket auditors are shown, and the
 * EventBridge Scheduler schedules that wake them (the drill run per criticality, the heartbeat
 * every minute that gives RPO something to measure, and the hourly sweeper of drill leftovers).
 *
 * The evidence bucket is the control plane's own record, not data-plane configuration, so the stack
 * creates it. Its name is deterministic (`<prefix>-drill-evidence-<account>-<region>`) so the local
 * control plane and every function find it without a lookup.
 *
 * Every schedule lives in the `odoo-fleet` schedule group, starts its target with a role that may do
 * exactly that (and nothing else besides dropping a failed start into the dead-letter queue), retries
 * with a bounded event age, and ends in one encrypted dead-letter queue, which an alarm watches: a
 * drill run that could not even start is as visible as a drill that failed.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { parseScheduleExpression } from '#local/schedule-expression.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import type { Criticality } from '#shared/domain/types.ts';
import { FleetFunction } from './fleet-function.ts';
import { grantCloudAccess, grantStackResources } from './workflow-permissions.ts';

/** The schedule group of every control plane schedule. */
export const SCHEDULE_GROUP_NAME = 'odoo-fleet';

/** CDK context value overriding the evidence bucket's default Object Lock retention, in days. */
export const EVIDENCE_RETENTION_CONTEXT_KEY = 'drillEvidenceRetentionDays';
export const DEFAULT_EVIDENCE_RETENTION_DAYS = 400;

/** Where drill reports go inside the evidence bucket (`drills/<tenant>/<date>/<drill>.json`). */
export const EVIDENCE_PREFIX = 'drills/';

export const HEARTBEAT_HANDLER = 'functions/drill/write-heartbeats.ts';
export const SWEEPER_HANDLER = 'functions/drill/sweep-drill-leftovers.ts';

const CRITICALITIES: readonly Criticality[] = ['critical', 'standard', 'low'];

/** Schedule names inside the group; the local control plane shows and runs them by these names. */
export const scheduleNames = {
  drillRun: (criticality: Criticality) => `drill-run-${criticality}`,
  heartbeat: 'drill-heartbeat',
  sweeper: 'drill-sweeper',
};

export function drillEvidenceBucketName(namePrefix: string, account: string, region: string): string {
  return `${namePrefix}-drill-evidence-${account}-${region}`;
}

export interface DrillEvidenceProps {
  readonly key: kms.IKey;
  readonly namePrefix: string;
  /** The stack's server access log bucket. */
  readonly accessLogsBucket: s3.IBucket;
  /**
   * Days each report stays locked. @default the `drillEvidenceRetentionDays` context value, else 400
   * (a year of drills plus the month an annual audit takes to ask for them).
   */
  readonly retentionDays?: number;
}

export class DrillEvidence extends Construct {
  readonly bucket: s3.Bucket;
  readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: DrillEvidenceProps) {
    super(scope, id);
    const { account, region } = Stack.of(this);
    this.retentionDays = props.retentionDays ?? retentionFromContext(this.node.tryGetContext(EVIDENCE_RETENTION_CONTEXT_KEY));

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: drillEvidenceBucketName(props.namePrefix, account, region),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      // One data key per bucket instead of one KMS call per report.
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      objectLockEnabled: true,
      // COMPLIANCE, not GOVERNANCE: evidence an auditor relies on must not be removable by anyone,
      // including an administrator holding s3:BypassGovernanceRetention, and the functions that manage
      // tenant buckets hold DeleteObject on `<prefix>-*`, a pattern this bucket's name also matches.
      // The price: a report written by mistake stays for the retention period (reports are small).
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(this.retentionDays)),
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'drill-evidence/',
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        // Auditors read a report rarely, and at once when they do.
        { transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }] },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/** `drill-run` -> `DrillRun`: construct ids. */
const pascal = (name: string) => name.replace(/(^|-)(.)/g, (_, _sep: string, c: string) => c.toUpperCase());

function retentionFromContext(value: unknown): number {
  if (value === undefined || value === null || value === '') return DEFAULT_EVIDENCE_RETENTION_DAYS;
  const days = typeof value === 'string' ? Number(value) : value;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1) {
    throw new Error(`${EVIDENCE_RETENTION_CONTEXT_KEY} must be a whole number of days, 1 or more; got ${JSON.stringify(value)}`);
  }
  return days;
}

export interface DrillSchedulesProps {
  readonly fleet: FleetConfig;
  readonly table: dynamodb.ITable;
  readonly key: kms.IKey;
  readonly evidenceBucket: s3.IBucket;
  /** The state machine a scheduled drill run starts (`odoo-fleet-drill-run`). */
  readonly drillRunMachine: sfn.IStateMachine;
  /** Environment every function gets (table name, fleet configuration, evidence bucket). */
  readonly environment: Record<string, string>;
}

export interface RetryPolicy {
  /** Attempts after the first. */
  readonly attempts: number;
  /** How long Scheduler keeps trying before the start goes to the dead-letter queue. */
  readonly maxEventAge: Duration;
}

/** A drill run retries for an hour: within the flexible window, and long before the next run. */
const DRILL_RUN_RETRY: RetryPolicy = { attempts: 5, maxEventAge: Duration.hours(1) };
/** A heartbeat is worth nothing once the next one is due. */
const HEARTBEAT_RETRY: RetryPolicy = { attempts: 2, maxEventAge: Duration.minutes(1) };
const SWEEPER_RETRY: RetryPolicy = { attempts: 3, maxEventAge: Duration.hours(1) };

export class DrillSchedules extends Construct {
  readonly group: scheduler.ScheduleGroup;
  /** Where Scheduler puts a start it could not make, after its retries. */
  readonly deadLetterQueue: sqs.Queue;
  /** By schedule name. */
  readonly schedules = new Map<string, scheduler.Schedule>();
  /** The scheduled Lambdas, by handler module. */
  readonly functions = new Map<string, FleetFunction>();
  /** The role each target is started with, by target (`drill-run`, `heartbeat`, `sweeper`). */
  readonly roles = new Map<string, iam.Role>();

  constructor(scope: Construct, id: string, props: DrillSchedulesProps) {
    super(scope, id);
    const { fleet } = props;

    this.group = new scheduler.ScheduleGroup(this, 'Group', { scheduleGroupName: SCHEDULE_GROUP_NAME });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      // SQS-managed encryption: the messages are the schedules' own inputs (a criticality, a trigger),
      // and Scheduler's roles then need no grant on the control plane key to deliver them.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is the schedules' dead-letter queue (the Scheduler target's DeadLetterConfig, which cdk-nag does not see as a redrive policy); a queue of last resort has no DLQ of its own.",
    });

    // Drill runs, one schedule per criticality: the run selects who is due, so a late run catches up.
    const drillRunRole = this.targetRole('drill-run', CRITICALITIES.map(scheduleNames.drillRun));
    drillRunRole.addToPolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [props.drillRunMachine.stateMachineArn] }));
    // The execution's input is encrypted with the control plane key, under the machine's own context.
    drillRunRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': props.drillRunMachine.stateMachineArn } },
      }),
    );
    for (const criticality of CRITICALITIES) {
      // Refused at synthesis, as Scheduler would refuse it at deployment.
      try {
        parseScheduleExpression(fleet.drills.schedules[criticality]);
      } catch (err) {
        throw new Error(`drills.schedules.${criticality} of the fleet configuration: ${(err as Error).message}`);
      }
      this.schedule(scheduleNames.drillRun(criticality), {
        description: `Starts a drill run of the ${criticality} tenants that are due`,
        expression: fleet.drills.schedules[criticality],
        flexibleWindowMinutes: fleet.drills.flexibleWindowMinutes,
        targetArn: props.drillRunMachine.stateMachineArn,
        role: drillRunRole,
        input: { criticality, trigger: 'schedule' },
        retry: DRILL_RUN_RETRY,
      });
    }

    const heartbeat = this.scheduledFunction('WriteHeartbeats', HEARTBEAT_HANDLER, 'Writes the control plane heartbeat into every active tenant database', Duration.seconds(50), props);
    this.schedule(scheduleNames.heartbeat, {
      description: 'Writes a heartbeat row into every active tenant database: the newest committed data a drill measures RPO against',
      expression: 'rate(1 minute)',
      flexibleWindowMinutes: 0,
      targetArn: heartbeat.functionArn,
      role: this.invokerRole('heartbeat', scheduleNames.heartbeat, heartbeat),
      input: { trigger: 'schedule', scheduledTime: scheduler.ContextAttribute.scheduledTime },
      retry: HEARTBEAT_RETRY,
    });

    const sweeper = this.scheduledFunction('SweepDrillLeftovers', SWEEPER_HANDLER, 'Deletes drill clusters and instances whose time to live has passed', Duration.minutes(5), props);
    this.schedule(scheduleNames.sweeper, {
      description: 'Deletes drill resources past their time to live and records that it had to',
      expression: 'rate(1 hour)',
      flexibleWindowMinutes: 0,
      targetArn: sweeper.functionArn,
      role: this.invokerRole('sweeper', scheduleNames.sweeper, sweeper),
      input: { trigger: 'schedule', scheduledTime: scheduler.ContextAttribute.scheduledTime },
      retry: SWEEPER_RETRY,
    });
  }

  /**
   * A schedule of another part of the control plane (the failover readiness report) in this group,
   * invoking `fn` with a role of its own and ending in this dead-letter queue, which is alarmed.
   */
  addFunctionSchedule(name: string, fn: lambda.IFunction, opts: { target: string; description: string; expression: string; retry: RetryPolicy }): scheduler.Schedule {
    return this.schedule(name, {
      description: opts.description,
      expression: opts.expression,
      flexibleWindowMinutes: 0,
      targetArn: fn.functionArn,
      role: this.invokerRole(opts.target, name, fn),
      input: { trigger: 'schedule', scheduledTime: scheduler.ContextAttribute.scheduledTime },
      retry: opts.retry,
    });
  }

  /**
   * A role only Scheduler may assume, and only for this account's schedules named here; it may send
   * a failed start to the dead-letter queue. What it may start is added by the caller.
   */
  private targetRole(target: string, schedules: readonly string[]): iam.Role {
    const { account, region } = Stack.of(this);
    const role = new iam.Role(this, `${pascal(target)}SchedulerRole`, {
      description: `EventBridge Scheduler starts the ${target} target of ${SCHEDULE_GROUP_NAME} schedules with this role`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnEquals: { 'aws:SourceArn': schedules.map((name) => `arn:aws:scheduler:${region}:${account}:schedule/${SCHEDULE_GROUP_NAME}/${name}`) },
        },
      }),
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
    this.roles.set(target, role);
    return role;
  }

  /** Invokes the one function, that exact ARN (no version or alias wildcard). */
  private invokerRole(target: string, schedule: string, fn: lambda.IFunction): iam.Role {
    const role = this.targetRole(target, [schedule]);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
    return role;
  }

  private scheduledFunction(id: string, entry: string, description: string, timeout: Duration, props: DrillSchedulesProps): FleetFunction {
    const stack = Stack.of(this);
    const fn = new FleetFunction(this, id, { entry, description, environment: props.environment, timeout });
    props.table.grantReadWriteData(fn);
    grantCloudAccess(fn, entry, props.fleet, stack.account, stack.region);
    grantStackResources(fn, entry, { evidenceBucket: props.evidenceBucket, key: props.key });
    this.functions.set(entry, fn);
    return fn;
  }

  private schedule(
    name: string,
    opts: { description: string; expression: string; flexibleWindowMinutes: number; targetArn: string; role: iam.IRole; input: Record<string, string>; retry: RetryPolicy },
  ): scheduler.Schedule {
    const deadLetterQueue = this.deadLetterQueue;
    const target: scheduler.IScheduleTarget = {
      bind: () => ({
        arn: opts.targetArn,
        role: opts.role,
        input: scheduler.ScheduleTargetInput.fromObject(opts.input),
        deadLetterConfig: { arn: deadLetterQueue.queueArn },
        retryPolicy: { maximumRetryAttempts: opts.retry.attempts, maximumEventAgeInSeconds: opts.retry.maxEventAge.toSeconds() },
      }),
    };
    const schedule = new scheduler.Schedule(this, `${pascal(name)}Schedule`, {
      scheduleName: name,
      scheduleGroup: this.group,
      description: opts.description,
      schedule: scheduler.ScheduleExpression.expression(opts.expression),
      timeWindow: opts.flexibleWindowMinutes > 0 ? scheduler.TimeWindow.flexible(Duration.minutes(opts.flexibleWindowMinutes)) : scheduler.TimeWindow.off(),
      target,
    });
    // The group is named by a literal, which gives CloudFormation no order: the group comes first.
    schedule.node.addDependency(this.group);
    this.schedules.set(name, schedule);
    return schedule;
  }
}
