/**
 * `POST /v1/releases/{releaseId}/tenants/{tenantId}/decision`: a human settles a tenant the
 * workflow could not judge alone (an inconclusive verdict, or a rollback that would lose what users
 * wrote after the cut-over). The decision is recorded on the tenant's item and sent to the waiting
 * workflow, which moves the outcome itself (keep: SUCCEEDED; rollback: ROLLING_BACK).
 */
import type { TenantRelease } from '#shared/domain/release-types.ts';
import { conflict, notFound } from '#shared/lib/errors.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { answerTask, takeWhenStored } from './task-tokens.ts';

export interface DecisionRequest {
  repo: FleetRepository;
  releaseId: string;
  tenantId: string;
  actor: string;
  choice: 'keep' | 'rollback';
  reason: string;
  now: () => Date;
}

async function send(c: DecisionRequest, token: string): Promise<void> {
  await answerTask(token, { output: { choice: c.choice } }, (t) => c.repo.setDecisionToken(c.releaseId, c.tenantId, t), `a decision on ${c.tenantId}`);
}

export async function decideTenant(c: DecisionRequest): Promise<TenantRelease> {
  await c.repo.requireRelease(c.releaseId);
  const item = await c.repo.getTenantRelease(c.releaseId, c.tenantId);
  if (!item) throw notFound(`Tenant ${c.tenantId} is not part of release ${c.releaseId}`);

  const recorded = item.decision;
  if (recorded) {
    if (recorded.by !== c.actor || recorded.choice !== c.choice) {
      throw conflict(`Tenant ${c.tenantId} was already decided: ${recorded.choice} by ${recorded.by} at ${recorded.at}`, [{ path: 'decision', message: 'is taken' }]);
    }
    // The same decision again: make sure the workflow heard it.
    const token = await c.repo.takeDecisionToken(c.releaseId, c.tenantId);
    if (token) await send(c, token);
    return item;
  }
  if (item.outcome !== 'AWAITING_DECISION') {
    throw conflict(`Tenant ${c.tenantId} is ${item.outcome}, not AWAITING_DECISION: there is nothing to decide`, [{ path: 'outcome', message: item.outcome }]);
  }

  const token = await takeWhenStored(() => c.repo.takeDecisionToken(c.releaseId, c.tenantId));
  if (!token) {
    throw conflict(`Tenant ${c.tenantId} is not awaiting a decision yet (its workflow has not reached the decision step); retry shortly`, [
      { path: 'outcome', message: 'AWAITING_DECISION, but the workflow is not waiting yet' },
    ]);
  }
  let decided: TenantRelease;
  try {
    decided = await c.repo.updateTenantRelease(c.releaseId, c.tenantId, item.version, (t) => ({
      ...t,
      decision: { by: c.actor, choice: c.choice, reason: c.reason, at: c.now().toISOString() },
    }));
  } catch (err) {
    await c.repo.setDecisionToken(c.releaseId, c.tenantId, token);
    throw err;
  }
  await send(c, token);
  return decided;
}
