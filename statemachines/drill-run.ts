/**
 * A scheduled drill run (EventBridge Scheduler, one schedule per criticality; or started by hand
 * with `{criticality}`): select the tenants due and reserve their drills -> run each drill as a
 * child execution, at most `drills.maxConcurrent` at once -> summarize from the drill records.
 * A drill that fails is recorded by its own execution; one whose execution crashed shows as
 * incomplete in the summary, and its lock expires with its TTL.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';

export const DRILL_RUN_TASKS = {
  SelectDueDrills: 'functions/drill/select-due-drills.ts',
  SummarizeDrillRun: 'functions/drill/summarize-drill-run.ts',
} as const;

export function defineDrillRun(b: WorkflowBuilder, maxConcurrent: number): sfn.IChainable {
  const s = b.scope;
  const at = sfn.JsonPath.stringAt;
  const select = b.task('SelectDueDrills', DRILL_RUN_TASKS.SelectDueDrills, { resultPath: '$.selection' });
  const runDrill = b.childExecution('RunDrill', 'drill', {
    // The same name the API gives an on-demand drill: `{tenantId}-drill-{drillId}`.
    name: sfn.JsonPath.format('{}-drill-{}', at('$.tenantId'), at('$.drillId')),
    input: { tenantId: at('$.tenantId'), operationId: at('$.drillId'), drillId: at('$.drillId'), actor: at('$.actor') },
  });
  // The drill's own record says what happened; the run goes on with the others.
  runDrill.addCatch(new sfn.Pass(s, 'DrillExecutionFailed', { result: sfn.Result.fromString('FAILED') }), { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  const drills = new sfn.Map(s, 'RunDueDrills', {
    itemsPath: '$.selection.drills',
    maxConcurrency: maxConcurrent,
    resultPath: sfn.JsonPath.DISCARD,
  });
  drills.itemProcessor(runDrill);
  const summarize = b.task('SummarizeDrillRun', DRILL_RUN_TASKS.SummarizeDrillRun, { resultPath: '$.summary', outputPath: '$.summary' });
  return select.next(drills).next(summarize).next(new sfn.Succeed(s, 'DrillRunDone'));
}
