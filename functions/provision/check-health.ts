/**
 * Is the tenant's Odoo really serving? `/web/health` must answer and the admin must be able to log
 * in over JSON-RPC. Polled while the pods start; after a bounded number of tries the step fails.
 */
import { readSecretJson } from '#shared/cloud/adapters/secrets.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { AppError, validationError } from '#shared/lib/errors.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';

type State = WorkflowState & { plan: { region: string; hostname: string }; health?: { attempts?: number } };

export const MAX_HEALTH_ATTEMPTS = 60;

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state, tenant: loadTenant }) => {
  const tenant = await loadTenant();
  const { region, hostname } = state.plan;
  const attempts = (state.health?.attempts ?? 0) + 1;
  const c = cloud();
  const probe = c.probe(region);
  const health = await probe.health(hostname);
  let login: { ok: boolean; detail?: string } = { ok: false, detail: 'not tried: health failed' };
  if (health.ok) {
    if (!tenant.resources.adminSecretArn || !tenant.resources.database) throw validationError('admin secret and database must exist before the health check');
    const admin = (await readSecretJson(c.secrets(region), tenant.resources.adminSecretArn)) as { login?: string; password?: string };
    login = await probe.login(hostname, tenant.resources.database.databaseName, admin.login ?? 'admin', admin.password ?? '');
  }
  const ready = health.ok && login.ok;
  if (!ready && attempts >= MAX_HEALTH_ATTEMPTS) {
    throw new AppError('ResourceFailed', `tenant did not become healthy after ${attempts} checks: health ${health.status}${health.detail ? ` (${health.detail})` : ''}, login ${login.ok ? 'ok' : (login.detail ?? 'failed')}`);
  }
  return { ready, attempts, httpStatus: health.status, login: login.ok };
});
