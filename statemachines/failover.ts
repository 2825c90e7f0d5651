/**
 * A failover (tenant, cell or whole region; planned switchover or unplanned failover), run by the
 * control plane of the region being activated: begin (validate the request, plan the units, take
 * the tenants' leases, record it) -> readiness checks per unit, read from the DR region -> refused,
 * or wait for approval (unplanned, or moving a critical tenant; not by the requester), or go ->
 * each unit as a child execution, most critical first, at most `failover.maxConcurrent` at once ->
 * finish (outcome, RTO and data-loss window, evidence, leases given back). Started from the console
 * with the API's body as input, the first state validates that input and fails the execution with
 * the problems, having changed nothing.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';

export const FAILOVER_TASKS = {
  BeginFailover: 'functions/failover/begin-failover.ts',
  CheckFailoverReadiness: 'functions/failover/check-failover-readiness.ts',
  AwaitFailoverApproval: 'functions/failover/await-failover-approval.ts',
  FinishFailover: 'functions/failover/finish-failover.ts',
} as const;

export function defineFailover(b: WorkflowBuilder, maxConcurrent: number): sfn.IChainable {
  const s = b.scope;
  const at = sfn.JsonPath.stringAt;
  const t = (name: keyof typeof FAILOVER_TASKS, resultPath: string | null) => b.task(name, FAILOVER_TASKS[name], { resultPath });

  const finish = t('FinishFailover', '$.finish');
  finish.next(
    new sfn.Choice(s, 'FailoverSucceeded?')
      .when(sfn.Condition.or(sfn.Condition.stringEquals('$.finish.status', 'SUCCEEDED'), sfn.Condition.stringEquals('$.finish.status', 'PARTIALLY_SUCCEEDED')), new sfn.Succeed(s, 'FailoverDone'))
      .otherwise(new sfn.Fail(s, 'FailoverNotSucceeded', { error: 'FailoverNotSucceeded', cause: 'The failover was refused, rejected or failed: GET /v1/failovers/{failoverId} says why' })),
  );

  const unit = b.childExecution('FailOverUnit', 'failover-unit', {
    // Deterministic: a retried or redriven parent attaches to the unit's running execution.
    name: sfn.JsonPath.format('{}-u{}', at('$.failoverId'), at('$.index')),
    input: { failoverId: at('$.failoverId'), actor: at('$.actor'), unitKey: at('$.unitKey') },
  });
  // A unit records its own outcome; one that crashed is found unfinished by the finish.
  unit.addCatch(new sfn.Pass(s, 'UnitExecutionFailed'), { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  const units = new sfn.Map(s, 'FailOverUnits', {
    itemsPath: '$.check.units',
    maxConcurrency: maxConcurrent,
    itemSelector: { failoverId: at('$.failoverId'), actor: at('$.actor'), unitKey: at('$$.Map.Item.Value.unitKey'), index: at('$$.Map.Item.Value.index') },
    resultPath: sfn.JsonPath.DISCARD,
  });
  units.itemProcessor(unit);
  units.next(finish);

  const approval = b.taskWithToken('AwaitFailoverApproval', FAILOVER_TASKS.AwaitFailoverApproval, { resultPath: '$.approval' });
  // A rejection answers the token with a failure: the finish records it and gives the leases back.
  approval.addCatch(finish, { errors: ['States.ALL'], resultPath: '$.error' });
  approval.next(units);

  const check = t('CheckFailoverReadiness', '$.check');
  check.addCatch(finish, { errors: ['States.ALL'], resultPath: '$.error' });
  check.next(
    new sfn.Choice(s, 'FailoverDecision?')
      .when(sfn.Condition.stringEquals('$.check.decision', 'go'), units)
      .when(sfn.Condition.stringEquals('$.check.decision', 'approval'), approval)
      .otherwise(finish),
  );
  // From here on the state is only the id and the actor: the console's body is in the record.
  const begun = new sfn.Pass(s, 'FailoverBegun', { parameters: { failoverId: at('$.begin.failoverId'), actor: at('$.begin.actor') } });
  return b.task('BeginFailover', FAILOVER_TASKS.BeginFailover, { resultPath: '$.begin' }).next(begun).next(check);
}
