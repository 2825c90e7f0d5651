/**
 * The `odooctl releases ...` commands (and `tenants calendar set`): their usage, and the command
 * each command line stands for. Bodies are built from flags here and checked by the API, which
 * names every field it refuses.
 */
import { UsageError } from './usage-error.ts';

export type ReleaseCommand =
  | { kind: 'releases create'; file?: string; flags: ReleaseFlags; dryRun: boolean; idempotencyKey?: string }
  | { kind: 'releases list'; query: Record<string, string> }
  | { kind: 'releases get'; releaseId: string; query: Record<string, string> }
  | { kind: 'releases watch'; releaseId: string }
  | { kind: 'releases approve'; releaseId: string; body: { comment?: string }; idempotencyKey?: string }
  | { kind: 'releases reject'; releaseId: string; body: { reason: string }; idempotencyKey?: string }
  | { kind: 'releases pause' | 'releases resume' | 'releases abort'; releaseId: string; body: { reason?: string }; idempotencyKey?: string }
  | { kind: 'releases decide'; releaseId: string; tenantId: string; body: { choice: string; reason: string }; idempotencyKey?: string }
  | { kind: 'tenants calendar set'; tenantId: string; file: string };

export interface ReleaseFlags {
  image?: string;
  modules?: string;
  tenants?: string;
  criticality?: string;
  odoo?: string;
  waves?: string;
  bake?: string;
  'max-concurrency'?: string;
  'max-concurrency-per-cell'?: string;
  'max-failure-percent'?: string;
  emergency?: string;
  deadline?: string;
}

export const RELEASE_FLAGS = [
  'image',
  'modules',
  'tenants',
  'criticality',
  'odoo',
  'waves',
  'bake',
  'max-concurrency',
  'max-concurrency-per-cell',
  'max-failure-percent',
  'emergency',
  'deadline',
] as const;

/** The options only these commands take (the shared ones are declared with the rest in args.ts). */
export const RELEASE_OPTIONS = {
  image: { type: 'string' },
  modules: { type: 'string' },
  tenants: { type: 'string' },
  waves: { type: 'string' },
  bake: { type: 'string' },
  'max-concurrency': { type: 'string' },
  'max-concurrency-per-cell': { type: 'string' },
  'max-failure-percent': { type: 'string' },
  emergency: { type: 'string' },
  deadline: { type: 'string' },
  'dry-run': { type: 'boolean' },
  comment: { type: 'string' },
  reason: { type: 'string' },
  choice: { type: 'string' },
  outcome: { type: 'string' },
} as const;

type Option = keyof typeof RELEASE_OPTIONS | 'file' | 'idempotency-key' | 'criticality' | 'odoo' | 'status' | 'limit' | 'cursor';

interface Spec {
  usage: string;
  args: string[];
  options: Option[];
}

const control = (verb: string): Spec => ({ usage: `releases ${verb} RELEASE_ID [--reason TEXT] [--idempotency-key K]`, args: ['releaseId'], options: ['reason', 'idempotency-key'] });

export const RELEASE_COMMANDS: Record<ReleaseCommand['kind'], Spec> = {
  'releases create': {
    usage:
      'releases create --image REPO:TAG --modules a,b [--tenants t1,t2] [--criticality low,standard] [--odoo 17.0] [--waves 1,5%,25%,rest] ' +
      '[--bake SECONDS] [--max-concurrency N] [--max-concurrency-per-cell N] [--max-failure-percent P] [--emergency REASON] [--deadline ISO] ' +
      '[--dry-run] [--idempotency-key K]  (or --file body.json)',
    args: [],
    options: [...RELEASE_FLAGS, 'file', 'dry-run', 'idempotency-key'],
  },
  'releases list': { usage: 'releases list [--status S] [--limit N] [--cursor C]', args: [], options: ['status', 'limit', 'cursor'] },
  'releases get': { usage: 'releases get RELEASE_ID [--outcome O] [--limit N] [--cursor C]', args: ['releaseId'], options: ['outcome', 'limit', 'cursor'] },
  'releases watch': { usage: 'releases watch RELEASE_ID   (until the release ends; exit 0 when it SUCCEEDED)', args: ['releaseId'], options: [] },
  'releases approve': { usage: 'releases approve RELEASE_ID [--comment TEXT] [--idempotency-key K]', args: ['releaseId'], options: ['comment', 'idempotency-key'] },
  'releases reject': { usage: 'releases reject RELEASE_ID --reason TEXT [--idempotency-key K]', args: ['releaseId'], options: ['reason', 'idempotency-key'] },
  'releases pause': control('pause'),
  'releases resume': control('resume'),
  'releases abort': control('abort'),
  'releases decide': {
    usage: 'releases decide RELEASE_ID TENANT_ID --choice keep|rollback --reason TEXT [--idempotency-key K]',
    args: ['releaseId', 'tenantId'],
    options: ['choice', 'reason', 'idempotency-key'],
  },
  'tenants calendar set': { usage: 'tenants calendar set TENANT_ID --file calendar.json   ({windows: [...], freezes: [...]})', args: ['tenantId'], options: ['file'] },
};

const list = (csv: string | undefined) => (csv ?? '').split(',').map((s) => s.trim()).filter(Boolean);

function pick(values: Record<string, unknown>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (typeof values[n] === 'string') out[n] = values[n] as string;
  return out;
}

export function releaseCommandOf(kind: ReleaseCommand['kind'], args: string[], values: Record<string, unknown>): ReleaseCommand {
  const idempotencyKey = values['idempotency-key'] as string | undefined;
  const [releaseId, second] = args as [string, string | undefined];
  const reason = values.reason as string | undefined;
  switch (kind) {
    case 'releases create': {
      const flags = pick(values, RELEASE_FLAGS) as ReleaseFlags;
      const file = values.file as string | undefined;
      if (file && Object.keys(flags).length) throw new UsageError('releases create takes either --file or the release flags, not both');
      if (!file && (!flags.image || flags.modules === undefined)) throw new UsageError('releases create needs --image and --modules (or --file)');
      return { kind, file, flags, dryRun: values['dry-run'] === true, idempotencyKey };
    }
    case 'releases list':
      return { kind, query: pick(values, ['status', 'limit', 'cursor']) };
    case 'releases get':
      return { kind, releaseId, query: pick(values, ['outcome', 'limit', 'cursor']) };
    case 'releases watch':
      return { kind, releaseId };
    case 'releases approve':
      return { kind, releaseId, body: values.comment ? { comment: values.comment as string } : {}, idempotencyKey };
    case 'releases reject':
      if (!reason) throw new UsageError('releases reject needs --reason');
      return { kind, releaseId, body: { reason }, idempotencyKey };
    case 'releases pause':
    case 'releases resume':
    case 'releases abort':
      return { kind, releaseId, body: reason ? { reason } : {}, idempotencyKey };
    case 'releases decide':
      if (!values.choice || !reason) throw new UsageError('releases decide needs --choice keep|rollback and --reason');
      return { kind, releaseId, tenantId: second!, body: { choice: values.choice as string, reason }, idempotencyKey };
    case 'tenants calendar set':
      if (!values.file) throw new UsageError('tenants calendar set needs --file calendar.json');
      return { kind, tenantId: releaseId, file: values.file as string };
  }
}

function whole(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || value.trim() === '') throw new UsageError(`--${flag} must be a number, got ${value}`);
  return n;
}

/** `5%` and `rest` stay strings; other sizes are numbers of tenants. */
const waveSize = (s: string) => (s === 'rest' || s.endsWith('%') ? s : Number.isFinite(Number(s)) ? Number(s) : s);

/** The create body the flags describe. */
export function releaseBodyFromFlags(flags: ReleaseFlags, dryRun: boolean): Record<string, unknown> {
  const criticality = list(flags.criticality);
  const selector = {
    ...(flags.tenants ? { tenantIds: list(flags.tenants) } : {}),
    ...(criticality.length ? { criticality } : {}),
    ...(flags.odoo ? { odooVersion: flags.odoo } : {}),
  };
  const strategy = Object.fromEntries(
    Object.entries({
      waves: flags.waves ? list(flags.waves).map(waveSize) : undefined,
      bakeSeconds: whole('bake', flags.bake),
      maxConcurrency: whole('max-concurrency', flags['max-concurrency']),
      maxConcurrencyPerCell: whole('max-concurrency-per-cell', flags['max-concurrency-per-cell']),
      maxFailurePercent: whole('max-failure-percent', flags['max-failure-percent']),
    }).filter(([, v]) => v !== undefined),
  );
  return {
    image: flags.image,
    modules: list(flags.modules),
    selector,
    ...(Object.keys(strategy).length ? { strategy } : {}),
    ...(flags.emergency ? { emergency: { reason: flags.emergency } } : {}),
    ...(flags.deadline ? { deadline: flags.deadline } : {}),
    ...(dryRun ? { dryRun: true } : {}),
  };
}
