/**
 * The end of a tenant's upgrade that both per-tenant machines share: completion, the human
 * decision and the rollback. `odoo-fleet-release-tenant` needs it when the upgrade fails before
 * the cut-over (still in maintenance), `odoo-fleet-release-verdict` after the bake. Built into
 * each machine from this one definition: a state machine cannot jump into another's states.
 *
 * Rollback: whatever fails in it ends the tenant FAILED, the release HALTED, and an alert.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';
import { releasePollInterval } from './policies.ts';

export const TENANT_ROLLBACK_TASKS = {
  CompleteTenant: 'functions/release/tenant/complete-tenant.ts',
  AwaitDecision: 'functions/release/tenant/await-decision.ts',
  PlanRollback: 'functions/release/tenant/plan-rollback.ts',
  EnterRollbackMaintenance: 'functions/release/tenant/enter-maintenance.ts',
  RestoreDatabase: 'functions/release/tenant/restore-database.ts',
  RevertImage: 'functions/release/tenant/revert-image.ts',
  MarkRolledBack: 'functions/release/tenant/mark-rolled-back.ts',
  MarkRollbackFailed: 'functions/release/tenant/mark-rollback-failed.ts',
} as const;

export interface TenantEndings {
  /** Completes the tenant on the new version. */
  complete: sfn.IChainable;
  /** Decides how to roll back (or whether a human must decide first), then rolls back. */
  planRollback: sfn.IChainable;
  /** Waits for a human's keep or roll back. */
  awaitDecision: sfn.IChainable;
}

/** `task`, then poll it every `interval` until `<resultPath>.ready`, then `next`. */
export function pollUntilReady(b: WorkflowBuilder, task: sfn.TaskStateBase, resultPath: string, choice: string, wait: string, interval: sfn.WaitTime, next: sfn.IChainable): sfn.TaskStateBase {
  task.next(
    new sfn.Choice(b.scope, choice)
      .when(sfn.Condition.booleanEquals(`${resultPath}.ready`, true), next)
      .otherwise(new sfn.Wait(b.scope, wait, { time: interval }).next(task)),
  );
  return task;
}

export const every = (d: (typeof releasePollInterval)[keyof typeof releasePollInterval]) => sfn.WaitTime.duration(d);

export function defineTenantEndings(b: WorkflowBuilder): TenantEndings {
  const s = b.scope;
  const t = (name: keyof typeof TENANT_ROLLBACK_TASKS, resultPath: string | null) => b.task(name, TENANT_ROLLBACK_TASKS[name], { resultPath });

  const markRollbackFailed = t('MarkRollbackFailed', null).next(new sfn.Succeed(s, 'TenantRollbackFailed'));
  const onRollbackFailure = <T extends sfn.TaskStateBase>(state: T): T => {
    state.addCatch(markRollbackFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    return state;
  };
  const markRolledBack = onRollbackFailure(t('MarkRolledBack', null)).next(new sfn.Succeed(s, 'TenantRolledBack'));
  const revertImage = pollUntilReady(b, onRollbackFailure(t('RevertImage', '$.revert')), '$.revert', 'ImageReverted?', 'WaitForRevert', every(releasePollInterval.rollout), markRolledBack);
  const restoreDatabase = pollUntilReady(
    b,
    onRollbackFailure(t('RestoreDatabase', '$.restore')),
    '$.restore',
    'DatabaseRestored?',
    'WaitForRestore',
    every(releasePollInterval.database),
    revertImage,
  );
  const restoreIfNeeded = new sfn.Choice(s, 'DatabaseToRestore?').when(sfn.Condition.booleanEquals('$.rollback.restoreDatabase', true), restoreDatabase).otherwise(revertImage);
  const rollbackMaintenance = pollUntilReady(
    b,
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
  const awaitDecision = onRollbackFailure(b.taskWithToken('AwaitDecision', TENANT_ROLLBACK_TASKS.AwaitDecision, { resultPath: '$.decision' }));
  awaitDecision.next(
    new sfn.Choice(s, 'Decision?')
      .when(sfn.Condition.stringEquals('$.decision.choice', 'keep'), complete)
      .otherwise(planRollback),
  );
  planRollback.next(
    new sfn.Choice(s, 'RollbackNeedsDecision?').when(sfn.Condition.booleanEquals('$.rollback.needsDecision', true), awaitDecision).otherwise(rollbackMaintenance),
  );
  return { complete, planRollback, awaitDecision };
}
