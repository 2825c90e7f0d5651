import { afterEach, afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as approveFailover } from '#functions/api/approve-failover.ts';
import { handler as createFailover } from '#functions/api/create-failover.ts';
import { handler as getFailover } from '#functions/api/get-failover.ts';
import { handler as listFailovers } from '#functions/api/list-failovers.ts';
import { handler as rejectFailover } from '#functions/api/reject-failover.ts';
import type { FailoverStatus } from '#shared/domain/failover-lifecycle.ts';
import type { Criticality, Tenant } from '#shared/domain/types.ts';
import { useClock } from '#shared/lib/clock.ts';
import { FAILOVER_LEASE_SECONDS, beginFailover } from '#shared/lib/failover-begin.ts';
import { changeFailoverStatus } from '#shared/lib/failover-step.ts';
import { aTenant } from '../store/fixtures.ts';
import { ALICE, invoke, startApiHarness, testFleetConfig } from './harness.ts';

const FAILOVER_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:odoo-fleet-failover';
const BOB = 'arn:aws:iam::123456789012:user/bob';
const CAROL = 'arn:aws:iam::123456789012:user/carol';

type Harness = Awaited<ReturnType<typeof startApiHarness>>;
let h: Harness;

beforeAll(async () => {
  h = await startApiHarness();
  process.env.FAILOVER_STATE_MACHINE_ARN = FAILOVER_ARN;
});
afterAll(async () => {
  delete process.env.FAILOVER_STATE_MACHINE_ARN;
  await h.close();
});
beforeEach(() => h.fresh());
afterEach(() => useClock(undefined));

// Seeding

function pooled(tenantId: string, cell: string, criticality: Criticality = 'standard', over: Partial<Tenant> = {}): Tenant {
  const t = aTenant(tenantId, { status: 'ACTIVE', criticality });
  return { ...t, placement: { ...t.placement, cell, rtoSeconds: criticality === 'low' ? 28_800 : 7200 }, ...over };
}
function dedicated(tenantId: string, over: Partial<Tenant> = {}): Tenant {
  const t = aTenant(tenantId, { status: 'ACTIVE', criticality: 'critical', model: 'dedicated' });
  return { ...t, placement: { ...t.placement, drPosture: 'warm-standby', rtoSeconds: 900 }, ...over };
}
async function seed(...tenants: Tenant[]): Promise<void> {
  for (const t of tenants) await h.repo().createTenant(t, { actor: 'seed', type: 'TenantCreated' });
}
/** A fleet with a critical dedicated tenant, a standard cell of two and a low cell of one, all in eu-west-1. */
const fleet = () => seed(pooled('bravo', 'cell-a'), pooled('alpha', 'cell-a'), pooled('charlie', 'cell-b', 'low'), dedicated('zeta'));

// Calls

const body = (over: Record<string, unknown> = {}) => ({ scope: 'cell', cell: 'cell-a', fromRegion: 'eu-west-1', toRegion: 'eu-central-1', mode: 'planned', reason: 'eu-west-1 maintenance', ...over });
const post = (b: unknown, headers: Record<string, string> = {}, userArn: string = ALICE) => invoke(createFailover, { method: 'POST', path: '/v1/failovers', body: b, headers, userArn });
const action = (handler: typeof approveFailover, verb: string) => (failoverId: string, b?: unknown, userArn: string = BOB) =>
  invoke(handler, { method: 'POST', path: `/v1/failovers/${failoverId}/${verb}`, resource: `/v1/failovers/{failoverId}/${verb}`, pathParameters: { failoverId }, body: b, userArn });
const approve = action(approveFailover, 'approve');
const reject = action(rejectFailover, 'reject');
const get = (failoverId: string) => invoke(getFailover, { method: 'GET', path: `/v1/failovers/${failoverId}`, resource: '/v1/failovers/{failoverId}', pathParameters: { failoverId } });
const list = (query?: Record<string, string>) => invoke(listFailovers, { method: 'GET', path: '/v1/failovers', query });

const failoverStarts = () => h.sfn.starts().filter((s) => s.stateMachineArn === FAILOVER_ARN);
const leaseOwners = async (...ids: string[]) => Promise.all(ids.map(async (id) => (await h.repo().requireTenant(id)).lease?.owner ?? null));
const ids = (items: { tenantId: string }[]) => items.map((t) => t.tenantId);

async function started(b: Record<string, unknown> = body()): Promise<string> {
  const res = await post(b);
  expect(res.status).toBe(202);
  return res.body.failover.failoverId as string;
}

/** Moves a new failover to `status` as its workflow would, with the approval token the wait stores. */
async function failoverIn(status: Extract<FailoverStatus, 'CHECKING' | 'AWAITING_APPROVAL'>, token?: string): Promise<string> {
  const failoverId = await started();
  if (status === 'AWAITING_APPROVAL') await changeFailoverStatus(h.repo(), failoverId, 'ApprovalRequired');
  if (token) await h.repo().setFailoverApprovalToken(failoverId, token);
  return failoverId;
}

describe('POST /v1/failovers', () => {
  it('records the failover CHECKING with its tenants PENDING in unit order, leases them all to it and starts its workflow named after it', async () => {
    await fleet();
    await seed(pooled('moved', 'cell-b', 'low', { activeRegion: 'eu-central-1' }));
    const before = Date.now();

    const res = await post(body({ scope: 'region', cell: undefined }));

    expect(res.status).toBe(202);
    const { failover, tenants } = res.body;
    const failoverId: string = failover.failoverId;
    expect(failoverId).toMatch(/^fo-[0-9a-z]{26}$/);
    expect(failover).toMatchObject({
      scope: 'region',
      fromRegion: 'eu-west-1',
      toRegion: 'eu-central-1',
      mode: 'planned',
      reason: 'eu-west-1 maintenance',
      requestedBy: ALICE,
      status: 'CHECKING',
      tenantCount: 4,
      skipped: [{ tenantId: 'moved', reason: 'active in eu-central-1, not eu-west-1' }],
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:odoo-fleet-failover:${failoverId}`,
    });
    expect(failover.units.map((u: { key: string; tenantIds: string[] }) => [u.key, u.tenantIds])).toEqual([
      ['tenant:zeta', ['zeta']],
      ['cell:cell-a', ['alpha', 'bravo']],
      ['cell:cell-b', ['charlie']],
    ]);
    expect(tenants.map((t: { tenantId: string; unit: string; outcome: string; steps: unknown[] }) => [t.tenantId, t.unit, t.outcome, t.steps])).toEqual([
      ['zeta', 'tenant:zeta', 'PENDING', []],
      ['alpha', 'cell:cell-a', 'PENDING', []],
      ['bravo', 'cell:cell-a', 'PENDING', []],
      ['charlie', 'cell:cell-b', 'PENDING', []],
    ]);
    expect(await leaseOwners('zeta', 'alpha', 'bravo', 'charlie', 'moved')).toEqual([failoverId, failoverId, failoverId, failoverId, null]);
    const lease = (await h.repo().requireTenant('zeta')).lease!;
    expect(new Date(lease.expiresAt).getTime()).toBeGreaterThanOrEqual(before + FAILOVER_LEASE_SECONDS * 1000);
    expect(failoverStarts()).toEqual([{ stateMachineArn: FAILOVER_ARN, name: failoverId, input: JSON.stringify({ failoverId, actor: ALICE }) }]);
    expect(await h.repo().requireFailover(failoverId)).toEqual(failover);
  });

  it('widens a tenant-scope failover of a pooled tenant to its whole cell, and says so', async () => {
    await fleet();

    const res = await post(body({ scope: 'tenant', cell: undefined, tenantId: 'bravo' }));

    expect(res.status).toBe(202);
    expect(res.body.failover).toMatchObject({ scope: 'tenant', tenantId: 'bravo', widened: { cell: 'cell-a', reason: expect.stringContaining('the whole cell fails over') } });
    expect(ids(res.body.tenants)).toEqual(['alpha', 'bravo']);
    expect(await leaseOwners('charlie', 'zeta')).toEqual([null, null]);
  });

  it('answers a replayed request (same Idempotency-Key) with the same failover and starts one execution', async () => {
    await fleet();

    const first = await post(body(), { 'idempotency-key': 'fo-key-1' });
    const again = await post(body(), { 'idempotency-key': 'fo-key-1' });

    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(failoverStarts()).toHaveLength(1);
    expect((await list()).body.items.map((f: { failoverId: string }) => f.failoverId)).toEqual([first.body.failover.failoverId]);
  });

  it.each([
    ['scope tenant without a tenant', { scope: 'tenant', cell: undefined }, 'tenantId'],
    ['a tenant with scope region', { scope: 'region', cell: undefined, tenantId: 'alpha' }, 'tenantId'],
    ['scope cell without a cell', { cell: undefined }, 'cell'],
    ['a cell with scope tenant', { scope: 'tenant', tenantId: 'alpha' }, 'cell'],
    ['the same region on both sides', { toRegion: 'eu-west-1' }, 'toRegion'],
    ['a region outside the fleet', { fromRegion: 'us-east-1' }, 'fromRegion'],
    ['a region that is not a region name', { toRegion: 'mars' }, 'toRegion'],
    ['a cell the fleet does not have', { cell: 'cell-z' }, 'cell'],
    ['force with an unplanned failover', { mode: 'unplanned', force: true }, 'force'],
    ['no reason', { reason: undefined }, 'reason'],
    ['a blank reason', { reason: '   ' }, 'reason'],
    ['an unknown mode', { mode: 'sideways' }, 'mode'],
    ['an unknown field', { dryRun: true }, 'dryRun'],
  ])('answers 400 naming the field for %s, and records and leases nothing', async (_what, over, path) => {
    await fleet();

    const res = await post(body(over));

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ValidationError');
    expect(res.body.error.details).toContainEqual({ path, message: expect.any(String) });
    expect((await list()).body.items).toEqual([]);
    expect(await leaseOwners('alpha', 'bravo', 'charlie', 'zeta')).toEqual([null, null, null, null]);
    expect(failoverStarts()).toEqual([]);
  });

  it('names every bad field at once: unknown fields and the rules between fields', async () => {
    const res = await post({ scope: 'cell', fromRegion: 'eu-west-1', toRegion: 'eu-west-1', mode: 'unplanned', force: false, reason: 'r', colour: 'blue' });

    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['cell', 'colour', 'force', 'toRegion']);
  });

  it('names a missing field and a broken rule between fields in the same answer', async () => {
    const res = await post({ scope: 'cell', cell: 'cell-a', fromRegion: 'eu-west-1', toRegion: 'eu-west-1', mode: 'planned' });

    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['reason', 'toRegion']);
  });

  it('answers 400 for a tenant that does not exist, at the tenantId field', async () => {
    await fleet();

    const res = await post(body({ scope: 'tenant', cell: undefined, tenantId: 'ghost' }));

    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'tenantId', message: 'no such tenant' }]);
    expect((await list()).body.items).toEqual([]);
    expect(failoverStarts()).toEqual([]);
  });

  it('answers 409 naming the tenant held by another operation, and gives back the leases it had already taken', async () => {
    await fleet();
    await h.repo().acquireLease('bravo', 'op-0000000000release0000000', 3600);

    const res = await post(body());

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/Tenant bravo is held by operation op-0000000000release0000000/);
    expect(res.body.error.details).toEqual([{ path: 'lease.owner', message: 'op-0000000000release0000000' }]);
    // alpha goes first in the unit, so its lease had been taken before bravo refused.
    expect(await leaseOwners('alpha', 'bravo')).toEqual([null, 'op-0000000000release0000000']);
    expect((await list()).body.items).toEqual([]);
    expect(failoverStarts()).toEqual([]);
  });

  it('answers 409 to a second failover of tenants a running failover holds', async () => {
    await fleet();
    const first = await started(body({ scope: 'region', cell: undefined }));

    const res = await post(body(), {}, BOB);

    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(`held by operation ${first}`);
    expect(await leaseOwners('alpha', 'bravo')).toEqual([first, first]);
    expect((await list()).body.items).toHaveLength(1);
    expect(failoverStarts()).toHaveLength(1);
  });

  it('answers 409 when nothing in scope is active in fromRegion, saying why each tenant stays', async () => {
    await fleet();

    const res = await post(body({ fromRegion: 'eu-central-1', toRegion: 'eu-west-1' }));

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/^Nothing to fail over from eu-central-1/);
    expect(res.body.error.details).toEqual([
      { path: 'alpha', message: 'active in eu-west-1, not eu-central-1' },
      { path: 'bravo', message: 'active in eu-west-1, not eu-central-1' },
    ]);
    expect((await list()).body.items).toEqual([]);
    expect(await leaseOwners('alpha', 'bravo')).toEqual([null, null]);
  });

  it('answers 409 for a named tenant that is not in a status a failover moves', async () => {
    await seed(dedicated('zeta', { status: 'PROVISIONING' }));

    const res = await post(body({ scope: 'tenant', cell: undefined, tenantId: 'zeta' }));

    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual([{ path: 'zeta', message: 'tenant is PROVISIONING' }]);
    expect(await leaseOwners('zeta')).toEqual([null]);
  });

  it('answers 409 for a region with no tenant at all', async () => {
    const res = await post(body({ scope: 'region', cell: undefined }));

    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('no tenant is in scope');
    expect(failoverStarts()).toEqual([]);
  });

  it('ends the failover FAILED and gives every lease back when its workflow cannot be started', async () => {
    await fleet();
    h.sfn.failNextStart(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const res = await post(body());

    expect(res.status).toBe(429);
    const [failover] = (await list()).body.items;
    expect(failover).toMatchObject({ status: 'FAILED', statusReason: expect.stringContaining('could not be started: ThrottlingException: Rate exceeded'), endedAt: expect.any(String) });
    expect(failover.executionArn).toBeUndefined();
    expect(await leaseOwners('alpha', 'bravo')).toEqual([null, null]);
    // Nothing is held, so a new request goes at once.
    expect((await post(body())).status).toBe(202);
  });

  it('answers 409 to a retry with the same Idempotency-Key once the failover ended FAILED before its workflow began, and starts nothing', async () => {
    await fleet();
    h.sfn.failNextStart(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const failed = await post(body(), { 'idempotency-key': 'fo-key-2' });

    const retried = await post(body(), { 'idempotency-key': 'fo-key-2' });

    expect(failed.status).toBe(429);
    expect(retried.status).toBe(409);
    expect(retried.body.error.message).toMatch(/FAILED/);
    // The tenants are not held by it any more: no workflow may run on them under its id. The one
    // start call on record is the first request's, the one that was refused.
    expect(await leaseOwners('alpha', 'bravo')).toEqual([null, null]);
    expect(failoverStarts()).toHaveLength(1);
  });
});

describe('POST /v1/failovers/{failoverId}/approve', () => {
  beforeEach(fleet);

  it('refuses the requester with 403 and leaves the failover waiting with its token', async () => {
    const failoverId = await failoverIn('AWAITING_APPROVAL', 'token-1');

    const res = await approve(failoverId, {}, ALICE);

    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/cannot also approve it/);
    expect((await h.repo().requireFailover(failoverId)).status).toBe('AWAITING_APPROVAL');
    expect(h.sfn.answers()).toEqual([]);
    expect(await h.repo().takeFailoverApprovalToken(failoverId)).toBe('token-1');
  });

  it('answers 409 while the failover is not awaiting approval', async () => {
    const failoverId = await failoverIn('CHECKING');

    const res = await approve(failoverId);

    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe(`Failover ${failoverId} is CHECKING, not awaiting approval`);
    expect(res.body.error.details).toEqual([{ path: 'status', message: 'CHECKING' }]);
  });

  it('answers 409 "retry" while the workflow has not stored its approval token yet', async () => {
    const failoverId = await failoverIn('AWAITING_APPROVAL');

    const res = await approve(failoverId);

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/not awaiting approval yet.*retry/);
    expect(await h.repo().requireFailover(failoverId)).toMatchObject({ status: 'AWAITING_APPROVAL' });
    expect((await h.repo().requireFailover(failoverId)).approvedBy).toBeUndefined();
  });

  it('records the approver, moves the failover to FAILING_OVER and answers the workflow on its token', async () => {
    const failoverId = await failoverIn('AWAITING_APPROVAL', 'token-1');

    const res = await approve(failoverId, { comment: 'DR region checked' });

    expect(res.status).toBe(200);
    expect(res.body.failover).toMatchObject({ failoverId, status: 'FAILING_OVER', approvedBy: BOB, approvedAt: expect.any(String), startedAt: res.body.failover.approvedAt });
    expect(await h.repo().requireFailover(failoverId)).toEqual(res.body.failover);
    expect(h.sfn.answers()).toEqual([{ token: 'token-1', output: { approvedBy: BOB } }]);
    expect(await h.repo().takeFailoverApprovalToken(failoverId)).toBeUndefined();
  });

  it('answers 200 to the same approver again, sending nothing more when no token is held', async () => {
    const failoverId = await failoverIn('AWAITING_APPROVAL', 'token-1');
    const first = await approve(failoverId);

    const again = await approve(failoverId);

    expect(again.status).toBe(200);
    expect(again.body.failover).toEqual(first.body.failover);
    expect(h.sfn.answers()).toEqual([{ token: 'token-1', output: { approvedBy: BOB } }]);
  });

  it('keeps the token when the answer cannot be sent, so the same approver approving again sends it', async () => {
    const failoverId = await failoverIn('AWAITING_APPROVAL', 'token-1');
    h.sfn.failNextAnswer(Object.assign(new Error('internal'), { name: 'InternalFailure' }));

    const failed = await approve(failoverId);
    const retried = await approve(failoverId);

    expect(failed.status).toBe(500);
    expect(retried.status).toBe(200);
    expect(retried.body.failover).toMatchObject({ status: 'FAILING_OVER', approvedBy: BOB });
    expect(h.sfn.answers()).toEqual([{ token: 'token-1', output: { approvedBy: BOB } }]);
    expect(await h.repo().takeFailoverApprovalToken(failoverId)).toBeUndefined();
  });

  it('answers 409 when the wait is over (Step Functions no longer knows the token)', async () => {
    const failoverId = await failoverIn('AWAITING_APPROVAL', 'token-1');
    h.sfn.failNextAnswer(Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' }));

    const res = await approve(failoverId);

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/no longer waits for the approval of .*TaskTimedOut/);
  });

  it('refuses a second approver once approved', async () => {
    const failoverId = await failoverIn('AWAITING_APPROVAL', 'token-1');
    await approve(failoverId);

    const res = await approve(failoverId, {}, CAROL);

    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe(`Failover ${failoverId} was already approved by ${BOB}`);
    expect(h.sfn.answers()).toHaveLength(1);
  });

  it('answers 400 for a malformed failover id and 404 for an unknown one', async () => {
    expect((await approve('not-an-id')).status).toBe(400);
    expect((await approve('fo-00000000000000000000000000')).status).toBe(404);
  });
});

describe('POST /v1/failovers/{failoverId}/reject', () => {
  beforeEach(fleet);

  it('rejects a failover awaiting approval with the reason, failing the approval wait with FailoverRejected', async () => {
    const failoverId = await failoverIn('AWAITING_APPROVAL', 'token-1');

    const res = await reject(failoverId, { reason: 'the primary is back' });

    expect(res.status).toBe(200);
    expect(res.body.failover).toMatchObject({ failoverId, status: 'REJECTED', statusReason: `rejected by ${BOB}: the primary is back` });
    expect(await h.repo().requireFailover(failoverId)).toEqual(res.body.failover);
    expect(h.sfn.answers()).toEqual([{ token: 'token-1', error: 'FailoverRejected', cause: `rejected by ${BOB}: the primary is back` }]);
  });

  it('lets the requester reject their own failover', async () => {
    const failoverId = await failoverIn('AWAITING_APPROVAL', 'token-1');

    const res = await reject(failoverId, { reason: 'wrong region' }, ALICE);

    expect(res.status).toBe(200);
    expect(res.body.failover.status).toBe('REJECTED');
  });

  it('answers 200 to a repeated rejection and sends nothing more', async () => {
    const failoverId = await failoverIn('AWAITING_APPROVAL', 'token-1');
    await reject(failoverId, { reason: 'the primary is back' });

    const again = await reject(failoverId, { reason: 'the primary is back' });

    expect(again.status).toBe(200);
    expect(again.body.failover.status).toBe('REJECTED');
    expect(h.sfn.answers()).toHaveLength(1);
  });

  it('answers 400 without a reason and 409 while the failover is not awaiting approval', async () => {
    const waiting = await failoverIn('AWAITING_APPROVAL', 'token-1');
    const missing = await reject(waiting, {});
    const blank = await reject(waiting, { reason: ' ' });

    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ path: 'reason', message: expect.any(String) }]);
    expect(blank.status).toBe(400);
    expect(blank.body.error.details).toEqual([{ path: 'reason', message: 'must say why the failover is rejected' }]);
    expect((await h.repo().requireFailover(waiting)).status).toBe('AWAITING_APPROVAL');

    await reject(waiting, { reason: 'not now' });
    const approvedAfter = await approve(waiting);
    expect(approvedAfter.status).toBe(409);
    expect(approvedAfter.body.error.message).toContain('is REJECTED');
  });

  it('answers 409 to rejecting a failover that is already failing over', async () => {
    const failoverId = await failoverIn('AWAITING_APPROVAL', 'token-1');
    await approve(failoverId);

    const res = await reject(failoverId, { reason: 'too late' });

    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('is FAILING_OVER, not awaiting approval');
    expect(h.sfn.answers()).toEqual([{ token: 'token-1', output: { approvedBy: BOB } }]);
  });
});

describe('GET /v1/failovers/{failoverId}', () => {
  it('returns the failover and its tenants in unit order, and never the approval token', async () => {
    await fleet();
    const failoverId = await started(body({ scope: 'region', cell: undefined }));
    await changeFailoverStatus(h.repo(), failoverId, 'ApprovalRequired');
    await h.repo().setFailoverApprovalToken(failoverId, 'secret-task-token');
    await h.repo().updateFailoverTenant(failoverId, 'bravo', (t) => ({ ...t, outcome: 'FENCING', steps: [{ name: 'FenceOldPrimary', status: 'RUNNING', startedAt: '2030-01-01T00:00:00.000Z' }] }));

    const res = await get(failoverId);

    expect(res.status).toBe(200);
    expect(res.body.failover).toMatchObject({ failoverId, status: 'AWAITING_APPROVAL', tenantCount: 4 });
    expect(ids(res.body.tenants)).toEqual(['zeta', 'alpha', 'bravo', 'charlie']);
    expect(res.body.tenants[2]).toMatchObject({ tenantId: 'bravo', outcome: 'FENCING', steps: [{ name: 'FenceOldPrimary', status: 'RUNNING' }] });
    expect(JSON.stringify(res.body)).not.toContain('secret-task-token');
    expect(res.body.failover).not.toHaveProperty('approvalToken');
    // Reading does not take it: the approval still finds it.
    expect(await h.repo().takeFailoverApprovalToken(failoverId)).toBe('secret-task-token');
  });

  it('answers 404 for an unknown failover and 400 for a malformed id', async () => {
    const unknown = await get('fo-00000000000000000000000000');
    const malformed = await get('op-00000000000000000000000000');

    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('Failover fo-00000000000000000000000000 not found');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details).toEqual([{ path: 'failoverId', message: 'must be a failover id (fo- and 26 characters)' }]);
  });
});

describe('GET /v1/failovers', () => {
  it('lists failovers newest first, a page at a time with a cursor', async () => {
    await seed(pooled('alpha', 'cell-a'), pooled('charlie', 'cell-b', 'low'), dedicated('zeta'));
    let t = Date.now();
    useClock({ now: () => new Date(t), timerDeadline: (at) => at, timerNow: () => new Date(t) });
    const made: string[] = [];
    for (const b of [body(), body({ cell: 'cell-b' }), body({ scope: 'tenant', cell: undefined, tenantId: 'zeta' })]) {
      made.push(await started(b));
      t += 60_000;
    }

    const first = await list({ limit: '2' });
    const second = await list({ limit: '2', cursor: first.body.nextCursor });

    expect(first.status).toBe(200);
    expect(first.body.items.map((f: { failoverId: string }) => f.failoverId)).toEqual([made[2], made[1]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(second.body.items.map((f: { failoverId: string }) => f.failoverId)).toEqual([made[0]]);
    expect(second.body.nextCursor).toBeNull();
    expect(JSON.stringify([first.body, second.body])).not.toContain('approvalToken');
  });

  it('answers 400 for a limit outside 1..100', async () => {
    const res = await list({ limit: '0' });

    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'limit', message: expect.any(String) }]);
  });
});

describe('the region a failover is started from', () => {
  it('must be the region it activates, in AWS: a Lambda of the other region answers 400 naming toRegion, and records nothing', async () => {
    const repo = h.repo();
    await expect(
      beginFailover({
        repo,
        config: testFleetConfig(),
        now: new Date(),
        body: { scope: 'region', fromRegion: 'eu-west-1', toRegion: 'eu-central-1', mode: 'unplanned', reason: 'primary down' },
        actor: 'alice',
        failoverId: 'fo-0000000000000000000000000a',
        runningIn: 'eu-west-1',
      }),
    ).rejects.toMatchObject({ code: 'ValidationError', details: [{ path: 'toRegion', message: "must be this control plane's region, eu-west-1" }] });
    expect(await repo.getFailover('fo-0000000000000000000000000a')).toBeUndefined();
  });
});
