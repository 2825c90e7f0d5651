/**
 * Validates the restore with real SQL on the restored database (through the RDS Data API of the
 * drill cluster, with its own master secret: nothing reaches production) and the tenant's
 * filestore as of the restore point: connect, Odoo schema, the tenant's recorded modules installed,
 * core tables not empty, the newest committed data (heartbeat and business `write_date`), and a
 * sample of attachments present in the filestore. Every check goes on the record with its figures;
 * the validation time ends the RTO when every check passed.
 */
import { cloud } from '#shared/cloud/clients.ts';
import { dataApiRunner, s3FilestoreProbe, validateRestore } from '#shared/cloud/drill-validation.ts';
import { filestoreLocation } from '#shared/domain/fleet-lookup.ts';
import { resourceFailed } from '#shared/lib/errors.ts';
import { advanceDrill, type DrillState } from '#shared/lib/drill-step.ts';
import { workflowStep } from '#shared/lib/workflow-step.ts';

export const handler = workflowStep<DrillState, NonNullable<DrillState['validation']>>(async ({ state, repo, config, now }) => {
  const begun = state.begin;
  const restore = state.restore;
  if (!begun || !restore?.clusterArn || !restore.secretArn) throw resourceFailed('the drill target is not restored yet');
  const tenant = await repo.requireTenant(state.tenantId);
  const filestore = tenant.resources.filestore ?? filestoreLocation(config, tenant.tenantId, tenant.placement, begun.region);

  const result = await validateRestore({
    sql: dataApiRunner(cloud().rdsData(begun.region), { resourceArn: restore.clusterArn, secretArn: restore.secretArn, database: begun.databaseName }),
    filestore: s3FilestoreProbe(cloud().s3(begun.region), filestore.bucket),
    filestorePrefix: filestore.prefix,
    expectedModules: [...new Set(['base', ...tenant.release.modules])],
    restorePoint: new Date(begun.restorePoint),
    attachmentSample: config.drills.attachmentSample,
  });
  const validatedAt = now().toISOString();
  await advanceDrill(
    repo,
    state,
    (d) => ({
      ...d,
      // The restore-point check was recorded by the first step; a retried validation replaces its own.
      checks: [...d.checks.filter((c) => c.name === 'restore-point'), ...result.checks],
      newestData: result.newestData,
      validatedAt,
    }),
    'Validated',
  );
  return { passed: result.passed };
});
