/**
 * The tenant's Odoo Deployments during a release: where they run, the bundle rendered with a given
 * image (stored as the tenant's desired state, then server-side applied), and how far a roll to
 * that image has come. A roll that Kubernetes gave up on (`ProgressDeadlineExceeded`) is reported
 * as stuck, so the step fails at once instead of waiting out its own deadline.
 */
import { cloud } from '#shared/cloud/clients.ts';
import type { K8sObject, KubernetesApi } from '#shared/cloud/kubernetes-api.ts';
import { applyObjects, deploymentsReady, ODOO_DEPLOYMENTS } from '#shared/cloud/kubernetes-workloads.ts';
import { renderTenantBundle } from '#shared/domain/k8s-bundle.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { names } from '#shared/domain/names.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { validationError } from '#shared/lib/errors.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { FIELD_MANAGER } from '../../../provision/apply-kubernetes.ts';

export interface TenantCluster {
  api: KubernetesApi;
  region: string;
  namespace: string;
}

export async function tenantCluster(tenant: Tenant): Promise<TenantCluster> {
  const region = tenant.activeRegion;
  const cluster = tenant.resources.compute?.cluster ?? tenant.placement.cluster;
  return { api: await cloud().kubernetes(region, cluster), region, namespace: tenant.resources.kubernetes?.namespace ?? names.namespace(tenant.tenantId) };
}

/** Renders the tenant's bundle with `image` from its current record, stores it as desired state and applies it. */
export async function applyTenantBundle(repo: FleetRepository, config: FleetConfig, tenant: Tenant, image: string, operationId: string, where: TenantCluster): Promise<number> {
  const { database, filestore } = tenant.resources;
  if (!database?.endpoint || !filestore) throw validationError(`tenant ${tenant.tenantId} has no database endpoint or filestore to render its workloads with`);
  const objects = renderTenantBundle({
    tenant,
    image,
    database: { host: database.endpoint, port: 5432, name: database.databaseName, secretName: database.secretArn },
    filestore,
    adminSecretName: names.adminSecretName(tenant.tenantId, config.namePrefix),
    region: where.region,
    ingress: { namespace: 'traefik', certResolver: 'letsencrypt' },
  });
  const version = await repo.putDesiredState(tenant.tenantId, objects, operationId);
  await applyObjects(where.api, objects, FIELD_MANAGER);
  return version;
}

interface DeploymentView extends K8sObject {
  spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

async function deployments(api: KubernetesApi, namespace: string): Promise<Map<string, DeploymentView | undefined>> {
  const out = new Map<string, DeploymentView | undefined>();
  for (const name of ODOO_DEPLOYMENTS) out.set(name, (await api.get({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace })) as DeploymentView | undefined);
  return out;
}

export interface RolloutProgress {
  /** Every Deployment on `image`, with its replicas back and ready. */
  ready: boolean;
  /** The bundle must be (re)applied: a Deployment is missing, on another image, or still scaled to zero. */
  needsApply: boolean;
  /** Why Kubernetes stopped progressing, when it did. */
  stuck?: string;
  detail: string;
}

export async function rolloutProgress(api: KubernetesApi, namespace: string, image: string): Promise<RolloutProgress> {
  const live = await deployments(api, namespace);
  const needsApply = [...live.values()].some((d) => !d || d.spec?.template?.spec?.containers?.[0]?.image !== image || (d.spec?.replicas ?? 1) === 0);
  const stuck = [...live.entries()]
    .map(([name, d]) => ({ name, c: d?.status?.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded') }))
    .find((x) => x.c);
  const readiness = await deploymentsReady(api, namespace, [...ODOO_DEPLOYMENTS]);
  const detail = Object.entries(readiness.detail).map(([name, d]) => `${name} ${d.ready}/${d.desired}`).join(', ');
  return {
    ready: !needsApply && readiness.ready,
    needsApply,
    ...(stuck && !needsApply ? { stuck: `${stuck.name}: ${stuck.c!.message ?? stuck.c!.reason}` } : {}),
    detail,
  };
}

/** Maintenance holds once no Odoo pod of the tenant is ready. */
export async function scaledDown(api: KubernetesApi, namespace: string): Promise<{ down: boolean; detail: string }> {
  const readiness = await deploymentsReady(api, namespace, [...ODOO_DEPLOYMENTS]);
  const down = Object.values(readiness.detail).every((d) => d.ready === 0);
  return { down, detail: Object.entries(readiness.detail).map(([name, d]) => `${name} ${d.ready} ready`).join(', ') };
}
