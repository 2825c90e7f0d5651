/**
 * Initialises the Odoo database with a Kubernetes Job (`odoo -i base --stop-after-init`), never in
 * the web pods. Creates the Job if it is not there, then reports its status; the state machine
 * polls until it succeeds. A failed Job fails the step (and the workflow compensates).
 */
import { cloud } from '#shared/cloud/clients.ts';
import { applyObjects, jobStatus } from '#shared/cloud/kubernetes-workloads.ts';
import { renderInitJob } from '#shared/domain/k8s-bundle.ts';
import { names } from '#shared/domain/names.ts';
import { resourceFailed, validationError } from '#shared/lib/errors.ts';
import { assertWithinDeadline, pollSince } from '#shared/lib/polling.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';
import { FIELD_MANAGER } from './apply-kubernetes.ts';

type State = WorkflowState & { plan: { region: string; cluster: string; namespace: string }; init?: { since?: string } };

const MAX_WAIT_SECONDS = 1800;

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state, now, tenant: loadTenant }) => {
  const tenant = await loadTenant();
  const { region, cluster, namespace } = state.plan;
  const database = tenant.resources.database;
  if (!database) throw validationError('the database must exist before Odoo is initialised');
  const api = await cloud().kubernetes(region, cluster);
  const jobName = names.initJobName(state.operationId);
  const since = pollSince(state.init, now());

  let status = await jobStatus(api, namespace, jobName);
  if (status === 'absent') {
    const job = renderInitJob({
      tenantId: tenant.tenantId,
      image: tenant.release.image,
      operationId: state.operationId,
      databaseName: database.databaseName,
      modules: tenant.release.modules,
    });
    await applyObjects(api, [job], FIELD_MANAGER);
    status = 'running';
  }
  if (status === 'failed') throw resourceFailed(`Odoo initialisation job ${jobName} failed`);
  if (status !== 'succeeded') {
    assertWithinDeadline(`Odoo initialisation job ${jobName}`, since, now(), MAX_WAIT_SECONDS);
    return { ready: false, since, job: jobName, status };
  }
  return { ready: true, job: jobName, status };
});
