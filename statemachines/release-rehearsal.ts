/**
 * Rehearsal of a release on one module set: restore a neutralized copy of a representative tenant
 * (crons and outgoing mail off) in isolation, run the upgrade Job with the new image there, time
 * it, check the result, and always tear the copy down, whatever failed before, then record it.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';
import { releasePollInterval } from './policies.ts';

export const RELEASE_REHEARSAL_TASKS = {
  PrepareRehearsalCopy: 'functions/release/rehearsal/prepare-rehearsal-copy.ts',
  NeutralizeCopy: 'functions/release/rehearsal/neutralize-copy.ts',
  RunRehearsalUpgrade: 'functions/release/rehearsal/run-rehearsal-upgrade.ts',
  CheckRehearsal: 'functions/release/rehearsal/check-rehearsal.ts',
  TearDownRehearsal: 'functions/release/rehearsal/tear-down-rehearsal.ts',
  RecordRehearsal: 'functions/release/rehearsal/record-rehearsal.ts',
} as const;

export function defineReleaseRehearsal(b: WorkflowBuilder): sfn.IChainable {
  const s = b.scope;
  const t = (name: keyof typeof RELEASE_REHEARSAL_TASKS, resultPath: string | null) => b.task(name, RELEASE_REHEARSAL_TASKS[name], { resultPath });
  const pollUntilReady = (task: sfn.TaskStateBase, resultPath: string, choice: string, wait: string, interval: sfn.WaitTime, next: sfn.IChainable) => {
    task.next(
      new sfn.Choice(s, choice)
        .when(sfn.Condition.booleanEquals(`${resultPath}.ready`, true), next)
        .otherwise(new sfn.Wait(s, wait, { time: interval }).next(task)),
    );
    return task;
  };

  const record = t('RecordRehearsal', null).next(new sfn.Succeed(s, 'RehearsalRecorded'));
  const tearDown = t('TearDownRehearsal', '$.teardown');
  // Teardown that cannot finish is recorded (cleanedUp false) on the release, so the leftover copy,
  // tagged as a rehearsal, is known and can be removed.
  tearDown.addCatch(record, { errors: ['States.ALL'], resultPath: '$.teardownError' });
  pollUntilReady(tearDown, '$.teardown', 'RehearsalTornDown?', 'WaitForTearDown', sfn.WaitTime.duration(releasePollInterval.teardown), record);
  const alwaysTearDown = <T extends sfn.TaskStateBase>(state: T): T => {
    state.addCatch(tearDown, { errors: ['States.ALL'], resultPath: '$.error' });
    return state;
  };

  const check = alwaysTearDown(t('CheckRehearsal', '$.check')).next(tearDown);
  const upgrade = pollUntilReady(
    alwaysTearDown(t('RunRehearsalUpgrade', '$.upgrade')),
    '$.upgrade',
    'RehearsalUpgradeDone?',
    'WaitForRehearsalUpgrade',
    sfn.WaitTime.duration(releasePollInterval.upgradeJob),
    check,
  );
  const neutralize = alwaysTearDown(t('NeutralizeCopy', '$.neutralize')).next(upgrade);
  return pollUntilReady(
    alwaysTearDown(t('PrepareRehearsalCopy', '$.copy')),
    '$.copy',
    'RehearsalCopyReady?',
    'WaitForRehearsalCopy',
    sfn.WaitTime.duration(releasePollInterval.database),
    neutralize,
  );
}
