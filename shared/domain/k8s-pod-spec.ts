/**
 * The parts every Odoo pod of a tenant shares: labels, the Pod Security "restricted" contexts,
 * where it may run (cell pool or the tenant's own tainted node group), the writable scratch
 * volumes a read-only root file system needs, and how credentials reach it (Secret references,
 * never values). The tenant bundle and the tenant's Jobs are both built from these.
 */
import type { Placement } from './types.ts';

export const MANAGED_BY = 'odoo-fleet-control-plane';
/** The `odoo` user of the official image. */
export const ODOO_UID = 101;
export const SECRET_NAME = 'odoo-secrets';
export const CONFIG_NAME = 'odoo-config';
export const CONFIG_DIR = '/etc/odoo';
export const CONFIG_PATH = `${CONFIG_DIR}/odoo.conf`;
export const DATA_DIR = '/var/lib/odoo';
export const HTTP_PORT = 8069;
export const WEBSOCKET_PORT = 8072;
export const TENANT_LABEL = 'odoo.fleet/tenant';
export const CELL_LABEL = 'odoo.fleet/cell';

/** Keys of the `odoo-secrets` Secret that the ExternalSecret materialises. */
export const SECRET_KEYS = {
  dbUsername: 'db-username',
  dbPassword: 'db-password',
  adminLogin: 'admin-login',
  adminPassword: 'admin-password',
} as const;

/** Keys of the `odoo-config` ConfigMap besides `odoo.conf`, for the Jobs that are not Odoo. */
export const CONFIG_KEYS = { dbHost: 'db-host', dbPort: 'db-port', region: 'aws-region' } as const;

export type Component = 'web' | 'worker' | 'cron' | 'init' | 'upgrade' | 'final-dump';

export function tenantLabels(tenantId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [TENANT_LABEL]: tenantId, 'app.kubernetes.io/managed-by': MANAGED_BY, ...extra };
}

/** Selector labels: stable for the life of a Deployment (its selector is immutable). */
export function componentSelector(component: Component): Record<string, string> {
  return { 'app.kubernetes.io/name': 'odoo', 'app.kubernetes.io/component': component };
}

export function componentLabels(tenantId: string, component: Component): Record<string, string> {
  return tenantLabels(tenantId, componentSelector(component));
}

const RUNTIME_DEFAULT = { type: 'RuntimeDefault' };

export function podSecurityContext(): Record<string, unknown> {
  return { runAsNonRoot: true, runAsUser: ODOO_UID, runAsGroup: ODOO_UID, fsGroup: ODOO_UID, seccompProfile: RUNTIME_DEFAULT };
}

export function containerSecurityContext(): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: ODOO_UID,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: RUNTIME_DEFAULT,
  };
}

/** Which nodes may run the tenant's pods. Scheduling is optional for Jobs rendered without a placement. */
export type Scheduling = Pick<Placement, 'model' | 'cell'>;

export function schedulingFor(tenantId: string, placement: Scheduling | undefined): Record<string, unknown> {
  if (!placement) return {};
  if (placement.model === 'dedicated') {
    return {
      nodeSelector: { [TENANT_LABEL]: tenantId },
      tolerations: [{ key: TENANT_LABEL, operator: 'Equal', value: tenantId, effect: 'NoSchedule' }],
    };
  }
  if (!placement.cell) throw new Error(`pooled tenant ${tenantId} has no cell`);
  return { nodeSelector: { [CELL_LABEL]: placement.cell } };
}

/** The pod fields every tenant pod has, whatever it runs. */
export function basePodSpec(tenantId: string, placement: Scheduling | undefined): Record<string, unknown> {
  return {
    serviceAccountName: 'odoo',
    // Odoo never calls the Kubernetes API; EKS Pod Identity brings its own token volume.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: podSecurityContext(),
    ...schedulingFor(tenantId, placement),
  };
}

/** Writable scratch space on a read-only root file system, plus the non-secret configuration. */
export function odooVolumes(): Record<string, unknown>[] {
  return [
    { name: 'config', configMap: { name: CONFIG_NAME, items: [{ key: 'odoo.conf', path: 'odoo.conf' }] } },
    { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
    { name: 'data', emptyDir: { sizeLimit: '2Gi' } },
  ];
}

export function odooVolumeMounts(): Record<string, unknown>[] {
  return [
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'data', mountPath: DATA_DIR },
  ];
}

export function secretEnv(name: string, key: string): Record<string, unknown> {
  return { name, valueFrom: { secretKeyRef: { name: SECRET_NAME, key } } };
}

export function configEnv(name: string, key: string): Record<string, unknown> {
  return { name, valueFrom: { configMapKeyRef: { name: CONFIG_NAME, key } } };
}

/**
 * Database credentials reach Odoo as libpq's own variables: odoo.conf leaves `db_user` and
 * `db_password` unset, so psycopg2 takes them from the environment and no file holds them.
 */
export function databaseCredentialEnv(): Record<string, unknown>[] {
  return [secretEnv('PGUSER', SECRET_KEYS.dbUsername), secretEnv('PGPASSWORD', SECRET_KEYS.dbPassword)];
}

/** CPU quantity (`500m`, `2`, `1.5`) in millicores. */
export function cpuMillis(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity.trim());
  if (!m) throw new Error(`unsupported CPU quantity: ${quantity}`);
  const value = Number(m[1]);
  return Math.round(m[2] ? value : value * 1000);
}

const MEMORY_UNITS: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** Memory quantity (`512Mi`, `2Gi`, `1G`) in bytes. */
export function memoryBytes(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?)?$/.exec(quantity.trim());
  if (!m) throw new Error(`unsupported memory quantity: ${quantity}`);
  return Math.round(Number(m[1]) * (MEMORY_UNITS[m[2] ?? ''] ?? 1));
}

export const formatCpu = (millis: number) => `${Math.max(1, Math.round(millis))}m`;
export const formatMemory = (bytes: number) => `${Math.max(1, Math.round(bytes / 2 ** 20))}Mi`;

export interface ContainerSize {
  cpu: string;
  memory: string;
}

/**
 * Requests as sized; CPU may burst to twice the request (Odoo is bursty and CPU is compressible),
 * memory is capped at the request so a node is never overcommitted on memory.
 */
export function resourcesFor(size: ContainerSize): Record<string, unknown> {
  return {
    requests: { cpu: size.cpu, memory: size.memory },
    limits: { cpu: formatCpu(cpuMillis(size.cpu) * 2), memory: size.memory },
  };
}

/** A value written into odoo.conf or a shell line must not be able to add a line of its own. */
export function assertSingleLine(what: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`${what} must be a single line`);
  return value;
}
