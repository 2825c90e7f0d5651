/**
 * One tenant's restore drill: record the restore point -> restore it into an isolated drill
 * cluster (polled) -> validate it with real SQL and the filestore -> always tear down (polled until
 * confirmed gone) -> record the outcome, evidence, metrics and event. Every failure before the
 * teardown goes to the teardown with the error; a teardown that cannot finish still ends in the
 * record (`cleanedUp: false`), and a record that cannot be written ends the operation FAILED. The
 * drill takes no operation lease: releases and failovers of the tenant go on meanwhile.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';
import { drillPollInterval } from './policies.ts';
import { pollUntilReady } from './release-rollback.ts';

export const DRILL_TASKS = {
  BeginDrill: 'functions/drill/begin-drill.ts',
  RestoreDrillTarget: 'functions/drill/restore-drill-target.ts',
  ValidateDrill: 'functions/drill/validate-drill.ts',
  TearDownDrill: 'functions/drill/tear-down-drill.ts',
  RecordDrill: 'functions/drill/record-drill.ts',
  RecordOperationFailed: 'functions/common/record-operation-failed.ts',
} as const;

export function defineDrill(b: WorkflowBuilder): sfn.IChainable {
  const s = b.scope;
  const t = (name: keyof typeof DRILL_TASKS, resultPath: string | null) => b.task(name, DRILL_TASKS[name], { resultPath });
  const every = (d: (typeof drillPollInterval)[keyof typeof drillPollInterval]) => sfn.WaitTime.duration(d);

  const recordFailed = t('RecordOperationFailed', null).next(new sfn.Fail(s, 'DrillNotRecorded', { error: 'DrillNotRecorded', cause: 'See the operation record for the error' }));
  const record = t('RecordDrill', '$.recorded');
  record.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.error' });
  record.next(new sfn.Succeed(s, 'DrillRecorded'));

  const tearDown = t('TearDownDrill', '$.teardown');
  tearDown.addCatch(record, { errors: ['States.ALL'], resultPath: '$.teardownError' });
  pollUntilReady(b, tearDown, '$.teardown', 'DrillTornDown?', 'WaitForDrillTeardown', every(drillPollInterval.teardown), record);
  const alwaysTearDown = <T extends sfn.TaskStateBase>(state: T): T => {
    state.addCatch(tearDown, { errors: ['States.ALL'], resultPath: '$.error' });
    return state;
  };

  const validate = alwaysTearDown(t('ValidateDrill', '$.validation')).next(tearDown);
  const restore = pollUntilReady(
    b,
    alwaysTearDown(t('RestoreDrillTarget', '$.restore')),
    '$.restore',
    'DrillTargetAvailable?',
    'WaitForDrillRestore',
    every(drillPollInterval.restore),
    validate,
  );
  return alwaysTearDown(t('BeginDrill', '$.begin')).next(restore);
}
