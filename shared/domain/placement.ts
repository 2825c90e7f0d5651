/**
 * Where a tenant runs and how it is protected, decided from its profile alone (see "Placement model"
 * in docs/architecture.md). The decision carries its reason so an operator can check it against the
 * policy without reading code.
 */
import type { ComputeSizing, Criticality, DedicatedResources, DrPosture, Placement, PlacementResources, TenantProfile } from './types.ts';
import { CRITICALITIES, CUSTOMIZATIONS } from './types.ts';

/** A pooled cell as placement sees it: where it is, how full, and whom it takes. Load and capacity count tenants. */
export interface CellLoad {
  id: string;
  region: string;
  cluster: string;
  capacity: number;
  load: number;
  accepts: Criticality[];
  /**
   * How the cell is protected in the DR region: a global database secondary (`pilot-light`), snapshot
   * copies (`backup-restore`), or not configured (`none`, or absent: not checked).
   */
  protection?: 'pilot-light' | 'backup-restore' | 'none';
}

export interface DrTargets {
  rpoSeconds: number;
  rtoSeconds: number;
  backupRetentionDays: number;
}

/** One row of the sizing table: tenants with up to `maxUsers` expected users get these resources. */
export interface SizeBand {
  name: string;
  /** Null for the last, unbounded band. */
  maxUsers: number | null;
  compute: ComputeSizing;
  nodeGroup: DedicatedResources['nodeGroup'];
  databaseInstanceClass: string;
}

export interface PlacementPolicy {
  targets: Record<DrPosture, DrTargets>;
  /** Heavy customization with at least this many expected users is placed dedicated with warm standby. */
  heavyCustomizationUsersForDedicated: number;
  /** Compliance regimes (matched case-insensitively) that force a dedicated placement with warm standby. */
  dedicatedCompliance: string[];
  /** Ordered by `maxUsers`, ascending; the last band has `maxUsers: null`. */
  sizes: SizeBand[];
  /** Aurora instances of a dedicated cluster (writer + readers in the primary region). */
  databaseInstances: Record<DrPosture, number>;
  /** Web replicas never scale below this, whatever the size band says. */
  minWebReplicas: Record<DrPosture, number>;
}

/*
 * Quotas leave room for web at its maximum, the workers, cron and a one-off upgrade job, with
 * headroom for a rolling update. Dedicated node groups start at two nodes so a node loss or an AZ
 * loss does not take the tenant down.
 */
export const defaultPlacementPolicy: PlacementPolicy = {
  targets: {
    'warm-standby': { rpoSeconds: 60, rtoSeconds: 900, backupRetentionDays: 35 },
    'pilot-light': { rpoSeconds: 900, rtoSeconds: 7200, backupRetentionDays: 14 },
    'backup-restore': { rpoSeconds: 86_400, rtoSeconds: 28_800, backupRetentionDays: 7 },
  },
  heavyCustomizationUsersForDedicated: 200,
  dedicatedCompliance: ['PCI', 'SOX'],
  sizes: [
    {
      name: 'small',
      maxUsers: 25,
      compute: { quota: { cpu: '4', memory: '8Gi', pods: 10 }, web: { minReplicas: 1, maxReplicas: 2, cpu: '500m', memory: '1Gi' }, workers: 1 },
      nodeGroup: { instanceType: 'm6i.large', minSize: 2, desiredSize: 2, maxSize: 3 },
      databaseInstanceClass: 'db.r6g.large',
    },
    {
      name: 'medium',
      maxUsers: 100,
      compute: { quota: { cpu: '8', memory: '16Gi', pods: 16 }, web: { minReplicas: 2, maxReplicas: 4, cpu: '1', memory: '2Gi' }, workers: 2 },
      nodeGroup: { instanceType: 'm6i.xlarge', minSize: 2, desiredSize: 2, maxSize: 4 },
      databaseInstanceClass: 'db.r6g.large',
    },
    {
      name: 'large',
      maxUsers: 500,
      compute: { quota: { cpu: '24', memory: '48Gi', pods: 24 }, web: { minReplicas: 2, maxReplicas: 8, cpu: '2', memory: '4Gi' }, workers: 4 },
      nodeGroup: { instanceType: 'm6i.2xlarge', minSize: 2, desiredSize: 3, maxSize: 6 },
      databaseInstanceClass: 'db.r6g.xlarge',
    },
    {
      name: 'xlarge',
      maxUsers: null,
      compute: { quota: { cpu: '48', memory: '96Gi', pods: 40 }, web: { minReplicas: 3, maxReplicas: 16, cpu: '2', memory: '4Gi' }, workers: 8 },
      nodeGroup: { instanceType: 'm6i.4xlarge', minSize: 3, desiredSize: 3, maxSize: 8 },
      databaseInstanceClass: 'db.r6g.2xlarge',
    },
  ],
  databaseInstances: { 'warm-standby': 2, 'pilot-light': 1, 'backup-restore': 1 },
  minWebReplicas: { 'warm-standby': 2, 'pilot-light': 1, 'backup-restore': 1 },
};

export interface PlacementInput {
  profile: TenantProfile;
  /** The tenant's primary region; pooled tenants go to a cell there. */
  region: string;
  cells: CellLoad[];
  /** EKS cluster hosting dedicated node groups in that region. */
  dedicatedCluster: string;
  policy?: PlacementPolicy;
}

export type PlacementDecision = { ok: true; placement: Placement } | { ok: false; reason: string };

interface Rule {
  model: Placement['model'];
  drPosture: DrPosture;
  /** The deciding rule, as the first half of the reason. */
  why: string;
  /** Why the rule is what it is, where the placement table does not say. */
  because?: string;
}

export function decidePlacement(input: PlacementInput): PlacementDecision {
  const policy = input.policy ?? defaultPlacementPolicy;
  const invalid = invalidProfile(input.profile);
  if (invalid) return { ok: false, reason: invalid };

  const rule = decideRule(input.profile, policy);
  const targets = policy.targets[rule.drPosture];
  const band = sizeBand(input.profile.expectedUsers, policy);
  const because = rule.because ? ` because ${rule.because}` : '';
  const why = `${rule.why} (RPO ${targets.rpoSeconds} s, RTO ${targets.rtoSeconds} s, backups kept ${targets.backupRetentionDays} days)${because}`;
  const sized = `size ${band.name} for ${input.profile.expectedUsers} expected users`;
  const note = complianceNote(input.profile, policy);

  if (rule.model === 'dedicated') {
    return {
      ok: true,
      placement: {
        model: 'dedicated',
        cell: null,
        cluster: input.dedicatedCluster,
        drPosture: rule.drPosture,
        ...targets,
        resources: resources(rule, band, policy),
        reason: `${why}; dedicated node group and Aurora cluster on ${input.dedicatedCluster}, ${sized}${note}.`,
      },
    };
  }

  const choice = chooseCell(input.cells, input.region, input.profile.criticality, rule.drPosture);
  if (!choice.ok) return { ok: false, reason: `${why}, but ${choice.reason}.` };
  const { cell } = choice;
  return {
    ok: true,
    placement: {
      model: 'pooled',
      cell: cell.id,
      cluster: cell.cluster,
      drPosture: rule.drPosture,
      ...targets,
      resources: resources(rule, band, policy),
      reason:
        `${why}; cell ${cell.id} is the least-loaded eligible cell in ${input.region} ` +
        `(${cell.load} of ${cell.capacity} tenants), ${sized}${note}.`,
    },
  };
}

function decideRule(profile: TenantProfile, policy: PlacementPolicy): Rule {
  const forcing = [
    ...(profile.criticality === 'critical' ? ['critical criticality'] : []),
    ...forcingCompliance(profile, policy).map((c) => `${c} compliance`),
    ...(profile.customization === 'heavy' && profile.expectedUsers >= policy.heavyCustomizationUsersForDedicated
      ? [`heavy customization with ${profile.expectedUsers} expected users (at least ${policy.heavyCustomizationUsersForDedicated})`]
      : []),
  ];
  if (forcing.length > 0) {
    const verb = forcing.length > 1 ? 'require' : 'requires';
    return { model: 'dedicated', drPosture: 'warm-standby', why: `${joinAnd(forcing)} ${verb} a dedicated placement with warm standby` };
  }
  if (profile.criticality === 'standard') {
    return profile.customization === 'heavy'
      ? { model: 'dedicated', drPosture: 'pilot-light', why: 'standard criticality with heavy customization is placed dedicated with pilot light' }
      : { model: 'pooled', drPosture: 'pilot-light', why: 'standard criticality is placed pooled with pilot light' };
  }
  if (profile.customization === 'heavy') {
    // The table's backup-restore row covers light customization only: a heavily customized
    // database (custom modules, data migrations) is slower and riskier to rebuild from backups.
    return {
      model: 'pooled',
      drPosture: 'pilot-light',
      why: 'low criticality with heavy customization is placed pooled with pilot light',
      because:
        `backup-restore covers light customization only and, below ${policy.heavyCustomizationUsersForDedicated} expected users, ` +
        `heavy customization does not need a dedicated placement`,
    };
  }
  const customization = profile.customization === 'none' ? 'no customization' : 'light customization';
  return { model: 'pooled', drPosture: 'backup-restore', why: `low criticality with ${customization} is placed pooled with backup-restore` };
}

function forcingCompliance(profile: TenantProfile, policy: PlacementPolicy): string[] {
  const forcing = new Set(policy.dedicatedCompliance.map(normalise));
  return unique(profile.compliance.map(normalise).filter((c) => forcing.has(c)));
}

/** Regimes that did not change the decision are named, so nobody wonders whether they were seen. */
function complianceNote(profile: TenantProfile, policy: PlacementPolicy): string {
  const forcing = new Set(forcingCompliance(profile, policy));
  const others = unique(profile.compliance.map(normalise).filter((c) => c && !forcing.has(c)));
  if (others.length === 0) return '';
  return `; ${others.join(', ')} compliance does not by itself require a dedicated placement`;
}

type CellChoice = { ok: true; cell: CellLoad } | { ok: false; reason: string };

/**
 * The eligible cell with the lowest share of its capacity in use (ties: lowest id). Share, not count,
 * so a large cell is not passed over for a small one that is nearly full. A cell protected only by
 * snapshot copies cannot meet a pilot light's RPO and is not eligible for one; a backup-restore
 * tenant goes to such a cell first, so the cells with a global database keep their room for the
 * tenants that need it.
 */
export function chooseCell(cells: CellLoad[], region: string, criticality: Criticality, posture: DrPosture = 'pilot-light'): CellChoice {
  if (cells.length === 0) return { ok: false, reason: 'no pooled cells are configured' };
  const refusals: string[] = [];
  const eligible: CellLoad[] = [];
  for (const cell of [...cells].sort(byId)) {
    if (cell.region !== region) refusals.push(`${cell.id} is in ${cell.region}, not ${region}`);
    else if (!cell.accepts.includes(criticality)) {
      refusals.push(`${cell.id} does not accept ${criticality} tenants (accepts ${cell.accepts.join(', ') || 'none'})`);
    } else if (posture === 'pilot-light' && cell.protection === 'backup-restore') {
      refusals.push(`${cell.id} is protected by snapshot copies only, not enough for pilot light`);
    } else if (!(cell.load < cell.capacity)) refusals.push(`${cell.id} is full (${cell.load} of ${cell.capacity} tenants)`);
    else eligible.push(cell);
  }
  const matches = (c: CellLoad) => (posture === 'backup-restore' && c.protection === 'backup-restore' ? 0 : 1);
  const [best] = eligible.sort((a, b) => matches(a) - matches(b) || a.load / a.capacity - b.load / b.capacity || byId(a, b));
  if (best) return { ok: true, cell: best };
  return { ok: false, reason: `no pooled cell can take a ${criticality} tenant in ${region}: ${refusals.join('; ')}` };
}

function resources(rule: Rule, band: SizeBand, policy: PlacementPolicy): PlacementResources {
  const minReplicas = Math.max(band.compute.web.minReplicas, policy.minWebReplicas[rule.drPosture]);
  const compute: ComputeSizing = {
    quota: { ...band.compute.quota },
    web: { ...band.compute.web, minReplicas, maxReplicas: Math.max(band.compute.web.maxReplicas, minReplicas) },
    workers: band.compute.workers,
  };
  if (rule.model === 'pooled') return { kind: 'pooled', ...compute };
  return {
    kind: 'dedicated',
    ...compute,
    nodeGroup: { ...band.nodeGroup },
    database: { engine: 'aurora-postgresql', instanceClass: band.databaseInstanceClass, instances: policy.databaseInstances[rule.drPosture] },
  };
}

export function sizeBand(expectedUsers: number, policy: PlacementPolicy = defaultPlacementPolicy): SizeBand {
  const band = policy.sizes.find((b) => b.maxUsers === null || expectedUsers <= b.maxUsers) ?? policy.sizes.at(-1);
  if (!band) throw new Error('placement policy has no size bands');
  return band;
}

function invalidProfile(profile: TenantProfile): string | null {
  if (!CRITICALITIES.includes(profile.criticality)) return `unknown criticality ${String(profile.criticality)}`;
  if (!CUSTOMIZATIONS.includes(profile.customization)) return `unknown customization ${String(profile.customization)}`;
  if (!Number.isFinite(profile.expectedUsers) || profile.expectedUsers < 0) {
    return `expectedUsers must be a non-negative number, got ${String(profile.expectedUsers)}`;
  }
  return null;
}

const normalise = (s: string) => s.trim().toUpperCase();
const unique = (xs: string[]) => [...new Set(xs)];
const byId = (a: CellLoad, b: CellLoad) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
