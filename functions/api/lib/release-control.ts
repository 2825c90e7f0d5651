/**
 * An operator's hand on a running release: approve or reject it while it waits for approval,
 * pause, resume or abort it. Status changes are the release lifecycle table's (release-lifecycle.ts):
 * what it refuses is a 409 with its reason, and an approval by the requester is a 403. The workflow
 * notices pause and abort between tenants and waves; approval and rejection answer its task token.
 *
 * Each call can be repeated: the same answer from the same person, after a lost reply or a send
 * that failed half-way, finishes what the first call started and changes nothing twice.
 */
import { transition, type ReleaseEvent } from '#shared/domain/release-lifecycle.ts';
import type { Release } from '#shared/domain/release-types.ts';
import { conflict, forbidden } from '#shared/lib/errors.ts';
import { updateReleaseStatus } from '#shared/lib/release-step.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { answerTask, takeWhenStored, type TaskAnswer } from './task-tokens.ts';

export interface ControlRequest {
  repo: FleetRepository;
  releaseId: string;
  actor: string;
  now: () => Date;
}

const notAwaitingYet = (releaseId: string) =>
  conflict(`Release ${releaseId} is not awaiting approval yet (its workflow has not reached the approval step); retry shortly`, [
    { path: 'status', message: 'AWAITING_APPROVAL, but the workflow is not waiting yet' },
  ]);

function refusal(release: Release, event: ReleaseEvent, reason: string) {
  return conflict(`Release ${release.releaseId} cannot take ${event} now: ${reason}`, [{ path: 'status', message: release.status }]);
}

/** Sends `answer` on the approval token, if the workflow still holds one out. */
async function answerApproval(c: ControlRequest, answer: TaskAnswer, token?: string): Promise<void> {
  const held = token ?? (await c.repo.takeApprovalToken(c.releaseId));
  if (!held) return;
  await answerTask(held, answer, (t) => c.repo.setApprovalToken(c.releaseId, t), `the approval of ${c.releaseId}`);
}

/** Takes the approval token, applies the status change, and puts the token back if the change is refused. */
async function withApprovalToken(c: ControlRequest, change: () => Promise<Release>): Promise<{ release: Release; token: string }> {
  const token = await takeWhenStored(() => c.repo.takeApprovalToken(c.releaseId));
  if (!token) throw notAwaitingYet(c.releaseId);
  try {
    return { release: await change(), token };
  } catch (err) {
    await c.repo.setApprovalToken(c.releaseId, token);
    throw err;
  }
}

export async function approveRelease(c: ControlRequest, comment?: string): Promise<Release> {
  const current = await c.repo.requireRelease(c.releaseId);
  if (current.approvedBy !== undefined && current.status !== 'AWAITING_APPROVAL') {
    if (current.approvedBy !== c.actor) throw conflict(`Release ${c.releaseId} was already approved by ${current.approvedBy}`, [{ path: 'status', message: current.status }]);
    // The same approval again: make sure the workflow heard it.
    await answerApproval(c, { output: { approvedBy: c.actor } });
    return current;
  }
  const guard = { requester: current.requestedBy, approver: c.actor };
  const allowed = transition(current.status, 'Approved', guard);
  if (!allowed.ok && allowed.guard) throw forbidden(`Release ${c.releaseId}: ${allowed.reason}`);
  if (!allowed.ok) throw refusal(current, 'Approved', allowed.reason);

  const { release, token } = await withApprovalToken(c, () =>
    updateReleaseStatus(
      c.repo,
      c.releaseId,
      c.now,
      (r) => ({ ...r, approvedBy: c.actor, approvedAt: c.now().toISOString(), ...(comment ? { statusReason: `approved by ${c.actor}: ${comment}` } : {}) }),
      'Approved',
      guard,
    ),
  );
  await answerApproval(c, { output: { approvedBy: c.actor } }, token);
  return release;
}

export async function rejectRelease(c: ControlRequest, reason: string): Promise<Release> {
  const current = await c.repo.requireRelease(c.releaseId);
  const answer = { error: 'ReleaseRejected', cause: `rejected by ${c.actor}: ${reason}` };
  if (current.status === 'REJECTED') {
    await answerApproval(c, answer);
    return current;
  }
  const allowed = transition(current.status, 'ApprovalRejected');
  if (!allowed.ok) throw refusal(current, 'ApprovalRejected', allowed.reason);
  const { release, token } = await withApprovalToken(c, () =>
    updateReleaseStatus(
      c.repo,
      c.releaseId,
      c.now,
      (r) => ({ ...r, statusReason: `rejected by ${c.actor}: ${reason}`, endedAt: c.now().toISOString() }),
      'ApprovalRejected',
    ),
  );
  await answerApproval(c, answer, token);
  return release;
}

export async function pauseRelease(c: ControlRequest, reason?: string): Promise<Release> {
  const current = await c.repo.requireRelease(c.releaseId);
  if (current.status === 'PAUSED') return current;
  const allowed = transition(current.status, 'Paused');
  if (!allowed.ok) throw refusal(current, 'Paused', allowed.reason);
  return updateReleaseStatus(
    c.repo,
    c.releaseId,
    c.now,
    (r) => ({ ...r, control: { ...r.control, pausedBy: c.actor, pausedAt: c.now().toISOString(), reason }, statusReason: `paused by ${c.actor}${reason ? `: ${reason}` : ''}` }),
    'Paused',
  );
}

export async function resumeRelease(c: ControlRequest, reason?: string): Promise<Release> {
  const current = await c.repo.requireRelease(c.releaseId);
  if (current.status === 'ROLLING_OUT' && current.control?.pausedBy === undefined) return current;
  const allowed = transition(current.status, 'Resumed');
  if (!allowed.ok) throw refusal(current, 'Resumed', allowed.reason);
  return updateReleaseStatus(
    c.repo,
    c.releaseId,
    c.now,
    (r) => {
      const { pausedBy: _by, pausedAt: _at, ...control } = r.control ?? {};
      return { ...r, control: { ...control, reason }, statusReason: `resumed by ${c.actor}${reason ? `: ${reason}` : ''}` };
    },
    'Resumed',
  );
}

/**
 * Aborts the release: tenants not started are skipped by the workflow, tenants being changed finish
 * or roll back. A release waiting for approval is told at once (its wait fails with ReleaseAborted).
 */
export async function abortRelease(c: ControlRequest, reason?: string): Promise<Release> {
  const current = await c.repo.requireRelease(c.releaseId);
  const cause = `aborted by ${c.actor}${reason ? `: ${reason}` : ''}`;
  let release = current;
  if (current.status !== 'ABORTED') {
    const allowed = transition(current.status, 'AbortRequested');
    if (!allowed.ok) throw refusal(current, 'AbortRequested', allowed.reason);
    release = await updateReleaseStatus(
      c.repo,
      c.releaseId,
      c.now,
      (r) => ({ ...r, control: { ...r.control, abortedBy: c.actor, abortedAt: c.now().toISOString(), reason }, statusReason: cause }),
      'AbortRequested',
    );
  }
  await answerApproval(c, { error: 'ReleaseAborted', cause });
  return release;
}
