/**
 * Where one tenant stands in a release, as one table. The API contract names PENDING,
 * WAITING_WINDOW, UPGRADING, BAKING, SUCCEEDED, ROLLED_BACK, FAILED and SKIPPED; three more say
 * what the contract's names cannot:
 * - PREFLIGHT: the tenant's lease is held and its backups and pre-change copy are being made, but
 *   nothing about the tenant has changed yet, so a halt or abort can still skip it;
 * - ROLLING_BACK: the verdict or the upgrade failed and the image (and, when the migration ran, the
 *   database) is being put back; the failure already counts against the wave's budget;
 * - AWAITING_DECISION: a human must decide, either because the verdict was inconclusive or because
 *   a database restore would lose what users wrote after the cut-over.
 *
 * UPGRADING spans maintenance, the upgrade Job and the roll to the new image; `CutOver` is the
 * moment the tenant leaves maintenance on the new image and users may write again.
 */
import { transitionTable, type TableGuard, type TableResult, type TableTransition } from './transition-table.ts';

export const TENANT_OUTCOME_STATUSES = [
  'PENDING',
  'WAITING_WINDOW',
  'PREFLIGHT',
  'UPGRADING',
  'BAKING',
  'AWAITING_DECISION',
  'ROLLING_BACK',
  'SUCCEEDED',
  'ROLLED_BACK',
  'FAILED',
  'SKIPPED',
] as const;
export type TenantOutcomeStatus = (typeof TENANT_OUTCOME_STATUSES)[number];

export const TENANT_OUTCOME_EVENTS = [
  /** The tenant's release window is closed: wait until it opens. */
  'WindowWaitStarted',
  /** Lease taken; backup freshness, PITR point and pre-change copy begin. */
  'PreflightStarted',
  /** Not started because the release halted or was aborted, or the window opens after the deadline. */
  'Skipped',
  /** Backup too old, lease held by another operation...: the tenant is left untouched. */
  'PreflightFailed',
  /** Maintenance on: from here the tenant is changed, and a halt lets it finish or roll back. */
  'UpgradeStarted',
  /** The migration or the roll to the new image failed while still in maintenance. */
  'UpgradeFailed',
  'CutOver',
  'VerdictPassed',
  'VerdictFailed',
  /** The verdict failed, but restoring the database would lose writes made after the cut-over. */
  'RestoreNeedsDecision',
  'VerdictInconclusive',
  /** A human keeps the new version. */
  'KeepDecided',
  /** A human orders the rollback, accepting the loss of writes made after the cut-over if any. */
  'RollbackDecided',
  /** The tenant is ACTIVE on its previous version and out of maintenance. */
  'RollbackSucceeded',
  'RollbackFailed',
] as const;
export type TenantOutcomeEvent = (typeof TENANT_OUTCOME_EVENTS)[number];

/** What the guards look at: what a rollback would have to undo. */
export interface TenantOutcomeContext {
  /** The upgrade Job ran a migration (false for an image-only release with no modules to update). */
  migrationRan?: boolean;
  /** Users wrote to the database after the cut-over (newest `write_date` after it). */
  userWritesSinceCutover?: boolean;
}

export type TenantOutcomeGuardName = 'rollbackLosesNoUserWrites';

export const tenantOutcomeGuards: Readonly<Record<TenantOutcomeGuardName, TableGuard<TenantOutcomeContext>>> = {
  rollbackLosesNoUserWrites: {
    label: 'rollback loses no user writes',
    description:
      'either no migration ran (reverting the image is enough) or no user wrote after the cut-over (restoring the ' +
      'pre-change copy loses nothing); unless one of the two is known, the guard refuses, and the workflow sends ' +
      '`RestoreNeedsDecision` so that a human decides',
    refusal(ctx) {
      if (ctx.migrationRan === false || ctx.userWritesSinceCutover === false) return null;
      const migration = ctx.migrationRan ? 'the migration ran' : 'it is unknown whether the migration ran';
      const writes = ctx.userWritesSinceCutover ? 'users wrote after the cut-over' : 'it is unknown whether users wrote after the cut-over';
      return `${migration} and ${writes}: restoring the database could lose their data, so a human decides`;
    },
  },
};

const beforeAnyChange = ['PENDING', 'WAITING_WINDOW', 'PREFLIGHT'] as const;

export const tenantOutcomeTransitions: readonly TableTransition<TenantOutcomeStatus, TenantOutcomeEvent, TenantOutcomeGuardName>[] = [
  { from: 'PENDING', event: 'WindowWaitStarted', to: 'WAITING_WINDOW' },
  { from: 'PENDING', event: 'PreflightStarted', to: 'PREFLIGHT' },
  { from: 'WAITING_WINDOW', event: 'PreflightStarted', to: 'PREFLIGHT' },
  ...beforeAnyChange.map((from) => ({ from, event: 'Skipped' as const, to: 'SKIPPED' as const })),
  // Not the release's fault: skipped with its reason, and not counted against the budget.
  { from: 'PREFLIGHT', event: 'PreflightFailed', to: 'SKIPPED' },
  { from: 'PREFLIGHT', event: 'UpgradeStarted', to: 'UPGRADING' },
  // Still in maintenance, so no user has written: the database can be restored without asking.
  { from: 'UPGRADING', event: 'UpgradeFailed', to: 'ROLLING_BACK' },
  { from: 'UPGRADING', event: 'CutOver', to: 'BAKING' },
  { from: 'BAKING', event: 'VerdictPassed', to: 'SUCCEEDED' },
  { from: 'BAKING', event: 'VerdictFailed', to: 'ROLLING_BACK', guard: 'rollbackLosesNoUserWrites' },
  { from: 'BAKING', event: 'RestoreNeedsDecision', to: 'AWAITING_DECISION' },
  { from: 'BAKING', event: 'VerdictInconclusive', to: 'AWAITING_DECISION' },
  { from: 'AWAITING_DECISION', event: 'KeepDecided', to: 'SUCCEEDED' },
  { from: 'AWAITING_DECISION', event: 'RollbackDecided', to: 'ROLLING_BACK' },
  { from: 'ROLLING_BACK', event: 'RollbackSucceeded', to: 'ROLLED_BACK' },
  { from: 'ROLLING_BACK', event: 'RollbackFailed', to: 'FAILED' },
];

const outcomeTable = transitionTable<TenantOutcomeStatus, TenantOutcomeEvent, TenantOutcomeGuardName, TenantOutcomeContext>({
  noun: 'tenant outcome',
  subject: "the tenant's outcome",
  states: TENANT_OUTCOME_STATUSES,
  events: TENANT_OUTCOME_EVENTS,
  guards: tenantOutcomeGuards,
  transitions: tenantOutcomeTransitions,
  initialStates: ['PENDING'],
});

export type TenantOutcomeTransitionResult = TableResult<TenantOutcomeStatus, TenantOutcomeGuardName>;

export function transitionOutcome(
  state: TenantOutcomeStatus,
  event: TenantOutcomeEvent,
  ctx: TenantOutcomeContext = {},
): TenantOutcomeTransitionResult {
  return outcomeTable.transition(state, event, ctx);
}

/** Events the table accepts in an outcome, before guards are checked. */
export function allowedOutcomeEvents(state: TenantOutcomeStatus): TenantOutcomeEvent[] {
  return outcomeTable.allowedEvents(state);
}

/** SUCCEEDED, ROLLED_BACK, FAILED and SKIPPED: the tenant is done with this release. */
export function isSettledOutcome(state: TenantOutcomeStatus): boolean {
  return outcomeTable.isTerminal(state);
}

/** Nothing about the tenant has changed yet, so a halt or abort may still skip it. */
export function isSkippableOutcome(state: TenantOutcomeStatus): boolean {
  return allowedOutcomeEvents(state).includes('Skipped');
}

export function tenantOutcomeMermaid(): string {
  return outcomeTable.mermaid();
}
