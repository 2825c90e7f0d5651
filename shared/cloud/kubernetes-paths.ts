/**
 * REST paths of the Kubernetes API for the kinds the control plane manages: the core group under
 * `/api/v1`, every other group under `/apis/{group}/{version}`, namespaced kinds under
 * `/namespaces/{ns}`. Plurals are listed, not guessed, for the kinds we use.
 */
import type { K8sRef } from './kubernetes-api.ts';

const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  ResourceQuota: 'resourcequotas',
  LimitRange: 'limitranges',
  NetworkPolicy: 'networkpolicies',
  ServiceAccount: 'serviceaccounts',
  ExternalSecret: 'externalsecrets',
  ClusterSecretStore: 'clustersecretstores',
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  Service: 'services',
  IngressRoute: 'ingressroutes',
  Middleware: 'middlewares',
  PodDisruptionBudget: 'poddisruptionbudgets',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  Job: 'jobs',
  Pod: 'pods',
  Event: 'events',
  Node: 'nodes',
};

const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'ClusterSecretStore', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass']);

/** Kubernetes' own rule for kinds not listed: lower case, `y` -> `ies`, `s`/`x`/`ch`/`sh` -> `es`. */
function pluralOf(kind: string): string {
  const known = PLURALS[kind];
  if (known) return known;
  const lower = kind.toLowerCase();
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

function groupPrefix(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The collection: where objects of a kind are listed. Without a namespace, a namespaced kind is listed across all. */
export function collectionPath(ref: Omit<K8sRef, 'name'>): string {
  const plural = pluralOf(ref.kind);
  if (isClusterScoped(ref.kind) || !ref.namespace) return `${groupPrefix(ref.apiVersion)}/${plural}`;
  return `${groupPrefix(ref.apiVersion)}/namespaces/${encodeURIComponent(ref.namespace)}/${plural}`;
}

export function resourcePath(ref: K8sRef): string {
  if (!isClusterScoped(ref.kind) && !ref.namespace) throw new Error(`${ref.kind} ${ref.name} needs a namespace`);
  return `${collectionPath(ref)}/${encodeURIComponent(ref.name)}`;
}
