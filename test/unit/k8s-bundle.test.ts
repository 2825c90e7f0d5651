import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, LimitRange, Namespace, ResourceQuota, Service, ServiceAccount } from 'kubernetes-models/v1';
import { IngressRoute } from '@kubernetes-models/traefik/traefik.io/v1alpha1';
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import { renderFinalDumpJob, renderInitJob, renderTenantBundle, type TenantBundleInput } from '#shared/domain/k8s-bundle.ts';
import type { Placement } from '#shared/domain/types.ts';

const pooledPlacement: Placement = {
  model: 'pooled',
  cell: 'cell-a',
  cluster: 'fleet-eu-1',
  drPosture: 'backup-restore',
  rpoSeconds: 86_400,
  rtoSeconds: 28_800,
  backupRetentionDays: 7,
  resources: {
    kind: 'pooled',
    quota: { cpu: '4', memory: '8Gi', pods: 20 },
    web: { minReplicas: 1, maxReplicas: 3, cpu: '500m', memory: '1Gi' },
    workers: 2,
  },
  reason: 'low criticality, light customization',
};

const dedicatedPlacement: Placement = {
  ...pooledPlacement,
  model: 'dedicated',
  cell: null,
  drPosture: 'warm-standby',
  resources: {
    kind: 'dedicated',
    quota: { cpu: '16', memory: '32Gi', pods: 40 },
    web: { minReplicas: 2, maxReplicas: 6, cpu: '1', memory: '2Gi' },
    workers: 4,
    nodeGroup: { instanceType: 'm6i.xlarge', minSize: 2, desiredSize: 2, maxSize: 4 },
    database: { engine: 'aurora-postgresql', instanceClass: 'db.r6g.large', instances: 2 },
  },
  reason: 'critical PCI tenant',
};

function bundleInput(placement: Placement, tenantId = 'acme'): TenantBundleInput {
  return {
    tenant: {
      tenantId,
      hostname: `${tenantId}.odoo.example.com`,
      release: { image: 'odoo:17.0', modules: ['sale'] },
      placement,
      profile: { criticality: 'low', customization: 'light', compliance: [], expectedUsers: 10 },
    },
    image: 'odoo:17.0',
    database: { host: 'cell-a.cluster-xyz.eu-west-1.rds.amazonaws.com', port: 5432, name: 'odoo_acme', secretName: 'odoo/acme/db' },
    filestore: { bucket: 'odoo-cell-a-filestore', prefix: 'tenants/acme/' },
    adminSecretName: 'odoo/acme/admin',
    region: 'eu-west-1',
    ingress: { namespace: 'traefik', certResolver: 'letsencrypt' },
  };
}

const initJob = () => renderInitJob({ tenantId: 'acme', image: 'odoo:17.0', operationId: 'op-01HZY4K2ABCDEFGH', databaseName: 'odoo_acme', modules: ['sale', 'stock'] });
const dumpJob = () =>
  renderFinalDumpJob({ tenantId: 'acme', operationId: 'op-01HZY4K2ABCDEFGH', databaseName: 'odoo_acme', archiveBucket: 'odoo-archive', archiveKey: 'offboarded/acme/op/database.dump' });

/** External Secrets Operator v1beta1, the fields we use (the package has no model for it). */
const externalSecretSchema = z.object({
  apiVersion: z.literal('external-secrets.io/v1beta1'),
  kind: z.literal('ExternalSecret'),
  metadata: z.object({ name: z.string().min(1), namespace: z.string().min(1) }).passthrough(),
  spec: z.object({
    refreshInterval: z.string().regex(/^\d+[smh]$/),
    secretStoreRef: z.object({ kind: z.enum(['SecretStore', 'ClusterSecretStore']), name: z.string().min(1) }),
    target: z.object({ name: z.string().min(1), creationPolicy: z.enum(['Owner', 'Orphan', 'Merge', 'None']) }).passthrough(),
    data: z
      .array(z.object({ secretKey: z.string().regex(/^[-._a-zA-Z0-9]+$/), remoteRef: z.object({ key: z.string().min(1), property: z.string().min(1) }).strict() }).strict())
      .min(1),
  }),
});

const models: Record<string, new (data: never) => { validate(): void }> = {
  Namespace,
  ResourceQuota,
  LimitRange,
  ServiceAccount,
  ConfigMap,
  Service,
  NetworkPolicy,
  Deployment,
  PodDisruptionBudget,
  HorizontalPodAutoscaler,
  Job,
  IngressRoute,
};

function validate(obj: K8sObject): void {
  if (obj.kind === 'ExternalSecret') {
    externalSecretSchema.parse(obj);
    return;
  }
  const Model = models[obj.kind];
  if (!Model) throw new Error(`no schema for ${obj.kind}`);
  new Model(obj as never).validate();
}

interface Container {
  name: string;
  securityContext?: { allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[]; add?: string[] }; privileged?: boolean; runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  ports?: { hostPort?: number }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  args?: string[];
  command?: string[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: Record<string, unknown>[];
  containers: Container[];
  initContainers?: Container[];
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string; value: string; effect: string }[];
  serviceAccountName?: string;
}

const podSpecOf = (obj: K8sObject) => (obj.spec as { template: { spec: PodSpec } }).template.spec;
const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not rendered`);
  return found;
};

/** The Pod Security Standard "restricted" profile, as the admission controller checks it. */
function restrictedViolations(spec: PodSpec): string[] {
  const out: string[] = [];
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) out.push('host namespaces');
  const allowedVolumes = ['configMap', 'emptyDir', 'projected', 'secret', 'downwardAPI', 'csi', 'persistentVolumeClaim', 'ephemeral'];
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!type || !allowedVolumes.includes(type)) out.push(`volume type ${type}`);
  }
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation`);
    if (!sc.capabilities?.drop?.includes('ALL')) out.push(`${c.name}: capabilities not dropped`);
    if ((sc.capabilities?.add ?? []).some((a) => a !== 'NET_BIND_SERVICE')) out.push(`${c.name}: capabilities added`);
    if (sc.privileged) out.push(`${c.name}: privileged`);
    if (sc.runAsNonRoot !== true && spec.securityContext?.runAsNonRoot !== true) out.push(`${c.name}: runAsNonRoot`);
    if ((sc.runAsUser ?? spec.securityContext?.runAsUser) === 0) out.push(`${c.name}: runs as root`);
    if ((sc.seccompProfile ?? spec.securityContext?.seccompProfile)?.type !== 'RuntimeDefault') out.push(`${c.name}: seccomp`);
    if ((c.ports ?? []).some((p) => p.hostPort)) out.push(`${c.name}: hostPort`);
  }
  return out;
}

describe('renderTenantBundle', () => {
  it('renders only objects that validate against their Kubernetes, Traefik and External Secrets schemas', () => {
    // prepare
    const rendered = [...renderTenantBundle(bundleInput(pooledPlacement)), ...renderTenantBundle(bundleInput(dedicatedPlacement)), initJob(), dumpJob()];

    // act
    const failures = rendered.flatMap((obj) => {
      try {
        validate(obj);
        return [];
      } catch (e) {
        return [`${obj.kind}/${obj.metadata.name}: ${(e as Error).message}`];
      }
    });

    // assess
    expect(failures).toEqual([]);
    expect(new Set(rendered.map((o) => o.kind))).toEqual(new Set([...Object.keys(models), 'ExternalSecret']));
  });

  it('applies the namespace first and routes last, in a stable order', () => {
    // act
    const kinds = renderTenantBundle(bundleInput(pooledPlacement)).map((o) => `${o.kind}/${o.metadata.name}`);

    // assess
    expect(kinds).toEqual([
      'Namespace/tenant-acme',
      'ResourceQuota/odoo-quota',
      'LimitRange/odoo-limits',
      'NetworkPolicy/default-deny',
      'NetworkPolicy/allow-ingress-from-traefik',
      'NetworkPolicy/allow-egress-dns',
      'NetworkPolicy/allow-egress-postgres',
      'NetworkPolicy/allow-egress-https',
      'NetworkPolicy/allow-egress-pod-identity',
      'ServiceAccount/odoo',
      'ExternalSecret/odoo-secrets',
      'ConfigMap/odoo-config',
      'Deployment/odoo-web',
      'Deployment/odoo-worker',
      'Deployment/odoo-cron',
      'Service/odoo-web',
      'Service/odoo-longpolling',
      'IngressRoute/odoo',
      'PodDisruptionBudget/odoo-web',
      'HorizontalPodAutoscaler/odoo-web',
    ]);
  });

  it('renders the same bundle twice from the same tenant, every object labelled and in the tenant namespace', () => {
    // act
    const first = renderTenantBundle(bundleInput(pooledPlacement));
    const second = renderTenantBundle(bundleInput(pooledPlacement));

    // assess
    expect(JSON.stringify(first)).toBe(JSON.stringify(second));
    for (const obj of [...first, initJob(), dumpJob()]) {
      expect(obj.metadata.labels?.['odoo.fleet/tenant']).toBe('acme');
      expect(obj.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('odoo-fleet-control-plane');
      if (obj.kind !== 'Namespace') expect(obj.metadata.namespace).toBe('tenant-acme');
    }
  });

  it('labels the namespace for the restricted Pod Security Standard and with the tenant placement', () => {
    // act
    const ns = named(renderTenantBundle(bundleInput(pooledPlacement)), 'Namespace', 'tenant-acme');

    // assess
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'odoo.fleet/tenant': 'acme',
      'odoo.fleet/model': 'pooled',
      'odoo.fleet/cell': 'cell-a',
      'odoo.fleet/criticality': 'low',
    });
  });

  it('makes every pod template compliant with the restricted Pod Security Standard', () => {
    // prepare
    const workloads = [...renderTenantBundle(bundleInput(dedicatedPlacement)), initJob(), dumpJob()].filter((o) => o.kind === 'Deployment' || o.kind === 'Job');

    // act
    const violations = workloads.flatMap((w) => restrictedViolations(podSpecOf(w)).map((v) => `${w.metadata.name}: ${v}`));

    // assess
    expect(workloads).toHaveLength(5);
    expect(violations).toEqual([]);
    for (const w of workloads) {
      const spec = podSpecOf(w);
      expect(spec.serviceAccountName).toBe('odoo');
      expect(spec.securityContext?.runAsUser).toBe(101);
    }
  });

  it('denies all traffic by default and opens only ingress from Traefik and egress to DNS, PostgreSQL and HTTPS', () => {
    // act
    const policies = byKind(renderTenantBundle(bundleInput(pooledPlacement)), 'NetworkPolicy');

    // assess
    const deny = named(policies, 'NetworkPolicy', 'default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const ingress = named(policies, 'NetworkPolicy', 'allow-ingress-from-traefik').spec as { ingress: { from: unknown[]; ports: { port: number }[] }[] };
    expect(ingress.ingress[0]?.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } } }]);
    expect(ingress.ingress[0]?.ports.map((p) => p.port)).toEqual([8069, 8072]);
    const egressPorts = policies.flatMap((p) => ((p.spec as { egress?: { ports: { port: number; protocol: string }[] }[] }).egress ?? []).flatMap((e) => e.ports.map((x) => `${x.protocol}/${x.port}`)));
    expect(egressPorts.sort()).toEqual(['TCP/443', 'TCP/53', 'TCP/5432', 'TCP/80', 'UDP/53']);
  });

  it('schedules a pooled tenant on its cell node pool without tolerations', () => {
    // act
    const deployments = byKind(renderTenantBundle(bundleInput(pooledPlacement)), 'Deployment');

    // assess
    for (const d of deployments) {
      expect(podSpecOf(d).nodeSelector).toEqual({ 'odoo.fleet/cell': 'cell-a' });
      expect(podSpecOf(d).tolerations).toBeUndefined();
    }
  });

  it('schedules a dedicated tenant only on its own tainted node group', () => {
    // act
    const objects = renderTenantBundle(bundleInput(dedicatedPlacement));

    // assess
    for (const d of byKind(objects, 'Deployment')) {
      expect(podSpecOf(d).nodeSelector).toEqual({ 'odoo.fleet/tenant': 'acme' });
      expect(podSpecOf(d).tolerations).toEqual([{ key: 'odoo.fleet/tenant', operator: 'Equal', value: 'acme', effect: 'NoSchedule' }]);
    }
    expect(named(objects, 'Namespace', 'tenant-acme').metadata.labels?.['odoo.fleet/cell']).toBeUndefined();
  });

  it('sizes the quota, the web replicas, the autoscaler and the disruption budget from the placement', () => {
    // act
    const pooled = renderTenantBundle(bundleInput(pooledPlacement));
    const dedicated = renderTenantBundle(bundleInput(dedicatedPlacement));

    // assess
    expect((named(pooled, 'ResourceQuota', 'odoo-quota').spec as { hard: Record<string, string> }).hard).toMatchObject({
      'requests.cpu': '4',
      'requests.memory': '8Gi',
      'limits.memory': '8Gi',
      pods: '20',
    });
    expect((named(dedicated, 'Deployment', 'odoo-web').spec as { replicas: number }).replicas).toBe(2);
    expect(named(dedicated, 'HorizontalPodAutoscaler', 'odoo-web').spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 70 } } }],
    });
    expect(named(dedicated, 'PodDisruptionBudget', 'odoo-web').spec).toMatchObject({ minAvailable: 1 });
    expect(named(pooled, 'PodDisruptionBudget', 'odoo-web').spec).toMatchObject({ maxUnavailable: 1 });
    const web = podSpecOf(named(dedicated, 'Deployment', 'odoo-web')).containers[0];
    expect(web?.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2000m', memory: '2Gi' } });
  });

  it('gives each Odoo role its own process model, with crons only in odoo-cron', () => {
    // act
    const objects = renderTenantBundle(bundleInput(pooledPlacement));

    // assess
    const args = (name: string) => podSpecOf(named(objects, 'Deployment', name)).containers[0]?.args ?? [];
    expect(args('odoo-web')).toContain('--max-cron-threads=0');
    expect(args('odoo-worker')[0]).toBe('gevent');
    expect(args('odoo-worker')).toContain('--max-cron-threads=0');
    expect(args('odoo-cron')).toEqual(expect.arrayContaining(['--workers=0', '--max-cron-threads=2']));
    expect((named(objects, 'Deployment', 'odoo-cron').spec as { replicas: number; strategy: { type: string } })).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    for (const d of byKind(objects, 'Deployment')) {
      expect(podSpecOf(d).containers[0]?.readinessProbe?.httpGet?.path).toBe('/web/health');
      expect(podSpecOf(d).containers[0]?.livenessProbe?.httpGet?.path).toBe('/web/health');
    }
  });

  it('routes /websocket to the longpolling service and everything else to web, over TLS', () => {
    // act
    const route = named(renderTenantBundle(bundleInput(pooledPlacement)), 'IngressRoute', 'odoo');

    // assess
    const spec = route.spec as { routes: { match: string; services: { name: string; port: number }[] }[]; tls: { certResolver: string } };
    expect(spec.routes.map((r) => [r.match, r.services[0]?.name, r.services[0]?.port])).toEqual([
      ['Host(`acme.odoo.example.com`) && PathPrefix(`/websocket`)', 'odoo-longpolling', 8072],
      ['Host(`acme.odoo.example.com`)', 'odoo-web', 8069],
    ]);
    expect(spec.tls.certResolver).toBe('letsencrypt');
  });

  it('writes a non-secret odoo.conf that serves only the tenant database', () => {
    // act
    const config = named(renderTenantBundle(bundleInput(pooledPlacement)), 'ConfigMap', 'odoo-config');

    // assess
    const conf = (config.data as Record<string, string>)['odoo.conf'] ?? '';
    expect(conf).toContain('db_host = cell-a.cluster-xyz.eu-west-1.rds.amazonaws.com\n');
    expect(conf).toContain('db_name = odoo_acme\n');
    expect(conf).toContain('dbfilter = ^odoo_acme$\n');
    expect(conf).toContain('list_db = False\n');
    expect(conf).toContain('proxy_mode = True\n');
    expect(conf).toContain('workers = 2\n');
    expect(conf).not.toMatch(/db_user|db_password|admin_passwd/);
  });

  it('carries no secret value: credentials come from the ExternalSecret by reference only', () => {
    // prepare
    const objects = [...renderTenantBundle(bundleInput(dedicatedPlacement)), initJob(), dumpJob()];

    // act
    const json = JSON.stringify(objects);

    // assess
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    expect(json).not.toMatch(/"(password|PGPASSWORD|ODOO_ADMIN_PASSWORD)"\s*:\s*"/i);
    expect(json).not.toMatch(/"name":"(PGPASSWORD|ODOO_ADMIN_PASSWORD)","value"/);
    expect(json).not.toMatch(/(password|passwd)\s*=/i);
    const external = externalSecretSchema.parse(named(objects, 'ExternalSecret', 'odoo-secrets'));
    expect(external.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'aws-secrets-manager' });
    expect(external.spec.data.map((d) => `${d.remoteRef.key}#${d.remoteRef.property}`)).toEqual([
      'odoo/acme/db#username',
      'odoo/acme/db#password',
      'odoo/acme/admin#login',
      'odoo/acme/admin#password',
    ]);
  });

  it('rejects a database host that would add lines to odoo.conf', () => {
    // prepare
    const input = bundleInput(pooledPlacement);
    input.database.host = 'db.example.com\nadmin_passwd = x';

    // act + assess
    expect(() => renderTenantBundle(input)).toThrow(/single line/);
  });
});

describe('renderInitJob', () => {
  it('initialises base and the release modules once, with a bounded, retried, self-cleaning Job', () => {
    // act
    const job = initJob();

    // assess
    expect(job.metadata.name).toBe('odoo-init-abcdefgh');
    expect(job.spec).toMatchObject({ backoffLimit: 2, ttlSecondsAfterFinished: 86_400, activeDeadlineSeconds: 1500 });
    const script = podSpecOf(job).containers[0]?.command?.[2] ?? '';
    expect(script).toContain('odoo -i base,sale,stock --stop-after-init -c /etc/odoo/odoo.conf -d odoo_acme --no-http');
    expect(script).toContain("env.ref('base.user_admin')");
  });

  it('refuses a module name that is not an Odoo technical name', () => {
    // act + assess
    expect(() => renderInitJob({ tenantId: 'acme', image: 'odoo:17.0', operationId: 'op-1', databaseName: 'odoo_acme', modules: ['sale; rm -rf /'] })).toThrow(/module/);
  });

  it('runs on the tenant nodes when given its placement', () => {
    // act
    const job = renderInitJob({ tenantId: 'acme', image: 'odoo:17.0', operationId: 'op-1', databaseName: 'odoo_acme', modules: [], placement: { model: 'dedicated', cell: null } });

    // assess
    expect(podSpecOf(job).nodeSelector).toEqual({ 'odoo.fleet/tenant': 'acme' });
  });
});

describe('renderFinalDumpJob', () => {
  it('dumps the tenant database in custom format and uploads it to the archive key', () => {
    // act
    const job = dumpJob();

    // assess
    const spec = podSpecOf(job);
    expect(job.metadata.name).toBe('odoo-final-dump-abcdefgh');
    expect(spec.initContainers?.[0]?.command).toEqual(['pg_dump', '--format=custom', '--no-owner', '--no-privileges', '--file=/dump/database.dump']);
    expect(spec.initContainers?.[0]?.env).toContainEqual({ name: 'PGDATABASE', value: 'odoo_acme' });
    expect(spec.containers[0]?.command).toEqual(['aws', 's3', 'cp', '/dump/database.dump', 's3://odoo-archive/offboarded/acme/op/database.dump', '--only-show-errors']);
  });
});
