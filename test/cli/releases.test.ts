import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '#local/cli/args.ts';
import { releaseBodyFromFlags } from '#local/cli/release-args.ts';
import { runCli } from '#local/cli/run.ts';
import { releaseProgressLines } from '#local/cli/watch-release.ts';
import { startApiServer, type ApiServer } from '#local/server.ts';
import { aTenant } from '../store/fixtures.ts';
import { aRelease } from '../store/release-fixtures.ts';
import { startApiHarness } from '../api/harness.ts';

describe('parseCli: releases', () => {
  it('reads a release create from flags into the API body', () => {
    const { command } = parseCli([
      'releases', 'create', '--image', 'odoo:17.0-2030', '--modules', 'sale, stock', '--criticality', 'low,standard',
      '--waves', '1,5%,rest', '--bake', '600', '--emergency', 'CVE fix', '--dry-run',
    ]);

    expect(command).toMatchObject({ kind: 'releases create', dryRun: true });
    expect(releaseBodyFromFlags((command as { flags: object }).flags, true)).toEqual({
      image: 'odoo:17.0-2030',
      modules: ['sale', 'stock'],
      selector: { criticality: ['low', 'standard'] },
      strategy: { waves: [1, '5%', 'rest'], bakeSeconds: 600 },
      emergency: { reason: 'CVE fix' },
      dryRun: true,
    });
  });

  it('takes ids as arguments, three-word commands included, and says what is missing', () => {
    expect(parseCli(['releases', 'decide', 'rel-1', 'acme', '--choice', 'keep', '--reason', 'fine']).command).toEqual({
      kind: 'releases decide',
      releaseId: 'rel-1',
      tenantId: 'acme',
      body: { choice: 'keep', reason: 'fine' },
      idempotencyKey: undefined,
    });
    expect(parseCli(['tenants', 'calendar', 'set', 'acme', '--file', 'cal.json']).command).toEqual({ kind: 'tenants calendar set', tenantId: 'acme', file: 'cal.json' });
    expect(() => parseCli(['releases', 'reject', 'rel-1'])).toThrow(UsageError);
    expect(() => parseCli(['releases', 'create', '--modules', 'sale'])).toThrow(/needs --image/);
    expect(() => parseCli(['releases', 'approve', 'rel-1', '--choice', 'keep'])).toThrow(/takes no --choice/);
    expect(() => releaseBodyFromFlags({ image: 'i', modules: '', bake: 'soon' }, false)).toThrow(/--bake must be a number/);
  });
});

describe('releaseProgressLines', () => {
  it('tells status, wave and outcome changes between two polls', () => {
    const wave = { index: 0, ring: 0 as const, tenants: 2, failureBudget: 0, failures: 0, status: 'PENDING' as const, predictedSeconds: 60 };
    const before = aRelease('rel-1', { status: 'AWAITING_APPROVAL', waves: [wave], counts: { PENDING: 2 } });
    const now = aRelease('rel-1', { status: 'ROLLING_OUT', waves: [{ ...wave, status: 'RUNNING', failures: 1 }], counts: { PENDING: 1, ROLLING_BACK: 1 } });

    const lines = releaseProgressLines(before, now);

    expect(lines).toEqual([
      expect.stringMatching(/release rel-1 ROLLING_OUT$/),
      expect.stringMatching(/wave 0 \(ring 0, 2 tenants\) RUNNING, failures 1\/0$/),
      expect.stringMatching(/tenants: PENDING 1, ROLLING_BACK 1$/),
    ]);
    expect(releaseProgressLines(now, now)).toEqual([]);
  });
});

describe('odooctl releases against the local API', () => {
  type Harness = Awaited<ReturnType<typeof startApiHarness>>;
  let h: Harness;
  let server: ApiServer;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    h = await startApiHarness();
    server = await startApiServer({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await h.close();
  });
  beforeEach(async () => {
    await h.fresh();
    process.env.FLEET_LOCAL = '1';
    for (const id of ['acme', 'bolt']) await h.repo().createTenant(aTenant(id, { status: 'ACTIVE', criticality: 'low' }), { actor: 'seed', type: 'TenantCreated' });
  });

  async function odooctl(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli([...argv, '--endpoint', server.url], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: {},
      fetch,
      readFile: async (p) => {
        if (!(p in files)) throw new Error(`ENOENT: ${p}`);
        return files[p]!;
      },
      sleep: () => new Promise((r) => setTimeout(r, 1)),
      newKey: () => `test-${randomUUID()}`,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  const create = (...extra: string[]) => odooctl('releases', 'create', '--image', 'registry.example.com/odoo:17.0-2030', '--modules', 'sale', '--actor', 'alice', ...extra);

  it('prints the plan of a dry run and records nothing', async () => {
    const res = await create('--dry-run', '--waves', '1,rest');

    expect(res).toMatchObject({ code: 0, err: '' });
    expect(res.out).toMatch(/^Dry run: 2 tenants in 2 waves .* nothing was changed\./);
    expect(res.out).toMatch(/^acme\s+0\s+cell-1\s+15 min\s+go until/m);
    expect((await h.repo().listReleases()).items).toEqual([]);
  });

  it('creates a release, shows and lists it, and refuses its approval by the requester', async () => {
    const created = await create();
    const releaseId = /Release (rel-\w+)/.exec(created.out)?.[1] ?? '';
    await h.repo().updateRelease(releaseId, 1, (r) => ({ ...r, status: 'AWAITING_APPROVAL' }));

    const shown = await odooctl('releases', 'get', releaseId);
    const listed = await odooctl('releases', 'list');
    const refused = await odooctl('releases', 'approve', releaseId, '--actor', 'alice');

    expect(created.code).toBe(0);
    expect(created.out).toMatch(/PLANNED, 2 tenants in \d+ waves/);
    expect(shown.out).toMatch(/^Status: +AWAITING_APPROVAL$/m);
    expect(shown.out).toMatch(/^acme\s+\d\s+PENDING\s+op-/m);
    expect(listed.out.split('\n')[1]).toMatch(new RegExp(`^${releaseId}\\s+AWAITING_APPROVAL\\s+registry.example.com/odoo:17.0-2030\\s+2`));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/Error 403 Forbidden: .*requested this release and cannot also approve it/);
  });

  it('watches a release until it ends and exits 1 unless it succeeded', async () => {
    const created = await create();
    const releaseId = /Release (rel-\w+)/.exec(created.out)?.[1] ?? '';
    await h.repo().updateRelease(releaseId, 1, (r) => ({ ...r, status: 'HALTED', statusReason: 'wave 0 spent its failure budget' }));

    const res = await odooctl('releases', 'watch', releaseId);

    expect(res.code).toBe(1);
    expect(res.out).toMatch(/release rel-\w+ HALTED: wave 0 spent its failure budget/);
  });

  it('sets a tenant\'s release calendar from a file', async () => {
    files['cal.json'] = JSON.stringify({ windows: [{ days: ['sun'], start: '01:00', end: '05:00', timeZone: 'Europe/Brussels' }] });

    const res = await odooctl('tenants', 'calendar', 'set', 'acme', '--file', 'cal.json');

    expect(res).toMatchObject({ code: 0, err: '' });
    expect(res.out).toMatch(/Release calendar of acme:\nWindows:\n {2}- sun 01:00-05:00 Europe\/Brussels/);
    expect((await h.repo().requireTenant('acme')).releaseCalendar?.windows).toHaveLength(1);
  });
});
