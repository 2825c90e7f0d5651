/** What the workflows need from a Kubernetes API server; the EKS and simulated clients implement it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [key: string]: unknown;
}

export interface K8sRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface KubernetesApi {
  /** Server-side apply (`PATCH` with `application/apply-patch+yaml`, `force=true`): idempotent by design. */
  apply(obj: K8sObject, fieldManager: string): Promise<K8sObject>;
  /** The live object, or undefined when it does not exist. */
  get(ref: K8sRef): Promise<K8sObject | undefined>;
  /** Deletes with foreground propagation; `absent` when it was already gone. */
  delete(ref: K8sRef): Promise<'deleted' | 'absent'>;
  list(ref: Omit<K8sRef, 'name'>, labelSelector?: string): Promise<K8sObject[]>;
}
