import { describe, it, expect } from 'vitest';
import {
  TENANT_OUTCOME_EVENTS,
  TENANT_OUTCOME_STATUSES,
  allowedOutcomeEvents,
  isSettledOutcome,
  isSkippableOutcome,
  tenantOutcomeMermaid,
  tenantOutcomeTransitions,
  transitionOutcome,
  type TenantOutcomeContext,
  type TenantOutcomeEvent,
  type TenantOutcomeStatus,
} from '#shared/domain/release-tenant-outcome.ts';

/** One tenant's path through a release, as specified, written out independently of the table. */
const expected: Partial<Record<`${TenantOutcomeStatus}|${TenantOutcomeEvent}`, TenantOutcomeStatus>> = {
  'PENDING|WindowWaitStarted': 'WAITING_WINDOW',
  'PENDING|PreflightStarted': 'PREFLIGHT',
  'WAITING_WINDOW|PreflightStarted': 'PREFLIGHT',
  'PENDING|Skipped': 'SKIPPED',
  'WAITING_WINDOW|Skipped': 'SKIPPED',
  'PREFLIGHT|Skipped': 'SKIPPED',
  'PREFLIGHT|PreflightFailed': 'SKIPPED',
  'PREFLIGHT|UpgradeStarted': 'UPGRADING',
  'UPGRADING|UpgradeFailed': 'ROLLING_BACK',
  'UPGRADING|CutOver': 'BAKING',
  'BAKING|VerdictPassed': 'SUCCEEDED',
  'BAKING|VerdictFailed': 'ROLLING_BACK',
  'BAKING|RestoreNeedsDecision': 'AWAITING_DECISION',
  'BAKING|VerdictInconclusive': 'AWAITING_DECISION',
  'AWAITING_DECISION|KeepDecided': 'SUCCEEDED',
  'AWAITING_DECISION|RollbackDecided': 'ROLLING_BACK',
  'ROLLING_BACK|RollbackSucceeded': 'ROLLED_BACK',
  'ROLLING_BACK|RollbackFailed': 'FAILED',
};

const allPairs = TENANT_OUTCOME_STATUSES.flatMap((state) => TENANT_OUTCOME_EVENTS.map((event) => ({ state, event })));
const allowedPairs = allPairs.filter(({ state, event }) => expected[`${state}|${event}`] !== undefined);
const forbiddenPairs = allPairs.filter(({ state, event }) => expected[`${state}|${event}`] === undefined);

/** An image-only release: a rollback never touches the database, so every guard passes. */
const imageOnly: TenantOutcomeContext = { migrationRan: false };

describe('tenantOutcomeTransitions', () => {
  it('holds exactly the specified transitions, once each', () => {
    // Act
    const table = tenantOutcomeTransitions.map((t) => `${t.from}|${t.event}->${t.to}`).sort();

    // Assess
    const spec = Object.entries(expected).map(([pair, to]) => `${pair}->${to}`).sort();
    expect(table).toEqual(spec);
  });

  it('keeps the contract\'s outcome names', () => {
    const contract = ['PENDING', 'WAITING_WINDOW', 'UPGRADING', 'BAKING', 'SUCCEEDED', 'ROLLED_BACK', 'FAILED', 'SKIPPED'];

    expect(TENANT_OUTCOME_STATUSES).toEqual(expect.arrayContaining(contract));
    expect(TENANT_OUTCOME_STATUSES.filter((s) => !contract.includes(s))).toEqual(['PREFLIGHT', 'AWAITING_DECISION', 'ROLLING_BACK']);
  });
});

describe('transitionOutcome', () => {
  it('covers 11 outcomes x 15 events: 18 allowed and 147 forbidden pairs', () => {
    expect(allowedPairs).toHaveLength(18);
    expect(forbiddenPairs).toHaveLength(147);
  });

  it.each(allowedPairs)('moves a $state tenant on $event to the expected outcome', ({ state, event }) => {
    // Act
    const result = transitionOutcome(state, event, imageOnly);

    // Assess
    expect(result).toEqual({ ok: true, to: expected[`${state}|${event}`] });
  });

  it.each(forbiddenPairs)('refuses $event while the tenant is $state, with a reason', ({ state, event }) => {
    // Act
    const result = transitionOutcome(state, event, imageOnly);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain(event);
    expect(result.reason).toContain(state);
  });

  it('never skips a tenant once its upgrade has started', () => {
    // Act
    const refusals = (['UPGRADING', 'BAKING', 'AWAITING_DECISION', 'ROLLING_BACK'] as const).map((s) => transitionOutcome(s, 'Skipped'));

    // Assess
    expect(refusals.every((r) => !r.ok)).toBe(true);
    expect(refusals[0]).toEqual({
      ok: false,
      reason: "Skipped is not allowed while the tenant's outcome is UPGRADING (allowed: UpgradeFailed, CutOver)",
    });
  });

  it('refuses an unknown outcome or event instead of throwing', () => {
    expect(transitionOutcome('LOST' as TenantOutcomeStatus, 'CutOver')).toEqual({ ok: false, reason: 'unknown tenant outcome state LOST' });
    expect(transitionOutcome('BAKING', 'Explode' as TenantOutcomeEvent)).toEqual({ ok: false, reason: 'unknown tenant outcome event Explode' });
  });
});

describe('transitionOutcome guard: rollback loses no user writes', () => {
  it('rolls back on a failed verdict when the migration ran but no user wrote since the cut-over', () => {
    const result = transitionOutcome('BAKING', 'VerdictFailed', { migrationRan: true, userWritesSinceCutover: false });

    expect(result).toEqual({ ok: true, to: 'ROLLING_BACK' });
  });

  it('rolls back on a failed verdict when no migration ran, whatever users wrote', () => {
    const result = transitionOutcome('BAKING', 'VerdictFailed', { migrationRan: false, userWritesSinceCutover: true });

    expect(result).toEqual({ ok: true, to: 'ROLLING_BACK' });
  });

  it('refuses an automatic rollback that would restore over user writes', () => {
    // Act
    const result = transitionOutcome('BAKING', 'VerdictFailed', { migrationRan: true, userWritesSinceCutover: true });

    // Assess
    expect(result).toEqual({
      ok: false,
      guard: 'rollbackLosesNoUserWrites',
      reason:
        "VerdictFailed refused while the tenant's outcome is BAKING: the migration ran and users wrote after the cut-over: " +
        'restoring the database could lose their data, so a human decides',
    });
  });

  it('refuses when it is unknown whether the migration ran or users wrote', () => {
    // Act
    const nothingKnown = transitionOutcome('BAKING', 'VerdictFailed', {});
    const writesUnknown = transitionOutcome('BAKING', 'VerdictFailed', { migrationRan: true });

    // Assess
    expect(!nothingKnown.ok && nothingKnown.reason).toContain('it is unknown whether the migration ran and it is unknown whether users wrote');
    expect(writesUnknown).toMatchObject({ ok: false, guard: 'rollbackLosesNoUserWrites' });
  });

  it('sends the tenant to a human instead, who may order the rollback anyway', () => {
    // Act
    const escalated = transitionOutcome('BAKING', 'RestoreNeedsDecision');
    const ordered = transitionOutcome('AWAITING_DECISION', 'RollbackDecided', { migrationRan: true, userWritesSinceCutover: true });

    // Assess
    expect(escalated).toEqual({ ok: true, to: 'AWAITING_DECISION' });
    expect(ordered).toEqual({ ok: true, to: 'ROLLING_BACK' });
  });

  it('rolls back a failed upgrade without asking: the tenant was still in maintenance', () => {
    const result = transitionOutcome('UPGRADING', 'UpgradeFailed', { migrationRan: true, userWritesSinceCutover: true });

    expect(result).toEqual({ ok: true, to: 'ROLLING_BACK' });
  });
});

describe('outcome classes', () => {
  it('settles SUCCEEDED, ROLLED_BACK, FAILED and SKIPPED', () => {
    expect(TENANT_OUTCOME_STATUSES.filter(isSettledOutcome)).toEqual(['SUCCEEDED', 'ROLLED_BACK', 'FAILED', 'SKIPPED']);
    expect(allowedOutcomeEvents('SKIPPED')).toEqual([]);
  });

  it('may skip only tenants not changed yet', () => {
    expect(TENANT_OUTCOME_STATUSES.filter(isSkippableOutcome)).toEqual(['PENDING', 'WAITING_WINDOW', 'PREFLIGHT']);
  });

  it('ends every path settled: each unsettled outcome reaches a settled one', () => {
    // Prepare
    const settled = new Set<TenantOutcomeStatus>(TENANT_OUTCOME_STATUSES.filter(isSettledOutcome));

    // Act
    for (let grew = true; grew; ) {
      const before = settled.size;
      for (const t of tenantOutcomeTransitions) if (settled.has(t.to)) settled.add(t.from);
      grew = settled.size > before;
    }

    // Assess
    expect(settled.size).toBe(TENANT_OUTCOME_STATUSES.length);
  });
});

describe('tenantOutcomeMermaid', () => {
  it('draws PENDING as the initial outcome, every transition with its guard and the settled outcomes as final', () => {
    // Act
    const lines = tenantOutcomeMermaid().trimEnd().split('\n');

    // Assess
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines[1]).toBe('    [*] --> PENDING');
    expect(lines).toContain('    BAKING --> ROLLING_BACK : VerdictFailed [rollback loses no user writes]');
    expect(lines).toContain('    SKIPPED --> [*]');
    expect(lines.filter((l) => l.includes(' --> '))).toHaveLength(tenantOutcomeTransitions.length + 1 + 4);
  });
});
