/**
 * One tenant's upgrade, every step recorded on the tenant's RELEASE operation: lease -> pre-flight
 * (backup fresh, PITR point, pre-change copy) -> maintenance -> pre-change copy ready -> one upgrade
 * Job -> roll web/worker to the new image -> bake -> verdict. Pass completes the tenant; fail rolls
 * back (the image, and the database when the migration ran and nobody has written since); an
 * inconclusive verdict, or a restore that would lose users' writes, waits for a human decision.
 * Every path ends with the tenant ACTIVE on a known version, or FAILED with the release halted.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';
import { LEASE_ERRORS, releasePollInterval } from './policies.ts';

export const RELEASE_TENANT_TASKS = {
  AcquireLease: 'functions/common/acquire-lease.ts',
  Preflight: 'functions/release/tenant/preflight.ts',
  SkipTenant: 'functions/release/tenant/skip-tenant.ts',
  EnterMaintenance: 'functions/release/tenant/enter-maintenance.ts',
  TakePreChangeCopy: 'functions/release/tenant/take-pre-change-copy.ts',
  RunUpgradeJob: 'functions/release/tenant/run-upgrade-job.ts',
  RollToNewImage: 'functions/release/tenant/roll-to-new-image.ts',
  JudgeBake: 'functions/release/tenant/judge-bake.ts',
  CompleteTenant: 'functions/release/tenant/complete-tenant.ts',
  AwaitDecision: 'functions/release/tenant/await-decision.ts',
  PlanRollback: 'functions/release/tenant/plan-rollback.ts',
  EnterRollbackMaintenance: 'functions/release/tenant/enter-maintenance.ts',
  RestoreDatabase: 'functions/release/tenant/restore-database.ts',
  RevertImage: 'functions/release/tenant/revert-image.ts',
  MarkRolledBack: 'functions/release/tenant/mark-rolled-back.ts',
  MarkRollbackFailed: 'functions/release/tenant/mark-rollback-failed.ts',
} as const;

export function defineReleaseTenant(b: WorkflowBuilder): sfn.IChainable {
  const s = b.scope;
  const t = (name: keyof typeof RELEASE_TENANT_TASKS, resultPath: string | null) => b.task(name, RELEASE_TENANT_TASKS[name], { resultPath });
  const ready = (path: string) => sfn.Condition.booleanEquals(path, true);
  /** `task`, then poll it every `interval` until `<resultPath>.ready`, then `next`. */
  const pollUntilReady = (task: sfn.TaskStateBase, resultPath: string, choice: string, wait: string, interval: sfn.WaitTime, next: sfn.IChainable) => {
    task.next(
      new sfn.Choice(s, choice)
        .when(ready(`${resultPath}.ready`), next)
        .otherwise(new sfn.Wait(s, wait, { time: interval }).next(task)),
    );
    return task;
  };
  const every = (d: (typeof releasePollInterval)[keyof typeof releasePollInterval]) => sfn.WaitTime.duration(d);

  // Rollback: whatever fails here ends the tenant FAILED, the release HALTED, and an alert.
  const markRollbackFailed = t('MarkRollbackFailed', null).next(new sfn.Succeed(s, 'TenantRollbackFailed'));
  const onRollbackFailure = <T extends sfn.TaskStateBase>(state: T): T => {
    state.addCatch(markRollbackFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    return state;
  };
  const markRolledBack = onRollbackFailure(t('MarkRolledBack', null)).next(new sfn.Succeed(s, 'TenantRolledBack'));
  const revertImage = pollUntilReady(onRollbackFailure(t('RevertImage', '$.revert')), '$.revert', 'ImageReverted?', 'WaitForRevert', every(releasePollInterval.rollout), markRolledBack);
  const restoreDatabase = pollUntilReady(
    onRollbackFailure(t('RestoreDatabase', '$.restore')),
    '$.restore',
    'DatabaseRestored?',
    'WaitForRestore',
    every(releasePollInterval.database),
    revertImage,
  );
  const restoreIfNeeded = new sfn.Choice(s, 'DatabaseToRestore?').when(sfn.Condition.booleanEquals('$.rollback.restoreDatabase', true), restoreDatabase).otherwise(revertImage);
  const rollbackMaintenance = pollUntilReady(
    onRollbackFailure(t('EnterRollbackMaintenance', '$.maintenance')),
    '$.maintenance',
    'InRollbackMaintenance?',
    'WaitForRollbackMaintenance',
    every(releasePollInterval.maintenance),
    restoreIfNeeded,
  );

  const complete = t('CompleteTenant', null).next(new sfn.Succeed(s, 'TenantUpgraded'));
  const planRollback = onRollbackFailure(t('PlanRollback', '$.rollback'));
  // No timeout: a human must decide; the execution's own timeout bounds the wait.
  const awaitDecision = onRollbackFailure(b.taskWithToken('AwaitDecision', RELEASE_TENANT_TASKS.AwaitDecision, { resultPath: '$.decision' }));
  awaitDecision.next(
    new sfn.Choice(s, 'Decision?')
      .when(sfn.Condition.stringEquals('$.decision.choice', 'keep'), complete)
      .otherwise(planRollback),
  );
  planRollback.next(
    new sfn.Choice(s, 'RollbackNeedsDecision?').when(sfn.Condition.booleanEquals('$.rollback.needsDecision', true), awaitDecision).otherwise(rollbackMaintenance),
  );

  // Upgrade: any failure from maintenance to the verdict rolls back.
  const onUpgradeFailure = <T extends sfn.TaskStateBase>(state: T): T => {
    state.addCatch(planRollback, { errors: ['States.ALL'], resultPath: '$.error' });
    return state;
  };
  const judge = onUpgradeFailure(t('JudgeBake', '$.verdict'));
  const extendBake = new sfn.Wait(s, 'ExtendBake', { time: sfn.WaitTime.timestampPath('$.verdict.bakeUntil') }).next(judge);
  judge.next(
    new sfn.Choice(s, 'Verdict?')
      .when(sfn.Condition.stringEquals('$.verdict.outcome', 'pass'), complete)
      .when(sfn.Condition.stringEquals('$.verdict.outcome', 'extend'), extendBake)
      .when(sfn.Condition.stringEquals('$.verdict.outcome', 'inconclusive'), awaitDecision)
      .otherwise(planRollback),
  );
  const bake = new sfn.Wait(s, 'Bake', { time: sfn.WaitTime.timestampPath('$.roll.bakeUntil') }).next(judge);
  const roll = pollUntilReady(onUpgradeFailure(t('RollToNewImage', '$.roll')), '$.roll', 'NewImageRolledOut?', 'WaitForRollout', every(releasePollInterval.rollout), bake);
  const upgrade = pollUntilReady(onUpgradeFailure(t('RunUpgradeJob', '$.upgrade')), '$.upgrade', 'UpgradeJobDone?', 'WaitForUpgradeJob', every(releasePollInterval.upgradeJob), roll);
  const copy = pollUntilReady(onUpgradeFailure(t('TakePreChangeCopy', '$.copy')), '$.copy', 'PreChangeCopyReady?', 'WaitForPreChangeCopy', every(releasePollInterval.database), upgrade);
  const maintenance = pollUntilReady(onUpgradeFailure(t('EnterMaintenance', '$.maintenance')), '$.maintenance', 'InMaintenance?', 'WaitForMaintenance', every(releasePollInterval.maintenance), copy);

  // Before any change: a tenant that cannot start is skipped, untouched.
  const skip = t('SkipTenant', null).next(new sfn.Succeed(s, 'TenantSkipped'));
  const acquire = t('AcquireLease', null);
  acquire.addCatch(skip, { errors: LEASE_ERRORS, resultPath: '$.error' });
  const preflight = t('Preflight', '$.preflight');
  // A pre-flight that cannot complete (the snapshot call refused, say) changed nothing either.
  preflight.addCatch(skip, { errors: ['States.ALL'], resultPath: '$.error' });

  return acquire
    .next(preflight)
    .next(new sfn.Choice(s, 'PreflightPassed?').when(sfn.Condition.booleanEquals('$.preflight.ok', true), maintenance).otherwise(skip));
}
