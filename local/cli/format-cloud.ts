/**
 * What `odooctl cloud inventory` and `odooctl faults` print: the simulated cloud in a few lines per
 * region, one tenant's resources as a table, fault rules one per line. `--json` prints it all.
 */
import type { ActiveFaultRule } from '#local/sim/faults.ts';
import type { CloudInventory, RegionInventory, TenantResource } from '#local/sim/inventory.ts';
import { names } from '#shared/domain/names.ts';
import { table } from './format.ts';

const TENANT_NAMESPACE_PREFIX = names.namespace('');
/** DNS records every zone has; not worth counting. */
const ZONE_RECORDS = new Set(['NS', 'SOA']);

const RESOURCE_COUNTS: Array<[string, (r: RegionInventory) => number]> = [
  ['Aurora clusters', (r) => r.rds.clusters.length],
  ['Aurora instances', (r) => r.rds.clusters.reduce((n, c) => n + c.instances.length, 0)],
  ['Databases', (r) => Object.values(r.rds.databases).reduce((n, dbs) => n + dbs.length, 0)],
  ['Cluster snapshots', (r) => r.rds.snapshots.length],
  ['EKS clusters', (r) => r.eks.clusters.length],
  ['Node groups', (r) => r.eks.clusters.reduce((n, c) => n + c.nodegroups.length, 0)],
  ['Pod identities', (r) => r.eks.podIdentityAssociations.length],
  ['Namespaces', (r) => Object.values(r.kubernetes).reduce((n, byNs) => n + Object.keys(byNs).length, 0)],
  ['S3 buckets', (r) => r.s3.buckets.length],
  ['Secrets', (r) => r.secrets.filter((s) => !s.deleted).length],
];

export function describeFaultRule(rule: Partial<ActiveFaultRule>): string {
  const target = `${rule.service ?? '?'}${rule.operation ? `:${rule.operation}` : ''}${rule.region ? ` in ${rule.region}` : ''}`;
  const what = [rule.effect ?? 'error', rule.error, rule.image].filter(Boolean).join(' ');
  const how = [rule.rate !== undefined && `rate ${rule.rate}`, rule.count !== undefined && `count ${rule.count}`].filter(Boolean).join(', ');
  const fired = rule.fired !== undefined ? ` (fired ${rule.fired})` : '';
  return `${target}: ${what}${how ? `, ${how}` : ''}${fired}`;
}

export function formatFaultRules(body: { rules?: Array<Partial<ActiveFaultRule>> }): string {
  const rules = body.rules ?? [];
  if (rules.length === 0) return 'No fault rules.';
  return ['Fault rules:', ...rules.map((r) => `  ${describeFaultRule(r)}`)].join('\n');
}

function tenantNamespaceRows(region: string, inventory: RegionInventory): string[][] {
  const rows: string[][] = [];
  for (const [cluster, byNs] of Object.entries(inventory.kubernetes)) {
    for (const [ns, objects] of Object.entries(byNs)) {
      if (!ns.startsWith(TENANT_NAMESPACE_PREFIX)) continue;
      const namespace = objects.find((o) => o.kind === 'Namespace' && o.name === ns);
      const inside = objects.filter((o) => o !== namespace);
      const deployments = inside.filter((o) => o.kind === 'Deployment');
      const ready = deployments.reduce((n, d) => n + (d.ready ?? 0), 0);
      const replicas = deployments.reduce((n, d) => n + (d.replicas ?? 0), 0);
      rows.push([ns, region, cluster, namespace?.status ?? '-', String(inside.length), deployments.length ? `${ready}/${replicas}` : '-']);
    }
  }
  return rows;
}

/** Counts per region and resource type, the tenants' namespaces, and the fault rules in force. */
export function formatCloudSummary(inventory: CloudInventory): string {
  const regions = Object.keys(inventory.regions);
  const counts = table(
    ['RESOURCE', ...regions],
    RESOURCE_COUNTS.map(([label, count]) => [label, ...regions.map((r) => String(count(inventory.regions[r]!)))]),
  );
  const records = inventory.route53.records.filter((r) => !ZONE_RECORDS.has(r.type)).length;
  const namespaces = regions.flatMap((r) => tenantNamespaceRows(r, inventory.regions[r]!));
  const out = [
    `Simulated cloud at ${inventory.at} (time scale ${inventory.timeScale})`,
    '',
    counts,
    `Route 53 records: ${records} in ${inventory.route53.zones.length} zone${inventory.route53.zones.length === 1 ? '' : 's'}; IAM roles: ${inventory.iam.roles.length}`,
    '',
    namespaces.length ? table(['TENANT NAMESPACE', 'REGION', 'CLUSTER', 'STATUS', 'OBJECTS', 'READY'], namespaces) : 'No tenant namespaces.',
    '',
    formatFaultRules({ rules: inventory.faults }),
    '',
    'Everything: odooctl cloud inventory --json; one tenant: odooctl cloud inventory --tenant TENANT_ID',
  ];
  return out.join('\n');
}

export function formatTenantInventory(body: { tenantId: string; resources: TenantResource[] }): string {
  if (body.resources.length === 0) return `Nothing of ${body.tenantId} is in the simulated cloud.`;
  const rows = body.resources.map((r) => [r.service, r.type, r.id, r.region ?? '-', `${r.status ?? '-'}${r.retained ? ' (retained)' : ''}`]);
  return table(['SERVICE', 'TYPE', 'ID', 'REGION', 'STATUS'], rows);
}
