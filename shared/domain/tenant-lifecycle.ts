/**
 * The tenant lifecycle as one table: every status change of a tenant is a row here, and anything
 * not in the table is refused with a reason. The state diagram in docs/ is generated from the same
 * rows (`npm run docs`), so the picture cannot drift from the rules.
 */
import { TENANT_STATUSES, type TenantStatus } from './types.ts';
import { transitionTable } from './transition-table.ts';

/** A tenant that has no record yet; only `CreateRequested` leaves it. */
export const NEW_TENANT = 'NEW' as const;
export type LifecycleState = TenantStatus | typeof NEW_TENANT;
export const LIFECYCLE_STATES: readonly LifecycleState[] = [NEW_TENANT, ...TENANT_STATUSES];

export const TENANT_EVENTS = [
  'CreateRequested',
  'ProvisionSucceeded',
  'ProvisionFailed',
  'RetryProvision',
  'OffboardRequested',
  'OffboardSucceeded',
  'OffboardFailed',
  'UpdateStarted',
  'UpdateSucceeded',
  'UpdateRolledBack',
  'UpdateFailed',
  'FailoverStarted',
  'FailoverSucceeded',
  'FailoverFailed',
  /** A failover that stopped before promoting anything: the old primary is unfenced and serves again. */
  'FailoverRolledBack',
  'Suspend',
  'Resume',
] as const;
export type TenantEvent = (typeof TENANT_EVENTS)[number];

/** What the guards look at: the tenant's lease and the operation asking for the change. */
export interface TransitionContext {
  now: Date;
  /** The operation requesting the transition (a new one, or the one running the workflow). */
  operationId?: string;
  leaseOwner?: string;
  /** ISO-8601; a lease is live while `now` is before it. */
  leaseExpiresAt?: string;
}

export interface Guard {
  /** Short text shown on the diagram's edges. */
  label: string;
  description: string;
  /** Why the transition is refused, or null when the guard lets it through. */
  refusal(ctx: TransitionContext): string | null;
}

export type GuardName = 'noOtherLiveLease';

export const tenantGuards: Readonly<Record<GuardName, Guard>> = {
  noOtherLiveLease: {
    label: 'no other live lease',
    description:
      'no operation other than the requesting one holds an unexpired lease on the tenant, so a second request ' +
      'cannot start beside a running one and a stale workflow whose lease was taken over cannot overwrite the status',
    refusal(ctx) {
      if (!ctx.leaseOwner || ctx.leaseOwner === ctx.operationId) return null;
      if (!isLive(ctx.leaseExpiresAt, ctx.now)) return null;
      const until = ctx.leaseExpiresAt ? ` until ${ctx.leaseExpiresAt}` : '';
      return `operation ${ctx.leaseOwner} holds the tenant's lease${until}; retry once it ends or its lease expires`;
    },
  },
};

/** A lease without a readable expiry is treated as live: refusing is safer than running two operations. */
function isLive(expiresAt: string | undefined, now: Date): boolean {
  if (!expiresAt) return true;
  const expiry = Date.parse(expiresAt);
  return Number.isNaN(expiry) || expiry > now.getTime();
}

export interface TenantTransition {
  from: LifecycleState;
  event: TenantEvent;
  to: TenantStatus;
  guard?: GuardName;
}

const guarded = 'noOtherLiveLease' as const;

/**
 * Every transition of a tenant. All but creation are guarded by the lease: one operation per tenant
 * at a time, and only the lease holder (or anyone, once the lease has expired) may move the tenant on.
 */
export const tenantTransitions: readonly TenantTransition[] = [
  { from: NEW_TENANT, event: 'CreateRequested', to: 'PROVISIONING' },
  { from: 'PROVISIONING', event: 'ProvisionSucceeded', to: 'ACTIVE', guard: guarded },
  { from: 'PROVISIONING', event: 'ProvisionFailed', to: 'FAILED', guard: guarded },
  { from: 'FAILED', event: 'RetryProvision', to: 'PROVISIONING', guard: guarded },
  { from: 'ACTIVE', event: 'OffboardRequested', to: 'OFFBOARDING', guard: guarded },
  { from: 'SUSPENDED', event: 'OffboardRequested', to: 'OFFBOARDING', guard: guarded },
  { from: 'FAILED', event: 'OffboardRequested', to: 'OFFBOARDING', guard: guarded },
  { from: 'OFFBOARDING', event: 'OffboardSucceeded', to: 'DELETED', guard: guarded },
  { from: 'OFFBOARDING', event: 'OffboardFailed', to: 'FAILED', guard: guarded },
  { from: 'ACTIVE', event: 'UpdateStarted', to: 'UPDATING', guard: guarded },
  { from: 'UPDATING', event: 'UpdateSucceeded', to: 'ACTIVE', guard: guarded },
  { from: 'UPDATING', event: 'UpdateRolledBack', to: 'ACTIVE', guard: guarded },
  { from: 'UPDATING', event: 'UpdateFailed', to: 'FAILED', guard: guarded },
  { from: 'ACTIVE', event: 'FailoverStarted', to: 'FAILING_OVER', guard: guarded },
  { from: 'FAILING_OVER', event: 'FailoverSucceeded', to: 'ACTIVE', guard: guarded },
  { from: 'FAILING_OVER', event: 'FailoverFailed', to: 'FAILED', guard: guarded },
  { from: 'FAILING_OVER', event: 'FailoverRolledBack', to: 'ACTIVE', guard: guarded },
  { from: 'ACTIVE', event: 'Suspend', to: 'SUSPENDED', guard: guarded },
  { from: 'SUSPENDED', event: 'Resume', to: 'ACTIVE', guard: guarded },
];

/** The table and everything derived from it (transitions, refusals, diagram) in one place. */
const table = transitionTable<LifecycleState, TenantEvent, GuardName, TransitionContext>({
  noun: 'tenant',
  subject: 'the tenant',
  states: LIFECYCLE_STATES,
  events: TENANT_EVENTS,
  guards: tenantGuards,
  transitions: tenantTransitions,
  pseudoInitial: NEW_TENANT,
});

export type TransitionResult = { ok: true; to: TenantStatus } | { ok: false; reason: string; guard?: GuardName };

export function transition(state: LifecycleState, event: TenantEvent, ctx: TransitionContext): TransitionResult {
  // No row leads back to NEW, so a successful transition always names a tenant status.
  return table.transition(state, event, ctx) as TransitionResult;
}

/** Events the table accepts in a state, before guards are checked. */
export function allowedEvents(state: LifecycleState): TenantEvent[] {
  return table.allowedEvents(state);
}

/** States no event leaves. */
export function isTerminal(state: LifecycleState): boolean {
  return table.allowedEvents(state).length === 0;
}

/** Mermaid `stateDiagram-v2` of the table; guards appear in brackets after the event. */
export function tenantLifecycleMermaid(): string {
  return table.mermaid();
}
