/**
 * Provision: validate -> lease -> (database then its DR copy | filestore | compute) in parallel ->
 * Kubernetes objects -> DNS -> Odoo init Job -> health check -> ACTIVE. Slow resources are awaited
 * with Wait loops. The DR copy (a dedicated tenant's global secondary) follows its database in the
 * same branch, so it is made while compute is still coming up and a tenant is never ACTIVE without it.
 * Any failure after the lease compensates in reverse (CompensateTenant deletes whatever exists,
 * polling until all is confirmed gone) and marks the tenant FAILED with the reason.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';
import { LEASE_ERRORS, pollInterval, TASK_TIMEOUT } from './policies.ts';

export const PROVISION_TASKS = {
  ValidateProvisionRequest: 'functions/provision/validate-request.ts',
  AcquireTenantLease: 'functions/common/acquire-lease.ts',
  EnsureTenantDatabase: 'functions/provision/ensure-database.ts',
  EnsureTenantDrCopy: 'functions/provision/ensure-dr-copy.ts',
  EnsureTenantFilestore: 'functions/provision/ensure-filestore.ts',
  EnsureTenantCompute: 'functions/provision/ensure-compute.ts',
  ApplyKubernetesObjects: 'functions/provision/apply-kubernetes.ts',
  EnsureTenantDnsRecord: 'functions/provision/ensure-dns.ts',
  EnsureOdooInitialised: 'functions/provision/ensure-odoo-init.ts',
  CheckTenantHealth: 'functions/provision/check-health.ts',
  ActivateTenant: 'functions/provision/activate-tenant.ts',
  CompensateTenant: 'functions/common/remove-tenant-resources.ts',
  MarkTenantFailed: 'functions/provision/mark-failed.ts',
  RecordOperationFailed: 'functions/common/record-operation-failed.ts',
} as const;

export function defineProvision(b: WorkflowBuilder): sfn.IChainable {
  const s = b.scope;
  const t = (name: keyof typeof PROVISION_TASKS, resultPath: string | null) =>
    b.task(name, PROVISION_TASKS[name], { resultPath });
  const waitLoop = (id: string, seconds: sfn.WaitTime, next: sfn.IChainable) => new sfn.Wait(s, id, { time: seconds }).next(next);

  // Failure handling
  const failed = new sfn.Fail(s, 'ProvisioningFailed', { error: 'ProvisioningFailed', cause: 'See the operation record for the failed step and its error' });
  const markFailed = t('MarkTenantFailed', null).next(failed);
  const compensate = t('CompensateTenant', '$.compensation');
  // Compensation that cannot finish (a region down) still ends the operation: FAILED, with what
  // remains listed on the tenant record, never a RUNNING operation nobody will finish.
  compensate.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.compensationError' });
  compensate.next(
    new sfn.Choice(s, 'TenantResourcesRemoved?')
      .when(sfn.Condition.booleanEquals('$.compensation.done', true), markFailed)
      .otherwise(waitLoop('WaitForCompensation', sfn.WaitTime.duration(pollInterval.deletion), compensate)),
  );
  // Sibling branches' Lambdas may still be running when a Parallel fails: let them finish first.
  const settle = new sfn.Wait(s, 'WaitForInFlightTasks', { time: sfn.WaitTime.duration(TASK_TIMEOUT) }).next(compensate);
  const leaseLost = t('RecordOperationFailed', null).next(new sfn.Fail(s, 'TenantBusy', { error: 'LeaseHeld', cause: 'Another operation holds the tenant' }));
  const onFailure = <T extends sfn.TaskStateBase | sfn.Parallel>(state: T): T => {
    state.addCatch(settle, { errors: ['States.ALL'], resultPath: '$.error' });
    return state;
  };

  // Database branch: create, then poll until available; then its DR copy, polled the same way.
  const ensureDatabase = t('EnsureTenantDatabase', '$.database');
  const ensureDrCopy = t('EnsureTenantDrCopy', '$.dr');
  const drCopy = ensureDrCopy.next(
    new sfn.Choice(s, 'DrCopyAvailable?')
      .when(sfn.Condition.booleanEquals('$.dr.ready', true), new sfn.Pass(s, 'DrCopyReady'))
      .otherwise(waitLoop('WaitForDrCopy', sfn.WaitTime.duration(pollInterval.database), ensureDrCopy)),
  );
  const databaseBranch = ensureDatabase.next(
    new sfn.Choice(s, 'DatabaseAvailable?')
      .when(sfn.Condition.booleanEquals('$.database.ready', true), new sfn.Pass(s, 'DatabaseReady').next(drCopy))
      .otherwise(waitLoop('WaitForDatabase', sfn.WaitTime.duration(pollInterval.database), ensureDatabase)),
  );
  const filestoreBranch = t('EnsureTenantFilestore', '$.filestore');
  const ensureCompute = t('EnsureTenantCompute', '$.compute');
  const computeBranch = ensureCompute.next(
    new sfn.Choice(s, 'ComputeAvailable?')
      .when(sfn.Condition.booleanEquals('$.compute.ready', true), new sfn.Pass(s, 'ComputeReady'))
      .otherwise(waitLoop('WaitForCompute', sfn.WaitTime.duration(pollInterval.nodegroup), ensureCompute)),
  );
  const resources = onFailure(
    new sfn.Parallel(s, 'EnsureTenantResources', {
      resultSelector: { 'database.$': '$[0].database', 'dr.$': '$[0].dr', 'filestore.$': '$[1].filestore', 'compute.$': '$[2].compute' },
      resultPath: '$.resources',
    })
      .branch(databaseBranch)
      .branch(filestoreBranch)
      .branch(computeBranch),
  );

  const ensureInit = onFailure(t('EnsureOdooInitialised', '$.init'));
  const checkHealth = onFailure(t('CheckTenantHealth', '$.health'));
  const activate = onFailure(t('ActivateTenant', null)).next(new sfn.Succeed(s, 'TenantActive'));

  const acquire = t('AcquireTenantLease', null);
  acquire.addCatch(leaseLost, { errors: LEASE_ERRORS, resultPath: '$.error' });
  acquire.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.error' });
  const validate = t('ValidateProvisionRequest', '$.plan');
  validate.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.error' });

  return validate
    .next(acquire)
    .next(resources)
    .next(onFailure(t('ApplyKubernetesObjects', '$.kubernetes')))
    .next(onFailure(t('EnsureTenantDnsRecord', '$.dns')))
    .next(ensureInit)
    .next(
      new sfn.Choice(s, 'OdooInitialised?')
        .when(
          sfn.Condition.booleanEquals('$.init.ready', true),
          checkHealth.next(
            new sfn.Choice(s, 'TenantHealthy?')
              .when(sfn.Condition.booleanEquals('$.health.ready', true), activate)
              .otherwise(waitLoop('WaitForHealth', sfn.WaitTime.duration(pollInterval.health), checkHealth)),
          ),
        )
        .otherwise(waitLoop('WaitForOdooInit', sfn.WaitTime.duration(pollInterval.kubernetes), ensureInit)),
    );
}
