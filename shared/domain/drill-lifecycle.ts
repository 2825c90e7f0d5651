/**
 * The lifecycle of one restore drill as one table: every change of a drill record's status is a
 * row here, and the state diagram in docs/ is generated from the same rows (`npm run docs`).
 * Whatever happens before the teardown, the drill goes through TEARING_DOWN: a drill that failed
 * to restore or to validate still removes what it made before it is recorded COMPLETED.
 */
import { transitionTable, type TableGuard, type TableResult, type TableTransition } from './transition-table.ts';

export const DRILL_STATUSES = ['REQUESTED', 'RESTORING', 'VALIDATING', 'TEARING_DOWN', 'COMPLETED'] as const;
export type DrillStatus = (typeof DRILL_STATUSES)[number];

export const NEW_DRILL = 'NEW' as const;
export type DrillState = DrillStatus | typeof NEW_DRILL;
export const DRILL_STATES: readonly DrillState[] = [NEW_DRILL, ...DRILL_STATUSES];

export const DRILL_EVENTS = [
  /** On demand or picked by a scheduled run; the tenant's drill lock is held from here. */
  'Requested',
  /** The restore point is recorded and the restore asked for. */
  'RestoreRequested',
  /** The restored cluster is available. */
  'RestoreAvailable',
  /** Every check ran (passed or not). */
  'Validated',
  /** The restore point could not be read, the restore failed or timed out, or a step crashed. */
  'Failed',
  /** Everything the drill made is deleted (or could not be, which the record says). */
  'TornDown',
] as const;
export type DrillEvent = (typeof DRILL_EVENTS)[number];

type DrillGuardName = never;
export const drillGuards: Readonly<Record<DrillGuardName, TableGuard<object>>> = {};

const beforeTeardown = ['REQUESTED', 'RESTORING', 'VALIDATING'] as const;

export const drillTransitions: readonly TableTransition<DrillState, DrillEvent, DrillGuardName>[] = [
  { from: NEW_DRILL, event: 'Requested', to: 'REQUESTED' },
  { from: 'REQUESTED', event: 'RestoreRequested', to: 'RESTORING' },
  { from: 'RESTORING', event: 'RestoreAvailable', to: 'VALIDATING' },
  { from: 'VALIDATING', event: 'Validated', to: 'TEARING_DOWN' },
  ...beforeTeardown.map((from) => ({ from, event: 'Failed' as const, to: 'TEARING_DOWN' as const })),
  { from: 'TEARING_DOWN', event: 'TornDown', to: 'COMPLETED' },
];

const drillTable = transitionTable<DrillState, DrillEvent, DrillGuardName, object>({
  noun: 'drill',
  subject: 'the drill',
  states: DRILL_STATES,
  events: DRILL_EVENTS,
  guards: drillGuards,
  transitions: drillTransitions,
  pseudoInitial: NEW_DRILL,
});

export function drillTransition(state: DrillState, event: DrillEvent): TableResult<DrillStatus, DrillGuardName> {
  return drillTable.transition(state, event, {}) as TableResult<DrillStatus, DrillGuardName>;
}

export function drillAllowedEvents(state: DrillState): DrillEvent[] {
  return drillTable.allowedEvents(state);
}

export function drillLifecycleMermaid(): string {
  return drillTable.mermaid();
}

/**
 * Whether a drill in `status` is already where `event` leads, or further: a retried step finds its
 * first attempt's move done. The statuses are listed in the order a drill goes through them.
 */
export function drillAlreadyPast(status: DrillStatus, event: DrillEvent): boolean {
  const target = drillTransitions.find((t) => t.event === event)?.to;
  return target !== undefined && target !== NEW_DRILL && DRILL_STATUSES.indexOf(status) >= DRILL_STATUSES.indexOf(target);
}
