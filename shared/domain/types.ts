/** The records of the control plane: what the API returns and what DynamoDB holds. */
import type { LastDrill } from './drill-types.ts';
import type { ReleaseCalendar } from './release-windows.ts';

export const TENANT_STATUSES = [
  'PROVISIONING',
  'ACTIVE',
  'UPDATING',
  'FAILING_OVER',
  'SUSPENDED',
  'OFFBOARDING',
  'DELETED',
  'FAILED',
] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export const CRITICALITIES = ['low', 'standard', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

export const CUSTOMIZATIONS = ['none', 'light', 'heavy'] as const;
export type Customization = (typeof CUSTOMIZATIONS)[number];

export type TenancyModel = 'pooled' | 'dedicated';
export type DrPosture = 'backup-restore' | 'pilot-light' | 'warm-standby';

export interface TenantProfile {
  criticality: Criticality;
  customization: Customization;
  /** Compliance regimes such as `PCI`, `SOX`, `GDPR`. PCI and SOX force a dedicated placement. */
  compliance: string[];
  expectedUsers: number;
}

/** Kubernetes-side sizing shared by both models. */
export interface ComputeSizing {
  /** ResourceQuota of the namespace. */
  quota: { cpu: string; memory: string; pods: number };
  web: { minReplicas: number; maxReplicas: number; cpu: string; memory: string };
  workers: number;
}

export interface PooledResources extends ComputeSizing {
  kind: 'pooled';
}

export interface DedicatedResources extends ComputeSizing {
  kind: 'dedicated';
  nodeGroup: { instanceType: string; minSize: number; desiredSize: number; maxSize: number };
  database: { engine: 'aurora-postgresql'; instanceClass: string; instances: number };
}

export type PlacementResources = PooledResources | DedicatedResources;

export interface Placement {
  model: TenancyModel;
  /** The pooled cell (shared Aurora cluster + node pool); null for dedicated tenants. */
  cell: string | null;
  /** The EKS cluster the tenant's namespace lives on. */
  cluster: string;
  drPosture: DrPosture;
  rpoSeconds: number;
  rtoSeconds: number;
  backupRetentionDays: number;
  resources: PlacementResources;
  /** Why this placement, in words an operator can check against the policy. */
  reason: string;
}

export interface Lease {
  owner: string; // operation id
  expiresAt: string;
}

/** What the workflows actually made, filled in step by step. Only names and ARNs: never a secret value. */
export interface TenantResources {
  database?: {
    kind: TenancyModel;
    clusterIdentifier: string;
    instanceIdentifiers?: string[];
    databaseName: string;
    roleName: string;
    endpoint?: string;
    secretArn: string;
  };
  filestore?: { bucket: string; prefix: string };
  compute?: { cluster: string; nodegroup?: string; podIdentityRoleArn?: string; podIdentityAssociationId?: string };
  kubernetes?: { namespace: string; objects: number; desiredStateVersion: number };
  dns?: { zone: string; name: string; target: string };
  adminSecretArn?: string;
  finalBackup?: { snapshotIdentifier?: string; dumpKey?: string; filestoreExportPrefix?: string; bucket?: string };
  /**
   * What the DR posture keeps in the fleet's other region (dedicated tenants; pooled tenants use
   * their cell's `dr` section): the Aurora global database and its secondary there (headless for
   * pilot light, with instances for warm standby), and the filestore bucket's replica.
   */
  dr?: {
    region: string;
    globalClusterIdentifier?: string;
    clusterIdentifier?: string;
    instanceIdentifiers?: string[];
    bucket?: string;
    /** Warm standby: its node group there, kept at one node. */
    nodegroup?: string;
  };
}

/** Whether the tenant could fail over to `toRegion` now, and meet its targets: the scheduled readiness report. */
export interface DrReadinessReport {
  checkedAt: string;
  fromRegion: string;
  toRegion: string;
  /** Every blocking check passed (a planned switchover could start now). */
  ready: boolean;
  /** Targets a failover now would miss. */
  wouldMiss: ('RPO' | 'RTO')[];
  expectedDataLossSeconds: number | null;
  checks: { name: string; passed: boolean; blocking: boolean; detail: string }[];
}

export interface Tenant {
  tenantId: string;
  displayName: string;
  profile: TenantProfile;
  odooVersion: string;
  hostname: string;
  tags: string[];
  regions: { primary: string; dr: string };
  status: TenantStatus;
  statusReason?: string;
  placement: Placement;
  resources: TenantResources;
  release: { image: string; modules: string[] };
  activeRegion: string;
  /** The newest finished restore drill (written by the drill alone: it never changes the version). */
  lastDrill: LastDrill | null;
  /** The newest scheduled failover readiness report (written out of band: it never changes the version). */
  drReadiness?: DrReadinessReport;
  /** The drill running on the tenant, which keeps a second one from starting. */
  drillLock?: { drillId: string; expiresAt: string };
  /** When a release may start on the tenant; none means always (every day, around the clock, UTC). */
  releaseCalendar?: ReleaseCalendar;
  lease?: Lease;
  version: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
}

export type OperationType = 'PROVISION' | 'OFFBOARD' | 'RELEASE' | 'DRILL';
export type OperationStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'WAITING_APPROVAL';
export type StepStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

export interface OperationStep {
  name: string;
  status: StepStatus;
  startedAt: string;
  endedAt?: string;
  attempts: number;
  error?: { code: string; message: string };
  /** Short facts the step reports (resource ids, statuses); never secrets. */
  detail?: Record<string, unknown>;
}

export interface Operation {
  operationId: string;
  type: OperationType;
  tenantId: string;
  status: OperationStatus;
  executionArn?: string;
  requestedBy: string;
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
  steps: OperationStep[];
  error?: { code: string; message: string };
}

export interface ChangeEvent {
  tenantId: string;
  changeId: string;
  at: string;
  actor: string;
  operationId?: string;
  executionArn?: string;
  /** What happened, e.g. `TenantCreated`, `StatusChanged`, `DatabaseEnsured`. */
  type: string;
  before?: unknown;
  after?: unknown;
}
