/**
 * Points each tenant's host name at the ingress of the EKS cluster that now runs it (Route 53 is a
 * global service: it answers whichever region is down). An UPSERT of the CNAME, skipped when it
 * already points there, so a retried step changes nothing twice.
 */
import { ensureTenantRecord } from '#shared/cloud/adapters/dns.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { failoverUnitStep, type UnitState } from '#shared/lib/failover-step.ts';
import { loadTenants } from '#shared/lib/failover-tenants.ts';
import { tenantSide } from '#shared/lib/failover-unit-target.ts';

export const handler = failoverUnitStep<UnitState, { ready: true; changed: number; detail: Record<string, string | number> }>(async ({ repo, config, failover, members }) => {
  const tenants = await loadTenants(repo, members.map((m) => m.tenantId));
  let changed = 0;
  let target = '';
  for (const t of tenants) {
    target = tenantSide(config, t, failover.toRegion).ingressHostname;
    const out = await ensureTenantRecord(cloud().route53(), { hostedZoneId: config.hostedZoneId, hostname: t.hostname, target });
    if (out.changed) changed++;
  }
  return { ready: true, changed, detail: { target, changed } };
});
