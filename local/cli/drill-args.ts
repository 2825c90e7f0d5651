/**
 * The `odooctl drills ...` and `odooctl schedules ...` commands: their usage, and the command each
 * command line stands for. The restore time is checked by the API, which names what is wrong with it.
 */
export type DrillCommand =
  | { kind: 'drills run'; tenantId: string; restoreTime?: string; idempotencyKey?: string; watch: boolean }
  | { kind: 'drills list'; tenantId: string; query: Record<string, string> }
  | { kind: 'drills get'; tenantId: string; drillId: string }
  | { kind: 'schedules list' }
  | { kind: 'schedules run'; name: string };

/** The options only these commands take (the shared ones are declared with the rest in args.ts). */
export const DRILL_OPTIONS = {
  'restore-time': { type: 'string' },
  watch: { type: 'boolean' },
} as const;

type Option = keyof typeof DRILL_OPTIONS | 'idempotency-key' | 'limit' | 'cursor';

interface Spec {
  usage: string;
  args: string[];
  options: Option[];
}

export const DRILL_COMMANDS: Record<DrillCommand['kind'], Spec> = {
  'drills run': {
    usage:
      'drills run TENANT_ID [--restore-time ISO] [--idempotency-key K] [--watch]   ' +
      '(--watch: until the drill ends, then the drill; exit 0 when it PASSED, 1 when FAILED or BREACHED_TARGET)',
    args: ['tenantId'],
    options: ['restore-time', 'idempotency-key', 'watch'],
  },
  'drills list': { usage: 'drills list TENANT_ID [--limit N] [--cursor C]   (newest first)', args: ['tenantId'], options: ['limit', 'cursor'] },
  'drills get': { usage: 'drills get TENANT_ID DRILL_ID   (checks, RTO/RPO against targets, evidence, clean-up)', args: ['tenantId', 'drillId'], options: [] },
  'schedules list': { usage: 'schedules list   (local control plane only: the stack\'s EventBridge Scheduler schedules)', args: [], options: [] },
  'schedules run': { usage: 'schedules run NAME   (local control plane only: fires the schedule now)', args: ['name'], options: [] },
};

export const isDrillCommand = (c: { kind: string }): c is DrillCommand => Object.hasOwn(DRILL_COMMANDS, c.kind);

function pick(values: Record<string, unknown>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (typeof values[n] === 'string') out[n] = values[n] as string;
  return out;
}

export function drillCommandOf(kind: DrillCommand['kind'], args: string[], values: Record<string, unknown>): DrillCommand {
  const [first, second] = args as [string, string];
  switch (kind) {
    case 'drills run':
      return {
        kind,
        tenantId: first,
        restoreTime: values['restore-time'] as string | undefined,
        idempotencyKey: values['idempotency-key'] as string | undefined,
        watch: values.watch === true,
      };
    case 'drills list':
      return { kind, tenantId: first, query: pick(values, ['limit', 'cursor']) };
    case 'drills get':
      return { kind, tenantId: first, drillId: second };
    case 'schedules list':
      return { kind };
    case 'schedules run':
      return { kind, name: first };
  }
}
