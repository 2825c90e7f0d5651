import { describe, it, expect } from 'vitest';
import {
  LIFECYCLE_STATES,
  NEW_TENANT,
  TENANT_EVENTS,
  allowedEvents,
  isTerminal,
  tenantLifecycleMermaid,
  tenantTransitions,
  transition,
  type LifecycleState,
  type TenantEvent,
  type TransitionContext,
} from '#shared/domain/tenant-lifecycle.ts';
import type { TenantStatus } from '#shared/domain/types.ts';

const now = new Date('2025-06-01T12:00:00.000Z');
const inOneMinute = '2025-06-01T12:01:00.000Z';
const oneMinuteAgo = '2025-06-01T11:59:00.000Z';

/** The lifecycle as specified, written out independently of the table. */
const expected: Partial<Record<`${LifecycleState}|${TenantEvent}`, TenantStatus>> = {
  'NEW|CreateRequested': 'PROVISIONING',
  'PROVISIONING|ProvisionSucceeded': 'ACTIVE',
  'PROVISIONING|ProvisionFailed': 'FAILED',
  'FAILED|RetryProvision': 'PROVISIONING',
  'ACTIVE|OffboardRequested': 'OFFBOARDING',
  'SUSPENDED|OffboardRequested': 'OFFBOARDING',
  'FAILED|OffboardRequested': 'OFFBOARDING',
  'OFFBOARDING|OffboardSucceeded': 'DELETED',
  'OFFBOARDING|OffboardFailed': 'FAILED',
  'ACTIVE|UpdateStarted': 'UPDATING',
  'UPDATING|UpdateSucceeded': 'ACTIVE',
  'UPDATING|UpdateRolledBack': 'ACTIVE',
  'UPDATING|UpdateFailed': 'FAILED',
  'ACTIVE|FailoverStarted': 'FAILING_OVER',
  'FAILING_OVER|FailoverSucceeded': 'ACTIVE',
  'FAILING_OVER|FailoverFailed': 'FAILED',
  'FAILING_OVER|FailoverRolledBack': 'ACTIVE',
  'ACTIVE|Suspend': 'SUSPENDED',
  'SUSPENDED|Resume': 'ACTIVE',
};

const allPairs = LIFECYCLE_STATES.flatMap((state) => TENANT_EVENTS.map((event) => ({ state, event })));
const allowedPairs = allPairs.filter(({ state, event }) => expected[`${state}|${event}`] !== undefined);
const forbiddenPairs = allPairs.filter(({ state, event }) => expected[`${state}|${event}`] === undefined);

/** The running operation holds its own live lease: every guard passes. */
const ownLease: TransitionContext = { now, operationId: 'op-1', leaseOwner: 'op-1', leaseExpiresAt: inOneMinute };

describe('tenantTransitions', () => {
  it('holds exactly the specified transitions, once each', () => {
    // Act
    const table = tenantTransitions.map((t) => `${t.from}|${t.event}->${t.to}`).sort();

    // Assess
    const spec = Object.entries(expected).map(([pair, to]) => `${pair}->${to}`).sort();
    expect(table).toEqual(spec);
    expect(new Set(tenantTransitions.map((t) => `${t.from}|${t.event}`)).size).toBe(tenantTransitions.length);
  });
});

describe('transition', () => {
  it('covers 9 states x 17 events: 19 allowed and 134 forbidden pairs', () => {
    expect(LIFECYCLE_STATES).toHaveLength(9);
    expect(TENANT_EVENTS).toHaveLength(17);
    expect(allowedPairs).toHaveLength(19);
    expect(forbiddenPairs).toHaveLength(134);
  });

  it.each(allowedPairs)('moves a $state tenant on $event to the expected state', ({ state, event }) => {
    // Act
    const result = transition(state, event, ownLease);

    // Assess
    expect(result).toEqual({ ok: true, to: expected[`${state}|${event}`] });
  });

  it.each(forbiddenPairs)('refuses $event while the tenant is $state, with a reason', ({ state, event }) => {
    // Act
    const result = transition(state, event, { now });

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain(event);
    expect(result.reason).toContain(state);
  });

  it('names the allowed events when refusing an event', () => {
    const result = transition('PROVISIONING', 'OffboardRequested', { now });

    expect(result).toEqual({
      ok: false,
      reason: 'OffboardRequested is not allowed while the tenant is PROVISIONING (allowed: ProvisionSucceeded, ProvisionFailed)',
    });
  });

  it('says DELETED is terminal', () => {
    const result = transition('DELETED', 'RetryProvision', { now });

    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('DELETED is a terminal state');
  });

  it('refuses an unknown state or event instead of throwing', () => {
    expect(transition('GONE' as LifecycleState, 'Suspend', { now })).toMatchObject({ ok: false, reason: 'unknown tenant state GONE' });
    expect(transition('ACTIVE', 'Explode' as TenantEvent, { now })).toMatchObject({ ok: false, reason: 'unknown tenant event Explode' });
  });
});

describe('transition guard: no other live lease', () => {
  it('refuses OffboardRequested while another operation holds an unexpired lease', () => {
    // Prepare
    const ctx: TransitionContext = { now, operationId: 'op-offboard', leaseOwner: 'op-update', leaseExpiresAt: inOneMinute };

    // Act
    const result = transition('ACTIVE', 'OffboardRequested', ctx);

    // Assess
    expect(result).toMatchObject({ ok: false, guard: 'noOtherLiveLease' });
    expect(!result.ok && result.reason).toContain(`operation op-update holds the tenant's lease until ${inOneMinute}`);
  });

  it('allows OffboardRequested once the other operation\'s lease has expired', () => {
    const ctx: TransitionContext = { now, operationId: 'op-offboard', leaseOwner: 'op-update', leaseExpiresAt: oneMinuteAgo };

    expect(transition('SUSPENDED', 'OffboardRequested', ctx)).toEqual({ ok: true, to: 'OFFBOARDING' });
  });

  it('treats a lease expiring exactly now as expired', () => {
    const ctx: TransitionContext = { now, operationId: 'op-offboard', leaseOwner: 'op-update', leaseExpiresAt: now.toISOString() };

    expect(transition('FAILED', 'OffboardRequested', ctx)).toEqual({ ok: true, to: 'OFFBOARDING' });
  });

  it('allows OffboardRequested when the requesting operation holds the lease or there is none', () => {
    expect(transition('ACTIVE', 'OffboardRequested', { now, operationId: 'op-1', leaseOwner: 'op-1', leaseExpiresAt: inOneMinute }).ok).toBe(true);
    expect(transition('ACTIVE', 'OffboardRequested', { now, operationId: 'op-1' }).ok).toBe(true);
  });

  it('refuses when a live lease is held and the request names no operation', () => {
    const result = transition('ACTIVE', 'OffboardRequested', { now, leaseOwner: 'op-update', leaseExpiresAt: inOneMinute });

    expect(result.ok).toBe(false);
  });

  it('treats a lease with a missing or unreadable expiry as live', () => {
    expect(transition('ACTIVE', 'Suspend', { now, operationId: 'op-2', leaseOwner: 'op-1' }).ok).toBe(false);
    expect(transition('ACTIVE', 'Suspend', { now, operationId: 'op-2', leaseOwner: 'op-1', leaseExpiresAt: 'soon' }).ok).toBe(false);
  });

  it('keeps a stale workflow from completing once another operation took the lease over', () => {
    const ctx: TransitionContext = { now, operationId: 'op-stale', leaseOwner: 'op-new', leaseExpiresAt: inOneMinute };

    expect(transition('PROVISIONING', 'ProvisionSucceeded', ctx).ok).toBe(false);
  });

  it('guards every transition except creation', () => {
    const unguarded = tenantTransitions.filter((t) => !t.guard).map((t) => t.event);

    expect(unguarded).toEqual(['CreateRequested']);
  });
});

describe('allowedEvents', () => {
  it('lists what the table accepts in each state', () => {
    expect(allowedEvents(NEW_TENANT)).toEqual(['CreateRequested']);
    expect(allowedEvents('ACTIVE').sort()).toEqual(['FailoverStarted', 'OffboardRequested', 'Suspend', 'UpdateStarted']);
    expect(allowedEvents('FAILED').sort()).toEqual(['OffboardRequested', 'RetryProvision']);
    expect(allowedEvents('DELETED')).toEqual([]);
  });

  it('makes DELETED the only terminal state', () => {
    expect(LIFECYCLE_STATES.filter(isTerminal)).toEqual(['DELETED']);
  });
});

describe('tenantLifecycleMermaid', () => {
  it('draws every transition with its guard, the creation from the initial pseudo state and DELETED as final', () => {
    // Act
    const diagram = tenantLifecycleMermaid();

    // Assess
    const lines = diagram.trimEnd().split('\n');
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain('    [*] --> PROVISIONING : CreateRequested');
    expect(lines).toContain('    ACTIVE --> OFFBOARDING : OffboardRequested [no other live lease]');
    expect(lines).toContain('    DELETED --> [*]');
    expect(lines.filter((l) => l.includes(' --> '))).toHaveLength(tenantTransitions.length + 1);
    expect(diagram).not.toMatch(/NEW/);
  });
});
