/**
 * What pages the on-call SRE: an encrypted SNS topic, an alarm for every way a workflow execution
 * can end badly (failed, timed out, aborted), for server errors of the API, for restore drills that
 * failed or breached their tenant's RTO/RPO, for a schedule that could not start its target, for
 * failovers that did not move every tenant and for tenants whose failover would miss their RPO;
 * and a dashboard showing them at a glance.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SNAPSHOT_COPY_AGE_METRIC } from '#shared/cloud/cell-snapshot-copies.ts';
import { FAILOVER_METRIC_NAMESPACE } from '#shared/cloud/failover-evidence.ts';
import { DRILL_METRIC_NAMESPACE } from '#shared/domain/drill-names.ts';
import type { FailoverMode } from '#shared/domain/failover-plan.ts';

/**
 * Drill outcomes the drill record step counts in `Odoo/Drills`, one datum of 1 per drill, with no
 * dimension (the alarms read the fleet-wide sum; per-tenant detail is in the events and reports).
 */
export const DRILL_OUTCOME_METRICS = { failed: 'DrillFailed', breachedTarget: 'DrillBreachedTarget' } as const;

/**
 * What the failover steps and the readiness report publish in `Odoo/Failover`: per failover, by
 * `Mode`, whether it succeeded and how many tenants it did not move; per readiness report, with no
 * dimension for the fleet's total, how many tenants would miss their RPO if failed over now.
 */
export const FAILOVER_METRICS = { succeeded: 'FailoverSucceeded', tenantsNotFailedOver: 'TenantsNotFailedOver', wouldMissRpo: 'TenantsWouldMissRpo' } as const;
const FAILOVER_MODES: readonly FailoverMode[] = ['planned', 'unplanned'];

export interface FleetObservabilityProps {
  readonly key: kms.IKey;
  readonly stateMachines: Readonly<Record<string, sfn.StateMachine>>;
  readonly api: apigateway.RestApi;
  /**
   * API 5XX answers in five minutes that page. One is already worth a look: every 5XX is a
   * contract breach (bad input must be a 4XX).
   * @default 1
   */
  readonly api5xxThreshold?: number;
  /** Restore drills: the alarms on their outcomes and on the schedules' dead-letter queue. */
  readonly drills?: {
    /** Where EventBridge Scheduler puts a start it could not make. */
    readonly deadLetterQueue: sqs.IQueue;
  };
  /** Failovers: the alarms on their outcomes and on the readiness report. */
  readonly failover?: {
    /** The scheduled readiness report, whose failures would leave the readiness alarm silent. */
    readonly readinessFunction: lambda.IFunction;
    /**
     * The backup-restore cells' snapshot copies: the job, its cells (and their home regions), and
     * the age past which a cell's newest copy in this region is stale.
     */
    readonly snapshotCopies?: { readonly function: lambda.IFunction; readonly cells: readonly { id: string; region: string }[]; readonly staleAfterSeconds: number };
  };
}

type ExecutionOutcome = 'Failed' | 'TimedOut' | 'Aborted';

export class FleetObservability extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: FleetObservabilityProps) {
    super(scope, id);
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Odoo fleet control plane alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    // CloudWatch publishes alarm notifications to the encrypted topic with the key.
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const notify = new actions.SnsAction(this.alarmTopic);

    const executionWidgets: cloudwatch.IWidget[] = [];
    for (const [name, machine] of Object.entries(props.stateMachines)) {
      const outcomes: Record<ExecutionOutcome, cloudwatch.Metric> = {
        Failed: machine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        TimedOut: machine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
        Aborted: machine.metricAborted({ period: Duration.minutes(5), statistic: 'Sum' }),
      };
      for (const [outcome, metric] of Object.entries(outcomes)) {
        const alarm = metric.createAlarm(this, `${name}Executions${outcome}`, {
          alarmDescription: `An execution of the ${name} workflow ended ${outcome.toLowerCase()}: look at its operation record and execution history.`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(notify);
        this.alarms.push(alarm);
      }
      executionWidgets.push(
        new cloudwatch.GraphWidget({
          title: `${name} executions`,
          left: [machine.metricStarted({ period: Duration.minutes(5) }), machine.metricSucceeded({ period: Duration.minutes(5) }), ...Object.values(outcomes)],
          width: 12,
        }),
      );
    }

    const serverErrors = props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' });
    const api5xx = serverErrors.createAlarm(this, 'Api5xx', {
      alarmDescription: 'The control plane API answered with 5XX: a handler failed or a dependency is down.',
      threshold: props.api5xxThreshold ?? 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    api5xx.addAlarmAction(notify);
    this.alarms.push(api5xx);

    const drillWidgets: cloudwatch.IWidget[] = [];
    if (props.drills) {
      const outcome = (metricName: string) =>
        new cloudwatch.Metric({ namespace: DRILL_METRIC_NAMESPACE, metricName, statistic: 'Sum', period: Duration.hours(1) });
      const drillAlarm = (id: string, metric: cloudwatch.Metric, description: string) => {
        const alarm = metric.createAlarm(this, id, {
          alarmDescription: description,
          threshold: 0,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          // No drill in the hour is not a failure: drills run daily at most.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(notify);
        this.alarms.push(alarm);
        return alarm;
      };
      const failed = outcome(DRILL_OUTCOME_METRICS.failed);
      const breached = outcome(DRILL_OUTCOME_METRICS.breachedTarget);
      drillAlarm('DrillFailed', failed, "A restore drill FAILED: a tenant's backups could not be shown restorable. The reason is on the drill record (GET /v1/tenants/{id}/drills) and in its evidence report.");
      drillAlarm('DrillBreachedTarget', breached, "A restore drill restored and validated, but above the tenant's RTO or RPO target: the tenant's recovery promise does not hold. Figures on the drill record.");
      const deadLetters = props.drills.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' });
      const missed = deadLetters.createAlarm(this, 'ScheduleDeadLetters', {
        alarmDescription: 'EventBridge Scheduler could not start a schedule target (drill run, heartbeat or sweeper) after its retries: the message in the dead-letter queue says which and why.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      missed.addAlarmAction(notify);
      this.alarms.push(missed);
      drillWidgets.push(
        new cloudwatch.GraphWidget({ title: 'Restore drills: failed and breached', left: [failed, breached], width: 12 }),
        new cloudwatch.GraphWidget({ title: 'Schedule starts in the dead-letter queue', left: [deadLetters], width: 12 }),
      );
    }

    const failoverWidgets: cloudwatch.IWidget[] = [];
    if (props.failover) {
      const alarmOn = (id: string, metric: cloudwatch.IMetric, description: string, threshold: number, comparisonOperator: cloudwatch.ComparisonOperator) => {
        const alarm = new cloudwatch.Alarm(this, id, {
          metric,
          alarmDescription: description,
          threshold,
          evaluationPeriods: 1,
          comparisonOperator,
          // No failover in the period is not a failure; a silent readiness report has its own alarm.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(notify);
        this.alarms.push(alarm);
        return alarm;
      };
      const failoverMetric = (metricName: string, mode: FailoverMode, statistic: string) =>
        new cloudwatch.Metric({ namespace: FAILOVER_METRIC_NAMESPACE, metricName, dimensionsMap: { Mode: mode }, statistic, period: Duration.minutes(5) });
      const outcomeMetrics: cloudwatch.IMetric[] = [];
      for (const mode of FAILOVER_MODES) {
        const label = mode === 'planned' ? 'Planned' : 'Unplanned';
        const what = mode === 'planned' ? 'A planned switchover' : 'An unplanned failover';
        const succeeded = failoverMetric(FAILOVER_METRICS.succeeded, mode, 'Minimum');
        const notMoved = failoverMetric(FAILOVER_METRICS.tenantsNotFailedOver, mode, 'Maximum');
        outcomeMetrics.push(succeeded, notMoved);
        alarmOn(
          `Failover${label}NotSucceeded`,
          succeeded,
          `${what} ended without succeeding: its tenants may be split between regions. Its record (GET /v1/failovers/{id}) and evidence report say which unit failed and where each tenant is.`,
          1,
          cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        );
        alarmOn(
          `Failover${label}TenantsNotMoved`,
          notMoved,
          `${what} left tenants behind (TenantsNotFailedOver > 0): each one's outcome and reason are on the failover record.`,
          0,
          cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        );
      }
      // The report runs every quarter hour by default: the newest count is what matters.
      const wouldMiss = new cloudwatch.Metric({ namespace: FAILOVER_METRIC_NAMESPACE, metricName: FAILOVER_METRICS.wouldMissRpo, statistic: 'Maximum', period: Duration.minutes(15) });
      alarmOn(
        'TenantsWouldMissRpo',
        wouldMiss,
        "The failover readiness report found tenants whose failover now would lose more data than their RPO allows (replication lag, stale replicated backups). Each tenant's report is on its record (drReadiness).",
        0,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      );
      const reportErrors = props.failover.readinessFunction.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' });
      alarmOn('FailoverReadinessReportFailed', reportErrors, 'The failover readiness report failed: readiness figures are stale until it runs again. Its log group says why.', 1, cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
      const copies = props.failover.snapshotCopies;
      if (copies && copies.cells.length > 0) {
        const region = Stack.of(this).region;
        const ages = copies.cells.map((cell) => {
          const age = new cloudwatch.Metric({ namespace: FAILOVER_METRIC_NAMESPACE, metricName: SNAPSHOT_COPY_AGE_METRIC, dimensionsMap: { Cell: cell.id }, statistic: 'Maximum', period: Duration.hours(1) });
          // Copies land here while the cell is active in the other region: for a cell at home there,
          // no figure here means no copy (or no job), which is the failure; for a cell at home here, no
          // figure is the normal state until a failover moves it.
          const alarm = new cloudwatch.Alarm(this, `SnapshotCopyStale${cell.id.replace(/[^A-Za-z0-9]/g, '')}`, {
            metric: age,
            alarmDescription: `The newest snapshot copy of backup-restore cell ${cell.id} held in this region is older than ${copies.staleAfterSeconds} s (or there is none): a failover would restore older data than planned. The cell's record (drSnapshots) and the cell-snapshot-copies log say why.`,
            threshold: copies.staleAfterSeconds,
            evaluationPeriods: 2,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treatMissingData: cell.region === region ? cloudwatch.TreatMissingData.NOT_BREACHING : cloudwatch.TreatMissingData.BREACHING,
          });
          alarm.addAlarmAction(notify);
          this.alarms.push(alarm);
          return age;
        });
        alarmOn('SnapshotCopiesFailed', copies.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }), 'The snapshot-copy job failed: backup-restore cells get no newer copy until it runs again. Its log group says why.', 1, cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
        failoverWidgets.push(new cloudwatch.GraphWidget({ title: 'Backup-restore cells: age of the newest snapshot copy here', left: ages, width: 12 }));
      }
      failoverWidgets.push(
        new cloudwatch.GraphWidget({ title: 'Failovers: succeeded and tenants not moved, by mode', left: outcomeMetrics, width: 12 }),
        new cloudwatch.GraphWidget({ title: 'Tenants whose failover would miss their RPO', left: [wouldMiss], width: 12 }),
      );
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `odoo-fleet-control-plane-${Stack.of(this).region}`,
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
        executionWidgets,
        [
          new cloudwatch.GraphWidget({
            title: 'API requests and errors',
            left: [props.api.metricCount({ period: Duration.minutes(5) }), props.api.metricClientError({ period: Duration.minutes(5) }), serverErrors],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'API latency (p99)',
            left: [props.api.metricLatency({ period: Duration.minutes(5), statistic: 'p99' })],
            width: 12,
          }),
        ],
        ...(drillWidgets.length > 0 ? [drillWidgets] : []),
        ...(failoverWidgets.length > 0 ? [failoverWidgets] : []),
      ],
    });
  }
}
