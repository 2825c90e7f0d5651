import { describe, expect, it } from 'vitest';
import {
  FAILOVER_EVENTS,
  FAILOVER_STATES,
  failoverEnding,
  failoverLifecycleMermaid,
  failoverNeedsApproval,
  failoverTransition,
  type FailoverEvent,
  type FailoverState,
  type FailoverStatus,
} from '#shared/domain/failover-lifecycle.ts';

/** The failover lifecycle as specified, written out independently of the table. */
const expected: Partial<Record<`${FailoverState}|${FailoverEvent}`, FailoverStatus>> = {
  'NEW|Requested': 'CHECKING',
  'CHECKING|ChecksPassed': 'FAILING_OVER',
  'CHECKING|ApprovalRequired': 'AWAITING_APPROVAL',
  'CHECKING|ChecksFailed': 'REFUSED',
  'AWAITING_APPROVAL|Approved': 'FAILING_OVER',
  'AWAITING_APPROVAL|ApprovalRejected': 'REJECTED',
  'FAILING_OVER|AllTenantsVerified': 'SUCCEEDED',
  'FAILING_OVER|SomeTenantsFailed': 'PARTIALLY_SUCCEEDED',
  'FAILING_OVER|AllTenantsFailed': 'FAILED',
  'CHECKING|WorkflowNotStarted': 'FAILED',
};
const people = { requester: 'alice@ops', approver: 'bob@ops' };

describe('the failover lifecycle', () => {
  it('allows exactly the specified transitions, for every state and event', () => {
    for (const state of FAILOVER_STATES) {
      for (const event of FAILOVER_EVENTS) {
        const want = expected[`${state}|${event}`];
        const result = failoverTransition(state, event, people);
        if (want) expect(result, `${state} x ${event}`).toEqual({ ok: true, to: want });
        else expect(result.ok, `${state} x ${event}`).toBe(false);
      }
    }
  });

  it('refuses an approval by the requester, naming them', () => {
    expect(failoverTransition('AWAITING_APPROVAL', 'Approved', { requester: 'alice@ops', approver: ' Alice@Ops ' })).toEqual({
      ok: false,
      reason: 'Approved refused while the failover is AWAITING_APPROVAL: Alice@Ops requested this failover and cannot also approve it',
      guard: 'approverIsNotRequester',
    });
  });

  it('asks a second person for an unplanned failover or one that moves a critical tenant', () => {
    expect(failoverNeedsApproval('unplanned', ['low'])).toEqual({ needed: true, why: 'an unplanned failover may lose data' });
    expect(failoverNeedsApproval('planned', ['low', 'critical'])).toEqual({ needed: true, why: 'it moves a critical tenant' });
    expect(failoverNeedsApproval('planned', ['low', 'standard'])).toEqual({ needed: false });
  });

  it('ends by its tenants\' outcomes', () => {
    expect(failoverEnding(['SUCCEEDED', 'SUCCEEDED'])).toBe('AllTenantsVerified');
    expect(failoverEnding(['SUCCEEDED', 'FAILED'])).toBe('SomeTenantsFailed');
    expect(failoverEnding(['FAILED'])).toBe('AllTenantsFailed');
  });

  it('draws its diagram from the same rows, with the approval guard', () => {
    expect(failoverLifecycleMermaid()).toContain('AWAITING_APPROVAL --> FAILING_OVER : Approved [approver is not the requester]');
  });
});
