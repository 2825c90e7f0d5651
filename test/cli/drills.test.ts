import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '#local/cli/args.ts';
import { seconds } from '#local/cli/format.ts';
import { runCli } from '#local/cli/run.ts';
import type { LocalControlPlane } from '#local/control-plane.ts';
import type { ScheduleStatus } from '#local/scheduler.ts';
import type { DrillRecord } from '#shared/domain/drill-types.ts';
import type { Operation, OperationStep } from '#shared/domain/types.ts';
import { writeHeartbeats } from '#functions/drill/write-heartbeats.ts';
import { aTenant } from '../store/fixtures.ts';
import { api, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';

interface Sent {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  idempotencyKey: string | undefined;
}

type Answer = [status: number, body: unknown];

/**
 * An API that answers from a script: per `METHOD /path` (or `METHOD /path?query` when the query
 * matters), answers given in turn, the last one repeated. It keeps every request it was sent.
 */
function fakeApi(script: Record<string, Answer[]>) {
  const sent: Sent[] = [];
  const fetch = (async (url: URL | string, init: RequestInit = {}) => {
    const u = new URL(String(url));
    const headers = (init.headers ?? {}) as Record<string, string>;
    sent.push({
      method: init.method ?? 'GET',
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      body: init.body === undefined ? undefined : JSON.parse(init.body as string),
      idempotencyKey: headers['idempotency-key'],
    });
    const answers = script[`${init.method} ${u.pathname}${u.search}`] ?? script[`${init.method} ${u.pathname}`];
    if (!answers) return new Response(JSON.stringify({ error: { code: 'NotFound', message: `no route ${init.method} ${u.pathname}` } }), { status: 404 });
    const [status, body] = answers.length > 1 ? answers.shift()! : answers[0]!;
    return new Response(JSON.stringify(body), { status });
  }) as typeof globalThis.fetch;
  return { sent, fetch };
}

async function odooctl(fetch: typeof globalThis.fetch, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {},
    fetch,
    readFile: async (p) => {
      throw new Error(`ENOENT: ${p}`);
    },
    sleep: async () => undefined,
    newKey: () => 'generated-key',
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 2) + s * 1000).toISOString();

const checks: DrillRecord['checks'] = [
  { name: 'connect', passed: true, detail: 'connected to database odoo_acme' },
  { name: 'business-rows', passed: true, detail: 'rows: res_users 4, res_partner 13' },
  { name: 'filestore', passed: true, detail: 'the 5 newest attachments all existed' },
];

const aDrill = (over: Partial<DrillRecord> = {}): DrillRecord => ({
  tenantId: 'acme',
  drillId: 'op-drill1',
  operationId: 'op-drill1',
  trigger: 'on-demand',
  requestedBy: 'alice',
  status: 'COMPLETED',
  criticality: 'low',
  model: 'pooled',
  startedAt: at(0),
  restorePoint: at(-2),
  restorePointKind: 'latest',
  referenceTime: at(-2),
  restoreRequestedAt: at(1),
  restoreAvailableAt: at(10),
  validatedAt: at(15),
  endedAt: at(30),
  target: {
    region: 'eu-west-1',
    clusterIdentifier: 'odoo-drill-acme-drill1',
    databaseName: 'odoo_acme',
    sourceClusterIdentifier: 'odoo-cell-a',
    dbSubnetGroupName: 'odoo-drill',
    vpcSecurityGroupIds: ['sg-1'],
  },
  rtoSeconds: 14.2,
  rpoSeconds: 3,
  targetRtoSeconds: 28800,
  targetRpoSeconds: 86400,
  newestData: { heartbeat: at(-5), businessWrite: at(-60) },
  checks,
  outcome: 'PASSED',
  evidenceKey: 'drills/acme/2030-01-01/op-drill1.json',
  cleanedUp: true,
  ...over,
});

/** What the API answers right after a drill is requested. */
const requested = (over: Partial<DrillRecord> = {}) =>
  aDrill({
    status: 'REQUESTED',
    restorePoint: undefined,
    restorePointKind: undefined,
    referenceTime: undefined,
    restoreRequestedAt: undefined,
    restoreAvailableAt: undefined,
    validatedAt: undefined,
    endedAt: undefined,
    target: undefined,
    rtoSeconds: undefined,
    rpoSeconds: undefined,
    newestData: undefined,
    checks: [],
    outcome: undefined,
    evidenceKey: undefined,
    cleanedUp: false,
    ...over,
  });

const step = (name: string, start: number, end?: number): OperationStep => ({
  name,
  status: end === undefined ? 'RUNNING' : 'SUCCEEDED',
  startedAt: at(start),
  ...(end === undefined ? {} : { endedAt: at(end) }),
  attempts: 1,
});

const operation = (status: Operation['status'], steps: OperationStep[] = [], over: Partial<Operation> = {}): Operation => ({
  operationId: 'op-drill1',
  type: 'DRILL',
  tenantId: 'acme',
  status,
  requestedBy: 'alice',
  createdAt: at(0),
  updatedAt: at(30),
  steps,
  ...over,
});

const started = (drill = requested()): Answer => [202, { drill, operation: operation('PENDING') }];

const PASSED_DRILL = [
  'Drill:         op-drill1 of acme (on-demand, requested by alice)',
  'Status:        COMPLETED',
  'Outcome:       PASSED',
  'Tenant:        low criticality, pooled',
  'Started:       2030-01-01T02:00:00.000Z',
  'Ended:         2030-01-01T02:00:30.000Z (after 30 s)',
  'Restore point: 2030-01-01T01:59:58.000Z (latest restorable)',
  'Restored to:   cluster odoo-drill-acme-drill1, database odoo_acme, in eu-west-1 (from odoo-cell-a)',
  'RTO:           14 s (target 8 h)',
  'RPO:           3 s (target 24 h)',
  'Newest data:   heartbeat 2030-01-01T01:59:55.000Z, business write 2030-01-01T01:59:00.000Z',
  'Evidence:      drills/acme/2030-01-01/op-drill1.json',
  'Cleaned up:    yes',
  'Operation:     op-drill1',
  '',
  'CHECK          RESULT  DETAIL',
  'connect        pass    connected to database odoo_acme',
  'business-rows  pass    rows: res_users 4, res_partner 13',
  'filestore      pass    the 5 newest attachments all existed',
].join('\n');

describe('parseCli: drills and schedules', () => {
  it('reads a drill run with its restore time, key and --watch', () => {
    expect(parseCli(['drills', 'run', 'acme', '--restore-time', '2030-01-01T00:00:00Z', '--idempotency-key', 'k1', '--watch']).command).toEqual({
      kind: 'drills run',
      tenantId: 'acme',
      restoreTime: '2030-01-01T00:00:00Z',
      idempotencyKey: 'k1',
      watch: true,
    });
    expect(parseCli(['drills', 'get', 'acme', 'op-1']).command).toEqual({ kind: 'drills get', tenantId: 'acme', drillId: 'op-1' });
    expect(parseCli(['schedules', 'run', 'drill-run-low']).command).toEqual({ kind: 'schedules run', name: 'drill-run-low' });
  });

  it.each([
    [['drills', 'run', 'acme', '--colour', 'red'], /Unknown option '--colour'/],
    [['drills', 'list', 'acme', '--watch'], /drills list takes no --watch/],
    [['drills', 'get', 'acme', '--restore-time', '2030-01-01T00:00:00Z', 'op-1'], /drills get takes no --restore-time/],
    [['drills', 'get', 'acme'], /drills get takes tenantId drillId/],
    [['drills', 'run'], /drills run takes tenantId/],
    [['schedules', 'run'], /schedules run takes name/],
    [['schedules', 'list', 'extra'], /schedules list takes no arguments/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});

describe('odooctl drills run', () => {
  it('starts a drill with the given restore time and key, and says how to follow it', async () => {
    const { sent, fetch } = fakeApi({ 'POST /v1/tenants/acme/drills': [started(requested({ restorePoint: '2030-01-01T01:00:00.000Z', restorePointKind: 'chosen' }))] });

    const res = await odooctl(fetch, 'drills', 'run', 'acme', '--restore-time', '2030-01-01T01:00:00Z', '--idempotency-key', 'k1', '--actor', 'alice');

    expect(res).toEqual({
      code: 0,
      err: '',
      out: [
        'Drill op-drill1 of acme: REQUESTED, restore point 2030-01-01T01:00:00.000Z, targets RTO 8 h and RPO 24 h',
        'Operation op-drill1: DRILL PENDING',
        'Follow it with: odooctl operations watch op-drill1',
        'Its result: odooctl drills get acme op-drill1',
      ].join('\n'),
    });
    expect(sent).toEqual([{ method: 'POST', path: '/v1/tenants/acme/drills', query: {}, body: { restoreTime: '2030-01-01T01:00:00Z' }, idempotencyKey: 'k1' }]);
  });

  it('sends no body for the latest restorable time, and a fresh Idempotency-Key when given none', async () => {
    const { sent, fetch } = fakeApi({ 'POST /v1/tenants/acme/drills': [started()] });

    const res = await odooctl(fetch, 'drills', 'run', 'acme');

    expect(res.out.split('\n')[0]).toBe('Drill op-drill1 of acme: REQUESTED, restore point the latest restorable time, targets RTO 8 h and RPO 24 h');
    expect(sent).toEqual([{ method: 'POST', path: '/v1/tenants/acme/drills', query: {}, body: undefined, idempotencyKey: 'generated-key' }]);
  });

  it('prints the API\'s message and exits 2 when a drill already runs', async () => {
    const { fetch } = fakeApi({
      'POST /v1/tenants/acme/drills': [
        [409, { error: { code: 'Conflict', message: 'Tenant acme already has drill op-drill0 running', details: [{ path: 'drillLock.drillId', message: 'op-drill0' }] } }],
      ],
    });

    const res = await odooctl(fetch, 'drills', 'run', 'acme', '--watch');

    expect(res).toEqual({ code: 2, out: '', err: 'Error 409 Conflict: Tenant acme already has drill op-drill0 running\n  - drillLock.drillId: op-drill0' });
  });

  it('prints the API\'s field message for a restore time it cannot read', async () => {
    const { fetch } = fakeApi({
      'POST /v1/tenants/acme/drills': [[400, { error: { code: 'ValidationError', message: 'Invalid request body', details: [{ path: 'restoreTime', message: 'must be an ISO-8601 time' }] } }]],
    });

    const res = await odooctl(fetch, 'drills', 'run', 'acme', '--restore-time', 'yesterday');

    expect(res).toEqual({ code: 2, out: '', err: 'Error 400 ValidationError: Invalid request body\n  - restoreTime: must be an ISO-8601 time' });
  });

  it('with --watch follows the operation, then shows the finished drill and exits 0 when it PASSED', async () => {
    const { sent, fetch } = fakeApi({
      'POST /v1/tenants/acme/drills': [started()],
      'GET /v1/operations/op-drill1': [
        [200, operation('RUNNING', [step('BeginDrill', 0.1, 0.2), step('RestoreDrillTarget', 0.3)])],
        [200, operation('SUCCEEDED', [step('BeginDrill', 0.1, 0.2), step('RestoreDrillTarget', 0.3, 10), step('ValidateDrill', 10, 15)], { endedAt: at(30) })],
      ],
      // An older page first: the drill is looked for page by page.
      'GET /v1/tenants/acme/drills?limit=100': [[200, { items: [aDrill({ drillId: 'op-other', operationId: 'op-other' })], nextCursor: 'page2' }]],
      'GET /v1/tenants/acme/drills?limit=100&cursor=page2': [[200, { items: [aDrill()], nextCursor: null }]],
    });

    const res = await odooctl(fetch, 'drills', 'run', 'acme', '--watch', '--idempotency-key', 'k2');

    expect(res.code).toBe(0);
    expect(res.err).toBe('');
    expect(res.out).toBe(
      [
        'Drill op-drill1 of acme: REQUESTED, restore point the latest restorable time, targets RTO 8 h and RPO 24 h',
        'Operation op-drill1: DRILL PENDING',
        'DRILL of acme (op-drill1): RUNNING',
        '[+   0.1s] ▶ BeginDrill started',
        '[+   0.2s] ✓ BeginDrill succeeded in 0.1 s',
        '[+   0.3s] ▶ RestoreDrillTarget started',
        '[+  10.0s] ✓ RestoreDrillTarget succeeded in 9.7 s',
        '[+  10.0s] ▶ ValidateDrill started',
        '[+  15.0s] ✓ ValidateDrill succeeded in 5.0 s',
        '[+  30.0s] operation SUCCEEDED',
        '',
        PASSED_DRILL,
      ].join('\n'),
    );
    expect(sent.map((s) => [s.method, s.path, s.query, s.idempotencyKey])).toEqual([
      ['POST', '/v1/tenants/acme/drills', {}, 'k2'],
      ['GET', '/v1/operations/op-drill1', {}, undefined],
      ['GET', '/v1/operations/op-drill1', {}, undefined],
      ['GET', '/v1/tenants/acme/drills', { limit: '100' }, undefined],
      ['GET', '/v1/tenants/acme/drills', { limit: '100', cursor: 'page2' }, undefined],
    ]);
  });

  it('with --watch exits 1 when the drill breached a target, with the reason', async () => {
    const breached = aDrill({ outcome: 'BREACHED_TARGET', reason: 'RTO 9.5 h is above the target 8 h', rtoSeconds: 34200 });
    const { fetch } = fakeApi({
      'POST /v1/tenants/acme/drills': [started()],
      'GET /v1/operations/op-drill1': [[200, operation('SUCCEEDED', [], { endedAt: at(30) })]],
      'GET /v1/tenants/acme/drills': [[200, { items: [breached], nextCursor: null }]],
    });

    const res = await odooctl(fetch, 'drills', 'run', 'acme', '--watch');

    expect(res.code).toBe(1);
    expect(res.out).toMatch(/^Outcome: +BREACHED_TARGET: RTO 9.5 h is above the target 8 h$/m);
    expect(res.out).toMatch(/^RTO: +9.5 h \(target 8 h\)$/m);
  });

  it('with --watch exits 1 when the drill FAILED, showing the failed check and what teardown left', async () => {
    const failed = aDrill({
      outcome: 'FAILED',
      reason: 'check business-rows failed',
      rtoSeconds: undefined,
      checks: [checks[0]!, { name: 'business-rows', passed: false, detail: 'res_partner is empty' }],
      cleanedUp: false,
      teardown: { cluster: 'deletion requested, not yet gone' },
    });
    const { fetch } = fakeApi({
      'POST /v1/tenants/acme/drills': [started()],
      'GET /v1/operations/op-drill1': [[200, operation('FAILED', [], { endedAt: at(30), error: { code: 'DrillFailed', message: 'check business-rows failed' } })]],
      'GET /v1/tenants/acme/drills': [[200, { items: [failed], nextCursor: null }]],
    });

    const res = await odooctl(fetch, 'drills', 'run', 'acme', '--watch');

    expect(res.code).toBe(1);
    expect(res.out).toContain('Error: DrillFailed: check business-rows failed');
    expect(res.out).toMatch(/^Outcome: +FAILED: check business-rows failed$/m);
    expect(res.out).toMatch(/^RTO: +not measured \(target 8 h\)$/m);
    expect(res.out).toMatch(/^Cleaned up: +no$/m);
    expect(res.out).toMatch(/^business-rows +FAIL +res_partner is empty$/m);
    expect(res.out.endsWith('Teardown:\n  cluster: deletion requested, not yet gone')).toBe(true);
  });

  it('with --watch --json prints only the finished drill\'s JSON', async () => {
    const { fetch } = fakeApi({
      'POST /v1/tenants/acme/drills': [started()],
      'GET /v1/operations/op-drill1': [[200, operation('SUCCEEDED', [step('BeginDrill', 0, 1)], { endedAt: at(30) })]],
      'GET /v1/tenants/acme/drills': [[200, { items: [aDrill()], nextCursor: null }]],
    });

    const res = await odooctl(fetch, 'drills', 'run', 'acme', '--watch', '--json');

    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toEqual(aDrill());
  });
});

describe('odooctl drills list and get', () => {
  it('lists the drills newest first with outcomes, figures against targets and clean-up, and the next page', async () => {
    const running = requested({ drillId: 'op-drill2', operationId: 'op-drill2', startedAt: at(3600), trigger: 'schedule', status: 'RESTORING' });
    const breached = aDrill({ outcome: 'BREACHED_TARGET', rtoSeconds: 34200, cleanedUp: false });
    const { sent, fetch } = fakeApi({ 'GET /v1/tenants/acme/drills': [[200, { items: [running, breached], nextCursor: 'next-page' }]] });

    const res = await odooctl(fetch, 'drills', 'list', 'acme', '--limit', '2', '--cursor', 'c1');

    expect(res).toEqual({
      code: 0,
      err: '',
      out: [
        'DRILL      STARTED                   TRIGGER    OUTCOME          RTO/TARGET   RPO/TARGET  CLEANED UP',
        'op-drill2  2030-01-01T03:00:00.000Z  schedule   RESTORING        - / 8 h      - / 24 h    not yet',
        'op-drill1  2030-01-01T02:00:00.000Z  on-demand  BREACHED_TARGET  9.5 h / 8 h  3 s / 24 h  no',
        '',
        'More: --cursor next-page',
      ].join('\n'),
    });
    expect(sent).toEqual([{ method: 'GET', path: '/v1/tenants/acme/drills', query: { limit: '2', cursor: 'c1' }, body: undefined, idempotencyKey: undefined }]);
  });

  it('says when a tenant has no drills, and prints the API\'s page with --json', async () => {
    const { fetch } = fakeApi({ 'GET /v1/tenants/acme/drills': [[200, { items: [], nextCursor: null }]] });

    expect((await odooctl(fetch, 'drills', 'list', 'acme')).out).toBe('No drills of acme.');
    expect(JSON.parse((await odooctl(fetch, 'drills', 'list', 'acme', '--json')).out)).toEqual({ items: [], nextCursor: null });
  });

  it('shows one drill in full, found in the history', async () => {
    const { fetch } = fakeApi({ 'GET /v1/tenants/acme/drills': [[200, { items: [aDrill()], nextCursor: null }]] });

    const res = await odooctl(fetch, 'drills', 'get', 'acme', 'op-drill1');

    expect(res).toEqual({ code: 0, err: '', out: PASSED_DRILL });
  });

  it('shows a drill still running for what it is', async () => {
    const { fetch } = fakeApi({ 'GET /v1/tenants/acme/drills': [[200, { items: [requested({ status: 'RESTORING', restorePoint: at(-2), restorePointKind: 'chosen' })], nextCursor: null }]] });

    const res = await odooctl(fetch, 'drills', 'get', 'acme', 'op-drill1');

    expect(res.out).toBe(
      [
        'Drill:         op-drill1 of acme (on-demand, requested by alice)',
        'Status:        RESTORING',
        'Tenant:        low criticality, pooled',
        'Started:       2030-01-01T02:00:00.000Z',
        'Restore point: 2030-01-01T01:59:58.000Z (chosen)',
        'RTO:           not measured (target 8 h)',
        'RPO:           not measured (target 24 h)',
        'Evidence:      not yet',
        'Cleaned up:    not yet',
        'Operation:     op-drill1',
        '',
        'No checks ran.',
      ].join('\n'),
    );
  });

  it('exits 2 when the tenant has no such drill', async () => {
    const { fetch } = fakeApi({ 'GET /v1/tenants/acme/drills': [[200, { items: [aDrill()], nextCursor: null }]] });

    const res = await odooctl(fetch, 'drills', 'get', 'acme', 'op-nope');

    expect(res).toEqual({ code: 2, out: '', err: 'Tenant acme has no drill op-nope; odooctl drills list acme lists them.' });
  });

  it('passes on the API\'s 404 for an unknown tenant', async () => {
    const { fetch } = fakeApi({ 'GET /v1/tenants/nope/drills': [[404, { error: { code: 'NotFound', message: 'Tenant nope not found' } }]] });

    const res = await odooctl(fetch, 'drills', 'get', 'nope', 'op-1');

    expect(res).toEqual({ code: 2, out: '', err: 'Error 404 NotFound: Tenant nope not found' });
  });
});

describe('odooctl tenants get: the last drill', () => {
  it('shows the last drill\'s outcome, when, RTO and RPO, and a running drill', async () => {
    const tenant = {
      ...aTenant('acme', { status: 'ACTIVE' }),
      lastDrill: { drillId: 'op-drill1', startedAt: at(0), endedAt: at(30), outcome: 'PASSED' as const, rtoSeconds: 14.2, rpoSeconds: 3, evidenceKey: 'k', cleanedUp: true, lastRestorableAt: at(0) },
      drillLock: { drillId: 'op-drill2', expiresAt: at(43200) },
    };
    const { fetch } = fakeApi({ 'GET /v1/tenants/acme': [[200, tenant]] });

    const res = await odooctl(fetch, 'tenants', 'get', 'acme');

    expect(res.out).toMatch(/^Last drill: +PASSED at 2030-01-01T02:00:30.000Z \(RTO 14 s, RPO 3 s\), drill op-drill1$/m);
    expect(res.out).toMatch(/^Drill running: +op-drill2 \(its lock holds until 2030-01-01T14:00:00.000Z\)$/m);
  });

  it('says when a failed last drill was last proven restorable, and what it left behind', async () => {
    const tenant = {
      ...aTenant('acme', { status: 'ACTIVE' }),
      lastDrill: { drillId: 'op-drill3', startedAt: at(0), endedAt: at(30), outcome: 'FAILED' as const, cleanedUp: false, lastRestorableAt: at(-86400) },
    };
    const { fetch } = fakeApi({ 'GET /v1/tenants/acme': [[200, tenant]] });

    const res = await odooctl(fetch, 'tenants', 'get', 'acme');

    expect(res.out).toMatch(
      /^Last drill: +FAILED at 2030-01-01T02:00:30.000Z \(RTO not measured, RPO not measured\), drill op-drill3; last proven restorable 2029-12-31T02:00:00.000Z; not cleaned up$/m,
    );
    expect(res.out).not.toMatch(/Drill running/);
  });

  it('prints no drill line for a tenant never drilled', async () => {
    const { fetch } = fakeApi({ 'GET /v1/tenants/acme': [[200, aTenant('acme')]] });

    expect((await odooctl(fetch, 'tenants', 'get', 'acme')).out).not.toMatch(/drill/i);
  });
});

describe('odooctl schedules', () => {
  const schedule = (over: Partial<ScheduleStatus>): ScheduleStatus => ({
    name: 'drill-run-critical',
    group: 'odoo-fleet',
    expression: 'cron(0 2 * * ? *)',
    timezone: 'UTC',
    state: 'ENABLED',
    flexibleWindowMinutes: 30,
    target: { type: 'stateMachine', stateMachineName: 'odoo-fleet-drill-run', stateMachineArn: 'arn:aws:states:eu-west-1:000000000000:stateMachine:odoo-fleet-drill-run' },
    input: { criticality: 'critical' },
    nextFire: '2030-01-02T02:00:00.000Z',
    lastFire: null,
    ...over,
  });

  it('lists the schedules with their next and last fire', async () => {
    const { sent, fetch } = fakeApi({
      'GET /_local/schedules': [
        [
          200,
          {
            firing: false,
            now: at(0),
            schedules: [
              schedule({
                lastFire: { scheduledAt: at(0), firedAt: at(0), trigger: 'schedule', missed: 2, result: { status: 'STARTED', executionArn: 'arn:x', executionName: 'run-1' } },
              }),
              schedule({
                name: 'drill-heartbeat',
                expression: 'rate(1 minute)',
                target: { type: 'lambda', functionLogicalId: 'Heartbeat', handler: 'functions/drill/write-heartbeats.ts' },
                nextFire: null,
                state: 'DISABLED',
                lastFire: { firedAt: at(60), trigger: 'on-demand', result: { status: 'FAILED', error: 'Boom', message: 'no table' } },
              }),
            ],
          },
        ],
      ],
    });

    const res = await odooctl(fetch, 'schedules', 'list');

    expect(res).toEqual({
      code: 0,
      err: '',
      out: [
        'Clock 2030-01-01T02:00:00.000Z; schedules fire only when run (npm start with LOCAL_SCHEDULES=1 fires them on the clock).',
        '',
        'SCHEDULE            EXPRESSION         STATE     TARGET                                        NEXT FIRE                 LAST FIRE',
        'drill-run-critical  cron(0 2 * * ? *)  ENABLED   state machine odoo-fleet-drill-run            2030-01-02T02:00:00.000Z  2030-01-01T02:00:00.000Z (schedule, 2 missed) started run-1',
        'drill-heartbeat     rate(1 minute)     DISABLED  function functions/drill/write-heartbeats.ts  -                         2030-01-01T02:01:00.000Z (on-demand) failed: Boom: no table',
      ].join('\n'),
    });
    expect(sent).toEqual([{ method: 'GET', path: '/_local/schedules', query: {}, body: undefined, idempotencyKey: undefined }]);
  });

  it('fires a schedule now and says what it started', async () => {
    const { sent, fetch } = fakeApi({
      'POST /_local/schedules/drill-run-low/run': [
        [200, { schedule: 'drill-run-low', firedAt: at(0), trigger: 'on-demand', result: { status: 'STARTED', executionArn: 'arn:aws:states:eu-west-1:0:execution:odoo-fleet-drill-run:e1', executionName: 'e1' } }],
      ],
    });

    const res = await odooctl(fetch, 'schedules', 'run', 'drill-run-low');

    expect(res).toEqual({
      code: 0,
      err: '',
      out: 'Schedule drill-run-low fired at 2030-01-01T02:00:00.000Z: started e1\nExecution: arn:aws:states:eu-west-1:0:execution:odoo-fleet-drill-run:e1',
    });
    expect(sent.map((s) => [s.method, s.path, s.body])).toEqual([['POST', '/_local/schedules/drill-run-low/run', undefined]]);
  });

  it('shows a Lambda target\'s answer, and exits 1 when the target failed', async () => {
    const { fetch } = fakeApi({
      'POST /_local/schedules/drill-heartbeat/run': [
        [200, { schedule: 'drill-heartbeat', firedAt: at(0), trigger: 'on-demand', result: { status: 'SUCCEEDED', output: { written: 3, failed: [] } } }],
        [200, { schedule: 'drill-heartbeat', firedAt: at(1), trigger: 'on-demand', result: { status: 'FAILED', error: 'TypeError', message: 'x is undefined' } }],
      ],
    });

    const ok = await odooctl(fetch, 'schedules', 'run', 'drill-heartbeat');
    const failed = await odooctl(fetch, 'schedules', 'run', 'drill-heartbeat');

    expect(ok).toEqual({ code: 0, err: '', out: 'Schedule drill-heartbeat fired at 2030-01-01T02:00:00.000Z: succeeded\nOutput: {"written":3,"failed":[]}' });
    expect(failed).toEqual({ code: 1, err: '', out: 'Schedule drill-heartbeat fired at 2030-01-01T02:00:01.000Z: failed: TypeError: x is undefined' });
  });

  it('prints the API\'s message for an unknown schedule', async () => {
    const { fetch } = fakeApi({ 'POST /_local/schedules/nope/run': [[404, { error: { code: 'NotFound', message: 'No schedule named nope; GET /_local/schedules lists them' } }]] });

    const res = await odooctl(fetch, 'schedules', 'run', 'nope');

    expect(res).toEqual({ code: 2, out: '', err: 'Error 404 NotFound: No schedule named nope; GET /_local/schedules lists them' });
  });
});

describe('seconds', () => {
  it('reads as whole units, measured figures rounded', () => {
    expect([seconds(28800), seconds(34200), seconds(90), seconds(14.237), seconds(0.42), seconds(5)]).toEqual(['8 h', '9.5 h', '1.5 min', '14 s', '0.4 s', '5 s']);
  });
});

describe('odooctl drills against the local control plane', () => {
  let plane: LocalControlPlane;

  beforeAll(async () => {
    plane = await startPlane();
    const created = await api<{ operation: Operation }>(plane, 'POST', '/v1/tenants', tenantBody('acme'));
    await waitForOperation(plane, created.body.operation.operationId);
    // The newest data a restore should hold, then the clock past the latest restorable time's lag.
    await writeHeartbeats(plane.repo, plane.config);
    plane.clock.advance(5);
  });
  afterAll(async () => {
    await plane?.close();
  });

  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli([...argv, '--endpoint', plane.url], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: {},
      fetch,
      readFile: async () => '',
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
      newKey: () => `test-${randomUUID()}`,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('runs a drill to its end, shows it in the history and on the tenant, and lists the schedules', async () => {
    const watched = await run('drills', 'run', 'acme', '--watch');
    const drillId = /^Drill (\S+) of acme/.exec(watched.out)?.[1] ?? '';
    const listed = await run('drills', 'list', 'acme');
    const shown = await run('tenants', 'get', 'acme');
    const schedules = await run('schedules', 'list');

    expect(watched).toMatchObject({ code: 0, err: '' });
    expect(watched.out).toMatch(/operation SUCCEEDED\n\nDrill: +\S+ of acme \(on-demand, requested by local-operator\)\nStatus: +COMPLETED\nOutcome: +PASSED\n/);
    expect(watched.out).toMatch(/^RTO: +[\d.]+ (s|min) \(target 8 h\)$/m);
    expect(watched.out).toMatch(/^Cleaned up: +yes$/m);
    expect(watched.out).toMatch(/^business-rows +pass +/m);
    expect(listed.out.split('\n')[1]).toMatch(new RegExp(`^${drillId}\\s+\\S+\\s+on-demand\\s+PASSED\\s+.+ / 8 h\\s+.+ / 24 h\\s+yes$`));
    expect(shown.out).toMatch(new RegExp(`^Last drill: +PASSED at \\S+ \\(RTO .+, RPO .+\\), drill ${drillId}$`, 'm'));
    expect(schedules.out).toMatch(/^drill-run-low\s+cron\(.+\)\s+ENABLED\s+state machine odoo-fleet-drill-run\s+\S+\s+-$/m);
  }, 120_000);
});
