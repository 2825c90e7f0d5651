import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '#local/cli/args.ts';
import { ENDING_STATUSES, failedChecks, formatFailover, type FailoverView } from '#local/cli/failover-format.ts';
import { failoverProgressLines } from '#local/cli/failover-watch.ts';
import { runCli } from '#local/cli/run.ts';
import type { ReadinessCheck } from '#shared/domain/failover-readiness.ts';
import type { Failover, FailoverStepTiming, FailoverTenant } from '#shared/domain/failover-types.ts';

interface Sent {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  idempotencyKey: string | undefined;
  actor: string | undefined;
}

type Answer = [status: number, body: unknown];

/**
 * An API that answers from a script: per `METHOD /path` (or `METHOD /path?query`), answers given in
 * turn, the last one repeated. It keeps every request it was sent.
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
      actor: headers['x-actor'],
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

const ID = 'fo-01jd0000000000000000000001';
const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 2) + s * 1000).toISOString();

/** An unplanned region failover: the critical dedicated tenant first, then the standard cell with its two tenants. */
const aFailover = (over: Partial<Failover> = {}): Failover => ({
  failoverId: ID,
  scope: 'region',
  fromRegion: 'eu-west-1',
  toRegion: 'eu-central-1',
  mode: 'unplanned',
  reason: 'eu-west-1 is down',
  requestedBy: 'alice',
  approvedBy: 'bob',
  approvedAt: at(55),
  decision: '2 of 2 unit(s) ready',
  status: 'SUCCEEDED',
  units: [
    { key: 'tenant:bank', kind: 'dedicated', tenantIds: ['bank'], criticality: 'critical', rtoSeconds: 900 },
    { key: 'cell:cell-a', kind: 'cell', tenantIds: ['acme', 'bolt'], criticality: 'standard', rtoSeconds: 7200 },
  ],
  tenantCount: 3,
  skipped: [{ tenantId: 'moved', reason: 'active in eu-central-1, not eu-west-1' }],
  createdAt: at(0),
  updatedAt: at(400),
  startedAt: at(60),
  endedAt: at(400),
  rtoSeconds: 340,
  dataLossWindowSeconds: 42,
  evidenceKey: `failovers/2030-01-01/${ID}.json`,
  executionArn: `arn:aws:states:eu-central-1:111122223333:execution:odoo-failover:region-failover-${ID}`,
  version: 7,
  ...over,
});

const step = (name: string, start: number, end?: number, over: Partial<FailoverStepTiming> = {}): FailoverStepTiming => ({
  name,
  status: end === undefined ? 'RUNNING' : 'SUCCEEDED',
  startedAt: at(start),
  ...(end === undefined ? {} : { endedAt: at(end) }),
  ...over,
});

const ready = (checks: ReadinessCheck[] = [], over: Partial<NonNullable<FailoverTenant['readiness']>> = {}): FailoverTenant['readiness'] => ({
  ready: true,
  checks: [{ name: 'dr-capacity', passed: true, blocking: true, detail: 'node group odoo-bank-dr can take 3 pods' }, ...checks],
  expectedDataLossSeconds: 40,
  wouldMiss: [],
  ...over,
});

const aTenant = (tenantId: string, unit: string, over: Partial<FailoverTenant> = {}): FailoverTenant => ({
  failoverId: ID,
  tenantId,
  unit,
  outcome: 'SUCCEEDED',
  readiness: ready(),
  steps: [],
  updatedAt: at(400),
  version: 5,
  ...over,
});

const bank = (over: Partial<FailoverTenant> = {}) =>
  aTenant('bank', 'tenant:bank', {
    steps: [
      step('FenceOldPrimary', 60, 90, { status: 'FAILED', error: { code: 'RegionUnreachable', message: 'eu-west-1 did not answer in 30 s' } }),
      step('PromoteDatabase', 90, 150, { detail: { globalCluster: 'odoo-bank-global', promoted: 'odoo-bank-dr' } }),
      step('ScaleDrCompute', 150, 200),
      step('SwitchDns', 200, 205, { detail: { changeId: 'C0123456789' } }),
      step('VerifyFailover', 205, 220),
    ],
    rtoSeconds: 160,
    dataLossWindowSeconds: 42,
    dataLossBasis: 'replication-lag',
    updatedAt: at(220),
    ...over,
  });

const cellTenant = (tenantId: string, over: Partial<FailoverTenant> = {}) =>
  aTenant(tenantId, 'cell:cell-a', {
    readiness: ready([{ name: 'rpo', passed: false, blocking: false, detail: 'replication lag 1200 s against an RPO of 900 s' }], { expectedDataLossSeconds: 1200, wouldMiss: ['RPO'] }),
    steps: [step('PromoteDatabase', 220, 300), step('SwitchDns', 300, 310), step('VerifyFailover', 310, 400)],
    rtoSeconds: 340,
    dataLossWindowSeconds: 12,
    dataLossBasis: 'heartbeats',
    ...over,
  });

const bolt = () =>
  cellTenant('bolt', { readiness: ready(), steps: [step('PromoteDatabase', 220, 300), step('SwitchDns', 300, 312), step('VerifyFailover', 312, 330)], rtoSeconds: 270, updatedAt: at(330) });

/** The API lists a failover's tenants by id; the output puts them under their units. */
const succeeded = (): FailoverView => ({ failover: aFailover(), tenants: [cellTenant('acme'), bank(), bolt()] });

const SUCCEEDED_FAILOVER = [
  `Failover:    ${ID} (every tenant active in eu-west-1, unplanned failover, eu-west-1 -> eu-central-1)`,
  'Status:      SUCCEEDED',
  'Reason:      eu-west-1 is down',
  'Requested:   2030-01-01T02:00:00.000Z by alice',
  'Checks:      2 of 2 unit(s) ready',
  'Approved by: bob at 2030-01-01T02:00:55.000Z',
  'Started:     2030-01-01T02:01:00.000Z',
  'Ended:       2030-01-01T02:06:40.000Z (after 5.7 min)',
  'Tenants:     3 in 2 units',
  'RTO:         5.7 min (requested to the last tenant verified)',
  'Data loss:   42 s (the largest tenant window)',
  `Evidence:    failovers/2030-01-01/${ID}.json`,
  `Execution:   arn:aws:states:eu-central-1:111122223333:execution:odoo-failover:region-failover-${ID}`,
  '',
  'Unit 1 of 2: dedicated bank, critical criticality, RTO target 15 min, 1 tenant',
  '',
  '  bank: SUCCEEDED',
  '    RTO:       2.7 min (target 15 min)',
  '    Data loss: 42 s (replication lag read at promotion)',
  '    Readiness: ready, expected data loss 40 s',
  '    STEP             STATUS     TOOK   DETAIL',
  '    FenceOldPrimary  FAILED     30 s   RegionUnreachable: eu-west-1 did not answer in 30 s',
  '    PromoteDatabase  SUCCEEDED  1 min  globalCluster odoo-bank-global, promoted odoo-bank-dr',
  '    ScaleDrCompute   SUCCEEDED  50 s',
  '    SwitchDns        SUCCEEDED  5 s    changeId C0123456789',
  '    VerifyFailover   SUCCEEDED  15 s',
  '',
  'Unit 2 of 2: cell cell-a (one shared database), standard criticality, RTO target 2 h, 2 tenants',
  '',
  '  acme: SUCCEEDED',
  '    RTO:       5.7 min (target 2 h)',
  '    Data loss: 12 s (heartbeats: the newest on the old primary minus the newest on the promoted database)',
  '    Readiness: ready, expected data loss 20 min, would miss RPO',
  '    Failed checks:',
  '      KIND     CHECK  DETAIL',
  '      warning  rpo    replication lag 1200 s against an RPO of 900 s',
  '    STEP             STATUS     TOOK     DETAIL',
  '    PromoteDatabase  SUCCEEDED  1.3 min',
  '    SwitchDns        SUCCEEDED  10 s',
  '    VerifyFailover   SUCCEEDED  1.5 min',
  '',
  '  bolt: SUCCEEDED',
  '    RTO:       4.5 min (target 2 h)',
  '    Data loss: 12 s (heartbeats: the newest on the old primary minus the newest on the promoted database)',
  '    Readiness: ready, expected data loss 40 s',
  '    STEP             STATUS     TOOK     DETAIL',
  '    PromoteDatabase  SUCCEEDED  1.3 min',
  '    SwitchDns        SUCCEEDED  12 s',
  '    VerifyFailover   SUCCEEDED  18 s',
  '',
  'Left out (in scope, not moved):',
  '  moved: active in eu-central-1, not eu-west-1',
].join('\n');

describe('parseCli: failovers', () => {
  it('reads a failover start into the API body, with --force only when given', () => {
    const { command, globals } = parseCli([
      'failovers', 'start', '--scope', 'tenant', '--tenant', 'bank', '--from', 'eu-west-1', '--to', 'eu-central-1',
      '--mode', 'planned', '--reason', 'maintenance of eu-west-1', '--force', '--watch', '--idempotency-key', 'k1', '--actor', 'alice',
    ]);

    expect(globals.actor).toBe('alice');
    expect(command).toEqual({
      kind: 'failovers start',
      body: { scope: 'tenant', tenantId: 'bank', fromRegion: 'eu-west-1', toRegion: 'eu-central-1', mode: 'planned', reason: 'maintenance of eu-west-1', force: true },
      idempotencyKey: 'k1',
      watch: true,
    });
    expect(parseCli(['failovers', 'start', '--scope', 'cell', '--cell', 'cell-a', '--from', 'eu-west-1', '--to', 'eu-central-1', '--mode', 'unplanned', '--reason', 'down']).command).toEqual({
      kind: 'failovers start',
      body: { scope: 'cell', cell: 'cell-a', fromRegion: 'eu-west-1', toRegion: 'eu-central-1', mode: 'unplanned', reason: 'down' },
      idempotencyKey: undefined,
      watch: false,
    });
  });

  it('reads the commands that name a failover', () => {
    expect(parseCli(['failovers', 'approve', ID]).command).toEqual({ kind: 'failovers approve', failoverId: ID, idempotencyKey: undefined });
    expect(parseCli(['failovers', 'reject', ID, '--reason', 'not during the sale']).command).toEqual({ kind: 'failovers reject', failoverId: ID, reason: 'not during the sale', idempotencyKey: undefined });
    expect(parseCli(['failovers', 'get', ID]).command).toEqual({ kind: 'failovers get', failoverId: ID });
    expect(parseCli(['failovers', 'watch', ID]).command).toEqual({ kind: 'failovers watch', failoverId: ID });
    expect(parseCli(['failovers', 'list', '--limit', '5', '--cursor', 'c1']).command).toEqual({ kind: 'failovers list', query: { limit: '5', cursor: 'c1' } });
  });

  it.each([
    [['failovers', 'start', '--scope', 'region', '--from', 'eu-west-1', '--to', 'eu-central-1', '--mode', 'planned'], /failovers start needs --reason;/],
    [['failovers', 'start', '--scope', 'region', '--reason', 'x'], /failovers start needs --from, --to, --mode;/],
    [['failovers', 'start', '--scope', 'region', '--from', 'a', '--to', 'b', '--mode', 'planned', '--reason', 'x', '--force=yes'], /--force/],
    [['failovers', 'start', '--scope', 'region', '--from', 'a', '--to', 'b', '--mode', 'planned', '--reason', 'x', 'extra'], /failovers start takes no arguments/],
    [['failovers', 'reject', ID], /failovers reject needs --reason/],
    [['failovers', 'approve'], /failovers approve takes failoverId/],
    [['failovers', 'approve', ID, '--reason', 'ok'], /failovers approve takes no --reason/],
    [['failovers', 'get', ID, '--watch'], /failovers get takes no --watch/],
    [['failovers', 'list', '--scope', 'cell'], /failovers list takes no --scope/],
    [['drills', 'run', 'acme', '--force'], /drills run takes no --force/],
    [['failovers', 'switch'], /Unknown command "failovers switch"/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('exits 2 on a usage error without calling the API', async () => {
    const { sent, fetch } = fakeApi({});

    const res = await odooctl(fetch, 'failovers', 'start', '--scope', 'region');

    expect(res.code).toBe(2);
    expect(res.err).toMatch(/^failovers start needs --from, --to, --mode, --reason; usage: odooctl failovers start --scope/);
    expect(res.err).toMatch(/Run odooctl --help for the commands\.$/);
    expect(sent).toEqual([]);
  });
});

describe('formatFailover', () => {
  it('shows the units in order with each tenant\'s outcome, steps with durations, RTO against target, data loss and its basis, and the evidence', () => {
    const out = formatFailover(succeeded());

    expect(out).toBe(SUCCEEDED_FAILOVER);
  });

  it('says what the failover left in the region it left, and when a planned failback can go', () => {
    const base = succeeded();
    const out = formatFailover({
      ...base,
      failover: {
        ...base.failover,
        oldPrimaries: [
          { unit: 'cell:cell-c', region: 'eu-west-1', clusterIdentifier: 'odoo-cell-c', status: 'REPLICATED', snapshotIdentifier: 'odoo-cell-c-fo-1', attempts: 0 },
          { unit: 'tenant:globex', region: 'eu-west-1', clusterIdentifier: 'odoo-globex', status: 'PENDING', attempts: 3, lastError: 'TimeoutError: no answer in 30 s' },
        ],
      },
    });

    expect(out.endsWith(
      [
        'Left behind (old primaries):',
        '  odoo-cell-c in eu-west-1 (cell:cell-c): REPLICATED, the DR copy again: a planned failback can go; snapshot odoo-cell-c-fo-1',
        '  odoo-globex in eu-west-1 (tenant:globex): PENDING, waiting for its region to answer and its snapshot; last error: TimeoutError: no answer in 30 s',
      ].join('\n'),
    )).toBe(true);
    expect(formatFailover(base)).not.toContain('Left behind');
  });

  it('lists the failed readiness checks blocking ones first, and says what a refused failover did not measure', () => {
    const refused: FailoverView = {
      failover: aFailover({
        scope: 'cell',
        cell: 'cell-a',
        mode: 'planned',
        status: 'REFUSED',
        statusReason: 'a blocking readiness check failed for acme',
        decision: 'a blocking readiness check failed for acme',
        approvedBy: undefined,
        approvedAt: undefined,
        skipped: undefined,
        units: [aFailover().units[1]!],
        tenantCount: 2,
        startedAt: undefined,
        endedAt: at(20),
        rtoSeconds: undefined,
        dataLossWindowSeconds: undefined,
        evidenceKey: undefined,
        executionArn: undefined,
      }),
      tenants: [
        cellTenant('acme', {
          outcome: 'SKIPPED',
          reason: 'the failover was refused',
          readiness: {
            ready: false,
            checks: [
              { name: 'replica-healthy', passed: true, blocking: true, detail: 'cross-region replica is available' },
              { name: 'rpo', passed: false, blocking: false, detail: 'replication lag 1200 s against an RPO of 900 s' },
              { name: 'lag-can-reach-zero', passed: false, blocking: true, detail: 'replication lag 1200 s exceeds the RPO of 900 s; refused unless forced' },
            ],
            expectedDataLossSeconds: 1200,
            wouldMiss: ['RPO'],
          },
          steps: [],
          rtoSeconds: undefined,
          dataLossWindowSeconds: undefined,
          dataLossBasis: undefined,
        }),
      ],
    };

    const out = formatFailover(refused);

    expect(out).toBe(
      [
        `Failover:  ${ID} (cell cell-a, planned switchover, eu-west-1 -> eu-central-1)`,
        'Status:    REFUSED: a blocking readiness check failed for acme',
        'Reason:    eu-west-1 is down',
        'Requested: 2030-01-01T02:00:00.000Z by alice',
        'Ended:     2030-01-01T02:00:20.000Z',
        'Tenants:   2 in 1 unit',
        'RTO:       not measured',
        'Evidence:  none written',
        '',
        'Unit 1 of 1: cell cell-a (one shared database), standard criticality, RTO target 2 h, 2 tenants',
        '',
        '  acme: SKIPPED: the failover was refused',
        '    RTO:       not measured (target 2 h)',
        '    Data loss: not measured',
        '    Readiness: not ready, expected data loss 20 min, would miss RPO',
        '    Failed checks:',
        '      KIND      CHECK               DETAIL',
        '      BLOCKING  lag-can-reach-zero  replication lag 1200 s exceeds the RPO of 900 s; refused unless forced',
        '      warning   rpo                 replication lag 1200 s against an RPO of 900 s',
        '    No steps yet.',
      ].join('\n'),
    );
  });

  it('tells a data-loss window that could not be known from one not measured yet', () => {
    const out = formatFailover({
      failover: aFailover({ status: 'FAILED', dataLossWindowSeconds: null }),
      tenants: [bank({ outcome: 'FAILED', reason: 'VerifyFailover: /web/health answered 502', rtoSeconds: undefined, dataLossWindowSeconds: null, dataLossBasis: 'unknown' })],
    });

    expect(out).toMatch(/^Data loss: +unknown \(the largest tenant window\)$/m);
    expect(out).toMatch(/^ {2}bank: FAILED: VerifyFailover: \/web\/health answered 502$/m);
    expect(out).toMatch(/^ {4}RTO: +not measured \(target 15 min\)$/m);
    expect(out).toMatch(/^ {4}Data loss: unknown \(no lag or heartbeat figure\)$/m);
    expect(out).toMatch(/^ {2}acme, bolt: no record yet$/m);
  });

  it('shows a failover waiting for approval with the commands that end the wait', () => {
    const out = formatFailover({ failover: aFailover({ status: 'AWAITING_APPROVAL', approvedBy: undefined, startedAt: undefined, endedAt: undefined, rtoSeconds: undefined, dataLossWindowSeconds: undefined, evidenceKey: undefined }), tenants: [] });

    expect(out).toContain(`Waiting for approval by someone other than alice: odooctl failovers approve ${ID} --actor NAME (or odooctl failovers reject ${ID} --reason TEXT)`);
    expect(out).toMatch(/^Evidence: +not yet$/m);
    expect(out).not.toMatch(/^RTO:/m);
  });
});

describe('failedChecks and ENDING_STATUSES', () => {
  it('keeps failed checks only, blocking ones first', () => {
    const c = (name: string, passed: boolean, blocking: boolean): ReadinessCheck => ({ name, passed, blocking, detail: name });

    expect(failedChecks([c('rpo', false, false), c('dr-capacity', true, true), c('secondary-healthy', false, true)]).map((x) => x.name)).toEqual(['secondary-healthy', 'rpo']);
  });

  it('are the statuses the lifecycle never leaves', () => {
    expect([...ENDING_STATUSES].sort()).toEqual(['FAILED', 'PARTIALLY_SUCCEEDED', 'REFUSED', 'REJECTED', 'SUCCEEDED']);
  });
});

describe('failoverProgressLines', () => {
  it('tells status changes, steps as they start and end, and each tenant\'s outcome, in unit order', () => {
    const before: FailoverView = {
      failover: aFailover({ status: 'FAILING_OVER', endedAt: undefined, rtoSeconds: undefined, dataLossWindowSeconds: undefined, evidenceKey: undefined, updatedAt: at(100) }),
      tenants: [bank({ outcome: 'PROMOTING', steps: [step('FenceOldPrimary', 60, 90), step('PromoteDatabase', 90)], rtoSeconds: undefined }), cellTenant('acme', { outcome: 'PENDING', steps: [] })],
    };
    const now: FailoverView = { failover: aFailover(), tenants: [cellTenant('acme'), bank({ steps: [step('FenceOldPrimary', 60, 90), step('PromoteDatabase', 90, 150)] })] };

    expect(failoverProgressLines(before, now)).toEqual([
      '[+ 150.0s] bank ✓ PromoteDatabase succeeded in 60.0 s',
      '[+ 220.0s] bank SUCCEEDED: RTO 2.7 min, data loss 42 s (replication-lag)',
      '[+ 220.0s] acme ▶ PromoteDatabase started',
      '[+ 300.0s] acme ✓ PromoteDatabase succeeded in 80.0 s',
      '[+ 300.0s] acme ▶ SwitchDns started',
      '[+ 310.0s] acme ✓ SwitchDns succeeded in 10.0 s',
      '[+ 310.0s] acme ▶ VerifyFailover started',
      '[+ 400.0s] acme ✓ VerifyFailover succeeded in 90.0 s',
      '[+ 400.0s] acme SUCCEEDED: RTO 5.7 min, data loss 12 s (heartbeats)',
      '[+ 400.0s] failover SUCCEEDED',
    ]);
    expect(failoverProgressLines(now, now)).toEqual([]);
  });
});

const waiting = () => aFailover({ status: 'AWAITING_APPROVAL', approvedBy: undefined, startedAt: undefined, endedAt: undefined, rtoSeconds: undefined, dataLossWindowSeconds: undefined, evidenceKey: undefined, updatedAt: at(5) });
const pending = (): FailoverTenant[] => [bank({ outcome: 'PENDING', steps: [], rtoSeconds: undefined, dataLossWindowSeconds: undefined, dataLossBasis: undefined })];

const START = ['failovers', 'start', '--scope', 'region', '--from', 'eu-west-1', '--to', 'eu-central-1', '--mode', 'unplanned', '--reason', 'eu-west-1 is down'];

describe('odooctl failovers start', () => {
  it('sends the body with the actor and a fresh Idempotency-Key, and says what the failover waits for', async () => {
    const { sent, fetch } = fakeApi({ 'POST /v1/failovers': [[202, { failover: waiting(), tenants: pending() }]] });

    const res = await odooctl(fetch, ...START, '--actor', 'alice');

    expect(res).toEqual({
      code: 0,
      err: '',
      out: [
        `Failover ${ID} (every tenant active in eu-west-1, unplanned failover, eu-west-1 -> eu-central-1): AWAITING_APPROVAL`,
        'Tenants: 3 in 2 units',
        `Waiting for approval by someone other than alice: odooctl failovers approve ${ID} --actor NAME (or odooctl failovers reject ${ID} --reason TEXT)`,
        `Follow it with: odooctl failovers watch ${ID}`,
      ].join('\n'),
    });
    expect(sent).toEqual([
      {
        method: 'POST',
        path: '/v1/failovers',
        query: {},
        body: { scope: 'region', fromRegion: 'eu-west-1', toRegion: 'eu-central-1', mode: 'unplanned', reason: 'eu-west-1 is down' },
        idempotencyKey: 'generated-key',
        actor: 'alice',
      },
    ]);
  });

  it('says when a tenant-scope failover was widened to the tenant\'s cell', async () => {
    const widened = aFailover({
      scope: 'tenant',
      tenantId: 'acme',
      mode: 'planned',
      status: 'CHECKING',
      units: [aFailover().units[1]!],
      tenantCount: 2,
      widened: { cell: 'cell-a', reason: 'acme is pooled on cell-a, whose database 1 other tenant shares: the whole cell fails over' },
    });
    const { fetch } = fakeApi({ 'POST /v1/failovers': [[202, { failover: widened, tenants: [] }]] });

    const res = await odooctl(fetch, 'failovers', 'start', '--scope', 'tenant', '--tenant', 'acme', '--from', 'eu-west-1', '--to', 'eu-central-1', '--mode', 'planned', '--reason', 'r');

    expect(res.out.split('\n')).toEqual([
      `Failover ${ID} (tenant acme, planned switchover, eu-west-1 -> eu-central-1): CHECKING`,
      'Tenants: 2 in 1 unit',
      'Widened to cell cell-a: acme is pooled on cell-a, whose database 1 other tenant shares: the whole cell fails over',
      `Follow it with: odooctl failovers watch ${ID}`,
    ]);
  });

  it('prints the API\'s field messages and exits 2 when the body is refused', async () => {
    const { fetch } = fakeApi({
      'POST /v1/failovers': [[400, { error: { code: 'ValidationError', message: 'Invalid request body', details: [{ path: 'tenantId', message: 'is required when scope is tenant' }] } }]],
    });

    const res = await odooctl(fetch, ...START.map((a) => (a === 'region' ? 'tenant' : a)));

    expect(res).toEqual({ code: 2, out: '', err: 'Error 400 ValidationError: Invalid request body\n  - tenantId: is required when scope is tenant' });
  });

  it('names the operation holding a tenant and exits 2 on a 409, starting no watch', async () => {
    const HELD =
      'Cannot fail over now: Tenant acme is held by operation op-01jd00000000000000000000up until 2030-01-01T03:00:00.000Z. ' +
      'One failover (or other operation) per tenant at a time; retry once it ends.';
    const { fetch } = fakeApi({
      'POST /v1/failovers': [[409, { error: { code: 'Conflict', message: HELD, details: [{ path: 'lease.owner', message: 'op-01jd00000000000000000000up' }] } }]],
    });

    const res = await odooctl(fetch, ...START, '--watch');

    expect(res).toEqual({ code: 2, out: '', err: `Error 409 Conflict: ${HELD}\n  - lease.owner: op-01jd00000000000000000000up` });
  });

  it('exits 1 when the answer is a failover its checks already refused', async () => {
    const refused = aFailover({ status: 'REFUSED', statusReason: 'no DR capacity for bank', startedAt: undefined, rtoSeconds: undefined, dataLossWindowSeconds: undefined, evidenceKey: undefined });
    const { fetch } = fakeApi({ 'POST /v1/failovers': [[202, { failover: refused, tenants: [] }]] });

    const res = await odooctl(fetch, ...START);

    expect(res.code).toBe(1);
    expect(res.out.split('\n')[0]).toMatch(/: REFUSED: no DR capacity for bank$/);
    expect(res.out.split('\n').at(-1)).toBe(`Its record: odooctl failovers get ${ID}`);
  });

  it('with --watch waits through the approval, follows the failover, shows its record and exits 0 when it SUCCEEDED', async () => {
    const approved = aFailover({ status: 'FAILING_OVER', endedAt: undefined, rtoSeconds: undefined, dataLossWindowSeconds: undefined, evidenceKey: undefined, updatedAt: at(60) });
    const { sent, fetch } = fakeApi({
      'POST /v1/failovers': [[202, { failover: waiting(), tenants: pending() }]],
      [`GET /v1/failovers/${ID}`]: [
        [200, { failover: waiting(), tenants: pending() }],
        [200, { failover: approved, tenants: [bank({ outcome: 'PROMOTING', steps: [bank().steps[0]!, step('PromoteDatabase', 90)] })] }],
        [200, succeeded()],
      ],
    });

    const res = await odooctl(fetch, ...START, '--watch', '--idempotency-key', 'k7');

    expect(res.code).toBe(0);
    expect(res.err).toBe('');
    expect(res.out).toBe(
      [
        `Failover ${ID} (every tenant active in eu-west-1, unplanned failover, eu-west-1 -> eu-central-1): AWAITING_APPROVAL`,
        'Tenants: 3 in 2 units',
        `Waiting for approval by someone other than alice: odooctl failovers approve ${ID} --actor NAME (or odooctl failovers reject ${ID} --reason TEXT)`,
        '[+  60.0s] failover FAILING_OVER',
        '[+  60.0s] bank ▶ FenceOldPrimary started',
        '[+  90.0s] bank ✗ FenceOldPrimary failed in 30.0 s: RegionUnreachable: eu-west-1 did not answer in 30 s',
        '[+  90.0s] bank ▶ PromoteDatabase started',
        '[+ 150.0s] bank ✓ PromoteDatabase succeeded in 60.0 s',
        '[+ 150.0s] bank ▶ ScaleDrCompute started',
        '[+ 200.0s] bank ✓ ScaleDrCompute succeeded in 50.0 s',
        '[+ 200.0s] bank ▶ SwitchDns started',
        '[+ 205.0s] bank ✓ SwitchDns succeeded in 5.0 s',
        '[+ 205.0s] bank ▶ VerifyFailover started',
        '[+ 220.0s] bank ✓ VerifyFailover succeeded in 15.0 s',
        '[+ 220.0s] bank SUCCEEDED: RTO 2.7 min, data loss 42 s (replication-lag)',
        '[+ 220.0s] acme ▶ PromoteDatabase started',
        '[+ 220.0s] bolt ▶ PromoteDatabase started',
        '[+ 300.0s] acme ✓ PromoteDatabase succeeded in 80.0 s',
        '[+ 300.0s] acme ▶ SwitchDns started',
        '[+ 300.0s] bolt ✓ PromoteDatabase succeeded in 80.0 s',
        '[+ 300.0s] bolt ▶ SwitchDns started',
        '[+ 310.0s] acme ✓ SwitchDns succeeded in 10.0 s',
        '[+ 310.0s] acme ▶ VerifyFailover started',
        '[+ 312.0s] bolt ✓ SwitchDns succeeded in 12.0 s',
        '[+ 312.0s] bolt ▶ VerifyFailover started',
        '[+ 330.0s] bolt ✓ VerifyFailover succeeded in 18.0 s',
        '[+ 330.0s] bolt SUCCEEDED: RTO 4.5 min, data loss 12 s (heartbeats)',
        '[+ 400.0s] acme ✓ VerifyFailover succeeded in 90.0 s',
        '[+ 400.0s] acme SUCCEEDED: RTO 5.7 min, data loss 12 s (heartbeats)',
        '[+ 400.0s] failover SUCCEEDED',
        '',
        SUCCEEDED_FAILOVER,
      ].join('\n'),
    );
    expect(sent.map((s) => [s.method, s.path, s.idempotencyKey])).toEqual([
      ['POST', '/v1/failovers', 'k7'],
      ['GET', `/v1/failovers/${ID}`, undefined],
      ['GET', `/v1/failovers/${ID}`, undefined],
      ['GET', `/v1/failovers/${ID}`, undefined],
    ]);
  });
});

describe('odooctl failovers watch', () => {
  it.each([
    ['PARTIALLY_SUCCEEDED', 'bolt failed its verification'],
    ['FAILED', 'no tenant was verified in eu-central-1'],
  ] as const)('exits 1 when the failover ends %s, with the record', async (status, statusReason) => {
    const running = aFailover({ status: 'FAILING_OVER', endedAt: undefined, updatedAt: at(60) });
    const { fetch } = fakeApi({
      [`GET /v1/failovers/${ID}`]: [
        [200, { failover: running, tenants: [] }],
        [200, { failover: aFailover({ status, statusReason }), tenants: [bank({ outcome: 'FAILED', reason: 'VerifyFailover: /web/health answered 502' })] }],
      ],
    });

    const res = await odooctl(fetch, 'failovers', 'watch', ID);

    expect(res.code).toBe(1);
    expect(res.out.split('\n').slice(0, 2)).toEqual([`Failover ${ID}: FAILING_OVER`, '[+  60.0s] bank ▶ FenceOldPrimary started']);
    expect(res.out).toContain(`[+ 220.0s] bank FAILED: VerifyFailover: /web/health answered 502\n[+ 400.0s] failover ${status}: ${statusReason}\n\nFailover:`);
    expect(res.out).toMatch(new RegExp(`^Status: +${status}: ${statusReason}$`, 'm'));
  });

  it('exits 1 when the approval is rejected, after telling how to approve once', async () => {
    const rejected = aFailover({ ...waiting(), status: 'REJECTED', statusReason: 'rejected by bob: not during the sale', endedAt: at(90), updatedAt: at(90) });
    const { fetch } = fakeApi({
      [`GET /v1/failovers/${ID}`]: [
        [200, { failover: waiting(), tenants: pending() }],
        [200, { failover: waiting(), tenants: pending() }],
        [200, { failover: rejected, tenants: pending() }],
      ],
    });

    const res = await odooctl(fetch, 'failovers', 'watch', ID);

    expect(res.code).toBe(1);
    expect(res.out.split('\n\n')[0]!.split('\n')).toEqual([
      `Failover ${ID}: AWAITING_APPROVAL`,
      `Waiting for approval by someone other than alice: odooctl failovers approve ${ID} --actor NAME (or odooctl failovers reject ${ID} --reason TEXT)`,
      '[+  90.0s] failover REJECTED: rejected by bob: not during the sale',
    ]);
    expect(res.out).toMatch(/^Evidence: +none written$/m);
  });

  it('shows a failover that has ended already in one poll, exiting 0 when it SUCCEEDED', async () => {
    const { sent, fetch } = fakeApi({ [`GET /v1/failovers/${ID}`]: [[200, succeeded()]] });

    const res = await odooctl(fetch, 'failovers', 'watch', ID);

    expect(res.code).toBe(0);
    expect(res.out.startsWith(`Failover ${ID}: SUCCEEDED\n[+  60.0s] bank ▶ FenceOldPrimary started\n`)).toBe(true);
    expect(res.out.endsWith(`\n\n${SUCCEEDED_FAILOVER}`)).toBe(true);
    expect(sent).toHaveLength(1);
  });

  it('with --json prints only the ended failover\'s JSON', async () => {
    const { fetch } = fakeApi({
      [`GET /v1/failovers/${ID}`]: [
        [200, { failover: waiting(), tenants: pending() }],
        [200, succeeded()],
      ],
    });

    const res = await odooctl(fetch, 'failovers', 'watch', ID, '--json');

    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toEqual(succeeded());
  });

  it('passes on the API\'s 404 for an unknown failover and exits 2', async () => {
    const { fetch } = fakeApi({ [`GET /v1/failovers/fo-nope`]: [[404, { error: { code: 'NotFound', message: 'Failover fo-nope not found' } }]] });

    expect(await odooctl(fetch, 'failovers', 'watch', 'fo-nope')).toEqual({ code: 2, out: '', err: 'Error 404 NotFound: Failover fo-nope not found' });
  });
});

describe('odooctl failovers approve and reject', () => {
  it('approves as the named actor with an Idempotency-Key, and says how to follow the failover', async () => {
    const approved = aFailover({ status: 'FAILING_OVER', endedAt: undefined });
    const { sent, fetch } = fakeApi({ [`POST /v1/failovers/${ID}/approve`]: [[200, { failover: approved }]] });

    const res = await odooctl(fetch, 'failovers', 'approve', ID, '--actor', 'bob', '--idempotency-key', 'k9');

    expect(res).toEqual({ code: 0, err: '', out: `Failover ${ID}: FAILING_OVER (approved by bob)\nFollow it with: odooctl failovers watch ${ID}` });
    expect(sent).toEqual([{ method: 'POST', path: `/v1/failovers/${ID}/approve`, query: {}, body: {}, idempotencyKey: 'k9', actor: 'bob' }]);
  });

  it('exits 2 with the API\'s reason when the requester approves their own failover', async () => {
    const { fetch } = fakeApi({
      [`POST /v1/failovers/${ID}/approve`]: [[403, { error: { code: 'Forbidden', message: 'alice requested this failover and cannot also approve it' } }]],
    });

    const res = await odooctl(fetch, 'failovers', 'approve', ID, '--actor', 'alice');

    expect(res).toEqual({ code: 2, out: '', err: 'Error 403 Forbidden: alice requested this failover and cannot also approve it' });
  });

  it('exits 2 when the failover is not awaiting approval', async () => {
    const { fetch } = fakeApi({
      [`POST /v1/failovers/${ID}/approve`]: [[409, { error: { code: 'Conflict', message: `Failover ${ID} is FAILING_OVER, not AWAITING_APPROVAL` } }]],
    });

    expect(await odooctl(fetch, 'failovers', 'approve', ID)).toEqual({ code: 2, out: '', err: `Error 409 Conflict: Failover ${ID} is FAILING_OVER, not AWAITING_APPROVAL` });
  });

  it('rejects with the reason in the body', async () => {
    const rejected = aFailover({ ...waiting(), status: 'REJECTED', statusReason: 'not during the sale', endedAt: at(90) });
    const { sent, fetch } = fakeApi({ [`POST /v1/failovers/${ID}/reject`]: [[200, { failover: rejected }]] });

    const res = await odooctl(fetch, 'failovers', 'reject', ID, '--reason', 'not during the sale', '--actor', 'bob');

    expect(res).toEqual({ code: 0, err: '', out: `Failover ${ID}: REJECTED: not during the sale\nIts record: odooctl failovers get ${ID}` });
    expect(sent).toEqual([{ method: 'POST', path: `/v1/failovers/${ID}/reject`, query: {}, body: { reason: 'not during the sale' }, idempotencyKey: 'generated-key', actor: 'bob' }]);
  });
});

describe('odooctl failovers get and list', () => {
  it('shows one failover in full, and exits 0 whatever its outcome', async () => {
    const { sent, fetch } = fakeApi({ [`GET /v1/failovers/${ID}`]: [[200, succeeded()]] });

    expect(await odooctl(fetch, 'failovers', 'get', ID)).toEqual({ code: 0, err: '', out: SUCCEEDED_FAILOVER });
    expect(sent.map((s) => [s.method, s.path])).toEqual([['GET', `/v1/failovers/${ID}`]]);

    const failed = fakeApi({ [`GET /v1/failovers/${ID}`]: [[200, { failover: aFailover({ status: 'FAILED' }), tenants: [] }]] });
    expect((await odooctl(failed.fetch, 'failovers', 'get', ID)).code).toBe(0);
  });

  it('prints the API\'s answer as it is with --json', async () => {
    const { fetch } = fakeApi({ [`GET /v1/failovers/${ID}`]: [[200, succeeded()]] });

    expect(JSON.parse((await odooctl(fetch, 'failovers', 'get', ID, '--json')).out)).toEqual(succeeded());
  });

  it('lists the failovers newest first with their figures, and the next page', async () => {
    const older = aFailover({
      failoverId: 'fo-01jc0000000000000000000001',
      scope: 'tenant',
      tenantId: 'bank',
      mode: 'planned',
      status: 'REFUSED',
      units: [aFailover().units[0]!],
      tenantCount: 1,
      createdAt: at(-86400),
      rtoSeconds: undefined,
      dataLossWindowSeconds: undefined,
    });
    const { sent, fetch } = fakeApi({ 'GET /v1/failovers': [[200, { items: [aFailover(), older], nextCursor: 'next-page' }]] });

    const res = await odooctl(fetch, 'failovers', 'list', '--limit', '2', '--cursor', 'c1');

    expect(res).toEqual({
      code: 0,
      err: '',
      out: [
        'FAILOVER                       CREATED                   SCOPE        MODE       REGIONS                    STATUS     TENANTS  RTO      DATA LOSS  REQUESTED BY',
        `${ID}  2030-01-01T02:00:00.000Z  region       unplanned  eu-west-1 -> eu-central-1  SUCCEEDED  3        5.7 min  42 s       alice`,
        'fo-01jc0000000000000000000001  2029-12-31T02:00:00.000Z  tenant bank  planned    eu-west-1 -> eu-central-1  REFUSED    1        -        -          alice',
        '',
        'More: --cursor next-page',
      ].join('\n'),
    });
    expect(sent).toEqual([{ method: 'GET', path: '/v1/failovers', query: { limit: '2', cursor: 'c1' }, body: undefined, idempotencyKey: undefined, actor: undefined }]);
  });

  it('says when there are none', async () => {
    const { fetch } = fakeApi({ 'GET /v1/failovers': [[200, { items: [] }]] });

    expect((await odooctl(fetch, 'failovers', 'list')).out).toBe('No failovers.');
  });
});
