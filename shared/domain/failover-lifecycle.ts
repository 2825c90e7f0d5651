/**
 * The lifecycle of a failover as one table (the state diagram in docs/ is generated from it). A
 * failover is checked first (readiness per tenant, `failover-readiness.ts`); it waits for approval
 * when it is unplanned or moves a critical tenant, and only someone other than the requester may
 * approve it; then its tenants fail over, and it ends SUCCEEDED when every tenant is verified in the
 * new region, PARTIALLY_SUCCEEDED when some are, FAILED when none is.
 */
import type { Criticality } from './types.ts';
import { approverIsNotRequesterGuard, type ReleaseTransitionContext } from './release-lifecycle.ts';
import { transitionTable, type TableGuard, type TableResult, type TableTransition } from './transition-table.ts';

export const FAILOVER_STATUSES = ['CHECKING', 'REFUSED', 'AWAITING_APPROVAL', 'REJECTED', 'FAILING_OVER', 'SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED'] as const;
export type FailoverStatus = (typeof FAILOVER_STATUSES)[number];

export const NEW_FAILOVER = 'NEW' as const;
export type FailoverState = FailoverStatus | typeof NEW_FAILOVER;
export const FAILOVER_STATES: readonly FailoverState[] = [NEW_FAILOVER, ...FAILOVER_STATUSES];

export const FAILOVER_EVENTS = [
  'Requested',
  /** Every tenant is ready (or the failover is unplanned and goes with what it has); no approval needed. */
  'ChecksPassed',
  /** Ready, but unplanned or moving a critical tenant: a second person approves. */
  'ApprovalRequired',
  /** A blocking check failed (a switchover whose lag cannot drain, no DR capacity...): nothing changed. */
  'ChecksFailed',
  'Approved',
  'ApprovalRejected',
  'AllTenantsVerified',
  'SomeTenantsFailed',
  'AllTenantsFailed',
  /** Its workflow could not be started: nothing was checked or moved, the leases are given back. */
  'WorkflowNotStarted',
] as const;
export type FailoverEvent = (typeof FAILOVER_EVENTS)[number];

export type FailoverGuardName = 'approverIsNotRequester';
export const failoverGuards: Readonly<Record<FailoverGuardName, TableGuard<ReleaseTransitionContext>>> = {
  approverIsNotRequester: approverIsNotRequesterGuard('failover', 'move tenants to another region'),
};

export const failoverTransitions: readonly TableTransition<FailoverState, FailoverEvent, FailoverGuardName>[] = [
  { from: NEW_FAILOVER, event: 'Requested', to: 'CHECKING' },
  { from: 'CHECKING', event: 'ChecksPassed', to: 'FAILING_OVER' },
  { from: 'CHECKING', event: 'ApprovalRequired', to: 'AWAITING_APPROVAL' },
  { from: 'CHECKING', event: 'ChecksFailed', to: 'REFUSED' },
  { from: 'AWAITING_APPROVAL', event: 'Approved', to: 'FAILING_OVER', guard: 'approverIsNotRequester' },
  { from: 'AWAITING_APPROVAL', event: 'ApprovalRejected', to: 'REJECTED' },
  { from: 'FAILING_OVER', event: 'AllTenantsVerified', to: 'SUCCEEDED' },
  { from: 'FAILING_OVER', event: 'SomeTenantsFailed', to: 'PARTIALLY_SUCCEEDED' },
  { from: 'FAILING_OVER', event: 'AllTenantsFailed', to: 'FAILED' },
  { from: 'CHECKING', event: 'WorkflowNotStarted', to: 'FAILED' },
];

const failoverTable = transitionTable<FailoverState, FailoverEvent, FailoverGuardName, ReleaseTransitionContext>({
  noun: 'failover',
  subject: 'the failover',
  states: FAILOVER_STATES,
  events: FAILOVER_EVENTS,
  guards: failoverGuards,
  transitions: failoverTransitions,
  pseudoInitial: NEW_FAILOVER,
});

export function failoverTransition(state: FailoverState, event: FailoverEvent, ctx: ReleaseTransitionContext = {}): TableResult<FailoverStatus, FailoverGuardName> {
  return failoverTable.transition(state, event, ctx) as TableResult<FailoverStatus, FailoverGuardName>;
}

export function failoverLifecycleMermaid(): string {
  return failoverTable.mermaid();
}

/** An unplanned failover, or one that moves a critical tenant, waits for a second person. */
export function failoverNeedsApproval(mode: 'planned' | 'unplanned', criticalities: readonly Criticality[]): { needed: boolean; why?: string } {
  if (mode === 'unplanned') return { needed: true, why: 'an unplanned failover may lose data' };
  if (criticalities.includes('critical')) return { needed: true, why: 'it moves a critical tenant' };
  return { needed: false };
}

/** How the failover ends, from its tenants' outcomes. */
export function failoverEnding(outcomes: readonly ('SUCCEEDED' | 'FAILED')[]): FailoverEvent {
  const failed = outcomes.filter((o) => o === 'FAILED').length;
  if (failed === 0) return 'AllTenantsVerified';
  return failed === outcomes.length ? 'AllTenantsFailed' : 'SomeTenantsFailed';
}
