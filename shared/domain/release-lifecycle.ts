/**
 * The lifecycle of a staged fleet release as one table. Every status change of a release is a row
 * here, and anything not in the table is refused with a reason; the state diagram in docs/ is
 * generated from the same rows (`npm run docs`).
 *
 * Pause, halt and abort act between tenants and waves, never mid-migration: the workflow asks the
 * table before it starts a wave (`WaveStarted`) or a tenant (`TenantStarted`), which only
 * ROLLING_OUT accepts. HALTED and ABORTED are recorded when the decision is made; tenants already
 * being changed then finish or roll back (they drain), and their own outcomes
 * (release-tenant-outcome.ts) keep moving while the release's status stays where it is.
 */
import { transitionTable, type TableGuard, type TableResult, type TableTransition } from './transition-table.ts';

export const RELEASE_STATUSES = [
  'PLANNED',
  'REHEARSING',
  /**
   * Not in the API contract's list: a release stopped before any production change, because its
   * artifact failed validation, its rehearsal failed or an approver declined it. The reason is
   * recorded on the release.
   */
  'REJECTED',
  'AWAITING_APPROVAL',
  'ROLLING_OUT',
  'PAUSED',
  'HALTED',
  'SUCCEEDED',
  'FAILED',
  'ABORTED',
] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

/** A release that has no record yet; only `Requested` leaves it. */
export const NEW_RELEASE = 'NEW' as const;
export type ReleaseState = ReleaseStatus | typeof NEW_RELEASE;
export const RELEASE_STATES: readonly ReleaseState[] = [NEW_RELEASE, ...RELEASE_STATUSES];

export const RELEASE_EVENTS = [
  'Requested',
  /** The image or module set failed validation. */
  'ArtifactRejected',
  'RehearsalStarted',
  'RehearsalPassed',
  'RehearsalFailed',
  'Approved',
  'ApprovalRejected',
  'WaveStarted',
  'TenantStarted',
  'WaveCompleted',
  'AllWavesDone',
  'Paused',
  'Resumed',
  'AbortRequested',
  /** The wave's failures exceed its failure budget (circuit-breaker.ts). */
  'BudgetExhausted',
  /** A tenant's rollback failed: everything halts at once, whatever the budget. */
  'RollbackFailed',
  /**
   * A wave ended with tenants that never reached a final outcome (a batch that kept failing past
   * its retries): the release halts, naming them, rather than pass as done with tenants left behind.
   */
  'TenantsUnsettled',
  /** The release workflow itself stopped on an error no retry cleared. */
  'Failed',
] as const;
export type ReleaseEvent = (typeof RELEASE_EVENTS)[number];

/** What the guards look at. */
export interface ReleaseTransitionContext {
  /** Who asked for the release (the caller's IAM identity in AWS). */
  requester?: string;
  /** Who approves it. */
  approver?: string;
}

export type ReleaseGuardName = 'approverIsNotRequester';

/**
 * The four-eyes rule of anything that changes many tenants at once: the approver is named and is
 * someone other than the requester. `what` names the thing approved, `risk` what one person must
 * not do alone.
 */
export function approverIsNotRequesterGuard(what: string, risk: string): TableGuard<ReleaseTransitionContext> {
  return {
    label: 'approver is not the requester',
    description:
      'the approver is named and is someone other than the requester (compared without case or surrounding blanks, ' +
      `as IAM names are), so no one can ${risk} alone; the API answers 403 when refused`,
    refusal(ctx) {
      const approver = identity(ctx.approver);
      const requester = identity(ctx.requester);
      if (!approver) return 'no approver is named';
      if (!requester) return 'the requester is unknown, so the approver cannot be shown to be someone else';
      if (approver === requester) return `${ctx.approver?.trim()} requested this ${what} and cannot also approve it`;
      return null;
    },
  };
}

export const releaseGuards: Readonly<Record<ReleaseGuardName, TableGuard<ReleaseTransitionContext>>> = {
  approverIsNotRequester: approverIsNotRequesterGuard('release', 'put a change on the whole fleet'),
};

function identity(name: string | undefined): string {
  return (name ?? '').trim().toLowerCase();
}

/** Before any production change, the release may still be stopped by its owner or by the machinery. */
const stoppable = ['PLANNED', 'REHEARSING', 'AWAITING_APPROVAL', 'ROLLING_OUT', 'PAUSED'] as const;
const rollingOrPaused = ['ROLLING_OUT', 'PAUSED'] as const;

export const releaseTransitions: readonly TableTransition<ReleaseState, ReleaseEvent, ReleaseGuardName>[] = [
  { from: NEW_RELEASE, event: 'Requested', to: 'PLANNED' },
  { from: 'PLANNED', event: 'ArtifactRejected', to: 'REJECTED' },
  { from: 'PLANNED', event: 'RehearsalStarted', to: 'REHEARSING' },
  { from: 'REHEARSING', event: 'RehearsalPassed', to: 'AWAITING_APPROVAL' },
  { from: 'REHEARSING', event: 'RehearsalFailed', to: 'REJECTED' },
  { from: 'AWAITING_APPROVAL', event: 'Approved', to: 'ROLLING_OUT', guard: 'approverIsNotRequester' },
  // Declining changes nothing in production, so it needs no second person.
  { from: 'AWAITING_APPROVAL', event: 'ApprovalRejected', to: 'REJECTED' },
  { from: 'ROLLING_OUT', event: 'WaveStarted', to: 'ROLLING_OUT' },
  { from: 'ROLLING_OUT', event: 'TenantStarted', to: 'ROLLING_OUT' },
  // Tenants in flight when the release was paused still finish, and may finish their wave.
  ...rollingOrPaused.map((from) => ({ from, event: 'WaveCompleted' as const, to: from })),
  // A paused release finishes only once resumed: whoever paused it may be looking at something.
  { from: 'ROLLING_OUT', event: 'AllWavesDone', to: 'SUCCEEDED' },
  { from: 'ROLLING_OUT', event: 'Paused', to: 'PAUSED' },
  { from: 'PAUSED', event: 'Resumed', to: 'ROLLING_OUT' },
  ...rollingOrPaused.map((from) => ({ from, event: 'BudgetExhausted' as const, to: 'HALTED' as const })),
  ...rollingOrPaused.map((from) => ({ from, event: 'RollbackFailed' as const, to: 'HALTED' as const })),
  ...rollingOrPaused.map((from) => ({ from, event: 'TenantsUnsettled' as const, to: 'HALTED' as const })),
  ...stoppable.map((from) => ({ from, event: 'AbortRequested' as const, to: 'ABORTED' as const })),
  ...stoppable.map((from) => ({ from, event: 'Failed' as const, to: 'FAILED' as const })),
];

const releaseTable = transitionTable<ReleaseState, ReleaseEvent, ReleaseGuardName, ReleaseTransitionContext>({
  noun: 'release',
  subject: 'the release',
  states: RELEASE_STATES,
  events: RELEASE_EVENTS,
  guards: releaseGuards,
  transitions: releaseTransitions,
  pseudoInitial: NEW_RELEASE,
});

export type ReleaseTransitionResult = TableResult<ReleaseStatus, ReleaseGuardName>;

export function transition(state: ReleaseState, event: ReleaseEvent, ctx: ReleaseTransitionContext = {}): ReleaseTransitionResult {
  // No row leads back to NEW, so `to` is always a release status.
  return releaseTable.transition(state, event, ctx) as ReleaseTransitionResult;
}

/** Events the table accepts in a state, before guards are checked. */
export function allowedEvents(state: ReleaseState): ReleaseEvent[] {
  return releaseTable.allowedEvents(state);
}

/** REJECTED, HALTED, SUCCEEDED, FAILED and ABORTED: no event leaves them. */
export function isTerminal(state: ReleaseState): boolean {
  return releaseTable.isTerminal(state);
}

export function releaseLifecycleMermaid(): string {
  return releaseTable.mermaid();
}
