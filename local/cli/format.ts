/** What `odooctl` prints without `--json`: short summaries and aligned tables of the API's records. */
import type { LastDrill } from '#shared/domain/drill-types.ts';
import type { ChangeEvent, DrReadinessReport, Operation, OperationStep, Tenant, TenantResources } from '#shared/domain/types.ts';

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** A duration for people: `8 h`, `2.5 min`, `14 s` (measured ones are rounded: `0.4 s`, `14 s`). */
export const seconds = (s: number) =>
  s >= 3600 ? `${+(s / 3600).toFixed(1)} h` : s >= 60 ? `${+(s / 60).toFixed(1)} min` : `${+s.toFixed(Math.abs(s) < 10 ? 1 : 0)} s`;

function duration(from: string | undefined, to: string | undefined): string {
  if (!from || !to) return '';
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;
}

export type Pair = [string, string | undefined];

function shownPairs(rows: Pair[]): [string, string][] {
  return rows.filter(([, v]) => v !== undefined && v !== '') as [string, string][];
}

export function pairs(rows: Pair[], indent = ''): string {
  const shown = shownPairs(rows);
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${indent}${`${k}:`.padEnd(width + 2)}${v}`).join('\n');
}

const s3Url = (bucket: string | undefined, key: string) => (bucket ? `s3://${bucket}/${key}` : key);
const roleNameOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/** What the workflows made for the tenant, one line per kind of resource; none for what is not there. */
export function resourcePairs(r: TenantResources): Pair[] {
  const { database: db, compute, kubernetes: kube, dns, finalBackup: backup } = r;
  return [
    [
      'Database',
      db &&
        `${db.kind}, ${db.databaseName} on cluster ${db.clusterIdentifier}` +
          `${db.instanceIdentifiers?.length ? ` (instances ${db.instanceIdentifiers.join(', ')})` : ''}, role ${db.roleName}`,
    ],
    ['Filestore', r.filestore && s3Url(r.filestore.bucket, r.filestore.prefix)],
    [
      'Compute',
      compute &&
        [`cluster ${compute.cluster}`, compute.nodegroup && `node group ${compute.nodegroup}`, compute.podIdentityRoleArn && `pod role ${roleNameOf(compute.podIdentityRoleArn)}`]
          .filter(Boolean)
          .join(', '),
    ],
    ['Kubernetes', kube && `namespace ${kube.namespace}, ${kube.objects} objects (desired state v${kube.desiredStateVersion})`],
    ['DNS', dns && `${dns.name} -> ${dns.target}`],
    [
      'Final backup',
      backup &&
        [
          backup.snapshotIdentifier && `snapshot ${backup.snapshotIdentifier}`,
          backup.dumpKey && `dump ${s3Url(backup.bucket, backup.dumpKey)}`,
          backup.filestoreExportPrefix && `filestore export ${s3Url(backup.bucket, backup.filestoreExportPrefix)}`,
        ]
          .filter(Boolean)
          .join(', '),
    ],
  ];
}

const measured = (what: string, s: number | undefined) => `${what} ${s === undefined ? 'not measured' : seconds(s)}`;

/** The tenant's newest finished drill in one line: outcome, when, RTO and RPO (its targets are on the DR line). */
export function lastDrillText(d: LastDrill): string {
  const figures = `${measured('RTO', d.rtoSeconds)}, ${measured('RPO', d.rpoSeconds)}`;
  const restorable = d.outcome !== 'PASSED' && d.outcome !== 'BREACHED_TARGET' ? `; last proven restorable ${d.lastRestorableAt ?? 'never'}` : '';
  const left = d.cleanedUp ? '' : '; not cleaned up';
  return `${d.outcome ?? 'no outcome'} at ${d.endedAt ?? d.startedAt} (${figures}), drill ${d.drillId}${restorable}${left}`;
}

/**
 * The tenant's newest scheduled readiness report in one line: whether a failover could start now,
 * the blocking checks that say it could not, the data it would lose and the targets it would miss.
 */
export function drReadinessText(r: DrReadinessReport): string {
  const blocking = r.checks.filter((c) => c.blocking && !c.passed).map((c) => c.name);
  const verdict = r.ready ? 'ready' : `NOT READY${blocking.length ? ` (${blocking.join(', ')})` : ''}`;
  const loss = r.expectedDataLossSeconds === null ? 'unknown' : seconds(r.expectedDataLossSeconds);
  const miss = r.wouldMiss.length ? `would miss ${r.wouldMiss.join(', ')}` : 'within its targets';
  return `${verdict} to fail over ${r.fromRegion} -> ${r.toRegion}, expected data loss ${loss}, ${miss}; checked ${r.checkedAt}`;
}

/** `eu-west-1 (DR eu-central-1), active in eu-central-1 (the DR region: failed over)` */
function regionsText(t: Tenant): string {
  const failedOver = t.activeRegion === t.regions.dr && t.regions.dr !== t.regions.primary;
  return `${t.regions.primary} (DR ${t.regions.dr}), active in ${t.activeRegion}${failedOver ? ' (the DR region: failed over)' : ''}`;
}

export function formatTenant(t: Tenant): string {
  const p = t.placement;
  const resources = resourcePairs(t.resources ?? {});
  const head = pairs([
    ['Tenant', `${t.tenantId} (${t.displayName})`],
    ['Status', t.statusReason ? `${t.status}: ${t.statusReason}` : t.status],
    ['Host', t.hostname],
    ['Profile', `${t.profile.criticality} criticality, ${t.profile.customization} customization, ${t.profile.expectedUsers} users${t.profile.compliance.length ? `, ${t.profile.compliance.join('/')}` : ''}`],
    ['Placement', `${p.model}${p.cell ? ` on cell ${p.cell}` : ''}, cluster ${p.cluster}`],
    ['DR', `${p.drPosture}, RPO ${seconds(p.rpoSeconds)}, RTO ${seconds(p.rtoSeconds)}, backups ${p.backupRetentionDays} days`],
    ['Why', p.reason],
    ['Release', `${t.release.image}${t.release.modules.length ? ` (${t.release.modules.join(', ')})` : ''}`],
    ['Regions', regionsText(t)],
    ['DR readiness', t.drReadiness ? drReadinessText(t.drReadiness) : undefined],
    ['Tags', t.tags.join(', ')],
    ['Last drill', t.lastDrill ? lastDrillText(t.lastDrill) : undefined],
    ['Drill running', t.drillLock ? `${t.drillLock.drillId} (its lock holds until ${t.drillLock.expiresAt})` : undefined],
    ['Lease', t.lease ? `held by ${t.lease.owner} until ${t.lease.expiresAt}` : undefined],
    ['Version', String(t.version)],
    ['Created', `${t.createdAt} by ${t.createdBy}`],
    ['Resources', shownPairs(resources).length ? undefined : 'none'],
  ]);
  return shownPairs(resources).length ? `${head}\n\nResources:\n${pairs(resources, '  ')}` : head;
}

export function formatTenantList(page: { items: Tenant[]; nextCursor?: string | null }): string {
  if (page.items.length === 0) return 'No tenants.';
  const rows = page.items.map((t) => [t.tenantId, t.status, t.profile.criticality, t.placement.model, t.placement.cell ?? '-', t.activeRegion, t.hostname]);
  const out = table(['TENANT', 'STATUS', 'CRITICALITY', 'MODEL', 'CELL', 'REGION', 'HOST'], rows);
  return page.nextCursor ? `${out}\n\nMore: --cursor ${page.nextCursor}` : out;
}

export function formatStarted(started: { tenant: Tenant; operation: Operation }): string {
  const { tenant: t, operation: op } = started;
  return [
    `Tenant ${t.tenantId}: ${t.status} (${t.placement.model}${t.placement.cell ? ` on cell ${t.placement.cell}` : ''}, ${t.placement.drPosture})`,
    `Operation ${op.operationId}: ${op.type} ${op.status}`,
    `Follow it with: odooctl operations watch ${op.operationId}`,
  ].join('\n');
}

export function formatChanges(page: { items: ChangeEvent[]; nextCursor?: string | null }): string {
  if (page.items.length === 0) return 'No changes.';
  const rows = page.items.map((c) => [c.at, c.type, c.actor, c.operationId ?? '-', summarize(c.after)]);
  const out = table(['AT', 'TYPE', 'ACTOR', 'OPERATION', 'AFTER'], rows);
  return page.nextCursor ? `${out}\n\nMore: --cursor ${page.nextCursor}` : out;
}

/** The first few changed fields, enough to recognise a change in a table row. */
function summarize(after: unknown): string {
  if (!after || typeof after !== 'object') return '';
  const text = Object.entries(after)
    .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? '{…}' : String(v)}`)
    .join(' ');
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function stepRow(s: OperationStep): string[] {
  return [s.name, s.status, s.startedAt, duration(s.startedAt, s.endedAt), String(s.attempts ?? 1), s.error ? `${s.error.code}: ${s.error.message}` : ''];
}

export function formatOperation(op: Operation): string {
  const head = pairs([
    ['Operation', `${op.operationId} (${op.type} of ${op.tenantId})`],
    ['Status', op.status],
    ['Error', op.error ? `${op.error.code}: ${op.error.message}` : undefined],
    ['Requested', `${op.createdAt} by ${op.requestedBy}`],
    ['Ended', op.endedAt ? `${op.endedAt} (after ${duration(op.createdAt, op.endedAt)})` : undefined],
    ['Execution', op.executionArn],
  ]);
  if (op.steps.length === 0) return `${head}\n\nNo steps yet.`;
  // A step's count covers every run of it: retries and the polls of a wait loop alike.
  return `${head}\n\n${table(['STEP', 'STATUS', 'STARTED', 'TOOK', 'INVOCATIONS', 'ERROR'], op.steps.map(stepRow))}`;
}

export interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: { path: string; message: string }[] };
}

export function formatApiError(status: number, body: unknown): string {
  const error = (body as ApiErrorBody | undefined)?.error;
  if (!error) return `HTTP ${status}: ${typeof body === 'string' ? body : JSON.stringify(body)}`;
  const lines = [`Error ${status} ${error.code ?? ''}: ${error.message ?? ''}`.replace(' :', ':')];
  for (const d of error.details ?? []) lines.push(`  - ${d.path}: ${d.message}`);
  return lines.join('\n');
}
