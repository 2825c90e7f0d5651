import { describe, it, expect } from 'vitest';
import {
  NEW_RELEASE,
  RELEASE_EVENTS,
  RELEASE_STATES,
  RELEASE_STATUSES,
  allowedEvents,
  isTerminal,
  releaseLifecycleMermaid,
  releaseTransitions,
  transition,
  type ReleaseEvent,
  type ReleaseState,
  type ReleaseStatus,
  type ReleaseTransitionContext,
} from '#shared/domain/release-lifecycle.ts';

/** The release lifecycle as specified, written out independently of the table. */
const expected: Partial<Record<`${ReleaseState}|${ReleaseEvent}`, ReleaseStatus>> = {
  'NEW|Requested': 'PLANNED',
  'PLANNED|ArtifactRejected': 'REJECTED',
  'PLANNED|RehearsalStarted': 'REHEARSING',
  'REHEARSING|RehearsalPassed': 'AWAITING_APPROVAL',
  'REHEARSING|RehearsalFailed': 'REJECTED',
  'AWAITING_APPROVAL|Approved': 'ROLLING_OUT',
  'AWAITING_APPROVAL|ApprovalRejected': 'REJECTED',
  'ROLLING_OUT|WaveStarted': 'ROLLING_OUT',
  'ROLLING_OUT|TenantStarted': 'ROLLING_OUT',
  'ROLLING_OUT|WaveCompleted': 'ROLLING_OUT',
  'PAUSED|WaveCompleted': 'PAUSED',
  'ROLLING_OUT|AllWavesDone': 'SUCCEEDED',
  'ROLLING_OUT|Paused': 'PAUSED',
  'PAUSED|Resumed': 'ROLLING_OUT',
  'ROLLING_OUT|BudgetExhausted': 'HALTED',
  'PAUSED|BudgetExhausted': 'HALTED',
  'ROLLING_OUT|RollbackFailed': 'HALTED',
  'PAUSED|RollbackFailed': 'HALTED',
  'ROLLING_OUT|TenantsUnsettled': 'HALTED',
  'PAUSED|TenantsUnsettled': 'HALTED',
  'PLANNED|AbortRequested': 'ABORTED',
  'REHEARSING|AbortRequested': 'ABORTED',
  'AWAITING_APPROVAL|AbortRequested': 'ABORTED',
  'ROLLING_OUT|AbortRequested': 'ABORTED',
  'PAUSED|AbortRequested': 'ABORTED',
  'PLANNED|Failed': 'FAILED',
  'REHEARSING|Failed': 'FAILED',
  'AWAITING_APPROVAL|Failed': 'FAILED',
  'ROLLING_OUT|Failed': 'FAILED',
  'PAUSED|Failed': 'FAILED',
};

const allPairs = RELEASE_STATES.flatMap((state) => RELEASE_EVENTS.map((event) => ({ state, event })));
const allowedPairs = allPairs.filter(({ state, event }) => expected[`${state}|${event}`] !== undefined);
const forbiddenPairs = allPairs.filter(({ state, event }) => expected[`${state}|${event}`] === undefined);

/** Two different people: every guard passes. */
const twoPeople: ReleaseTransitionContext = { requester: 'alice', approver: 'bob' };

describe('releaseTransitions', () => {
  it('holds exactly the specified transitions, once each', () => {
    // Act
    const table = releaseTransitions.map((t) => `${t.from}|${t.event}->${t.to}`).sort();

    // Assess
    const spec = Object.entries(expected).map(([pair, to]) => `${pair}->${to}`).sort();
    expect(table).toEqual(spec);
    expect(new Set(releaseTransitions.map((t) => `${t.from}|${t.event}`)).size).toBe(releaseTransitions.length);
  });

  it('guards only the approval', () => {
    const guarded = releaseTransitions.filter((t) => t.guard).map((t) => `${t.event}:${t.guard}`);

    expect(guarded).toEqual(['Approved:approverIsNotRequester']);
  });
});

describe('transition', () => {
  it('covers 11 states x 18 events: 30 allowed and 168 forbidden pairs', () => {
    expect(RELEASE_STATES).toHaveLength(11);
    expect(RELEASE_EVENTS).toHaveLength(18);
    expect(allowedPairs).toHaveLength(30);
    expect(forbiddenPairs).toHaveLength(168);
  });

  it.each(allowedPairs)('moves a $state release on $event to the expected status', ({ state, event }) => {
    // Act
    const result = transition(state, event, twoPeople);

    // Assess
    expect(result).toEqual({ ok: true, to: expected[`${state}|${event}`] });
  });

  it.each(forbiddenPairs)('refuses $event while the release is $state, with a reason', ({ state, event }) => {
    // Act
    const result = transition(state, event, twoPeople);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain(event);
    expect(result.reason).toContain(state);
  });

  it('starts no tenant and no wave while paused, naming what a paused release accepts', () => {
    // Act
    const tenant = transition('PAUSED', 'TenantStarted');
    const wave = transition('PAUSED', 'WaveStarted');

    // Assess
    expect(tenant).toEqual({
      ok: false,
      reason: 'TenantStarted is not allowed while the release is PAUSED (allowed: WaveCompleted, Resumed, BudgetExhausted, RollbackFailed, TenantsUnsettled, AbortRequested, Failed)',
    });
    expect(wave.ok).toBe(false);
  });

  it('starts no tenant once the release is halted or aborted', () => {
    expect(transition('HALTED', 'TenantStarted')).toEqual({
      ok: false,
      reason: 'TenantStarted is not allowed: HALTED is a terminal state and no event leaves it',
    });
    expect(transition('ABORTED', 'TenantStarted').ok).toBe(false);
  });

  it('refuses to roll out before approval', () => {
    expect(transition('REHEARSING', 'WaveStarted').ok).toBe(false);
    expect(transition('AWAITING_APPROVAL', 'TenantStarted').ok).toBe(false);
  });

  it('refuses an unknown state or event instead of throwing', () => {
    expect(transition('GONE' as ReleaseState, 'Paused')).toEqual({ ok: false, reason: 'unknown release state GONE' });
    expect(transition('ROLLING_OUT', 'Explode' as ReleaseEvent)).toEqual({ ok: false, reason: 'unknown release event Explode' });
  });
});

describe('transition guard: approver is not the requester', () => {
  it('refuses approval by the requester', () => {
    // Act
    const result = transition('AWAITING_APPROVAL', 'Approved', { requester: 'alice', approver: 'alice' });

    // Assess
    expect(result).toEqual({
      ok: false,
      guard: 'approverIsNotRequester',
      reason: 'Approved refused while the release is AWAITING_APPROVAL: alice requested this release and cannot also approve it',
    });
  });

  it('compares identities without case or surrounding blanks', () => {
    const result = transition('AWAITING_APPROVAL', 'Approved', { requester: 'Alice', approver: ' alice ' });

    expect(result).toMatchObject({ ok: false, guard: 'approverIsNotRequester' });
  });

  it('refuses when no approver is named', () => {
    const result = transition('AWAITING_APPROVAL', 'Approved', { requester: 'alice', approver: '  ' });

    expect(!result.ok && result.reason).toContain('no approver is named');
  });

  it('refuses when the requester is unknown', () => {
    const result = transition('AWAITING_APPROVAL', 'Approved', { approver: 'bob' });

    expect(!result.ok && result.reason).toContain('the requester is unknown');
  });

  it('allows approval by someone else', () => {
    expect(transition('AWAITING_APPROVAL', 'Approved', twoPeople)).toEqual({ ok: true, to: 'ROLLING_OUT' });
  });

  it('lets the requester decline or abort their own release', () => {
    const self: ReleaseTransitionContext = { requester: 'alice', approver: 'alice' };

    expect(transition('AWAITING_APPROVAL', 'ApprovalRejected', self)).toEqual({ ok: true, to: 'REJECTED' });
    expect(transition('AWAITING_APPROVAL', 'AbortRequested', self)).toEqual({ ok: true, to: 'ABORTED' });
  });
});

describe('allowedEvents', () => {
  it('lists what the table accepts in each state', () => {
    expect(allowedEvents(NEW_RELEASE)).toEqual(['Requested']);
    expect(allowedEvents('ROLLING_OUT').sort()).toEqual([
      'AbortRequested',
      'AllWavesDone',
      'BudgetExhausted',
      'Failed',
      'Paused',
      'RollbackFailed',
      'TenantStarted',
      'TenantsUnsettled',
      'WaveCompleted',
      'WaveStarted',
    ]);
    expect(allowedEvents('SUCCEEDED')).toEqual([]);
  });

  it('makes REJECTED, HALTED, SUCCEEDED, FAILED and ABORTED the terminal states', () => {
    expect(RELEASE_STATUSES.filter(isTerminal)).toEqual(['REJECTED', 'HALTED', 'SUCCEEDED', 'FAILED', 'ABORTED']);
  });

  it('reaches every status from a new release', () => {
    // Prepare
    const reached = new Set<ReleaseState>([NEW_RELEASE]);

    // Act
    for (let grew = true; grew; ) {
      const before = reached.size;
      for (const t of releaseTransitions) if (reached.has(t.from)) reached.add(t.to);
      grew = reached.size > before;
    }

    // Assess
    expect([...reached].sort()).toEqual([...RELEASE_STATES].sort());
  });
});

describe('releaseLifecycleMermaid', () => {
  it('draws every transition with its guard, the request from the initial pseudo state and the terminal states as final', () => {
    // Act
    const diagram = releaseLifecycleMermaid();

    // Assess
    const lines = diagram.trimEnd().split('\n');
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain('    [*] --> PLANNED : Requested');
    expect(lines).toContain('    AWAITING_APPROVAL --> ROLLING_OUT : Approved [approver is not the requester]');
    expect(lines).toContain('    PAUSED --> PAUSED : WaveCompleted');
    expect(lines).toContain('    HALTED --> [*]');
    expect(lines.filter((l) => l.includes(' --> '))).toHaveLength(releaseTransitions.length + 5);
    expect(diagram).not.toMatch(/NEW/);
  });
});
