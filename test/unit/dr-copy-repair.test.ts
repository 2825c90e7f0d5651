import { describe, expect, it } from 'vitest';
import { needsDrCopy } from '#shared/cloud/dr-copy-repair.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { aTenant } from '../store/fixtures.ts';

const now = new Date('2030-01-02T00:00:00.000Z');

/** A dedicated tenant with its own cluster; `dr` as the record holds it. */
function dedicated(over: { posture?: Tenant['placement']['drPosture']; dr?: Tenant['resources']['dr']; lease?: Tenant['lease'] } = {}): Tenant {
  const t = aTenant('globex', { status: 'ACTIVE', model: 'dedicated' });
  t.placement = { ...t.placement, drPosture: over.posture ?? 'warm-standby' };
  t.resources = {
    database: { kind: 'dedicated', clusterIdentifier: 'odoo-globex-rb-1', databaseName: 'odoo', endpoint: 'x', secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:odoo/globex/db-AbCdEf' } as Tenant['resources']['database'],
    ...(over.dr ? { dr: over.dr } : {}),
  };
  if (over.lease) t.lease = over.lease;
  return t;
}

describe('which tenants get their DR copy made again', () => {
  it('a dedicated tenant whose posture has a copy of its own, and whose record holds none (a rollback took it apart)', () => {
    expect(needsDrCopy(dedicated({ dr: { region: 'eu-central-1' } }), now)).toBe(true);
    expect(needsDrCopy(dedicated({ posture: 'pilot-light' }), now)).toBe(true);
  });

  it('not one whose copy is recorded, one protected by backups only, nor a pooled tenant (its cell is its copy)', () => {
    expect(needsDrCopy(dedicated({ dr: { region: 'eu-central-1', globalClusterIdentifier: 'odoo-globex-global', clusterIdentifier: 'odoo-globex-rb-1' } }), now)).toBe(false);
    expect(needsDrCopy(dedicated({ posture: 'backup-restore' }), now)).toBe(false);
    expect(needsDrCopy(aTenant('acme', { status: 'ACTIVE' }), now)).toBe(false);
  });

  it('not while another workflow holds its lease, and again once the lease has run out', () => {
    const held = { owner: 'rel-1', expiresAt: '2030-01-02T00:10:00.000Z' } as Tenant['lease'];
    expect(needsDrCopy(dedicated({ lease: held }), now)).toBe(false);
    expect(needsDrCopy(dedicated({ lease: { ...held!, expiresAt: '2030-01-01T23:50:00.000Z' } }), now)).toBe(true);
  });
});
