/**
 * What the workflows do to a tenant's workloads, on any KubernetesApi (EKS or simulated). Each
 * call looks before it acts and treats "already so" as done, so a retried step converges.
 */
import type { K8sObject, KubernetesApi } from './kubernetes-api.ts';

export const ODOO_DEPLOYMENTS = ['odoo-web', 'odoo-worker', 'odoo-cron'] as const;

/**
 * Field manager of scale-downs. It must differ from the manager that applies the bundle: a server-side
 * apply of `{spec: {replicas: 0}}` by the bundle's own manager would drop every other field it owns.
 */
export const SCALER_FIELD_MANAGER = 'odoo-fleet-scaler';

export interface ApplyResult {
  applied: number;
  byKind: Record<string, number>;
}

/** Server-side applies objects in order, namespaces first so everything else has somewhere to go. */
export async function applyObjects(api: KubernetesApi, objects: K8sObject[], fieldManager: string): Promise<ApplyResult> {
  const ordered = [...objects.filter((o) => o.kind === 'Namespace'), ...objects.filter((o) => o.kind !== 'Namespace')];
  const byKind: Record<string, number> = {};
  for (const obj of ordered) {
    await api.apply(obj, fieldManager);
    byKind[obj.kind] = (byKind[obj.kind] ?? 0) + 1;
  }
  return { applied: ordered.length, byKind };
}

export type JobStatus = 'absent' | 'running' | 'succeeded' | 'failed';

interface JobState {
  succeeded?: number;
  failed?: number;
  conditions?: { type: string; status: string }[];
}

/** A Job's outcome: its `Complete`/`Failed` conditions decide; a pod that failed but will be retried is still running. */
export async function jobStatus(api: KubernetesApi, namespace: string, name: string): Promise<JobStatus> {
  const job = await api.get({ apiVersion: 'batch/v1', kind: 'Job', name, namespace });
  if (!job) return 'absent';
  const status = (job.status ?? {}) as JobState;
  const condition = (type: string) => (status.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  if (condition('Failed') || condition('FailureTarget')) return 'failed';
  if (condition('Complete') || (status.succeeded ?? 0) > 0) return 'succeeded';
  return 'running';
}

export interface DeploymentsReadiness {
  ready: boolean;
  /** Per Deployment: replicas asked for and replicas ready on the current template. An absent Deployment is 0/0 and not ready. */
  detail: Record<string, { desired: number; ready: number }>;
}

interface DeploymentState {
  metadata: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; readyReplicas?: number; updatedReplicas?: number };
}

/** Ready means every Deployment exists, its controller saw the latest spec, and all desired replicas are updated and ready. */
export async function deploymentsReady(api: KubernetesApi, namespace: string, deploymentNames: string[]): Promise<DeploymentsReadiness> {
  const detail: DeploymentsReadiness['detail'] = {};
  let ready = true;
  for (const name of deploymentNames) {
    const d = (await api.get({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace })) as (K8sObject & DeploymentState) | undefined;
    if (!d) {
      detail[name] = { desired: 0, ready: 0 };
      ready = false;
      continue;
    }
    const desired = d.spec?.replicas ?? 1;
    const status = d.status ?? {};
    const readyReplicas = status.readyReplicas ?? 0;
    const observed = d.metadata.generation === undefined || (status.observedGeneration ?? 0) >= d.metadata.generation;
    detail[name] = { desired, ready: readyReplicas };
    if (!observed || readyReplicas < desired || (status.updatedReplicas ?? 0) < desired) ready = false;
  }
  return { ready, detail };
}

export interface ScaleResult {
  autoscaler: 'deleted' | 'absent';
  deployments: Record<string, 'scaled' | 'absent'>;
}

/** Web, worker and cron to zero replicas. The autoscaler goes first, or it would scale web back up. */
export async function scaleToZero(api: KubernetesApi, namespace: string): Promise<ScaleResult> {
  const autoscaler = await api.delete({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'odoo-web', namespace });
  const deployments: ScaleResult['deployments'] = {};
  for (const name of ODOO_DEPLOYMENTS) {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace };
    // Applying replicas to a missing Deployment would try to create one without a template.
    if (!(await api.get(ref))) {
      deployments[name] = 'absent';
      continue;
    }
    await api.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas: 0 } }, SCALER_FIELD_MANAGER);
    deployments[name] = 'scaled';
  }
  return { autoscaler, deployments };
}

export type NamespaceDeletion = 'deleted' | 'absent' | 'terminating';

/**
 * Deletes a namespace and everything in it. `deleted` when this call asked for the deletion,
 * `terminating` while an earlier request is still being carried out, `absent` once it is gone.
 */
export async function deleteNamespace(api: KubernetesApi, namespace: string): Promise<NamespaceDeletion> {
  const ref = { apiVersion: 'v1', kind: 'Namespace', name: namespace };
  const live = await api.get(ref);
  if (!live) return 'absent';
  const phase = (live.status as { phase?: string } | undefined)?.phase;
  if (live.metadata.deletionTimestamp || phase === 'Terminating') return 'terminating';
  return (await api.delete(ref)) === 'absent' ? 'absent' : 'deleted';
}
