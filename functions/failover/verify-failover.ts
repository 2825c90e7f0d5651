/**
 * Proves each tenant serves from the new region: its database takes a write (a heartbeat row
 * through the Data API of the promoted cluster), `/web/health` answers through its host name, and
 * the admin logs in over JSON-RPC (the admin secret's replica in the new region). Polled while
 * pods and DNS settle; each tenant's time of proof is kept (its RTO ends there). After
 * `MAX_VERIFY_ATTEMPTS` passes with a tenant still failing, the step fails with what failed.
 */
import { readSecretJson } from '#shared/cloud/adapters/secrets.ts';
import { writeHeartbeat } from '#shared/cloud/adapters/heartbeat.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { dataTargetIn } from '#shared/domain/fleet-lookup.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { resourceFailed } from '#shared/lib/errors.ts';
import { failoverUnitStep, type UnitState } from '#shared/lib/failover-step.ts';
import { loadTenants } from '#shared/lib/failover-tenants.ts';
import { tenantSide } from '#shared/lib/failover-unit-target.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';

export const MAX_VERIFY_ATTEMPTS = 60;

export interface VerifyProgress {
  ready: boolean;
  attempts: number;
  /** Tenant -> when it was proven serving in the new region. */
  verified: Record<string, string>;
  failing?: string;
  detail?: Record<string, string | number>;
}

type State = UnitState & { verify?: VerifyProgress };

async function prove(config: FleetConfig, t: Tenant, region: string): Promise<string | undefined> {
  const c = cloud();
  try {
    await writeHeartbeat(c.rdsData(region), dataTargetIn(config, t, region), 'odoo-fleet-failover');
  } catch (err) {
    return `database not writable: ${(err as Error).name}: ${(err as Error).message}`;
  }
  const probe = c.probe(region);
  const health = await probe.health(t.hostname);
  if (!health.ok) return `/web/health ${health.status}${health.detail ? ` (${health.detail})` : ''}`;
  const side = tenantSide(config, t, region);
  if (!side.adminSecretArn) return 'no admin secret recorded';
  const admin = (await readSecretJson(c.secrets(region), side.adminSecretArn).catch(() => undefined)) as { login?: string; password?: string } | undefined;
  if (!admin) return `admin secret ${side.adminSecretArn} not readable in ${region}`;
  const login = await probe.login(t.hostname, t.resources.database!.databaseName, admin.login ?? 'admin', admin.password ?? '');
  return login.ok ? undefined : `login failed${login.detail ? `: ${login.detail}` : ''}`;
}

export const handler = failoverUnitStep<State, VerifyProgress>(async ({ state, repo, config, now, failover, members }) => {
  const tenants = await loadTenants(repo, members.map((m) => m.tenantId));
  const progress: VerifyProgress = { verified: {}, ...state.verify, attempts: (state.verify?.attempts ?? 0) + 1, ready: false };
  const failing: string[] = [];
  for (const t of tenants) {
    if (progress.verified[t.tenantId]) continue;
    const problem = await prove(config, t, failover.toRegion);
    if (problem) failing.push(`${t.tenantId}: ${problem}`);
    else progress.verified[t.tenantId] = now().toISOString();
  }
  if (failing.length === 0) return { ...progress, ready: true, failing: undefined, detail: { verified: tenants.length, attempts: progress.attempts } };
  if (progress.attempts >= MAX_VERIFY_ATTEMPTS) throw resourceFailed(`not serving in ${failover.toRegion} after ${progress.attempts} checks: ${failing.join('; ')}`);
  return { ...progress, failing: failing.join('; ').slice(0, 500) };
});
