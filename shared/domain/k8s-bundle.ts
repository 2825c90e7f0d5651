/**
 * A tenant's whole Kubernetes desired state, rendered from its record: pure, deterministic, and in
 * the order it must be applied (namespace first, then what constrains pods, then the pods, then
 * what routes to them). It holds names of secrets, never their values: the External Secrets
 * operator materialises `odoo-secrets` from Secrets Manager inside the cluster.
 */
import { createHash } from 'node:crypto';
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import { renderNetworkPolicies } from './k8s-network-policies.ts';
import { renderOdooDeployments } from './k8s-odoo-deployments.ts';
import {
  CELL_LABEL,
  CONFIG_KEYS,
  CONFIG_NAME,
  DATA_DIR,
  HTTP_PORT,
  SECRET_KEYS,
  SECRET_NAME,
  TENANT_LABEL,
  WEBSOCKET_PORT,
  assertSingleLine,
  componentLabels,
  componentSelector,
  cpuMillis,
  formatCpu,
  resourcesFor,
  tenantLabels,
} from './k8s-pod-spec.ts';
import { names } from './names.ts';
import type { Tenant } from './types.ts';

export { renderFinalDumpJob, renderInitJob, renderUpgradeJob, type FinalDumpJobInput, type InitJobInput, type UpgradeJobInput } from './k8s-jobs.ts';

export interface TenantBundleInput {
  tenant: Pick<Tenant, 'tenantId' | 'hostname' | 'release' | 'placement' | 'profile'>;
  image: string;
  database: {
    host: string;
    port: number;
    name: string;
    /** Secrets Manager secret (name or ARN) holding `{username, password}`. */
    secretName: string;
  };
  filestore: { bucket: string; prefix: string };
  /** Secrets Manager secret (name or ARN) holding the Odoo admin `{login, password}`. */
  adminSecretName: string;
  region: string;
  ingress: { namespace: string; certResolver: string };
}

/** The ClusterSecretStore (installed with the External Secrets operator) that reads Secrets Manager. */
export const SECRET_STORE = 'aws-secrets-manager';
export const INGRESS_ROUTE_NAME = 'odoo';

export function renderTenantBundle(input: TenantBundleInput): K8sObject[] {
  const { tenant } = input;
  const id = tenant.tenantId;
  const ns = names.namespace(id);
  const sizing = tenant.placement.resources;
  const labels = tenantLabels(id);
  const meta = (name: string, extra: Record<string, string> = {}) => ({ name, namespace: ns, labels: { ...labels, ...extra } });
  const odooConf = renderOdooConf(input);
  const webSelector = componentSelector('web');

  const namespace: K8sObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: ns,
      labels: {
        ...labels,
        'odoo.fleet/model': tenant.placement.model,
        'odoo.fleet/criticality': tenant.profile.criticality,
        // Dedicated tenants belong to no cell; the label is left off rather than given a fake value.
        ...(tenant.placement.cell ? { [CELL_LABEL]: tenant.placement.cell } : {}),
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  };

  const quota: K8sObject = {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: meta('odoo-quota'),
    spec: {
      hard: {
        'requests.cpu': sizing.quota.cpu,
        'requests.memory': sizing.quota.memory,
        // Containers may burst CPU to twice their request (see resourcesFor); memory never.
        'limits.cpu': formatCpu(cpuMillis(sizing.quota.cpu) * 2),
        'limits.memory': sizing.quota.memory,
        pods: String(sizing.quota.pods),
      },
    },
  };

  const webResources = resourcesFor({ cpu: sizing.web.cpu, memory: sizing.web.memory }) as { requests: object; limits: object };
  const limitRange: K8sObject = {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: meta('odoo-limits'),
    spec: { limits: [{ type: 'Container', defaultRequest: webResources.requests, default: webResources.limits }] },
  };

  const serviceAccount: K8sObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(names.serviceAccount()),
    automountServiceAccountToken: false,
  };

  const remote = (secretKey: string, key: string, property: string) => ({ secretKey, remoteRef: { key, property } });
  const externalSecret: K8sObject = {
    apiVersion: 'external-secrets.io/v1beta1',
    kind: 'ExternalSecret',
    metadata: meta(SECRET_NAME),
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: SECRET_STORE },
      target: { name: SECRET_NAME, creationPolicy: 'Owner', template: { type: 'Opaque', metadata: { labels } } },
      data: [
        remote(SECRET_KEYS.dbUsername, input.database.secretName, 'username'),
        remote(SECRET_KEYS.dbPassword, input.database.secretName, 'password'),
        remote(SECRET_KEYS.adminLogin, input.adminSecretName, 'login'),
        remote(SECRET_KEYS.adminPassword, input.adminSecretName, 'password'),
      ],
    },
  };

  const configMap: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(CONFIG_NAME),
    data: {
      'odoo.conf': odooConf,
      [CONFIG_KEYS.dbHost]: input.database.host,
      [CONFIG_KEYS.dbPort]: String(input.database.port),
      [CONFIG_KEYS.region]: input.region,
    },
  };

  const deployments = renderOdooDeployments({
    tenantId: id,
    namespace: ns,
    image: input.image,
    placement: tenant.placement,
    configHash: createHash('sha256').update(odooConf).digest('hex').slice(0, 16),
    env: {
      AWS_REGION: input.region,
      AWS_DEFAULT_REGION: input.region,
      // Read by the image's S3 attachment storage: the filestore lives in S3, not on the pod.
      ODOO_FILESTORE_BUCKET: input.filestore.bucket,
      ODOO_FILESTORE_PREFIX: input.filestore.prefix,
    },
  });

  const service = (name: string, component: 'web' | 'worker', portName: string, port: number): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, componentLabels(id, component)),
    spec: { type: 'ClusterIP', selector: componentSelector(component), ports: [{ name: portName, port, targetPort: portName, protocol: 'TCP' }] },
  });

  const host = assertSingleLine('hostname', tenant.hostname);
  if (!/^[a-z0-9.-]+$/.test(host)) throw new Error(`invalid hostname: ${host}`);
  const ingressRoute: K8sObject = {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'IngressRoute',
    metadata: meta(INGRESS_ROUTE_NAME),
    spec: {
      entryPoints: ['websecure'],
      routes: [
        // Traefik ranks rules by length, so the websocket rule wins over the host-only one.
        { kind: 'Rule', match: `Host(\`${host}\`) && PathPrefix(\`/websocket\`)`, services: [{ kind: 'Service', name: 'odoo-longpolling', port: WEBSOCKET_PORT }] },
        {
          kind: 'Rule',
          match: `Host(\`${host}\`)`,
          services: [
            {
              kind: 'Service',
              name: 'odoo-web',
              port: HTTP_PORT,
              // Odoo keeps sessions in each pod's data_dir: a user stays on the pod that knows them.
              sticky: { cookie: { name: 'odoo_route', secure: true, httpOnly: true, sameSite: 'lax' } },
            },
          ],
        },
      ],
      tls: { certResolver: input.ingress.certResolver, domains: [{ main: host }] },
    },
  };

  const { minReplicas } = sizing.web;
  const pdb: K8sObject = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta('odoo-web', componentLabels(id, 'web')),
    spec: { ...(minReplicas > 1 ? { minAvailable: 1 } : { maxUnavailable: 1 }), selector: { matchLabels: webSelector } },
  };

  const hpa: K8sObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('odoo-web', componentLabels(id, 'web')),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'odoo-web' },
      minReplicas: Math.max(1, minReplicas),
      maxReplicas: Math.max(1, minReplicas, sizing.web.maxReplicas),
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  };

  return [
    namespace,
    quota,
    limitRange,
    ...renderNetworkPolicies(id, ns, input.ingress.namespace),
    serviceAccount,
    externalSecret,
    configMap,
    ...deployments,
    service('odoo-web', 'web', 'http', HTTP_PORT),
    service('odoo-longpolling', 'worker', 'websocket', WEBSOCKET_PORT),
    ingressRoute,
    pdb,
    hpa,
  ];
}

/**
 * The non-secret odoo.conf. `db_user`/`db_password` are left out on purpose (libpq reads them from
 * the environment); crons are off by default so only `odoo-cron` runs them; memory limits are
 * Odoo's documented per-worker address-space bounds, the container limit being the real cap.
 */
export function renderOdooConf(input: Pick<TenantBundleInput, 'tenant' | 'database'>): string {
  const db = input.database;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(db.name)) throw new Error(`invalid database name: ${db.name}`);
  const options: [string, string | number][] = [
    ['db_host', assertSingleLine('database host', db.host)],
    ['db_port', db.port],
    ['db_name', db.name],
    ['db_sslmode', 'require'],
    ['dbfilter', `^${db.name}$`],
    ['list_db', 'False'],
    ['proxy_mode', 'True'],
    ['data_dir', DATA_DIR],
    ['http_port', HTTP_PORT],
    ['gevent_port', WEBSOCKET_PORT],
    ['workers', input.tenant.placement.resources.workers],
    ['max_cron_threads', 0],
    ['limit_memory_soft', 2048 * 2 ** 20],
    ['limit_memory_hard', 2560 * 2 ** 20],
    ['limit_time_cpu', 600],
    ['limit_time_real', 1200],
    ['limit_time_real_cron', 1800],
    ['limit_request', 65536],
    ['without_demo', 'all'],
    ['log_level', 'info'],
  ];
  return ['[options]', ...options.map(([k, v]) => `${k} = ${v}`), ''].join('\n');
}

/** The label every object of a tenant carries, for listing and sweeping. */
export const tenantSelector = (tenantId: string) => `${TENANT_LABEL}=${tenantId}`;
