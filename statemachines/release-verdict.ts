/**
 * One tenant's bake and verdict, started by its upgrade (`odoo-fleet-release-tenant`) at the
 * cut-over: bake until `roll.bakeUntil` -> verdict from alarms, metrics and synthetic checks ->
 * pass completes the tenant, fail rolls it back (the image, and the database when the migration ran
 * and nobody has written since), inconclusive or a restore that would lose users' writes waits for
 * a human decision; too little traffic extends the bake first.
 *
 * Nobody waits on this execution with `.sync`: the release's wave end reads the tenants' outcomes.
 * So an error its own Catch paths do not handle is recorded here, by the same step the batch uses
 * for a crashed upgrade: the tenant ends FAILED, the release halts and an alert goes out.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';
import { defineTenantEndings, TENANT_ROLLBACK_TASKS } from './release-rollback.ts';

export const RELEASE_VERDICT_TASKS = {
  JudgeBake: 'functions/release/tenant/judge-bake.ts',
  RecordVerdictCrash: 'functions/release/record-tenant-crash.ts',
  ...TENANT_ROLLBACK_TASKS,
} as const;

export function defineReleaseVerdict(b: WorkflowBuilder): sfn.IChainable {
  const s = b.scope;
  const { complete, planRollback, awaitDecision } = defineTenantEndings(b);

  const judge = b.task('JudgeBake', RELEASE_VERDICT_TASKS.JudgeBake, { resultPath: '$.verdict' });
  // A verdict that cannot be given (its reads keep failing) is a failed verdict: roll back.
  judge.addCatch(planRollback, { errors: ['States.ALL'], resultPath: '$.error' });
  const extendBake = new sfn.Wait(s, 'ExtendBake', { time: sfn.WaitTime.timestampPath('$.verdict.bakeUntil') }).next(judge);
  judge.next(
    new sfn.Choice(s, 'Verdict?')
      .when(sfn.Condition.stringEquals('$.verdict.outcome', 'pass'), complete)
      .when(sfn.Condition.stringEquals('$.verdict.outcome', 'extend'), extendBake)
      .when(sfn.Condition.stringEquals('$.verdict.outcome', 'inconclusive'), awaitDecision)
      .otherwise(planRollback),
  );
  const bake = new sfn.Wait(s, 'Bake', { time: sfn.WaitTime.timestampPath('$.roll.bakeUntil') }).next(judge);

  const body = new sfn.Parallel(s, 'BakeAndJudge', { resultPath: sfn.JsonPath.DISCARD });
  body.branch(bake);
  const crashed = b.task('RecordVerdictCrash', RELEASE_VERDICT_TASKS.RecordVerdictCrash, { resultPath: null });
  body.addCatch(crashed.next(new sfn.Succeed(s, 'VerdictCrashRecorded')), { errors: ['States.ALL'], resultPath: '$.error' });
  return body.next(new sfn.Succeed(s, 'VerdictDone'));
}
