/**
 * The `odooctl failovers ...` commands: their usage, and the command each command line stands for.
 * Only the flags a failover cannot go without are checked here; the API checks the values (scope
 * against tenant or cell, known regions, force only with a planned switchover) and names the field
 * it refuses.
 */
import { UsageError } from './usage-error.ts';

export interface FailoverBody {
  scope: string;
  tenantId?: string;
  cell?: string;
  fromRegion: string;
  toRegion: string;
  mode: string;
  reason: string;
  force?: boolean;
}

export type FailoverCommand =
  | { kind: 'failovers start'; body: FailoverBody; idempotencyKey?: string; watch: boolean }
  | { kind: 'failovers approve'; failoverId: string; idempotencyKey?: string }
  | { kind: 'failovers reject'; failoverId: string; reason: string; idempotencyKey?: string }
  | { kind: 'failovers get'; failoverId: string }
  | { kind: 'failovers list'; query: Record<string, string> }
  | { kind: 'failovers watch'; failoverId: string };

/** The options only these commands take (`--tenant`, `--reason`, `--watch` and the paging ones are declared with the rest). */
export const FAILOVER_OPTIONS = {
  scope: { type: 'string' },
  cell: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  mode: { type: 'string' },
  force: { type: 'boolean' },
} as const;

type Option = keyof typeof FAILOVER_OPTIONS | 'tenant' | 'reason' | 'watch' | 'idempotency-key' | 'limit' | 'cursor';

interface Spec {
  usage: string;
  args: string[];
  options: Option[];
}

export const FAILOVER_COMMANDS: Record<FailoverCommand['kind'], Spec> = {
  'failovers start': {
    usage:
      'failovers start --scope tenant|cell|region [--tenant ID] [--cell ID] --from REGION --to REGION --mode planned|unplanned --reason TEXT ' +
      '[--force] [--idempotency-key K] [--watch]   (--force: a planned switchover whose lag cannot drain goes anyway; ' +
      '--watch: until the failover ends, exit 0 when it SUCCEEDED)',
    args: [],
    options: ['scope', 'tenant', 'cell', 'from', 'to', 'mode', 'reason', 'force', 'idempotency-key', 'watch'],
  },
  'failovers approve': {
    usage: 'failovers approve FAILOVER_ID [--idempotency-key K]   (someone other than the requester; --actor names you)',
    args: ['failoverId'],
    options: ['idempotency-key'],
  },
  'failovers reject': { usage: 'failovers reject FAILOVER_ID --reason TEXT [--idempotency-key K]', args: ['failoverId'], options: ['reason', 'idempotency-key'] },
  'failovers get': { usage: 'failovers get FAILOVER_ID   (units in order, each tenant\'s steps, RTO, data loss, failed readiness checks, evidence)', args: ['failoverId'], options: [] },
  'failovers list': { usage: 'failovers list [--limit N] [--cursor C]   (newest first)', args: [], options: ['limit', 'cursor'] },
  'failovers watch': {
    usage: 'failovers watch FAILOVER_ID   (until the failover ends, through an approval wait; exit 0 when it SUCCEEDED, 1 otherwise)',
    args: ['failoverId'],
    options: [],
  },
};

export const isFailoverCommand = (c: { kind: string }): c is FailoverCommand => Object.hasOwn(FAILOVER_COMMANDS, c.kind);

const REQUIRED_START_FLAGS = ['scope', 'from', 'to', 'mode', 'reason'] as const;

function startBody(values: Record<string, unknown>): FailoverBody {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const missing = REQUIRED_START_FLAGS.filter((f) => !text(f));
  if (missing.length) throw new UsageError(`failovers start needs ${missing.map((f) => `--${f}`).join(', ')}; usage: odooctl ${FAILOVER_COMMANDS['failovers start'].usage}`);
  const tenantId = text('tenant');
  const cell = text('cell');
  return {
    scope: text('scope')!,
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(cell === undefined ? {} : { cell }),
    fromRegion: text('from')!,
    toRegion: text('to')!,
    mode: text('mode')!,
    reason: text('reason')!,
    // Absent unless asked for: the API refuses `force` on an unplanned failover, even when false.
    ...(values.force === true ? { force: true } : {}),
  };
}

export function failoverCommandOf(kind: FailoverCommand['kind'], args: string[], values: Record<string, unknown>): FailoverCommand {
  const idempotencyKey = values['idempotency-key'] as string | undefined;
  const [failoverId] = args as [string];
  switch (kind) {
    case 'failovers start':
      return { kind, body: startBody(values), idempotencyKey, watch: values.watch === true };
    case 'failovers approve':
      return { kind, failoverId, idempotencyKey };
    case 'failovers reject':
      if (!values.reason) throw new UsageError('failovers reject needs --reason');
      return { kind, failoverId, reason: values.reason as string, idempotencyKey };
    case 'failovers get':
    case 'failovers watch':
      return { kind, failoverId };
    case 'failovers list': {
      const query: Record<string, string> = {};
      for (const n of ['limit', 'cursor']) if (typeof values[n] === 'string') query[n] = values[n] as string;
      return { kind, query };
    }
  }
}
