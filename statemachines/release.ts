/**
 * Release (one execution per release): validate the artifact -> rehearse each distinct module set
 * on a neutralized copy (child executions) -> re-plan with the rehearsal timings -> wait for an
 * approval (task token) -> wave by wave: slots of tenants run side by side, each slot's batches one
 * after another, each batch a child execution, so this execution's history stays small whatever
 * the fleet's size, and its payload too: it carries slot and batch numbers, each batch loads its
 * tenant ids from the wave item -> the wave's verdicts (a tenant bakes and is judged in an
 * execution of its own, without holding a slot) -> the circuit breaker -> finish. Pause, abort and
 * halt are read by the handlers between tenants and waves; nothing here aborts a tenant
 * mid-migration. A release paused when its last wave ended waits here until resumed or aborted.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';
import { APPROVAL_TIMEOUT, batchRetry, MAX_CONCURRENT_REHEARSALS, releasePollInterval } from './policies.ts';

export const RELEASE_TASKS = {
  ValidateRelease: 'functions/release/validate-release.ts',
  EvaluateRehearsals: 'functions/release/evaluate-rehearsals.ts',
  AwaitApproval: 'functions/release/await-approval.ts',
  StartWave: 'functions/release/start-wave.ts',
  AwaitVerdicts: 'functions/release/await-verdicts.ts',
  EndWave: 'functions/release/end-wave.ts',
  FinishRelease: 'functions/release/finish-release.ts',
  FailRelease: 'functions/release/fail-release.ts',
} as const;

/** Errors of the approval wait that end the release without any production change. */
export const APPROVAL_ENDINGS = ['ReleaseAborted', 'ReleaseRejected', 'States.Timeout'];

export function defineRelease(b: WorkflowBuilder): sfn.IChainable {
  const s = b.scope;
  const t = (name: keyof typeof RELEASE_TASKS, resultPath: string | null) => b.task(name, RELEASE_TASKS[name], { resultPath });
  const at = sfn.JsonPath.stringAt;

  const failed = new sfn.Fail(s, 'ReleaseFailed', { error: 'ReleaseFailed', cause: 'See the release record for its status reason' });
  const failRelease = t('FailRelease', null).next(failed);
  const onFailure = <T extends sfn.TaskStateBase | sfn.Map>(state: T): T => {
    state.addCatch(failRelease, { errors: ['States.ALL'], resultPath: '$.error' });
    return state;
  };
  const stopped = new sfn.Succeed(s, 'ReleaseStopped');
  // A release still PAUSED after its last wave is neither done nor stopped: ask again every minute
  // until it is resumed (then SUCCEEDED) or aborted.
  const finish = onFailure(t('FinishRelease', '$.finish'));
  finish.next(
    new sfn.Choice(s, 'StillPaused?')
      .when(
        sfn.Condition.stringEquals('$.finish.status', 'PAUSED'),
        new sfn.Wait(s, 'WaitWhilePaused', { time: sfn.WaitTime.duration(releasePollInterval.paused) }).next(finish),
      )
      .otherwise(new sfn.Succeed(s, 'ReleaseFinished')),
  );

  // Rehearsals: one child execution per distinct module set; a crashed child is recorded by its
  // own RecordRehearsal or found missing by EvaluateRehearsals, which then rejects the release.
  const runRehearsal = b.childExecution('RunRehearsal', 'release-rehearsal', {
    name: sfn.JsonPath.format('{}-r{}', at('$.releaseId'), at('$.index')),
    input: {
      releaseId: at('$.releaseId'),
      actor: at('$.actor'),
      moduleSetKey: at('$.moduleSetKey'),
      tenantId: at('$.tenantId'),
      index: sfn.JsonPath.numberAt('$.index'),
    },
    outputPath: '$.index',
  });
  runRehearsal.addCatch(new sfn.Pass(s, 'RehearsalCrashed', { outputPath: '$.index' }), { errors: ['States.ALL'], resultPath: '$.error' });
  const rehearse = onFailure(
    new sfn.Map(s, 'Rehearse', {
      itemsPath: '$.validation.rehearsals',
      maxConcurrency: MAX_CONCURRENT_REHEARSALS,
      itemSelector: {
        releaseId: at('$.releaseId'),
        actor: at('$.actor'),
        moduleSetKey: at('$$.Map.Item.Value.moduleSetKey'),
        tenantId: at('$$.Map.Item.Value.tenantId'),
        index: sfn.JsonPath.numberAt('$$.Map.Item.Value.index'),
      },
      resultPath: sfn.JsonPath.DISCARD,
    }),
  );
  rehearse.itemProcessor(runRehearsal);

  // One batch of a slot: a child execution upgrading its tenants one after another. A failed one
  // runs again under a new name per attempt (a failed execution's name cannot be reused); the
  // tenants' own executions keep theirs, so a re-run attaches to them instead of starting twice.
  const runBatch = b.childExecution('RunBatch', 'release-batch', {
    name: sfn.JsonPath.format('{}-w{}-s{}-b{}-a{}', at('$.releaseId'), at('$.wave'), at('$.slot'), at('$.batch'), at('$$.State.RetryCount')),
    input: {
      releaseId: at('$.releaseId'),
      actor: at('$.actor'),
      wave: sfn.JsonPath.numberAt('$.wave'),
      slot: sfn.JsonPath.numberAt('$.slot'),
      batch: sfn.JsonPath.numberAt('$.batch'),
    },
    outputPath: '$.batch',
  });
  runBatch.addRetry(batchRetry);
  // A batch that failed every attempt leaves its tenants as they are; EndWave finds any not settled and halts.
  runBatch.addCatch(new sfn.Pass(s, 'BatchCrashed', { outputPath: '$.batch' }), { errors: ['States.ALL'], resultPath: '$.error' });
  const runBatches = new sfn.Map(s, 'RunBatches', {
    itemsPath: '$.batches',
    maxConcurrency: 1,
    itemSelector: {
      releaseId: at('$.releaseId'),
      actor: at('$.actor'),
      wave: sfn.JsonPath.numberAt('$.wave'),
      slot: sfn.JsonPath.numberAt('$.slot'),
      batch: sfn.JsonPath.numberAt('$$.Map.Item.Value'),
    },
    resultPath: sfn.JsonPath.DISCARD,
    outputPath: '$.slot',
  });
  runBatches.itemProcessor(runBatch);
  const runSlots = new sfn.Map(s, 'RunSlots', {
    itemsPath: '$.start.slots',
    maxConcurrencyPath: '$.start.maxConcurrency',
    itemSelector: {
      releaseId: at('$.releaseId'),
      actor: at('$.actor'),
      wave: sfn.JsonPath.numberAt('$.wave'),
      slot: sfn.JsonPath.numberAt('$$.Map.Item.Value.slot'),
      batches: sfn.JsonPath.listAt('$$.Map.Item.Value.batches'),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  runSlots.itemProcessor(runBatches);

  const rollOut = onFailure(
    new sfn.Map(s, 'RollOutWaves', {
      itemsPath: '$.rollout.waves',
      maxConcurrency: 1,
      itemSelector: { releaseId: at('$.releaseId'), actor: at('$.actor'), wave: sfn.JsonPath.numberAt('$$.Map.Item.Value') },
      resultPath: sfn.JsonPath.DISCARD,
    }),
  );
  const endWave = b.task('EndWave', RELEASE_TASKS.EndWave, { resultPath: null, outputPath: '$.wave' });
  // Tenants cut over bake and are judged in executions of their own: the wave ends with their verdicts.
  const awaitVerdicts = b.task('AwaitVerdicts', RELEASE_TASKS.AwaitVerdicts, { resultPath: '$.verdicts' });
  awaitVerdicts.next(
    new sfn.Choice(s, 'VerdictsIn?')
      .when(sfn.Condition.booleanEquals('$.verdicts.settled', true), endWave)
      .otherwise(new sfn.Wait(s, 'WaitForVerdicts', { time: sfn.WaitTime.timestampPath('$.verdicts.waitUntil') }).next(awaitVerdicts)),
  );
  rollOut.itemProcessor(t('StartWave', '$.start').next(runSlots).next(awaitVerdicts));

  const approval = b.taskWithToken('AwaitApproval', RELEASE_TASKS.AwaitApproval, { resultPath: '$.approval', timeout: APPROVAL_TIMEOUT });
  approval.addCatch(finish, { errors: APPROVAL_ENDINGS, resultPath: '$.error' });
  onFailure(approval);

  const evaluate = onFailure(t('EvaluateRehearsals', '$.rollout'));
  const validate = onFailure(t('ValidateRelease', '$.validation'));

  return validate.next(
    new sfn.Choice(s, 'ReleaseValid?')
      .when(
        sfn.Condition.booleanEquals('$.validation.ok', true),
        rehearse.next(evaluate).next(
          new sfn.Choice(s, 'RehearsalsPassed?')
            .when(sfn.Condition.booleanEquals('$.rollout.proceed', true), approval.next(rollOut).next(finish))
            .otherwise(stopped),
        ),
      )
      .otherwise(stopped),
  );
}
