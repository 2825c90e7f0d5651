/**
 * `odooctl <noun> <verb> [args] [options]`: what the command line says, parsed into a command
 * without touching the network or the disk, so it can be checked on its own.
 */
import { parseArgs } from 'node:util';
import { DRILL_COMMANDS, DRILL_OPTIONS, drillCommandOf, isDrillCommand, type DrillCommand } from './drill-args.ts';
import { FAILOVER_COMMANDS, FAILOVER_OPTIONS, failoverCommandOf, isFailoverCommand, type FailoverCommand } from './failover-args.ts';
import { RELEASE_COMMANDS, RELEASE_OPTIONS, releaseCommandOf, type ReleaseCommand } from './release-args.ts';
import { UsageError } from './usage-error.ts';

export { UsageError };

export interface GlobalOptions {
  endpoint: string;
  /** Sent as X-Actor; the local control plane only. */
  actor?: string;
  /** Signing region for a deployed API. */
  region?: string;
  json: boolean;
}

export interface CreateFlags {
  id?: string;
  name?: string;
  criticality?: string;
  customization?: string;
  compliance?: string;
  users?: string;
  odoo?: string;
  hostname?: string;
  tags?: string;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'tenants create'; file?: string; flags: CreateFlags; idempotencyKey?: string }
  | { kind: 'tenants get'; tenantId: string }
  | { kind: 'tenants list'; query: Record<string, string> }
  | { kind: 'tenants delete'; tenantId: string; idempotencyKey?: string }
  | { kind: 'tenants changes'; tenantId: string; query: Record<string, string> }
  | { kind: 'operations get'; operationId: string }
  | { kind: 'operations watch'; operationId: string }
  | { kind: 'cloud inventory'; tenantId?: string }
  | { kind: 'faults set'; file: string }
  | { kind: 'faults clear' }
  | { kind: 'faults list' }
  | ReleaseCommand
  | DrillCommand
  | FailoverCommand;

export interface Invocation {
  globals: GlobalOptions;
  command: Command;
}

const OPTIONS = {
  endpoint: { type: 'string' },
  actor: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  id: { type: 'string' },
  name: { type: 'string' },
  criticality: { type: 'string' },
  customization: { type: 'string' },
  compliance: { type: 'string' },
  users: { type: 'string' },
  odoo: { type: 'string' },
  hostname: { type: 'string' },
  tags: { type: 'string' },
  file: { type: 'string' },
  'idempotency-key': { type: 'string' },
  status: { type: 'string' },
  model: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  tenant: { type: 'string' },
  ...RELEASE_OPTIONS,
  ...DRILL_OPTIONS,
  ...FAILOVER_OPTIONS,
} as const;

type OptionName = keyof typeof OPTIONS;
const GLOBAL_OPTIONS: OptionName[] = ['endpoint', 'actor', 'region', 'json', 'help'];
const CREATE_FLAGS = ['id', 'name', 'criticality', 'customization', 'compliance', 'users', 'odoo', 'hostname', 'tags'] as const;

interface Spec {
  usage: string;
  /** Positional arguments after noun and verb. */
  args: string[];
  options: OptionName[];
}

export const COMMANDS: Record<Exclude<Command['kind'], 'help'>, Spec> = {
  'tenants create': {
    usage:
      'tenants create --id ID --name NAME --criticality low|standard|critical --customization none|light|heavy ' +
      '[--compliance PCI,SOX] [--users N] [--odoo 17.0] [--hostname HOST] [--tags a,b] [--idempotency-key K]  (or --file body.json)',
    args: [],
    options: [...CREATE_FLAGS, 'file', 'idempotency-key'],
  },
  'tenants get': { usage: 'tenants get TENANT_ID', args: ['tenantId'], options: [] },
  'tenants list': {
    usage: 'tenants list [--status S] [--criticality C] [--model pooled|dedicated] [--limit N] [--cursor C]',
    args: [],
    options: ['status', 'criticality', 'model', 'limit', 'cursor'],
  },
  'tenants delete': { usage: 'tenants delete TENANT_ID [--idempotency-key K]', args: ['tenantId'], options: ['idempotency-key'] },
  'tenants changes': { usage: 'tenants changes TENANT_ID [--limit N] [--cursor C]', args: ['tenantId'], options: ['limit', 'cursor'] },
  'operations get': { usage: 'operations get OPERATION_ID', args: ['operationId'], options: [] },
  'operations watch': { usage: 'operations watch OPERATION_ID', args: ['operationId'], options: [] },
  'cloud inventory': { usage: 'cloud inventory [--tenant TENANT_ID]   (local control plane only; a summary, or one tenant\'s resources; --json for everything)', args: [], options: ['tenant'] },
  'faults set': { usage: 'faults set --file rules.json   (local control plane only)', args: [], options: ['file'] },
  'faults clear': { usage: 'faults clear   (local control plane only)', args: [], options: [] },
  'faults list': { usage: 'faults list   (local control plane only)', args: [], options: [] },
  ...RELEASE_COMMANDS,
  ...DRILL_COMMANDS,
  ...FAILOVER_COMMANDS,
};

export function usage(): string {
  return [
    'Usage: odooctl <noun> <verb> [arguments] [options]',
    '',
    ...Object.values(COMMANDS).map((c) => `  odooctl ${c.usage}`),
    '',
    'Options for every command:',
    '  --endpoint URL   the API (default http://127.0.0.1:$PORT, PORT defaulting to 8787); an AWS API URL is called SigV4-signed',
    '  --region R       signing region of a deployed API (default: from the URL, else AWS_REGION)',
    '  --actor NAME     who you are, sent as X-Actor (the local control plane only; AWS uses your IAM identity)',
    '  --json           print the API\'s JSON as it is',
    '',
    'Exit codes: 0 done, 1 failed (or what was watched did not succeed: an operation, a release, a drill that did not pass), 2 refused by the API (4xx) or bad usage.',
  ].join('\n');
}

export function defaultEndpoint(env: Record<string, string | undefined>): string {
  return `http://127.0.0.1:${env.PORT || 8787}`;
}

function onlyPresent(values: Record<string, unknown>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (typeof values[n] === 'string') out[n] = values[n] as string;
  return out;
}

export function parseCli(argv: string[], env: Record<string, string | undefined> = {}): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const globals: GlobalOptions = {
    endpoint: (values.endpoint ?? defaultEndpoint(env)).replace(/\/+$/, ''),
    actor: values.actor,
    region: values.region,
    json: values.json ?? false,
  };
  const [noun, verb, ...afterVerb] = positionals;
  if (values.help || !noun) return { globals, command: { kind: 'help' } };

  // A few commands have three words (`tenants calendar set`).
  const long = `${noun} ${verb ?? ''} ${afterVerb[0] ?? ''}` as keyof typeof COMMANDS;
  const threeWords = Object.hasOwn(COMMANDS, long);
  const rest = threeWords ? afterVerb.slice(1) : afterVerb;
  const kind = (threeWords ? long : `${noun} ${verb ?? ''}`.trim()) as keyof typeof COMMANDS;
  const spec = COMMANDS[kind];
  if (!spec) throw new UsageError(`Unknown command "${kind}"`);
  const misplaced = (Object.keys(values) as OptionName[]).filter((o) => !GLOBAL_OPTIONS.includes(o) && !spec.options.includes(o));
  if (misplaced.length) throw new UsageError(`${kind} takes no ${misplaced.map((o) => `--${o}`).join(', ')}; usage: odooctl ${spec.usage}`);
  if (rest.length !== spec.args.length) {
    throw new UsageError(`${kind} takes ${spec.args.length ? spec.args.join(' ') : 'no arguments'}; usage: odooctl ${spec.usage}`);
  }
  return { globals, command: commandOf(kind, rest, values) };
}

function commandOf(kind: keyof typeof COMMANDS, args: string[], values: Record<string, unknown>): Command {
  const idempotencyKey = values['idempotency-key'] as string | undefined;
  const [arg] = args as [string];
  switch (kind) {
    case 'tenants create': {
      const flags = onlyPresent(values, CREATE_FLAGS) as CreateFlags;
      const file = values.file as string | undefined;
      if (file && Object.keys(flags).length) throw new UsageError('tenants create takes either --file or the tenant flags, not both');
      if (!file) {
        const missing = (['id', 'name', 'criticality', 'customization'] as const).filter((f) => !flags[f]);
        if (missing.length) throw new UsageError(`tenants create needs ${missing.map((f) => `--${f}`).join(', ')} (or --file)`);
      }
      return { kind, file, flags, idempotencyKey };
    }
    case 'tenants get':
      return { kind, tenantId: arg };
    case 'tenants list':
      return { kind, query: onlyPresent(values, ['status', 'criticality', 'model', 'limit', 'cursor']) };
    case 'tenants delete':
      return { kind, tenantId: arg, idempotencyKey };
    case 'tenants changes':
      return { kind, tenantId: arg, query: onlyPresent(values, ['limit', 'cursor']) };
    case 'operations get':
    case 'operations watch':
      return { kind, operationId: arg };
    case 'cloud inventory':
      return { kind, tenantId: values.tenant as string | undefined };
    case 'faults set':
      if (!values.file) throw new UsageError('faults set needs --file rules.json');
      return { kind, file: values.file as string };
    case 'faults clear':
    case 'faults list':
      return { kind };
    default:
      if (isFailoverCommand({ kind })) return failoverCommandOf(kind as FailoverCommand['kind'], args, values);
      return isDrillCommand({ kind }) ? drillCommandOf(kind as DrillCommand['kind'], args, values) : releaseCommandOf(kind as ReleaseCommand['kind'], args, values);
  }
}

const list = (csv: string | undefined) => (csv ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** The create body the flags describe; the API validates it (and says what is wrong, field by field). */
export function createBodyFromFlags(flags: CreateFlags): Record<string, unknown> {
  const users = flags.users === undefined ? 10 : Number(flags.users);
  if (!Number.isInteger(users)) throw new UsageError(`--users must be a whole number, got ${flags.users}`);
  return {
    tenantId: flags.id,
    displayName: flags.name,
    profile: { criticality: flags.criticality, customization: flags.customization, compliance: list(flags.compliance).map((c) => c.toUpperCase()), expectedUsers: users },
    odooVersion: flags.odoo ?? '17.0',
    ...(flags.hostname ? { hostname: flags.hostname } : {}),
    ...(flags.tags ? { tags: list(flags.tags) } : {}),
  };
}
