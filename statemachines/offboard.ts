/**
 * Offboard: validate -> lease -> scale to 0 -> final backup (snapshot or dump) and filestore export
 * -> grace period -> delete everything -> DELETED, only once every resource is confirmed gone.
 * A failure leaves the tenant FAILED with what still exists recorded; offboarding can be requested
 * again and resumes, since every step is an ensure.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';
import { LEASE_ERRORS, pollInterval } from './policies.ts';

export const OFFBOARD_TASKS = {
  ValidateOffboardRequest: 'functions/offboard/validate-request.ts',
  AcquireTenantLease: 'functions/common/acquire-lease.ts',
  ScaleTenantToZero: 'functions/offboard/scale-to-zero.ts',
  TakeFinalBackup: 'functions/offboard/take-final-backup.ts',
  ExportFilestore: 'functions/offboard/export-filestore.ts',
  DeleteTenantResources: 'functions/common/remove-tenant-resources.ts',
  MarkTenantDeleted: 'functions/offboard/mark-deleted.ts',
  MarkOffboardFailed: 'functions/offboard/mark-failed.ts',
  RecordOperationFailed: 'functions/common/record-operation-failed.ts',
} as const;

export function defineOffboard(b: WorkflowBuilder): sfn.IChainable {
  const s = b.scope;
  const t = (name: keyof typeof OFFBOARD_TASKS, resultPath: string | null) => b.task(name, OFFBOARD_TASKS[name], { resultPath });
  const waitLoop = (id: string, time: sfn.WaitTime, next: sfn.IChainable) => new sfn.Wait(s, id, { time }).next(next);

  const failed = new sfn.Fail(s, 'OffboardingFailed', { error: 'OffboardingFailed', cause: 'See the operation record for the failed step and its error' });
  const markFailed = t('MarkOffboardFailed', null).next(failed);
  const onFailure = <T extends sfn.TaskStateBase>(state: T): T => {
    state.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    return state;
  };
  const leaseLost = t('RecordOperationFailed', null).next(new sfn.Fail(s, 'TenantBusy', { error: 'LeaseHeld', cause: 'Another operation holds the tenant' }));

  const validate = onFailure(t('ValidateOffboardRequest', '$.plan'));
  const acquire = t('AcquireTenantLease', null);
  acquire.addCatch(leaseLost, { errors: LEASE_ERRORS, resultPath: '$.error' });
  acquire.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.error' });

  const backup = onFailure(t('TakeFinalBackup', '$.backup'));
  const exportFilestore = onFailure(t('ExportFilestore', '$.export'));
  const remove = onFailure(t('DeleteTenantResources', '$.deletion'));
  const deleted = onFailure(t('MarkTenantDeleted', null)).next(new sfn.Succeed(s, 'TenantDeleted'));

  const grace = new sfn.Wait(s, 'WaitGracePeriod', { time: sfn.WaitTime.secondsPath('$.plan.graceSeconds') }).next(remove);
  remove.next(
    new sfn.Choice(s, 'AllResourcesGone?')
      .when(sfn.Condition.booleanEquals('$.deletion.done', true), deleted)
      .otherwise(waitLoop('WaitForDeletion', sfn.WaitTime.duration(pollInterval.deletion), remove)),
  );
  exportFilestore.next(
    new sfn.Choice(s, 'FilestoreExported?').when(sfn.Condition.booleanEquals('$.export.done', true), grace).otherwise(exportFilestore),
  );
  backup.next(
    new sfn.Choice(s, 'FinalBackupTaken?')
      .when(sfn.Condition.booleanEquals('$.backup.done', true), exportFilestore)
      .otherwise(waitLoop('WaitForFinalBackup', sfn.WaitTime.duration(pollInterval.database), backup)),
  );

  return validate.next(acquire).next(onFailure(t('ScaleTenantToZero', '$.scaled'))).next(backup);
}
