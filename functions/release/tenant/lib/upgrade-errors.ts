/**
 * Errors a tenant's upgrade raises on purpose, named so the workflow's Catch and the operation's
 * steps show what failed: the migration (`UpgradeFailed`) or the roll of the Deployments
 * (`RolloutFailed`). Neither is transient: a retry would not change the answer.
 */
export class UpgradeStepError extends Error {
  constructor(name: 'UpgradeFailed' | 'RolloutFailed', message: string) {
    super(message);
    this.name = name;
  }
}

export const upgradeFailed = (message: string) => new UpgradeStepError('UpgradeFailed', message);
export const rolloutFailed = (message: string) => new UpgradeStepError('RolloutFailed', message);
