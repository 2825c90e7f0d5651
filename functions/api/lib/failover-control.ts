/**
 * Starting a failover and answering its approval. The start begins the failover (validation, plan,
 * leases, record: `shared/lib/failover-begin.ts`) and starts its workflow, named after the
 * failover, so a retried request attaches to the same execution; a workflow that cannot start
 * gives the leases back and ends the failover FAILED, having changed nothing else. Approval is the
 * lifecycle table's: 403 for the requester, 409 unless the failover awaits approval; each answer
 * can be repeated by the same person and finishes what the first one started.
 */
import type { Failover, FailoverTenant } from '#shared/domain/failover-types.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { conflict } from '#shared/lib/errors.ts';
import { beginFailover } from '#shared/lib/failover-begin.ts';
import { changeFailoverStatus } from '#shared/lib/failover-step.ts';
import { allPages } from '#shared/store/query.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { answerTask, takeWhenStored, type TaskAnswer } from './task-tokens.ts';
import { startNamedExecution, stateMachineArn } from './workflow-start.ts';

export async function startFailover(c: { repo: FleetRepository; config: FleetConfig; body: unknown; actor: string; failoverId: string; now: Date }): Promise<{ failover: Failover; tenants: FailoverTenant[] }> {
  const machineArn = stateMachineArn('failover');
  const begun = await beginFailover({ repo: c.repo, config: c.config, now: c.now, body: c.body, actor: c.actor, failoverId: c.failoverId });
  if (begun.failover.status === 'FAILED' && !begun.failover.executionArn) {
    // A retry of a request whose workflow never started: its leases are given back, it must not start now.
    throw conflict(`Failover ${begun.failover.failoverId} ended FAILED before its workflow began (${begun.failover.statusReason ?? 'no reason recorded'}); send a new request with a new Idempotency-Key`, [
      { path: 'status', message: 'FAILED' },
    ]);
  }
  let executionArn: string;
  try {
    executionArn = await startNamedExecution(machineArn, begun.failover.failoverId, { failoverId: begun.failover.failoverId, actor: c.actor });
  } catch (err) {
    const reason = `the failover workflow could not be started: ${(err as Error).name}: ${(err as Error).message}`.slice(0, 500);
    await changeFailoverStatus(c.repo, begun.failover.failoverId, 'WorkflowNotStarted', (f) => ({ ...f, statusReason: reason, endedAt: c.now.toISOString() })).catch(() => undefined);
    await Promise.all(begun.tenants.map((t) => c.repo.releaseLease(t.tenantId, begun.failover.failoverId).catch(() => undefined)));
    throw err;
  }
  const failover = begun.failover.executionArn ? begun.failover : await c.repo.updateFailover(begun.failover.failoverId, (f) => ({ ...f, executionArn: f.executionArn ?? executionArn }));
  return { failover, tenants: begun.tenants };
}

export async function failoverView(repo: FleetRepository, failoverId: string): Promise<{ failover: Failover; tenants: FailoverTenant[] }> {
  const failover = await repo.requireFailover(failoverId);
  const tenants = await allPages((cursor) => repo.listFailoverTenants(failoverId, cursor ? { cursor } : {}));
  const order = new Map(failover.units.flatMap((u) => u.tenantIds).map((id, i) => [id, i]));
  tenants.sort((a, b) => (order.get(a.tenantId) ?? 0) - (order.get(b.tenantId) ?? 0));
  return { failover, tenants };
}

export interface FailoverAnswer {
  repo: FleetRepository;
  failoverId: string;
  actor: string;
  now: () => Date;
}

const notWaitingYet = (failoverId: string) =>
  conflict(`Failover ${failoverId} is not awaiting approval yet (its workflow has not reached the approval step); retry shortly`, [
    { path: 'status', message: 'AWAITING_APPROVAL, but the workflow is not waiting yet' },
  ]);

async function answer(c: FailoverAnswer, reply: TaskAnswer, token?: string): Promise<void> {
  const held = token ?? (await c.repo.takeFailoverApprovalToken(c.failoverId));
  if (!held) return;
  // Answered in the region whose failover workflow holds the token.
  await answerTask(held, reply, (t) => c.repo.setFailoverApprovalToken(c.failoverId, t), `the approval of ${c.failoverId}`, stateMachineArn('failover').split(':')[3]);
}

async function withToken(c: FailoverAnswer, change: () => Promise<Failover>): Promise<{ failover: Failover; token: string }> {
  const token = await takeWhenStored(() => c.repo.takeFailoverApprovalToken(c.failoverId));
  if (!token) throw notWaitingYet(c.failoverId);
  try {
    return { failover: await change(), token };
  } catch (err) {
    await c.repo.setFailoverApprovalToken(c.failoverId, token);
    throw err;
  }
}

export async function approveFailover(c: FailoverAnswer): Promise<Failover> {
  const current = await c.repo.requireFailover(c.failoverId);
  const guard = { requester: current.requestedBy, approver: c.actor };
  if (current.approvedBy !== undefined && current.status !== 'AWAITING_APPROVAL') {
    if (current.approvedBy !== c.actor) throw conflict(`Failover ${c.failoverId} was already approved by ${current.approvedBy}`, [{ path: 'status', message: current.status }]);
    await answer(c, { output: { approvedBy: c.actor } });
    return current;
  }
  // The guard first, so the requester hears 403 whatever the timing of the workflow's wait.
  if (current.status === 'AWAITING_APPROVAL' && current.requestedBy === c.actor) {
    return changeFailoverStatus(c.repo, c.failoverId, 'Approved', (f) => f, guard);
  }
  if (current.status !== 'AWAITING_APPROVAL') throw conflict(`Failover ${c.failoverId} is ${current.status}, not awaiting approval`, [{ path: 'status', message: current.status }]);
  const at = c.now().toISOString();
  const { failover, token } = await withToken(c, () => changeFailoverStatus(c.repo, c.failoverId, 'Approved', (f) => ({ ...f, approvedBy: c.actor, approvedAt: at, startedAt: at, statusReason: `approved by ${c.actor}` }), guard));
  await answer(c, { output: { approvedBy: c.actor } }, token);
  return failover;
}

export async function rejectFailover(c: FailoverAnswer, reason: string): Promise<Failover> {
  const current = await c.repo.requireFailover(c.failoverId);
  const reply = { error: 'FailoverRejected', cause: `rejected by ${c.actor}: ${reason}` };
  if (current.status === 'REJECTED') {
    await answer(c, reply);
    return current;
  }
  if (current.status !== 'AWAITING_APPROVAL') throw conflict(`Failover ${c.failoverId} is ${current.status}, not awaiting approval`, [{ path: 'status', message: current.status }]);
  const { failover, token } = await withToken(c, () => changeFailoverStatus(c.repo, c.failoverId, 'ApprovalRejected', (f) => ({ ...f, statusReason: `rejected by ${c.actor}: ${reason}` })));
  await answer(c, reply, token);
  return failover;
}
