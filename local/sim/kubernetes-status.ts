/**
 * What the controllers of a cluster would report for Deployments and Jobs, computed from when
 * they were applied: pods become ready after the scaled start time if admission lets them in,
 * their image runs, and nodes that match their selector exist.
 */
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import { DURATIONS, SLOW_FACTOR, type SimClock } from './clock.ts';
import type { FaultInjector } from './faults.ts';
import { restrictedViolations } from './pod-security.ts';

type Obj = Record<string, unknown>;

export const TENANT_NODE_LABEL = 'odoo.fleet/tenant';
export const JOB_LABEL = 'odoo.fleet/job';

export interface WorkloadDeps {
  clock: SimClock;
  faults: FaultInjector;
  /** Since when nodes with these labels run (epoch ms), or undefined when there are none. */
  nodesSince(labels: Record<string, string>): number | undefined;
  /** Taints (EKS form) on the node groups with these labels. */
  taints(labels: Record<string, string>): Array<{ key?: string; value?: string; effect?: string }>;
}

export interface Rollout {
  startedAt: number;
  /** Pods of the previous template still serving while the new ones start. */
  stableReplicas: number;
}

export interface JobFate {
  startedAt: number;
  durationMs: number;
  failure?: { reason: string; message: string };
}

const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});

export function podSpecOf(o: K8sObject): Obj {
  return obj(obj(obj(o.spec).template).spec);
}

export function imageOf(o: K8sObject): string | undefined {
  const containers = podSpecOf(o).containers;
  const first = Array.isArray(containers) ? obj(containers[0]) : {};
  return typeof first.image === 'string' ? first.image : undefined;
}

export function enforcesRestricted(namespace: K8sObject | undefined): boolean {
  return namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted';
}

const EFFECTS: Record<string, string> = { NO_SCHEDULE: 'NoSchedule', NO_EXECUTE: 'NoExecute', PREFER_NO_SCHEDULE: 'PreferNoSchedule' };

function tolerates(podSpec: Obj, taint: { key?: string; value?: string; effect?: string }): boolean {
  const effect = EFFECTS[taint.effect ?? ''] ?? taint.effect;
  if (effect === 'PreferNoSchedule') return true;
  const tolerations = Array.isArray(podSpec.tolerations) ? (podSpec.tolerations as Obj[]) : [];
  return tolerations.some((t) => {
    const keyOk = t.operator === 'Exists' && !t.key ? true : t.key === taint.key;
    const valueOk = t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
    const effectOk = !t.effect || t.effect === effect;
    return keyOk && valueOk && effectOk;
  });
}

/** Since when the pod can be scheduled; undefined while no node fits it. Only tenant node pinning is modelled. */
export function schedulableSince(podSpec: Obj, deps: WorkloadDeps): { since?: number; reason?: string } {
  const selector = obj(podSpec.nodeSelector) as Record<string, string>;
  const tenant = selector[TENANT_NODE_LABEL];
  if (!tenant) return { since: Number.NEGATIVE_INFINITY };
  const labels = { [TENANT_NODE_LABEL]: tenant };
  const since = deps.nodesSince(labels);
  if (since === undefined) return { reason: `0/0 nodes are available: no node group labelled ${TENANT_NODE_LABEL}=${tenant} has nodes` };
  const untolerated = deps.taints(labels).filter((t) => !tolerates(podSpec, t));
  if (untolerated.length) return { reason: `node(s) had untolerated taint {${untolerated[0]!.key}: ${untolerated[0]!.value}}` };
  return { since };
}

export function deploymentStatus(d: K8sObject, rollout: Rollout, namespace: K8sObject | undefined, deps: WorkloadDeps): Obj {
  const now = deps.clock.nowMs();
  const spec = obj(d.spec);
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const podSpec = podSpecOf(d);
  const violations = enforcesRestricted(namespace) ? restrictedViolations(podSpec) : [];
  const crashLoop = deps.faults.forImage(imageOf(d), 'crash-loop');
  const sched = schedulableSince(podSpec, deps);
  const readyAt = sched.since === undefined ? Infinity : Math.max(rollout.startedAt, sched.since) + deps.clock.scaledMs(DURATIONS.deploymentReady);
  const newReady = violations.length === 0 && !crashLoop && now >= readyAt;
  const ready = replicas === 0 ? 0 : newReady ? replicas : sched.since !== undefined ? Math.min(rollout.stableReplicas, replicas) : 0;
  const conditions: Obj[] = [
    { type: 'Available', status: ready >= replicas ? 'True' : 'False', reason: ready >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' },
  ];
  const deadline = rollout.startedAt + deps.clock.scaledMs(Number(spec.progressDeadlineSeconds ?? 600));
  if (newReady || replicas === 0) conditions.push({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' });
  else if (now > deadline) conditions.push({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet of ${d.metadata.name} has timed out progressing.` });
  else conditions.push({ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' });
  if (violations.length) {
    conditions.push({
      type: 'ReplicaFailure',
      status: 'True',
      reason: 'FailedCreate',
      message: `pods "${d.metadata.name}-" is forbidden: violates PodSecurity "restricted:latest": ${violations.join(', ')}`,
    });
  }
  const waiting = crashLoop ? 'CrashLoopBackOff' : sched.reason ? `Pending: ${sched.reason}` : undefined;
  return {
    observedGeneration: d.metadata.generation,
    replicas,
    readyReplicas: ready,
    availableReplicas: ready,
    updatedReplicas: newReady ? replicas : 0,
    unavailableReplicas: Math.max(0, replicas - ready),
    conditions,
    ...(waiting && replicas > 0 ? { simulatedPodState: waiting } : {}),
  };
}

const JOB_DURATION: Record<string, keyof typeof DURATIONS> = { init: 'initJob', upgrade: 'upgradeJob', 'final-dump': 'dumpJob' };

/**
 * A Job's fate is decided once, when it is created: how long it runs and whether it fails. A
 * crash-looping image only affects long-running pods; a Job fails on `migration-fails`.
 */
export function decideJobFate(job: K8sObject, namespace: K8sObject | undefined, deps: WorkloadDeps): JobFate {
  const image = imageOf(job);
  const kind = job.metadata.labels?.[JOB_LABEL] ?? '';
  const slow = deps.faults.forImage(image, 'slow-migration') ? SLOW_FACTOR : 1;
  const durationMs = deps.clock.scaledMs(DURATIONS[JOB_DURATION[kind] ?? 'otherJob'] * slow);
  const fate: JobFate = { startedAt: deps.clock.nowMs(), durationMs };
  const violations = enforcesRestricted(namespace) ? restrictedViolations(podSpecOf(job)) : [];
  if (violations.length) fate.failure = { reason: 'FailedCreate', message: `violates PodSecurity "restricted:latest": ${violations.join(', ')}` };
  else if (deps.faults.forImage(image, 'migration-fails', true)) fate.failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit (odoo exited 1: migration failed)' };
  return fate;
}

export type JobPhase = 'pending' | 'running' | 'succeeded' | 'failed';

export function jobPhase(job: K8sObject, fate: JobFate, deps: WorkloadDeps): { phase: JobPhase; endsAt?: number } {
  const sched = schedulableSince(podSpecOf(job), deps);
  if (sched.since === undefined && !fate.failure) return { phase: 'pending' };
  const endsAt = Math.max(fate.startedAt, sched.since ?? fate.startedAt) + fate.durationMs;
  if (deps.clock.nowMs() < endsAt) return { phase: 'running', endsAt };
  return { phase: fate.failure ? 'failed' : 'succeeded', endsAt };
}

export function jobStatus(job: K8sObject, fate: JobFate, deps: WorkloadDeps): Obj {
  const { phase, endsAt } = jobPhase(job, fate, deps);
  const startTime = new Date(fate.startedAt).toISOString();
  if (phase === 'pending' || phase === 'running') return { startTime, active: 1, ready: phase === 'running' ? 1 : 0 };
  const at = new Date(endsAt!).toISOString();
  if (phase === 'failed') {
    return { startTime, failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: fate.failure!.reason, message: fate.failure!.message, lastTransitionTime: at }] };
  }
  return { startTime, succeeded: 1, completionTime: at, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at }] };
}
