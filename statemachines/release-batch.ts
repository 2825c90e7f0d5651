/**
 * One batch of a release slot: its lanes of tenant ids loaded from the wave item (the parent passes
 * only the wave, slot and batch numbers), then its lanes side by side, each lane's tenants one after
 * another (a lane is a run of one cell's tenants: the wave's start made the caps hold). Before each tenant the
 * gate decides (release paused, halted or aborted, wave budget spent, tenant not ACTIVE, window
 * closed); a tenant that may start is upgraded in its own child execution, named after the release
 * and the tenant, so a replayed or retried batch attaches to the running upgrade instead of
 * starting a second one.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowBuilder } from './builder.ts';

export const RELEASE_BATCH_TASKS = {
  LoadBatch: 'functions/release/load-batch.ts',
  GateTenant: 'functions/release/gate-tenant.ts',
  RecordTenantCrash: 'functions/release/record-tenant-crash.ts',
} as const;

export function defineReleaseBatch(b: WorkflowBuilder): sfn.IChainable {
  const s = b.scope;
  const at = sfn.JsonPath.stringAt;
  // Only the tenant id leaves an iteration: the batch's Map collects every iteration's output.
  const done = new sfn.Succeed(s, 'TenantDone', { outputPath: '$.tenantId' });

  const upgrade = b.childExecution('UpgradeTenant', 'release-tenant', {
    name: sfn.JsonPath.format('{}-{}', at('$.releaseId'), at('$.tenantId')),
    input: {
      releaseId: at('$.releaseId'),
      actor: at('$.actor'),
      wave: sfn.JsonPath.numberAt('$.wave'),
      tenantId: at('$.tenantId'),
      operationId: at('$.gate.operationId'),
    },
  });
  // The tenant's own workflow failed outright (not a rollback: those end in Succeed with the
  // outcome recorded): record what is known so the tenant never stays in a non-final outcome.
  upgrade.addCatch(b.task('RecordTenantCrash', RELEASE_BATCH_TASKS.RecordTenantCrash, { resultPath: null }).next(done), {
    errors: ['States.ALL'],
    resultPath: '$.error',
  });
  upgrade.next(done);

  const gate = b.task('GateTenant', RELEASE_BATCH_TASKS.GateTenant, { resultPath: '$.gate' });
  const waitForGate = new sfn.Wait(s, 'WaitForGate', { time: sfn.WaitTime.timestampPath('$.gate.waitUntil') }).next(gate);
  gate.next(
    new sfn.Choice(s, 'TenantMayStart?')
      .when(sfn.Condition.stringEquals('$.gate.action', 'start'), upgrade)
      .when(sfn.Condition.stringEquals('$.gate.action', 'wait'), waitForGate)
      .otherwise(done),
  );

  const tenants = new sfn.Map(s, 'UpgradeTenants', {
    itemsPath: '$.tenantIds',
    maxConcurrency: 1,
    itemSelector: {
      releaseId: at('$.releaseId'),
      actor: at('$.actor'),
      wave: sfn.JsonPath.numberAt('$.wave'),
      tenantId: at('$$.Map.Item.Value'),
    },
    resultPath: sfn.JsonPath.DISCARD,
    outputPath: '$.wave',
  });
  tenants.itemProcessor(gate);
  // No MaxConcurrency: a batch has no more lanes than its slot's width, which the wave's start bounds.
  const lanes = new sfn.Map(s, 'UpgradeLanes', {
    itemsPath: '$.lanes',
    itemSelector: {
      releaseId: at('$.releaseId'),
      actor: at('$.actor'),
      wave: sfn.JsonPath.numberAt('$.wave'),
      tenantIds: sfn.JsonPath.listAt('$$.Map.Item.Value'),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  lanes.itemProcessor(tenants);
  const load = b.task('LoadBatch', RELEASE_BATCH_TASKS.LoadBatch, { resultPath: '$.lanes' });
  return load.next(lanes).next(new sfn.Succeed(s, 'BatchDone'));
}
