import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '#local/cli/run.ts';
import { startApiServer, type ApiServer } from '#local/server.ts';
import { startApiHarness } from '../api/harness.ts';

type Harness = Awaited<ReturnType<typeof startApiHarness>>;
let h: Harness;
let server: ApiServer;

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
});

async function odooctl(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...argv, '--endpoint', server.url], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {},
    fetch,
    readFile: (p) => readFile(p, 'utf8'),
    sleep: () => new Promise((r) => setTimeout(r, 1)),
    newKey: () => `test-${randomUUID()}`,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const createAcme = (...extra: string[]) =>
  odooctl('tenants', 'create', '--id', 'acme', '--name', 'Acme', '--criticality', 'low', '--customization', 'light', '--users', '20', ...extra);

describe('odooctl against the local API', () => {
  it('creates a tenant as the given actor and shows it', async () => {
    const created = await createAcme('--actor', 'sre-bob');
    const shown = await odooctl('tenants', 'get', 'acme');
    const listed = await odooctl('tenants', 'list');

    expect(created).toMatchObject({ code: 0, err: '' });
    expect(created.out).toMatch(/^Tenant acme: PROVISIONING \(pooled on cell cell-a, backup-restore\)/);
    expect(shown.out).toMatch(/^Created: +\S+ by sre-bob$/m);
    expect(listed.out.split('\n')[1]).toMatch(/^acme\s+PROVISIONING\s+low\s+pooled\s+cell-a/);
  });

  it('prints the raw JSON with --json', async () => {
    await createAcme();

    const res = await odooctl('tenants', 'list', '--json');

    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({ items: [{ tenantId: 'acme' }], nextCursor: null });
  });

  it('exits 2 and prints the API\'s message and field details when the API refuses', async () => {
    await createAcme();

    const duplicate = await createAcme();
    const invalid = await odooctl('tenants', 'create', '--id', 'bravo', '--name', 'Bravo', '--criticality', 'urgent', '--customization', 'light');

    expect(duplicate.code).toBe(2);
    expect(duplicate.err).toBe('Error 409 Conflict: Tenant id acme is already taken\n  - tenantId: is taken');
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(/^Error 400 ValidationError: Invalid request body\n {2}- profile.criticality: /);
  });

  it('watches an operation to its end and exits 0 when it succeeded', async () => {
    const created = JSON.parse((await createAcme('--json')).out);
    const opId = created.operation.operationId;
    const repo = h.repo();
    await repo.recordStep(opId, { name: 'ValidateRequest', status: 'RUNNING', at: created.operation.createdAt });
    await repo.recordStep(opId, { name: 'ValidateRequest', status: 'SUCCEEDED', at: new Date().toISOString() });
    await repo.updateOperation(opId, { status: 'SUCCEEDED', endedAt: new Date().toISOString() });

    const res = await odooctl('operations', 'watch', opId);

    expect(res.code).toBe(0);
    expect(res.out).toMatch(/▶ ValidateRequest started/);
    expect(res.out).toMatch(/✓ ValidateRequest succeeded/);
  });

  it('runs as the installed bin script', async () => {
    await createAcme();

    const { stdout } = await promisify(execFile)(process.execPath, ['bin/odooctl.js', 'tenants', 'get', 'acme', '--json', '--endpoint', server.url]);

    expect(JSON.parse(stdout)).toMatchObject({ tenantId: 'acme', status: 'PROVISIONING' });
  });
});
