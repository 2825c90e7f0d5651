/**
 * One tenant's upgrade up to its cut-over, every step recorded on the tenant's RELEASE operation:
 * lease -> pre-flight (backup fresh, PITR point, pre-change copy) -> maintenance -> pre-change copy
 * ready -> one upgrade Job -> roll web/worker to the new image -> start the tenant's verdict
 * (`odoo-fleet-release-verdict`: bake, verdict, completion or rollback) and end. The batch waits
 * for this execution only, so a tenant holds its concurrency slot while it loads its cell (the
 * migration and the roll) and not while it bakes; the wave's end waits for the verdicts.
 *
 * A failure before the cut-over rolls back here, still in maintenance (the image, and the database
 * when the migration ran); every path ends with the tenant cut over (its verdict started), ACTIVE
 * on a known version, or FAILED with the release halted.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';
import { LEASE_ERRORS, releasePollInterval } from './policies.ts';
import { VERDICT_EXECUTION_SUFFIX } from '#shared/domain/release-names.ts';
import { defineTenantEndings, every, pollUntilReady, TENANT_ROLLBACK_TASKS } from './release-rollback.ts';

export const RELEASE_TENANT_TASKS = {
  AcquireLease: 'functions/common/acquire-lease.ts',
  Preflight: 'functions/release/tenant/preflight.ts',
  SkipTenant: 'functions/release/tenant/skip-tenant.ts',
  EnterMaintenance: 'functions/release/tenant/enter-maintenance.ts',
  TakePreChangeCopy: 'functions/release/tenant/take-pre-change-copy.ts',
  RunUpgradeJob: 'functions/release/tenant/run-upgrade-job.ts',
  RollToNewImage: 'functions/release/tenant/roll-to-new-image.ts',
  ...TENANT_ROLLBACK_TASKS,
} as const;

export function defineReleaseTenant(b: WorkflowBuilder): sfn.IChainable {
  const s = b.scope;
  const t = (name: keyof typeof RELEASE_TENANT_TASKS, resultPath: string | null) => b.task(name, RELEASE_TENANT_TASKS[name], { resultPath });
  const at = sfn.JsonPath.stringAt;
  const { planRollback } = defineTenantEndings(b);

  // Cut over: the verdict runs on in its own execution. Starting it is idempotent by name: a
  // replayed start finds it (AWS answers a running execution of the same name and input with it).
  const startVerdict = b.startExecution('StartVerdict', 'release-verdict', {
    name: sfn.JsonPath.format(`{}-{}${VERDICT_EXECUTION_SUFFIX}`, at('$.releaseId'), at('$.tenantId')),
    input: {
      releaseId: at('$.releaseId'),
      actor: at('$.actor'),
      wave: sfn.JsonPath.numberAt('$.wave'),
      tenantId: at('$.tenantId'),
      operationId: at('$.operationId'),
      roll: sfn.JsonPath.objectAt('$.roll'),
    },
  });
  const cutOver = new sfn.Succeed(s, 'TenantCutOver');
  startVerdict.addCatch(cutOver, { errors: ['StepFunctions.ExecutionAlreadyExistsException'], resultPath: sfn.JsonPath.DISCARD });
  startVerdict.next(cutOver);

  // Upgrade: any failure from maintenance to the roll rolls back.
  const onUpgradeFailure = <T extends sfn.TaskStateBase>(state: T): T => {
    state.addCatch(planRollback, { errors: ['States.ALL'], resultPath: '$.error' });
    return state;
  };
  const roll = pollUntilReady(b, onUpgradeFailure(t('RollToNewImage', '$.roll')), '$.roll', 'NewImageRolledOut?', 'WaitForRollout', every(releasePollInterval.rollout), startVerdict);
  const upgrade = pollUntilReady(b, onUpgradeFailure(t('RunUpgradeJob', '$.upgrade')), '$.upgrade', 'UpgradeJobDone?', 'WaitForUpgradeJob', every(releasePollInterval.upgradeJob), roll);
  const copy = pollUntilReady(b, onUpgradeFailure(t('TakePreChangeCopy', '$.copy')), '$.copy', 'PreChangeCopyReady?', 'WaitForPreChangeCopy', every(releasePollInterval.database), upgrade);
  const maintenance = pollUntilReady(b, onUpgradeFailure(t('EnterMaintenance', '$.maintenance')), '$.maintenance', 'InMaintenance?', 'WaitForMaintenance', every(releasePollInterval.maintenance), copy);

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
