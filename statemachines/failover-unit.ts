/**
 * One unit of a failover (a cell's shared database and its tenants, or one dedicated tenant):
 * fence the old primary (time-boxed, best effort when its region is down) -> promote the DR copy
 * (switchover or failover of the global database; polled) -> scale DR compute and apply the
 * tenants' Kubernetes objects pointed at the DR database and bucket (polled) -> switch DNS ->
 * verify (database writable, `/web/health`, login; polled) -> record the tenants active in the new
 * region with their RTO and data-loss window. Any failure goes to the unit's failure record, which
 * undoes the fence when nothing was promoted and says where each tenant is.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';
import { failoverPollInterval } from './policies.ts';
import { pollUntilReady } from './release-rollback.ts';

export const FAILOVER_UNIT_TASKS = {
  FenceOldPrimary: 'functions/failover/fence-old-primary.ts',
  PromoteDatabase: 'functions/failover/promote-database.ts',
  ScaleDrCompute: 'functions/failover/scale-dr-compute.ts',
  SwitchDns: 'functions/failover/switch-dns.ts',
  VerifyFailover: 'functions/failover/verify-failover.ts',
  RecordUnit: 'functions/failover/record-unit.ts',
  RecordUnitFailed: 'functions/failover/record-unit-failed.ts',
} as const;

export function defineFailoverUnit(b: WorkflowBuilder): sfn.IChainable {
  const s = b.scope;
  const t = (name: keyof typeof FAILOVER_UNIT_TASKS, resultPath: string | null) => b.task(name, FAILOVER_UNIT_TASKS[name], { resultPath });
  const every = (d: (typeof failoverPollInterval)[keyof typeof failoverPollInterval]) => sfn.WaitTime.duration(d);

  const failed = t('RecordUnitFailed', '$.failed').next(new sfn.Fail(s, 'UnitFailed', { error: 'FailoverUnitFailed', cause: 'See the failover record for each tenant' }));
  const orFail = <T extends sfn.TaskStateBase>(state: T): T => {
    state.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
    return state;
  };
  const record = orFail(t('RecordUnit', '$.record')).next(new sfn.Succeed(s, 'UnitFailedOver'));
  const verify = pollUntilReady(b, orFail(t('VerifyFailover', '$.verify')), '$.verify', 'UnitVerified?', 'WaitForVerify', every(failoverPollInterval.verify), record);
  const dns = orFail(t('SwitchDns', '$.dns')).next(verify);
  const compute = pollUntilReady(b, orFail(t('ScaleDrCompute', '$.compute')), '$.compute', 'DrComputeReady?', 'WaitForDrCompute', every(failoverPollInterval.compute), dns);
  const promote = pollUntilReady(b, orFail(t('PromoteDatabase', '$.promote')), '$.promote', 'DatabasePromoted?', 'WaitForPromotion', every(failoverPollInterval.promote), compute);
  return orFail(t('FenceOldPrimary', '$.fence')).next(promote);
}
