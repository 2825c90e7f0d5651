import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as abortRelease } from '#functions/api/abort-release.ts';
import { handler as approveRelease } from '#functions/api/approve-release.ts';
import { handler as createRelease } from '#functions/api/create-release.ts';
import { handler as createTenant } from '#functions/api/create-tenant.ts';
import { handler as decideTenant } from '#functions/api/decide-release-tenant.ts';
import { handler as getRelease } from '#functions/api/get-release.ts';
import { handler as listReleases } from '#functions/api/list-releases.ts';
import { handler as pauseRelease } from '#functions/api/pause-release.ts';
import { handler as putReleaseCalendar } from '#functions/api/put-release-calendar.ts';
import { handler as rejectRelease } from '#functions/api/reject-release.ts';
import { handler as resumeRelease } from '#functions/api/resume-release.ts';
import type { ReleaseStatus } from '#shared/domain/release-lifecycle.ts';
import type { Criticality, TenantStatus } from '#shared/domain/types.ts';
import { aTenant } from '../store/fixtures.ts';
import { ALICE, RELEASE_ARN, invoke, startApiHarness, tenantBody, testFleetConfig } from './harness.ts';

type Harness = Awaited<ReturnType<typeof startApiHarness>>;
let h: Harness;

beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(() => h.close());
beforeEach(() => h.fresh());

const BOB = 'arn:aws:iam::123456789012:user/bob';
const IMAGE = 'registry.example.com/odoo:17.0-20300301';

async function seedTenant(tenantId: string, opts: { status?: TenantStatus; criticality?: Criticality; tags?: string[] } = {}) {
  const tenant = { ...aTenant(tenantId, { status: opts.status ?? 'ACTIVE', criticality: opts.criticality ?? 'low' }), tags: opts.tags ?? [] };
  await h.repo().createTenant(tenant, { actor: 'seed', type: 'TenantCreated' });
  return tenant;
}

const releaseBody = (overrides: Record<string, unknown> = {}) => ({ image: IMAGE, modules: ['sale'], selector: {}, ...overrides });

const post = (body: unknown, headers: Record<string, string> = {}, userArn: string = ALICE) =>
  invoke(createRelease, { method: 'POST', path: '/v1/releases', body, headers, userArn });

const action = (handler: typeof approveRelease, verb: string) => (releaseId: string, body?: unknown, userArn: string = BOB, headers: Record<string, string> = {}) =>
  invoke(handler, { method: 'POST', path: `/v1/releases/${releaseId}/${verb}`, resource: `/v1/releases/{releaseId}/${verb}`, pathParameters: { releaseId }, body, userArn, headers });
const approve = action(approveRelease, 'approve');
const reject = action(rejectRelease, 'reject');
const pause = action(pauseRelease, 'pause');
const resume = action(resumeRelease, 'resume');
const abort = action(abortRelease, 'abort');

const get = (releaseId: string, query?: Record<string, string>) =>
  invoke(getRelease, { method: 'GET', path: `/v1/releases/${releaseId}`, resource: '/v1/releases/{releaseId}', pathParameters: { releaseId }, query });

async function started(body = releaseBody()) {
  const res = await post(body);
  expect(res.status).toBe(202);
  return res.body.release.releaseId as string;
}

/** Moves the release to `status` as its workflow would, with the approval token the workflow stores. */
async function releaseIn(status: ReleaseStatus, token?: string) {
  const releaseId = await started();
  const repo = h.repo();
  await repo.updateRelease(releaseId, 1, (r) => ({ ...r, status }));
  if (token) await repo.setApprovalToken(releaseId, token);
  return releaseId;
}

describe('POST /v1/releases: validation', () => {
  beforeEach(async () => {
    await seedTenant('acme');
  });

  it('names every offending field with its own message', async () => {
    const res = await post({
      image: 'registry.example.com/odoo:latest',
      modules: ['sale', 'Bad-Module'],
      selector: { criticality: ['urgent'] },
      strategy: { waves: ['rest', 1], maxConcurrency: 0 },
      colour: 'blue',
    });

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ValidationError');
    const byPath = Object.fromEntries(res.body.error.details.map((d: { path: string; message: string }) => [d.path, d.message]));
    expect(byPath).toMatchObject({
      image: expect.stringMatching(/latest.*pin the release/),
      'modules.1': expect.stringMatching(/Odoo module name/),
      'selector.criticality': expect.any(String),
      'strategy.waves.0': "'rest' may only be the last wave size",
      'strategy.maxConcurrency': 'must be a whole number, 1 or more',
      colour: 'is not a known field',
    });
  });

  it('refuses an image with neither tag nor digest, and accepts a digest', async () => {
    const untagged = await post(releaseBody({ image: 'registry.example.com/odoo', dryRun: true }));
    const digest = await post(releaseBody({ image: `registry.example.com/odoo@sha256:${'a'.repeat(64)}`, dryRun: true }));

    expect(untagged.status).toBe(400);
    expect(untagged.body.error.details).toEqual([{ path: 'image', message: expect.stringMatching(/names no tag or digest/) }]);
    expect(digest.status).toBe(200);
  });

  it('refuses a deadline in the past and a bake longer than the fleet allows', async () => {
    const res = await post(releaseBody({ deadline: '2001-01-01T00:00:00Z', strategy: { bakeSeconds: 7200 } }));

    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['deadline', 'strategy.bakeSeconds']);
    expect((await h.repo().listReleases()).items).toEqual([]);
  });

  it('answers 400 when the selector leaves no tenant to release, saying why each named one is out', async () => {
    await seedTenant('sleepy', { status: 'SUSPENDED' });

    const res = await post(releaseBody({ selector: { tenantIds: ['sleepy', 'ghost'] } }));

    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/matches no tenant/);
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'tenant ghost', message: 'no such tenant' },
        { path: 'tenant sleepy', message: expect.stringMatching(/SUSPENDED/) },
      ]),
    );
    expect(h.sfn.starts()).toEqual([]);
  });
});

describe('POST /v1/releases with dryRun', () => {
  it('answers the plan and each tenant\'s next window, and writes nothing', async () => {
    await seedTenant('canary-1', { tags: ['canary'] });
    await seedTenant('low-1');
    await seedTenant('std-1', { criticality: 'standard' });
    await seedTenant('gone', { status: 'DELETED' });
    // A window that never contains "now": Saturdays only when today is not Saturday, else Sundays.
    const day = new Date().getUTCDay() === 6 ? 'sun' : 'sat';
    const { tenant } = await h.repo().requireTenant('std-1').then((t) => ({ tenant: t }));
    await h.repo().updateTenant('std-1', tenant.version, (t) => ({ ...t, releaseCalendar: { windows: [{ days: [day], start: '01:00', end: '05:00', timeZone: 'Europe/Brussels' }], freezes: [] } }), {
      actor: 'seed',
      type: 'CalendarSet',
    });

    const res = await post(releaseBody({ dryRun: true }), { 'Idempotency-Key': 'dry-1' });

    expect(res.status).toBe(200);
    expect(res.body.dryRun).toBe(true);
    expect(res.body.plan.totals).toMatchObject({ tenants: 3, tenantsByRing: [1, 1, 1, 0] });
    expect(res.body.plan.waves.map((w: { tenants: { tenantId: string }[] }) => w.tenants.map((t) => t.tenantId))).toEqual([['canary-1'], ['low-1'], ['std-1']]);
    expect(res.body.plan.waves[0].failureBudget).toBe(0);
    expect(res.body.windows['canary-1']).toMatchObject({ decision: 'go' });
    expect(res.body.windows['std-1']).toMatchObject({ decision: 'wait', until: expect.any(String), reason: expect.stringMatching(/closed/) });
    expect(res.body.windows).not.toHaveProperty('gone');

    expect((await h.repo().listReleases()).items).toEqual([]);
    expect(await h.repo().getIdempotency(ALICE, 'dry-1')).toBeUndefined();
    expect(h.sfn.starts()).toEqual([]);
  });

  it('predicts upgrade time from the newest passed rehearsal of the same module set', async () => {
    await seedTenant('acme');
    const earlier = await started();
    const repo = h.repo();
    await repo.updateRelease(earlier, 1, (r) => ({ ...r, rehearsals: [{ moduleSetKey: 'base,sale,web', tenantId: 'acme', status: 'PASSED', upgradeSeconds: 321 }] }));

    const res = await post(releaseBody({ dryRun: true }));

    expect(res.body.plan.waves[0].tenants[0]).toMatchObject({ tenantId: 'acme', predictedUpgradeSeconds: 321 });
  });

  it('lets an emergency release go through a fleet freeze', async () => {
    await seedTenant('acme');
    const config = testFleetConfig();
    const freeze = { kind: 'range' as const, from: '2000-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z', reason: 'peak season' };
    await h.fresh({ ...config, release: { ...config.release, freezes: [freeze] } });
    await seedTenant('acme');

    const frozen = await post(releaseBody({ dryRun: true }));
    const emergency = await post(releaseBody({ dryRun: true, emergency: { reason: 'security fix CVE-2030-1' } }));

    expect(frozen.body.windows.acme.decision).toBe('skip');
    expect(emergency.body.windows.acme).toMatchObject({ decision: 'go', reason: expect.stringMatching(/CVE-2030-1/) });
  });
});

describe('POST /v1/releases', () => {
  it('records the release PLANNED with waves and tenants, and starts its workflow named after it', async () => {
    await seedTenant('canary-1', { tags: ['canary'] });
    await seedTenant('low-1');
    await seedTenant('low-2');

    const res = await post(releaseBody({ strategy: { waves: [1, 'rest'] } }));

    expect(res.status).toBe(202);
    const { release } = res.body;
    expect(release.releaseId).toMatch(/^rel-[0-9a-z]{26}$/);
    expect(release).toMatchObject({
      status: 'PLANNED',
      image: IMAGE,
      modules: ['sale'],
      requestedBy: ALICE,
      counts: { PENDING: 3 },
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:odoo-fleet-release:${release.releaseId}`,
      waves: [
        { index: 0, ring: 0, tenants: 1, failureBudget: 0, status: 'PENDING' },
        { index: 1, ring: 1, tenants: 2, status: 'PENDING' },
      ],
    });
    expect(release).not.toHaveProperty('approvalToken');
    expect(h.sfn.starts()).toEqual([{ stateMachineArn: RELEASE_ARN, name: release.releaseId, input: JSON.stringify({ releaseId: release.releaseId, actor: ALICE }) }]);

    const repo = h.repo();
    expect((await repo.getWave(release.releaseId, 1))?.tenantIds.sort()).toEqual(['low-1', 'low-2']);
    const tenants = (await repo.listTenantReleases(release.releaseId)).items;
    expect(tenants.map((t) => [t.tenantId, t.wave, t.outcome])).toEqual([
      ['canary-1', 0, 'PENDING'],
      ['low-1', 1, 'PENDING'],
      ['low-2', 1, 'PENDING'],
    ]);
    expect(new Set(tenants.map((t) => t.operationId)).size).toBe(3);
  });

  it('replays the first answer for the same Idempotency-Key, and refuses the key with another body', async () => {
    await seedTenant('acme');
    const key = { 'Idempotency-Key': 'release-1' };

    const first = await post(releaseBody(), key);
    const again = await post(releaseBody(), key);
    const other = await post(releaseBody({ modules: ['stock'] }), key);

    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(other.status).toBe(409);
    expect(h.sfn.starts()).toHaveLength(1);
    expect((await h.repo().listReleases()).items).toHaveLength(1);
  });

  it('finishes a keyed request whose workflow could not be started when it is retried', async () => {
    await seedTenant('acme');
    const key = { 'Idempotency-Key': 'release-2' };
    h.sfn.failNextStart(Object.assign(new Error('Step Functions is unavailable'), { name: 'InternalFailure' }));

    const failed = await post(releaseBody(), key);
    const retried = await post(releaseBody(), key);

    expect(failed.status).toBe(500);
    expect(retried.status).toBe(202);
    expect((await h.repo().listReleases()).items.map((r) => r.releaseId)).toEqual([retried.body.release.releaseId]);
    expect(h.sfn.starts().map((s) => s.name)).toEqual([retried.body.release.releaseId, retried.body.release.releaseId]);
  });

  it('marks an unkeyed release FAILED with the reason when its workflow cannot be started', async () => {
    await seedTenant('acme');
    h.sfn.failNextStart(Object.assign(new Error('Step Functions is unavailable'), { name: 'InternalFailure' }));

    const res = await post(releaseBody());

    expect(res.status).toBe(500);
    const [release] = (await h.repo().listReleases()).items;
    expect(release).toMatchObject({ status: 'FAILED', statusReason: expect.stringMatching(/could not be started.*unavailable/) });
  });
});

describe('GET /v1/releases and /v1/releases/{releaseId}', () => {
  it('returns the release with one page of tenant outcomes, filtered by outcome', async () => {
    for (const id of ['a-one', 'b-two', 'c-three']) await seedTenant(id);
    const releaseId = await started();
    await h.repo().moveTenantOutcome(releaseId, 'b-two', 'Skipped', { reason: 'window never opens before the deadline' });

    const page = await get(releaseId, { limit: '2' });
    const next = await get(releaseId, { limit: '2', cursor: page.body.nextCursor });
    const skipped = await get(releaseId, { outcome: 'SKIPPED' });

    expect(page.status).toBe(200);
    expect(page.body.release).toMatchObject({ releaseId, counts: { PENDING: 2, SKIPPED: 1 } });
    expect([...page.body.tenants, ...next.body.tenants].map((t: { tenantId: string }) => t.tenantId)).toEqual(['a-one', 'b-two', 'c-three']);
    expect(next.body.nextCursor).toBeNull();
    expect(skipped.body.tenants).toEqual([expect.objectContaining({ tenantId: 'b-two', outcome: 'SKIPPED', reason: 'window never opens before the deadline' })]);
  });

  it('answers 404 for an unknown release and 400 for a malformed id', async () => {
    expect((await get(`rel-${'0'.repeat(26)}`)).status).toBe(404);
    const bad = await get('release-1');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'releaseId', message: expect.stringMatching(/not a release id/) }]);
  });

  it('lists releases newest first and by status', async () => {
    await seedTenant('acme');
    const older = await started();
    const newer = await started();
    await h.repo().updateRelease(older, 1, (r) => ({ ...r, status: 'ABORTED' }));

    const all = await invoke(listReleases, { method: 'GET', path: '/v1/releases' });
    const aborted = await invoke(listReleases, { method: 'GET', path: '/v1/releases', query: { status: 'ABORTED' } });
    const bad = await invoke(listReleases, { method: 'GET', path: '/v1/releases', query: { status: 'DONE' } });

    expect(all.body.items.map((r: { releaseId: string }) => r.releaseId)).toEqual([newer, older]);
    expect(aborted.body.items.map((r: { releaseId: string }) => r.releaseId)).toEqual([older]);
    expect(bad.status).toBe(400);
  });
});

describe('POST /v1/releases/{releaseId}/approve', () => {
  beforeEach(async () => {
    await seedTenant('acme');
  });

  it('refuses the requester with 403 and leaves the release waiting', async () => {
    const releaseId = await releaseIn('AWAITING_APPROVAL', 'token-1');

    const res = await approve(releaseId, {}, ALICE);

    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/requested this release and cannot also approve it/);
    expect((await h.repo().requireRelease(releaseId)).status).toBe('AWAITING_APPROVAL');
    expect(h.sfn.answers()).toEqual([]);
  });

  it('answers 409 while the release is not awaiting approval', async () => {
    const releaseId = await started();

    const res = await approve(releaseId);

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/Approved is not allowed while the release is PLANNED/);
  });

  it('answers 409 "retry" while the workflow has not stored its approval token yet', async () => {
    const releaseId = await releaseIn('AWAITING_APPROVAL');

    const res = await approve(releaseId);

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/not awaiting approval yet.*retry/);
    expect((await h.repo().requireRelease(releaseId)).status).toBe('AWAITING_APPROVAL');
  });

  it('waits a moment for a token the workflow is about to store', async () => {
    const releaseId = await releaseIn('AWAITING_APPROVAL');
    setTimeout(() => void h.repo().setApprovalToken(releaseId, 'late-token'), 300);

    const res = await approve(releaseId);

    expect(res.status).toBe(200);
    expect(h.sfn.answers()).toEqual([{ token: 'late-token', output: { approvedBy: BOB } }]);
  });

  it('records the approver, moves the release to ROLLING_OUT and answers the workflow once', async () => {
    const releaseId = await releaseIn('AWAITING_APPROVAL', 'token-1');

    const res = await approve(releaseId, { comment: 'rehearsal looked fine' });
    const again = await approve(releaseId, { comment: 'rehearsal looked fine' });

    expect(res.status).toBe(200);
    expect(res.body.release).toMatchObject({ status: 'ROLLING_OUT', approvedBy: BOB, approvedAt: expect.any(String) });
    expect(again.status).toBe(200);
    expect(h.sfn.answers()).toEqual([{ token: 'token-1', output: { approvedBy: BOB } }]);
    expect(await h.repo().takeApprovalToken(releaseId)).toBeUndefined();
  });

  it('keeps the token when the answer cannot be sent, so approving again finishes the job', async () => {
    const releaseId = await releaseIn('AWAITING_APPROVAL', 'token-1');
    h.sfn.failNextAnswer(Object.assign(new Error('throttled'), { name: 'InternalFailure' }));

    const failed = await approve(releaseId);
    const retried = await approve(releaseId);

    expect(failed.status).toBe(500);
    expect(retried.status).toBe(200);
    expect(h.sfn.answers()).toEqual([{ token: 'token-1', output: { approvedBy: BOB } }]);
  });

  it('refuses a second approver once approved', async () => {
    const releaseId = await releaseIn('AWAITING_APPROVAL', 'token-1');
    await approve(releaseId);

    const res = await approve(releaseId, {}, 'arn:aws:iam::123456789012:user/carol');

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/already approved by/);
  });
});

describe('reject, pause, resume and abort', () => {
  beforeEach(async () => {
    await seedTenant('acme');
  });

  it('rejects a release awaiting approval with the reason, failing the approval wait', async () => {
    const releaseId = await releaseIn('AWAITING_APPROVAL', 'token-1');

    const missing = await reject(releaseId, {});
    const res = await reject(releaseId, { reason: 'wrong image' }, ALICE);

    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ path: 'reason', message: expect.any(String) }]);
    expect(res.status).toBe(200);
    expect(res.body.release).toMatchObject({ status: 'REJECTED', statusReason: expect.stringMatching(/wrong image/) });
    expect(h.sfn.answers()).toEqual([{ token: 'token-1', error: 'ReleaseRejected', cause: expect.stringMatching(/wrong image/) }]);
  });

  it('pauses and resumes a rolling release, and refuses a pause the lifecycle does not allow with 409', async () => {
    const planned = await started();
    const rolling = await releaseIn('ROLLING_OUT');

    const refused = await pause(planned);
    const paused = await pause(rolling, { reason: 'looking at cell-a' });
    const pausedAgain = await pause(rolling);
    const resumed = await resume(rolling);
    const resumedAgain = await resume(rolling);

    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/Paused is not allowed while the release is PLANNED/);
    expect(paused.body.release).toMatchObject({ status: 'PAUSED', control: { pausedBy: BOB, reason: 'looking at cell-a' } });
    expect(pausedAgain.status).toBe(200);
    expect(resumed.body.release.status).toBe('ROLLING_OUT');
    expect(resumed.body.release.control).not.toHaveProperty('pausedBy');
    expect(resumedAgain.status).toBe(200);
  });

  it('aborts a release awaiting approval at once, and refuses to abort a finished one', async () => {
    const waiting = await releaseIn('AWAITING_APPROVAL', 'token-1');
    const finished = await releaseIn('SUCCEEDED');

    const res = await abort(waiting, { reason: 'found a bug' });
    const again = await abort(waiting, { reason: 'found a bug' });
    const refused = await abort(finished);

    expect(res.body.release).toMatchObject({ status: 'ABORTED', control: { abortedBy: BOB, reason: 'found a bug' } });
    expect(again.status).toBe(200);
    expect(h.sfn.answers()).toEqual([{ token: 'token-1', error: 'ReleaseAborted', cause: expect.stringMatching(/found a bug/) }]);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/SUCCEEDED is a terminal state/);
  });

  it('replays a control call with the same Idempotency-Key', async () => {
    const rolling = await releaseIn('ROLLING_OUT');
    const key = { 'Idempotency-Key': 'pause-1' };

    const first = await pause(rolling, {}, BOB, key);
    await resume(rolling);
    const replay = await pause(rolling, {}, BOB, key);

    expect(replay.body).toEqual(first.body);
    expect((await h.repo().requireRelease(rolling)).status).toBe('ROLLING_OUT');
  });
});

describe('POST /v1/releases/{releaseId}/tenants/{tenantId}/decision', () => {
  const decide = (releaseId: string, tenantId: string, body: unknown) =>
    invoke(decideTenant, {
      method: 'POST',
      path: `/v1/releases/${releaseId}/tenants/${tenantId}/decision`,
      resource: '/v1/releases/{releaseId}/tenants/{tenantId}/decision',
      pathParameters: { releaseId, tenantId },
      body,
      userArn: BOB,
    });

  async function awaitingDecision() {
    await seedTenant('acme');
    const releaseId = await releaseIn('ROLLING_OUT');
    const repo = h.repo();
    for (const event of ['PreflightStarted', 'UpgradeStarted', 'CutOver', 'VerdictInconclusive'] as const) await repo.moveTenantOutcome(releaseId, 'acme', event, {});
    return releaseId;
  }

  it('answers 409 unless the tenant awaits a decision', async () => {
    await seedTenant('acme');
    const releaseId = await started();

    const res = await decide(releaseId, 'acme', { choice: 'keep', reason: 'metrics fine' });

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/PENDING, not AWAITING_DECISION/);
  });

  it('records the decision and sends the choice to the waiting workflow', async () => {
    const releaseId = await awaitingDecision();
    await h.repo().setDecisionToken(releaseId, 'acme', 'decision-1');

    const bad = await decide(releaseId, 'acme', { choice: 'maybe', reason: 'x' });
    const res = await decide(releaseId, 'acme', { choice: 'rollback', reason: 'orders look wrong' });
    const other = await decide(releaseId, 'acme', { choice: 'keep', reason: 'no' });

    expect(bad.status).toBe(400);
    expect(res.status).toBe(200);
    expect(res.body.tenant).toMatchObject({ outcome: 'AWAITING_DECISION', decision: { by: BOB, choice: 'rollback', reason: 'orders look wrong' } });
    expect(h.sfn.answers()).toEqual([{ token: 'decision-1', output: { choice: 'rollback' } }]);
    expect(other.status).toBe(409);
  });

  it('answers 409 "retry" while the workflow is not waiting for the decision yet', async () => {
    const releaseId = await awaitingDecision();

    const res = await decide(releaseId, 'acme', { choice: 'keep', reason: 'fine' });

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/retry/);
    expect((await h.repo().getTenantRelease(releaseId, 'acme'))?.decision).toBeUndefined();
  });
});

describe('release calendars', () => {
  const calendar = {
    windows: [{ days: ['sun'], start: '01:00', end: '05:00', timeZone: 'Europe/Brussels' }],
    freezes: [{ kind: 'lastBusinessDays', count: 2, timeZone: 'Europe/Brussels', reason: 'month-end closing' }],
  };
  const put = (tenantId: string, body: unknown) =>
    invoke(putReleaseCalendar, {
      method: 'PUT',
      path: `/v1/tenants/${tenantId}/release-calendar`,
      resource: '/v1/tenants/{tenantId}/release-calendar',
      pathParameters: { tenantId },
      body,
    });

  it('replaces a tenant\'s calendar with a change event, and refuses a malformed one field by field', async () => {
    await seedTenant('acme');

    const res = await put('acme', calendar);
    const bad = await put('acme', { windows: [{ days: ['someday'], start: '25:00', end: '05:00', timeZone: 'Mars/Olympus' }], extra: 1 });

    expect(res.status).toBe(200);
    expect(res.body.releaseCalendar).toEqual(calendar);
    expect((await h.repo().listChanges('acme')).items[0]).toMatchObject({ type: 'ReleaseCalendarChanged', actor: ALICE, after: { releaseCalendar: calendar } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['extra', 'windows.0.days.0', 'windows.0.start', 'windows.0.timeZone']);
    expect((await put('ghost', calendar)).status).toBe(404);
  });

  it('is accepted when a tenant is created', async () => {
    const res = await invoke(createTenant, { method: 'POST', path: '/v1/tenants', body: tenantBody('acme', { releaseCalendar: calendar }) });

    expect(res.status).toBe(202);
    expect((await h.repo().requireTenant('acme')).releaseCalendar).toEqual(calendar);
  });
});
