/**
 * The per-tenant upgrade handlers, called in the order the `odoo-fleet-release-tenant` machine
 * calls them, against the local control plane's simulated cloud: a good image upgrades a pooled
 * tenant; a failed migration and a bad image are rolled back, database included, with nothing
 * left behind; users who wrote after the cut-over stop the rollback for a human.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import { handler as acquireLease } from '#functions/common/acquire-lease.ts';
import { handler as completeTenant } from '#functions/release/tenant/complete-tenant.ts';
import { handler as enterMaintenance } from '#functions/release/tenant/enter-maintenance.ts';
import { handler as judgeBake } from '#functions/release/tenant/judge-bake.ts';
import { handler as markRolledBack } from '#functions/release/tenant/mark-rolled-back.ts';
import { handler as planRollback } from '#functions/release/tenant/plan-rollback.ts';
import { handler as preflight } from '#functions/release/tenant/preflight.ts';
import { handler as restoreDatabase } from '#functions/release/tenant/restore-database.ts';
import { handler as revertImage } from '#functions/release/tenant/revert-image.ts';
import { handler as rollToNewImage } from '#functions/release/tenant/roll-to-new-image.ts';
import { handler as runUpgradeJob } from '#functions/release/tenant/run-upgrade-job.ts';
import { handler as takePreChangeCopy } from '#functions/release/tenant/take-pre-change-copy.ts';
import type { TenantRelease } from '#shared/domain/release-types.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { newOperationId } from '#shared/lib/ids.ts';
import { api, dedicatedProfile, startPlane, tenantBody, waitForOperation } from '../support/local-plane.ts';
import { aRelease, aTenantRelease, aWave } from '../store/release-fixtures.ts';

const NEW_IMAGE = 'registry.example.com/odoo:17.0-20300201';
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:000000000000:execution:odoo-fleet-release-tenant:t';
let plane: LocalControlPlane;
let releases = 0;

type State = Record<string, unknown>;
type Handler = (event: unknown, context: Context) => Promise<Record<string, unknown>>;

beforeAll(async () => {
  plane = await startPlane();
});
afterAll(async () => {
  await plane?.close();
});

async function provision(tenantId: string, profile: Record<string, unknown> = {}): Promise<Tenant> {
  const res = await api<{ operation: { operationId: string } }>(plane, 'POST', '/v1/tenants', tenantBody(tenantId, profile));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect((await waitForOperation(plane, res.body.operation.operationId)).status).toBe('SUCCEEDED');
  return (await plane.repo.getTenant(tenantId))!;
}

/** A release of one tenant, its item and its RELEASE operation, as the gate leaves them. */
async function releaseOf(tenant: Tenant, modules = ['sale']): Promise<State> {
  const releaseId = `rel-steps${String(++releases).padStart(21, '0')}`;
  const operationId = newOperationId();
  const at = plane.clock.now().toISOString();
  const release = aRelease(releaseId, { status: 'ROLLING_OUT', image: NEW_IMAGE, modules, strategy: { ...aRelease(releaseId).strategy, bakeSeconds: 300 }, counts: { PENDING: 1 } });
  const item = aTenantRelease(releaseId, tenant.tenantId, 0, { operationId, cell: tenant.placement.cell, previous: tenant.release });
  await plane.repo.createRelease(release, [aWave(releaseId, 0, [tenant.tenantId])], [item]);
  await plane.repo.createOperation({ operationId, type: 'RELEASE', tenantId: tenant.tenantId, status: 'PENDING', requestedBy: 'alice', createdAt: at, updatedAt: at, steps: [] });
  return { releaseId, actor: 'alice', wave: 0, tenantId: tenant.tenantId, operationId };
}

async function step(handler: unknown, state: State, key?: string): Promise<Record<string, unknown>> {
  const result = await (handler as Handler)({ state, step: key ?? 'Step', executionArn: EXECUTION_ARN }, {} as Context);
  if (key) state[key] = result;
  return result;
}

/** A poll loop: the step again, simulated time moving on, until it reports ready. */
async function until(handler: unknown, state: State, key: string, polls = 200): Promise<Record<string, unknown>> {
  for (let i = 0; i < polls; i++) {
    const result = await step(handler, state, key);
    if (result.ready === true) return result;
    plane.clock.advance(2);
  }
  throw new Error(`${key} not ready after ${polls} polls: ${JSON.stringify(state[key])}`);
}

async function upgradeToBake(state: State): Promise<void> {
  await step(acquireLease, state);
  expect(await step(preflight, state, 'preflight')).toMatchObject({ ok: true });
  await until(enterMaintenance, state, 'maintenance');
  await until(takePreChangeCopy, state, 'copy');
  await until(runUpgradeJob, state, 'upgrade');
  await until(rollToNewImage, state, 'roll');
}

/** The rollback path as the machine runs it after PlanRollback. */
async function rollBack(state: State): Promise<void> {
  await until(enterMaintenance, state, 'maintenance');
  if ((state.rollback as { restoreDatabase: boolean }).restoreDatabase) await until(restoreDatabase, state, 'restore');
  await until(revertImage, state, 'revert');
  await step(markRolledBack, state);
}

const caught = (error: unknown) => ({ Error: (error as Error).name, Cause: JSON.stringify({ errorMessage: (error as Error).message }) });
const item = async (state: State) => (await plane.repo.getTenantRelease(String(state.releaseId), String(state.tenantId)))! as TenantRelease;
const webImage = (tenantId: string) =>
  plane.sim
    .inventory()
    .regions['eu-west-1']!.kubernetes['fleet-euw1']![`tenant-${tenantId}`]!.find((o) => o.kind === 'Deployment' && o.name === 'odoo-web')!;
const databases = () => Object.values(plane.sim.inventory().regions['eu-west-1']!.rds.databases).flat();

describe('Workflow steps: odoo-fleet-release-tenant', () => {
  it('upgrades a pooled tenant: maintenance, copy, one upgrade Job, new image, a passing verdict, ACTIVE on the new release', async () => {
    // prepare
    const tenant = await provision('rt-good');
    const state = await releaseOf(tenant);

    // act
    await upgradeToBake(state);
    const judged = await step(judgeBake, state, 'verdict');
    await step(completeTenant, state);
    const again = await step(completeTenant, state);

    // assess
    expect(judged).toMatchObject({ outcome: 'pass' });
    const done = await item(state);
    expect(done.outcome).toBe('SUCCEEDED');
    expect(done.verdict?.outcome).toBe('pass');
    expect(done.migrationStartedAt).toBeDefined();
    expect(done.history.map((h) => h.outcome)).toEqual(['PREFLIGHT', 'UPGRADING', 'BAKING', 'SUCCEEDED']);
    const after = (await plane.repo.getTenant('rt-good'))!;
    expect(after).toMatchObject({ status: 'ACTIVE', release: { image: NEW_IMAGE, modules: expect.arrayContaining(['sale']) } });
    expect(after.lease).toBeUndefined();
    expect(again).toMatchObject({ outcome: 'SUCCEEDED' });
    expect(webImage('rt-good')).toMatchObject({ image: NEW_IMAGE, ready: 1 });
    expect(databases().find((d) => d.name === 'odoo_rt_good')).toMatchObject({ initialised: true, upgraded: { image: NEW_IMAGE, modules: ['sale'] } });
    expect(plane.sim.inventoryForTenant('rt-good').map((r) => r.type)).not.toContain('database-copy');
    expect((await plane.repo.getOperation(String(state.operationId)))!.status).toBe('SUCCEEDED');
  });

  it('never starts a second upgrade Job when the step is run again', async () => {
    // prepare
    const tenant = await provision('rt-twice');
    const state = await releaseOf(tenant);
    await step(acquireLease, state);
    await step(preflight, state, 'preflight');
    await until(enterMaintenance, state, 'maintenance');
    await until(takePreChangeCopy, state, 'copy');

    // act
    await step(runUpgradeJob, state, 'upgrade');
    const started = (await item(state)).migrationStartedAt;
    await step(runUpgradeJob, state, 'upgrade');
    await until(runUpgradeJob, state, 'upgrade');

    // assess
    const jobs = plane.sim.inventory().regions['eu-west-1']!.kubernetes['fleet-euw1']!['tenant-rt-twice']!.filter((o) => o.kind === 'Job' && o.name.startsWith('odoo-upgrade-'));
    expect(jobs).toHaveLength(1);
    expect((await item(state)).migrationStartedAt).toBe(started);
  });

  it('rolls back a failed migration: the pre-change copy becomes the database again, the previous image serves, nothing is left', async () => {
    // prepare
    const tenant = await provision('rt-migfail');
    const previous = tenant.release.image;
    const state = await releaseOf(tenant);
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'kubernetes', effect: 'migration-fails', image: NEW_IMAGE }] });

    // act
    await step(acquireLease, state);
    await step(preflight, state, 'preflight');
    await until(enterMaintenance, state, 'maintenance');
    await until(takePreChangeCopy, state, 'copy');
    const failure = await until(runUpgradeJob, state, 'upgrade').catch((e: unknown) => e);
    state.error = caught(failure);
    const plan = await step(planRollback, state, 'rollback');
    await rollBack(state);
    await api(plane, 'DELETE', '/_local/faults');

    // assess
    expect((failure as Error).name).toBe('UpgradeFailed');
    expect(plan).toMatchObject({ restoreDatabase: true, needsDecision: false });
    const done = await item(state);
    expect(done).toMatchObject({ outcome: 'ROLLED_BACK', rollback: { databaseRestored: true } });
    const after = (await plane.repo.getTenant('rt-migfail'))!;
    expect(after).toMatchObject({ status: 'ACTIVE', release: { image: previous } });
    expect(after.lease).toBeUndefined();
    expect(webImage('rt-migfail')).toMatchObject({ image: previous });
    const db = databases().find((d) => d.name === 'odoo_rt_migfail');
    expect(db).toMatchObject({ initialised: true, copyOf: 'odoo_rt_migfail' });
    expect(db?.upgraded).toBeUndefined();
    expect(plane.sim.inventoryForTenant('rt-migfail').map((r) => r.type)).not.toContain('database-copy');
    expect((await plane.repo.getOperation(String(state.operationId)))!).toMatchObject({ status: 'FAILED', error: { code: 'TenantRolledBack' } });
  });

  it('fails the verdict of an image that answers with errors, and asks a human when users wrote after the cut-over', async () => {
    // prepare
    const tenant = await provision('rt-writes');
    const state = await releaseOf(tenant);
    await api(plane, 'POST', '/_local/faults', {
      rules: [
        { service: 'probe', effect: 'high-error-rate', image: NEW_IMAGE },
        { service: 'rds-data', effect: 'user-writes', image: NEW_IMAGE },
      ],
    });

    // act
    await upgradeToBake(state);
    const judged = await step(judgeBake, state, 'verdict');
    plane.clock.advance(1);
    const plan = await step(planRollback, state, 'rollback');
    await api(plane, 'DELETE', '/_local/faults');

    // assess
    expect(judged).toMatchObject({ outcome: 'fail' });
    expect((await item(state)).verdict?.reasons.join(' ')).toMatch(/5xx rate 20\.0%/);
    expect(plan).toMatchObject({ needsDecision: true, restoreDatabase: false });
    const waiting = await item(state);
    expect(waiting.outcome).toBe('AWAITING_DECISION');
    expect(waiting.reason).toMatch(/users wrote at .* after the cut-over/);
  });

  it('rolls back a dedicated tenant by restoring its pre-change snapshot into a new cluster and retiring the old one', async () => {
    // prepare
    const tenant = await provision('rt-dedicated', dedicatedProfile);
    const oldCluster = tenant.resources.database!.clusterIdentifier;
    const state = await releaseOf(tenant);
    await api(plane, 'POST', '/_local/faults', { rules: [{ service: 'probe', effect: 'high-error-rate', image: NEW_IMAGE }] });

    // act
    await upgradeToBake(state);
    const judged = await step(judgeBake, state, 'verdict');
    const plan = await step(planRollback, state, 'rollback');
    await rollBack(state);
    await api(plane, 'DELETE', '/_local/faults');

    // assess
    expect(judged).toMatchObject({ outcome: 'fail' });
    expect(plan).toMatchObject({ restoreDatabase: true, needsDecision: false });
    const after = (await plane.repo.getTenant('rt-dedicated'))!;
    expect(after.status).toBe('ACTIVE');
    expect(after.resources.database?.clusterIdentifier).toMatch(/^odoo-rt-dedicated-rb-/);
    const rds = plane.sim.inventory().regions['eu-west-1']!.rds;
    expect(rds.clusters.map((c) => c.identifier)).not.toContain(oldCluster);
    expect(rds.clusters.find((c) => c.identifier === after.resources.database!.clusterIdentifier)).toMatchObject({ status: 'available', deletionProtection: true });
    expect(rds.snapshots.find((s) => s.identifier.startsWith('odoo-rt-dedicated-pre-'))).toMatchObject({ tags: expect.objectContaining({ 'odoo:purpose': 'pre-change' }) });
    expect(rds.databases[after.resources.database!.clusterIdentifier]!.find((d) => d.name === 'odoo_rt_dedicated')?.upgraded).toBeUndefined();
    expect(webImage('rt-dedicated')).toMatchObject({ image: tenant.release.image });
    expect((await item(state))).toMatchObject({ outcome: 'ROLLED_BACK', rollback: { databaseRestored: true, replacedCluster: oldCluster } });
  });
});
