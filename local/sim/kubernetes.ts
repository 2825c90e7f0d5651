/**
 * An in-memory Kubernetes API server per EKS cluster, behind the same `KubernetesApi` the EKS
 * client implements, answering errors with the same `KubernetesApiError` (status and reason).
 * Apply is server-side apply: each field manager's configuration merged into the live object.
 * Namespaced objects need their Namespace, which deletes with everything in it after a scaled
 * moment of `Terminating`. Deployments and Jobs report the status their controllers would.
 */
import { randomUUID } from 'node:crypto';
import type { K8sObject, K8sRef, KubernetesApi } from '#shared/cloud/kubernetes-api.ts';
import { KubernetesApiError } from '#shared/cloud/eks-kubernetes.ts';
import { matchesSelector, parseSelector } from './label-selector.ts';
import { canonical, liveObject, type ManagedConfig } from './server-side-apply.ts';
import { decideJobFate, deploymentStatus, jobPhase, jobStatus, type JobFate, type Rollout, type WorkloadDeps } from './kubernetes-status.ts';

export { KubernetesApiError };

const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'CustomResourceDefinition',
  'PriorityClass', 'IngressClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ClusterIssuer', 'ClusterSecretStore',
]);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

interface Entry {
  obj: K8sObject;
  /** Each field manager's last applied configuration, oldest first. */
  managers: ManagedConfig[];
  rollout?: Rollout;
  job?: JobFate & { settled?: boolean };
  terminating?: { since: number; goneAt: number };
}

export interface KubeClusterDeps extends WorkloadDeps {
  /** Runs when a Job succeeds (once): its side effects on the rest of the simulated cloud. */
  onJobSucceeded(job: K8sObject): Promise<void> | void;
}

const group = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const isNamespaced = (kind: string) => !CLUSTER_SCOPED.has(kind);
const keyOf = (apiVersion: string, kind: string, namespace: string | undefined, name: string) =>
  `${group(apiVersion)}|${kind}|${isNamespaced(kind) ? (namespace ?? 'default') : ''}|${name}`;
const clone = <T>(v: T): T => structuredClone(v);

/**
 * A copy of a stored object for a caller, as a real API server hands out: fresh JSON, nothing shared
 * with the store or between its parts. Stored objects hold JSON data only, so plain objects and
 * arrays are copied member by member, several times faster than `structuredClone` (every read makes
 * a copy); anything else, never expected, still goes through `structuredClone`.
 */
function jsonCopy<T>(v: T): T {
  if (v === null || typeof v !== 'object') return typeof v === 'function' || typeof v === 'symbol' ? structuredClone(v) : v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = jsonCopy(v[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = jsonCopy((v as Record<string, unknown>)[k]);
  return out as T;
}

export class SimKubeCluster {
  private readonly objects = new Map<string, Entry>();
  /** Keys of the namespaces being deleted: the only entries a sweep has to look at. */
  private readonly terminatingNamespaces = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private resourceVersion = 1;
  /** Side effects of Jobs that failed; kept to be seen, never thrown at an unrelated caller. */
  readonly sideEffectErrors: string[] = [];

  constructor(
    readonly region: string,
    readonly name: string,
    private readonly deps: KubeClusterDeps,
  ) {
    for (const ns of ['default', 'kube-system', 'traefik']) this.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'eks');
  }

  apply(input: K8sObject, fieldManager: string): K8sObject {
    if (!fieldManager) throw new KubernetesApiError(422, 'Invalid', 'fieldManager is required for apply requests');
    const config = clone(input);
    if (!config.apiVersion || !config.kind || !config.metadata?.name) throw new KubernetesApiError(422, 'Invalid', 'apiVersion, kind and metadata.name are required');
    const { kind, metadata } = config;
    const nameOk = kind === 'Namespace' ? DNS_LABEL.test(metadata.name) && metadata.name.length <= 63 : DNS_SUBDOMAIN.test(metadata.name) && metadata.name.length <= 253;
    if (!nameOk) throw new KubernetesApiError(422, 'Invalid', `${kind} "${metadata.name}" is invalid: metadata.name: Invalid value: "${metadata.name}": a lowercase RFC 1123 name must consist of lower case alphanumeric characters, '-' or '.'`);
    this.sweep();
    if (isNamespaced(kind)) {
      metadata.namespace ??= 'default';
      const ns = this.objects.get(keyOf('v1', 'Namespace', undefined, metadata.namespace));
      if (!ns) throw new KubernetesApiError(404, 'NotFound', `namespaces "${metadata.namespace}" not found`);
      if (ns.terminating) throw new KubernetesApiError(403, 'Forbidden', `${kind.toLowerCase()}s "${metadata.name}" is forbidden: unable to create new content in namespace ${metadata.namespace} because it is being terminated`);
    } else {
      delete metadata.namespace;
    }
    delete config.status;
    const key = keyOf(config.apiVersion, kind, metadata.namespace, metadata.name);
    const existing = this.objects.get(key);
    if (existing?.terminating) throw new KubernetesApiError(409, 'Conflict', `${kind} "${metadata.name}" is being deleted`);
    const managers = [...(existing?.managers ?? []).filter((m) => m.manager !== fieldManager), { manager: fieldManager, config }];
    const o = liveObject(managers);
    if (existing) this.assertMutable(existing.obj, o);
    const now = this.deps.clock.now();
    const specChanged = !existing || canonical(existing.obj.spec) !== canonical(o.spec);
    o.metadata = {
      ...o.metadata,
      uid: (existing?.obj.metadata.uid as string | undefined) ?? randomUUID(),
      creationTimestamp: (existing?.obj.metadata.creationTimestamp as string | undefined) ?? now.toISOString(),
      generation: ((existing?.obj.metadata.generation as number | undefined) ?? 0) + (specChanged ? 1 : 0),
      resourceVersion: String(++this.resourceVersion),
      managedFields: managers.map((m) => ({ manager: m.manager, operation: 'Apply' })),
    };
    const entry: Entry = { obj: o, managers, rollout: existing?.rollout, job: existing?.job };
    if (kind === 'Deployment' && specChanged) {
      const previous = existing ? this.status(existing) : undefined;
      const recreate = (o.spec as { strategy?: { type?: string } } | undefined)?.strategy?.type === 'Recreate';
      entry.rollout = { startedAt: now.getTime(), stableReplicas: recreate ? 0 : Number(previous?.readyReplicas ?? 0) };
    }
    if (kind === 'Job' && !entry.job) entry.job = decideJobFate(o, this.namespaceOf(o), this.deps);
    this.objects.set(key, entry);
    return this.view(entry);
  }

  get(ref: K8sRef): K8sObject | undefined {
    this.sweep();
    const entry = this.objects.get(keyOf(ref.apiVersion, ref.kind, ref.namespace, ref.name));
    return entry ? this.view(entry) : undefined;
  }

  delete(ref: K8sRef): 'deleted' | 'absent' {
    this.sweep();
    const key = keyOf(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    const entry = this.objects.get(key);
    if (!entry) return 'absent';
    if (ref.kind === 'Namespace') {
      if (['default', 'kube-system'].includes(ref.name)) throw new KubernetesApiError(403, 'Forbidden', `namespaces "${ref.name}" is forbidden: this namespace may not be deleted`);
      entry.terminating ??= { since: this.deps.clock.nowMs(), goneAt: this.deps.clock.after('namespaceTerminate') };
      this.terminatingNamespaces.add(key);
      return 'deleted';
    }
    this.objects.delete(key);
    return 'deleted';
  }

  list(ref: Omit<K8sRef, 'name'>, labelSelector?: string): K8sObject[] {
    this.sweep();
    const selector = parseSelector(labelSelector);
    const g = group(ref.apiVersion);
    return [...this.objects.values()]
      .filter((e) => group(e.obj.apiVersion) === g && e.obj.kind === ref.kind)
      .filter((e) => !ref.namespace || !isNamespaced(ref.kind) || e.obj.metadata.namespace === ref.namespace)
      .filter((e) => matchesSelector(e.obj.metadata.labels ?? {}, selector))
      .map((e) => this.view(e));
  }

  /** When the current template of a Deployment began rolling out (epoch ms): what the tenant's metrics follow. */
  rolloutStartedAt(namespace: string, name: string): number | undefined {
    return this.objects.get(keyOf('apps/v1', 'Deployment', namespace, name))?.rollout?.startedAt;
  }

  /** Every object, with status, for the inventory. */
  all(): K8sObject[] {
    this.sweep();
    return [...this.objects.values()].map((e) => this.view(e));
  }

  /** What `pick` takes from each stored object (without status), where it takes anything: one pass, nothing copied. */
  select<T>(pick: (stored: Readonly<K8sObject>) => T | undefined): T[] {
    this.sweep();
    const out: T[] = [];
    for (const e of this.objects.values()) {
      const v = pick(e.obj);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  /**
   * The first object (with status) whose stored form, without status, matches: one pass over the
   * cluster, and only the match is copied, so the probe stays cheap with thousands of tenants.
   */
  find(matches: (stored: Readonly<K8sObject>) => boolean): K8sObject | undefined {
    this.sweep();
    for (const e of this.objects.values()) if (matches(e.obj)) return this.view(e);
    return undefined;
  }

  /** Waits for the side effects of Jobs that have just succeeded. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private assertMutable(before: K8sObject, after: K8sObject): void {
    const spec = (o: K8sObject) => (o.spec ?? {}) as Record<string, unknown>;
    const immutable = after.kind === 'Deployment' ? ['selector'] : after.kind === 'Job' ? ['template', 'selector', 'completions'] : [];
    for (const field of immutable) {
      if (after.kind === 'Job' && field === 'selector') continue;
      if (canonical(spec(before)[field]) !== canonical(spec(after)[field])) {
        throw new KubernetesApiError(422, 'Invalid', `${after.kind}.${group(after.apiVersion) || 'core'} "${after.metadata.name}" is invalid: spec.${field}: Invalid value: field is immutable`);
      }
    }
  }

  private namespaceOf(o: K8sObject): K8sObject | undefined {
    return o.metadata.namespace ? this.objects.get(keyOf('v1', 'Namespace', undefined, o.metadata.namespace))?.obj : undefined;
  }

  private sweep(): void {
    if (this.terminatingNamespaces.size === 0) return;
    const now = this.deps.clock.nowMs();
    for (const key of this.terminatingNamespaces) {
      const e = this.objects.get(key);
      if (!e?.terminating) {
        this.terminatingNamespaces.delete(key);
        continue;
      }
      if (e.terminating.goneAt > now) continue;
      this.terminatingNamespaces.delete(key);
      this.objects.delete(key);
      const ns = e.obj.metadata.name;
      for (const [k, other] of this.objects) if (other.obj.metadata.namespace === ns) this.objects.delete(k);
    }
  }

  private status(e: Entry): Record<string, unknown> | undefined {
    if (e.obj.kind === 'Namespace') return { phase: e.terminating ? 'Terminating' : 'Active' };
    if (e.obj.kind === 'Deployment' && e.rollout) return deploymentStatus(e.obj, e.rollout, this.namespaceOf(e.obj), this.deps);
    if (e.obj.kind === 'Job' && e.job) {
      if (!e.job.settled && jobPhase(e.obj, e.job, this.deps).phase === 'succeeded') this.settle(e);
      return jobStatus(e.obj, e.job, this.deps);
    }
    if (e.obj.kind === 'ExternalSecret') return { conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced' }] };
    return undefined;
  }

  private settle(e: Entry): void {
    e.job!.settled = true;
    const p = Promise.resolve()
      .then(() => this.deps.onJobSucceeded(clone(e.obj)))
      .catch((err: Error) => {
        this.sideEffectErrors.push(`${e.obj.metadata.namespace}/${e.obj.metadata.name}: ${err.message}`);
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private view(e: Entry): K8sObject {
    const o = jsonCopy(e.obj);
    if (e.terminating) o.metadata.deletionTimestamp = new Date(e.terminating.since).toISOString();
    const status = this.status(e);
    if (status) o.status = status;
    return o;
  }
}

/** The `KubernetesApi` of one simulated cluster; `guard` applies injected faults before each call. */
export function simKubernetesApi(cluster: SimKubeCluster, guard: (operation: string) => Promise<void>): KubernetesApi {
  const run = async <T>(operation: string, f: () => T): Promise<T> => {
    await guard(operation);
    const result = f();
    await cluster.flush();
    return result;
  };
  return {
    apply: (obj, fieldManager) => run('apply', () => cluster.apply(obj, fieldManager)),
    get: (ref) => run('get', () => cluster.get(ref)),
    delete: (ref) => run('delete', () => cluster.delete(ref)),
    list: (ref, labelSelector) => run('list', () => cluster.list(ref, labelSelector)),
  };
}
