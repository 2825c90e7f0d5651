import { describe, it, expect } from 'vitest';
import { decidePlacement, defaultPlacementPolicy, sizeBand, type CellLoad } from '#shared/domain/placement.ts';
import {
  CRITICALITIES,
  CUSTOMIZATIONS,
  type Criticality,
  type Customization,
  type DrPosture,
  type TenancyModel,
  type TenantProfile,
} from '#shared/domain/types.ts';

const region = 'eu-west-1';
const dedicatedCluster = 'odoo-dedicated-euw1';

const cell = (id: string, load: number, overrides: Partial<CellLoad> = {}): CellLoad => ({
  id,
  region,
  cluster: `eks-${id}`,
  capacity: 100,
  load,
  accepts: ['low', 'standard'],
  ...overrides,
});

const roomyCells = [cell('cell-a', 40), cell('cell-b', 10)];

const profile = (p: Partial<TenantProfile> = {}): TenantProfile => ({
  criticality: 'standard',
  customization: 'none',
  compliance: [],
  expectedUsers: 50,
  ...p,
});

const targets: Record<DrPosture, { rpoSeconds: number; rtoSeconds: number; backupRetentionDays: number }> = {
  'warm-standby': { rpoSeconds: 60, rtoSeconds: 900, backupRetentionDays: 35 },
  'pilot-light': { rpoSeconds: 900, rtoSeconds: 7200, backupRetentionDays: 14 },
  'backup-restore': { rpoSeconds: 86_400, rtoSeconds: 28_800, backupRetentionDays: 7 },
};

/** The placement table of the architecture, written out independently of the implementation. */
function specified(c: Criticality, cust: Customization, compliance: string[], users: number): { model: TenancyModel; posture: DrPosture; rule: string } {
  const strict = compliance.find((r) => ['PCI', 'SOX'].includes(r.toUpperCase()));
  if (c === 'critical') return { model: 'dedicated', posture: 'warm-standby', rule: 'critical criticality' };
  if (strict) return { model: 'dedicated', posture: 'warm-standby', rule: `${strict.toUpperCase()} compliance` };
  if (cust === 'heavy' && users >= 200) return { model: 'dedicated', posture: 'warm-standby', rule: `heavy customization with ${users} expected users` };
  if (c === 'standard' && cust === 'heavy') return { model: 'dedicated', posture: 'pilot-light', rule: 'standard criticality with heavy customization' };
  if (c === 'standard') return { model: 'pooled', posture: 'pilot-light', rule: 'standard criticality is placed pooled' };
  if (cust === 'heavy') return { model: 'pooled', posture: 'pilot-light', rule: 'low criticality with heavy customization' };
  return { model: 'pooled', posture: 'backup-restore', rule: `low criticality with ${cust === 'none' ? 'no' : 'light'} customization` };
}

const complianceSets = [[], ['PCI'], ['SOX'], ['GDPR']];
const userCounts = [50, 250];
const combinations = CRITICALITIES.flatMap((criticality) =>
  CUSTOMIZATIONS.flatMap((customization) =>
    complianceSets.flatMap((compliance) =>
      userCounts.map((expectedUsers) => ({ criticality, customization, compliance, expectedUsers, label: compliance.join(',') || 'none' })),
    ),
  ),
);

describe('decidePlacement: the placement table', () => {
  it('covers 3 criticalities x 3 customizations x 4 compliance sets x 2 user counts', () => {
    expect(combinations).toHaveLength(72);
  });

  it.each(combinations)(
    'places a $criticality tenant with $customization customization, compliance $label and $expectedUsers users per the table',
    ({ criticality, customization, compliance, expectedUsers }) => {
      // Prepare
      const spec = specified(criticality, customization, compliance, expectedUsers);

      // Act
      const decision = decidePlacement({ profile: { criticality, customization, compliance, expectedUsers }, region, cells: roomyCells, dedicatedCluster });

      // Assess
      expect(decision.ok).toBe(true);
      if (!decision.ok) return;
      const { placement } = decision;
      expect(placement.model).toBe(spec.model);
      expect(placement.drPosture).toBe(spec.posture);
      expect({ rpoSeconds: placement.rpoSeconds, rtoSeconds: placement.rtoSeconds, backupRetentionDays: placement.backupRetentionDays }).toEqual(targets[spec.posture]);
      expect(placement.reason).toContain(spec.rule);
      expect(placement.resources.kind).toBe(spec.model);
      if (spec.model === 'dedicated') {
        expect(placement.cell).toBeNull();
        expect(placement.cluster).toBe(dedicatedCluster);
        expect(placement.resources).toMatchObject({ database: { engine: 'aurora-postgresql', instances: spec.posture === 'warm-standby' ? 2 : 1 } });
      } else {
        expect(placement.cell).toBe('cell-b');
        expect(placement.cluster).toBe('eks-cell-b');
      }
      if (compliance.includes('GDPR')) expect(placement.reason).toContain('GDPR compliance does not by itself require a dedicated placement');
    },
  );
});

describe('decidePlacement: rules', () => {
  it('places a critical PCI tenant on a dedicated cluster with warm standby, naming both reasons', () => {
    // Act
    const decision = decidePlacement({ profile: profile({ criticality: 'critical', compliance: ['PCI'] }), region, cells: [], dedicatedCluster });

    // Assess
    expect(decision.ok).toBe(true);
    expect(decision.ok && decision.placement.reason).toMatch(
      /^critical criticality and PCI compliance require a dedicated placement with warm standby \(RPO 60 s, RTO 900 s, backups kept 35 days\); dedicated node group and Aurora cluster on odoo-dedicated-euw1/,
    );
  });

  it('matches compliance regimes case-insensitively', () => {
    const decision = decidePlacement({ profile: profile({ criticality: 'low', compliance: [' sox '] }), region, cells: roomyCells, dedicatedCluster });

    expect(decision.ok && decision.placement).toMatchObject({ model: 'dedicated', drPosture: 'warm-standby' });
    expect(decision.ok && decision.placement.reason).toContain('SOX compliance requires a dedicated placement');
  });

  it('takes heavy customization to dedicated exactly at the user threshold', () => {
    const below = decidePlacement({ profile: profile({ criticality: 'low', customization: 'heavy', expectedUsers: 199 }), region, cells: roomyCells, dedicatedCluster });
    const at = decidePlacement({ profile: profile({ criticality: 'low', customization: 'heavy', expectedUsers: 200 }), region, cells: roomyCells, dedicatedCluster });

    expect(below.ok && below.placement.model).toBe('pooled');
    expect(at.ok && at.placement).toMatchObject({ model: 'dedicated', drPosture: 'warm-standby' });
  });

  it('explains why a lightly used, heavily customized low tenant gets pilot light', () => {
    const decision = decidePlacement({ profile: profile({ criticality: 'low', customization: 'heavy', expectedUsers: 20 }), region, cells: roomyCells, dedicatedCluster });

    expect(decision.ok && decision.placement.reason).toContain('pilot light (RPO 900 s, RTO 7200 s, backups kept 14 days) because backup-restore covers light customization only and, below 200 expected users');
  });

  it('follows a policy with its own threshold, compliance list and targets', () => {
    // Prepare
    const policy = {
      ...defaultPlacementPolicy,
      heavyCustomizationUsersForDedicated: 50,
      dedicatedCompliance: ['HIPAA'],
      targets: { ...defaultPlacementPolicy.targets, 'warm-standby': { rpoSeconds: 30, rtoSeconds: 600, backupRetentionDays: 90 } },
    };

    // Act
    const heavy = decidePlacement({ profile: profile({ customization: 'heavy', expectedUsers: 60 }), region, cells: roomyCells, dedicatedCluster, policy });
    const hipaa = decidePlacement({ profile: profile({ compliance: ['hipaa'] }), region, cells: roomyCells, dedicatedCluster, policy });
    const pci = decidePlacement({ profile: profile({ compliance: ['PCI'] }), region, cells: roomyCells, dedicatedCluster, policy });

    // Assess
    expect(heavy.ok && heavy.placement).toMatchObject({ model: 'dedicated', rpoSeconds: 30, rtoSeconds: 600, backupRetentionDays: 90 });
    expect(hipaa.ok && hipaa.placement.model).toBe('dedicated');
    expect(pci.ok && pci.placement.model).toBe('pooled');
  });

  it('refuses an invalid profile with a reason', () => {
    const decision = decidePlacement({ profile: profile({ expectedUsers: -1 }), region, cells: roomyCells, dedicatedCluster });

    expect(decision).toEqual({ ok: false, reason: 'expectedUsers must be a non-negative number, got -1' });
  });
});

describe('decidePlacement: sizing', () => {
  it('grows quota, web replicas, workers, node group and database class with expected users', () => {
    // Act
    const sizes = [10, 80, 400, 2000].map((expectedUsers) => {
      const d = decidePlacement({ profile: profile({ criticality: 'critical', expectedUsers }), region, cells: [], dedicatedCluster });
      if (!d.ok || d.placement.resources.kind !== 'dedicated') throw new Error('expected a dedicated placement');
      return d.placement.resources;
    });

    // Assess
    expect(sizes.map((s) => s.workers)).toEqual([1, 2, 4, 8]);
    expect(sizes.map((s) => s.web.maxReplicas)).toEqual([2, 4, 8, 16]);
    expect(sizes.map((s) => s.nodeGroup.instanceType)).toEqual(['m6i.large', 'm6i.xlarge', 'm6i.2xlarge', 'm6i.4xlarge']);
    expect(sizes.map((s) => s.database.instanceClass)).toEqual(['db.r6g.large', 'db.r6g.large', 'db.r6g.xlarge', 'db.r6g.2xlarge']);
    expect(sizes.map((s) => s.quota.pods)).toEqual([10, 16, 24, 40]);
  });

  it('keeps at least two web replicas for warm standby, even in the smallest band', () => {
    const critical = decidePlacement({ profile: profile({ criticality: 'critical', expectedUsers: 5 }), region, cells: [], dedicatedCluster });
    const low = decidePlacement({ profile: profile({ criticality: 'low', expectedUsers: 5 }), region, cells: roomyCells, dedicatedCluster });

    expect(critical.ok && critical.placement.resources.web.minReplicas).toBe(2);
    expect(low.ok && low.placement.resources.web.minReplicas).toBe(1);
  });

  it('puts band edges in the lower band', () => {
    expect([25, 26, 100, 101, 500, 501].map((u) => sizeBand(u).name)).toEqual(['small', 'medium', 'medium', 'large', 'large', 'xlarge']);
  });
});

describe('decidePlacement: cells by how they are protected in the DR region', () => {
  const restoreCell = cell('cell-r', 90, { protection: 'backup-restore' });
  const globalCell = cell('cell-g', 10, { protection: 'pilot-light' });

  it('sends a backup-restore tenant to a cell protected by snapshot copies first, even when a cell with a global database has more room', () => {
    const decision = decidePlacement({ profile: profile({ criticality: 'low' }), region, cells: [globalCell, restoreCell], dedicatedCluster });
    expect(decision).toMatchObject({ ok: true, placement: { cell: 'cell-r', drPosture: 'backup-restore' } });
  });

  it('never sends a pilot-light tenant to a cell protected by snapshot copies only, and says why when nothing else fits', () => {
    expect(decidePlacement({ profile: profile({ criticality: 'standard' }), region, cells: [restoreCell, globalCell], dedicatedCluster })).toMatchObject({ ok: true, placement: { cell: 'cell-g' } });
    const refused = decidePlacement({ profile: profile({ criticality: 'standard' }), region, cells: [restoreCell], dedicatedCluster });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/cell-r is protected by snapshot copies only, not enough for pilot light/);
  });

  it('falls back to a cell with a global database for a backup-restore tenant when the snapshot-copy cells are full', () => {
    const full = cell('cell-r', 100, { protection: 'backup-restore' });
    expect(decidePlacement({ profile: profile({ criticality: 'low' }), region, cells: [full, globalCell], dedicatedCluster })).toMatchObject({ ok: true, placement: { cell: 'cell-g' } });
  });
});

describe('decidePlacement: cell choice', () => {
  const place = (cells: CellLoad[], p: Partial<TenantProfile> = {}) => decidePlacement({ profile: profile(p), region, cells, dedicatedCluster });

  it('chooses the least-loaded cell and names it in the reason', () => {
    const decision = place([cell('cell-a', 70), cell('cell-b', 20), cell('cell-c', 45)]);

    expect(decision.ok && decision.placement).toMatchObject({ cell: 'cell-b', cluster: 'eks-cell-b' });
    expect(decision.ok && decision.placement.reason).toContain('cell cell-b is the least-loaded eligible cell in eu-west-1 (20 of 100 tenants)');
  });

  it('compares load as a share of capacity', () => {
    const decision = place([cell('small', 40, { capacity: 50 }), cell('large', 100, { capacity: 400 })]);

    expect(decision.ok && decision.placement.cell).toBe('large');
  });

  it('breaks ties by cell id, whatever the input order', () => {
    const decision = place([cell('cell-c', 10), cell('cell-a', 10), cell('cell-b', 10)]);

    expect(decision.ok && decision.placement.cell).toBe('cell-a');
  });

  it('skips full cells, other regions and cells that do not accept the criticality', () => {
    const decision = place(
      [cell('full', 100), cell('elsewhere', 0, { region: 'us-east-1' }), cell('low-only', 0, { accepts: ['low'] }), cell('busy', 99)],
      { criticality: 'standard' },
    );

    expect(decision.ok && decision.placement.cell).toBe('busy');
  });

  it('says, cell by cell, why none fits', () => {
    // Act
    const decision = place([cell('full', 100), cell('over', 120), cell('elsewhere', 0, { region: 'us-east-1' }), cell('low-only', 0, { accepts: ['low'] })]);

    // Assess
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.reason).toContain('standard criticality is placed pooled with pilot light');
    expect(decision.reason).toContain('no pooled cell can take a standard tenant in eu-west-1');
    expect(decision.reason).toContain('full is full (100 of 100 tenants)');
    expect(decision.reason).toContain('over is full (120 of 100 tenants)');
    expect(decision.reason).toContain('elsewhere is in us-east-1, not eu-west-1');
    expect(decision.reason).toContain('low-only does not accept standard tenants (accepts low)');
  });

  it('says so when there are no cells at all', () => {
    const decision = place([], { criticality: 'low' });

    expect(decision).toMatchObject({ ok: false });
    expect(!decision.ok && decision.reason).toContain('no pooled cells are configured');
  });

  it('needs no cell for a dedicated tenant', () => {
    const decision = place([], { criticality: 'critical' });

    expect(decision.ok && decision.placement).toMatchObject({ model: 'dedicated', cell: null, cluster: dedicatedCluster });
  });
});
