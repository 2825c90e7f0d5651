/**
 * The rehearsal steps in order against the simulated cloud, on a provisioned pooled tenant: an
 * isolated copy is made, neutralized and upgraded, the result is recorded on the release, and
 * nothing of the copy is left afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as check } from '#functions/release/rehearsal/check-rehearsal.ts';
import { handler as neutralize } from '#functions/release/rehearsal/neutralize-copy.ts';
import { handler as prepare } from '#functions/release/rehearsal/prepare-rehearsal-copy.ts';
import { handler as record } from '#functions/release/rehearsal/record-rehearsal.ts';
import { handler as upgrade } from '#functions/release/rehearsal/run-rehearsal-upgrade.ts';
import { handler as tearDown } from '#functions/release/rehearsal/tear-down-rehearsal.ts';
import type { LocalControlPlane } from '#local/control-plane.ts';
import { rehearsalNames } from '#shared/domain/rehearsal-workspace.ts';
import type { RehearsalRecord } from '#shared/domain/release-types.ts';
import { aRelease } from '../store/release-fixtures.ts';
import { api, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';
import { runStep } from '../support/release-handlers.ts';

let plane: LocalControlPlane;

beforeAll(async () => {
  plane = await startPlane();
  const res = await api<{ operation: { operationId: string } }>(plane, 'POST', '/v1/tenants', tenantBody('reh-pooled'));
  expect(res.status).toBe(202);
  expect((await waitForOperation(plane, res.body.operation.operationId)).status).toBe('SUCCEEDED');
});
afterAll(async () => {
  await plane?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a polled step until it reports ready, as the workflow's Wait loop does. */
async function poll(handler: unknown, state: Record<string, unknown>, key: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 400; i++) {
    const out = await runStep<Record<string, unknown>>(handler, state);
    state[key] = out;
    if (out.ready) return out;
    await sleep(10);
  }
  throw new Error(`${key} never became ready`);
}

describe('Rehearsal steps on a pooled tenant', () => {
  it('upgrades a neutralized, isolated copy, times it, records PASSED and leaves nothing behind', async () => {
    const releaseId = 'rel-01jrehearsal0000000000000a';
    const base = aRelease(releaseId, { status: 'REHEARSING', image: 'odoo:17.0-20300201', modules: ['sale'], rehearsals: [{ moduleSetKey: 'base,sale', tenantId: 'reh-pooled', status: 'PENDING' }] });
    await plane.repo.createRelease(base, [], []);
    const state: Record<string, unknown> = { releaseId, actor: 'release-bot', moduleSetKey: 'base,sale', tenantId: 'reh-pooled', index: 0 };

    const copy = await poll(prepare, state, 'copy');
    expect(copy.database).toBe(rehearsalNames.copyDatabase('reh-pooled', releaseId, 0));
    expect(copy.database).not.toBe('odoo_reh_pooled');
    const namespaces = Object.values(plane.sim.inventory().regions[plane.config.primaryRegion]!.kubernetes).flatMap((c) => Object.keys(c));
    expect(namespaces).toContain(rehearsalNames.namespace(releaseId, 0));

    state.neutralize = await runStep(neutralize, state);
    await poll(upgrade, state, 'upgrade');
    state.check = await runStep(check, state);
    await poll(tearDown, state, 'teardown');
    const recorded = await runStep<RehearsalRecord>(record, state);

    expect(recorded).toMatchObject({ status: 'PASSED', cleanedUp: true, upgradeSeconds: expect.any(Number) });
    const release = await plane.repo.requireRelease(releaseId);
    expect(release.rehearsals[0]).toMatchObject({ status: 'PASSED', cleanedUp: true });
    const inventory = plane.sim.inventory().regions[plane.config.primaryRegion]!;
    const after = Object.values(inventory.kubernetes).flatMap((c) => Object.keys(c));
    expect(after).not.toContain(rehearsalNames.namespace(releaseId, 0));
    expect(Object.values(inventory.rds.databases).flat().map((d) => d.name)).not.toContain(copy.database);
  });

  it('records FAILED with the reason when the migration fails on the copy, and still tears the copy down', async () => {
    const image = 'odoo:17.0-20300301-broken';
    const faults = await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'kubernetes', effect: 'migration-fails', image }] });
    expect(faults.status).toBeLessThan(300);
    const releaseId = 'rel-01jrehearsal0000000000000b';
    await plane.repo.createRelease(aRelease(releaseId, { status: 'REHEARSING', image, modules: ['sale'], rehearsals: [{ moduleSetKey: 'base,sale', tenantId: 'reh-pooled', status: 'PENDING' }] }), [], []);
    const state: Record<string, unknown> = { releaseId, actor: 'release-bot', moduleSetKey: 'base,sale', tenantId: 'reh-pooled', index: 0 };

    await poll(prepare, state, 'copy');
    state.neutralize = await runStep(neutralize, state);
    const failure = await poll(upgrade, state, 'upgrade').catch((err: Error) => err);
    expect(failure).toBeInstanceOf(Error);
    // The Catch of the state machine: the error goes to $.error and the teardown runs.
    delete state.upgrade;
    state.error = { Error: (failure as Error).name, Cause: JSON.stringify({ errorMessage: (failure as Error).message }) };
    await poll(tearDown, state, 'teardown');
    const recorded = await runStep<RehearsalRecord>(record, state);

    expect(recorded).toMatchObject({ status: 'FAILED', cleanedUp: true });
    expect(recorded.reason).toMatch(/UpgradeFailed: the upgrade Job failed on the copy/);
    await api(plane, 'DELETE', '/_local/faults');
  });
});
