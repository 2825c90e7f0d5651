/** Points the tenant's host name at its cluster's ingress load balancer (Route 53 UPSERT, idempotent). */
import { ensureTenantRecord } from '#shared/cloud/adapters/dns.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { clusterOf } from '#shared/domain/fleet-lookup.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';

type State = WorkflowState & { plan: { cluster: string; hostname: string } };

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state, config, tenant: loadTenant, updateTenant }) => {
  const tenant = await loadTenant();
  const target = clusterOf(config, state.plan.cluster).ingressHostname;
  const result = await ensureTenantRecord(cloud().route53(), { hostedZoneId: config.hostedZoneId, hostname: tenant.hostname, target });
  const dns = { zone: config.hostedZoneId, name: tenant.hostname, target };
  if (JSON.stringify(tenant.resources.dns) !== JSON.stringify(dns)) {
    await updateTenant((t) => ({ ...t, resources: { ...t.resources, dns } }), 'DnsRecordEnsured');
  }
  return { ready: true, changed: result.changed, name: dns.name, target };
});
