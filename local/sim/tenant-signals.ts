/**
 * What a tenant's users would make its Odoo show: traffic, 5xx rate, p95 latency and job backlog
 * (CloudWatch `Odoo/Tenant`), the state of its alarms, and whether they wrote data. All of it
 * follows what runs in the tenant's namespace: before the current `odoo-web` rollout began the
 * tenant is taken to have been healthy (its baseline); from then on its image and replicas decide,
 * with the image faults: `high-error-rate` answers 20 % 5xx, `crash-loop` serves nothing,
 * `user-writes` makes users write after the cut-over.
 */
import { names } from '#shared/domain/names.ts';
import type { FaultInjector } from './faults.ts';
import { imageOf } from './kubernetes-status.ts';
import type { SimKubeCluster } from './kubernetes.ts';

export const TENANT_NAMESPACE = 'Odoo/Tenant';
export const TENANT_METRICS = ['RequestCount', 'Http5xxRate', 'LatencyP95', 'QueueBacklog'] as const;
export type TenantMetric = (typeof TENANT_METRICS)[number];

/** A healthy tenant: 2 requests a second, 0.1 % 5xx, 300 ms p95, a few queued jobs. */
const HEALTHY = { requestsPerSecond: 2, errorPercent: 0.1, p95Ms: 300, backlog: 3 };
/** A quiet tenant (the `low-traffic` image fault): healthy, but about one request a minute, too few to judge even after the longest bake. */
const QUIET_REQUESTS_PER_SECOND = 0.02;
const ERRORING = { errorPercent: 20, p95Ms: 450 };

/** The names of a tenant's alarms: its 5xx rate, then its p95 latency. */
export function alarmNames(tenantId: string): [string, string] {
  return [`odoo-${tenantId}-http-5xx`, `odoo-${tenantId}-latency-p95`];
}

export interface TenantWorkload {
  tenantId: string;
  namespace: string;
  image?: string;
  /** Replicas `odoo-web` is asked for; 0 in maintenance. */
  replicas: number;
  readyReplicas: number;
  rolloutStartedAt?: number;
  /** The database the tenant's odoo.conf names. */
  databaseName?: string;
}

function workloadIn(cluster: SimKubeCluster, namespace: string, tenantId: string): TenantWorkload | undefined {
  const web = cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'odoo-web' });
  if (!web) return undefined;
  const config = cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'odoo-config' });
  const conf = String((config?.data as Record<string, string> | undefined)?.['odoo.conf'] ?? '');
  const status = (web.status ?? {}) as { readyReplicas?: number };
  return {
    tenantId,
    namespace,
    image: imageOf(web),
    replicas: Number((web.spec as { replicas?: number } | undefined)?.replicas ?? 1),
    readyReplicas: Number(status.readyReplicas ?? 0),
    rolloutStartedAt: cluster.rolloutStartedAt(namespace, 'odoo-web'),
    databaseName: /^db_name = (\S+)$/m.exec(conf)?.[1],
  };
}

export class TenantSignals {
  constructor(
    private readonly deps: {
      faults: FaultInjector;
      clusters(): SimKubeCluster[];
      now(): number;
    },
  ) {}

  workload(tenantId: string): TenantWorkload | undefined {
    const namespace = names.namespace(tenantId);
    for (const cluster of this.deps.clusters()) {
      const w = workloadIn(cluster, namespace, tenantId);
      if (w) return w;
    }
    return undefined;
  }

  /** Every tenant (of those `wanted` keeps, when given) that has a namespace with an `odoo-web` Deployment. */
  tenants(wanted: (tenantId: string) => boolean = () => true): string[] {
    const out = new Set<string>();
    for (const cluster of this.deps.clusters()) {
      // Tenant ids are read from the stored namespaces first, so only the wanted tenants' workloads are looked at.
      const namespaces = cluster.select((o) => {
        const tenantId = o.kind === 'Namespace' ? o.metadata.labels?.['odoo.fleet/tenant'] : undefined;
        return tenantId && wanted(tenantId) ? { namespace: o.metadata.name, tenantId } : undefined;
      });
      for (const { namespace, tenantId } of namespaces) if (workloadIn(cluster, namespace, tenantId)) out.add(tenantId);
    }
    return [...out].sort();
  }

  /** The tenant whose Odoo uses this database. */
  workloadOfDatabase(databaseName: string): TenantWorkload | undefined {
    for (const cluster of this.deps.clusters()) {
      for (const ns of cluster.list({ apiVersion: 'v1', kind: 'Namespace' })) {
        const tenantId = ns.metadata.labels?.['odoo.fleet/tenant'];
        if (!tenantId) continue;
        const w = workloadIn(cluster, ns.metadata.name, tenantId);
        if (w?.databaseName === databaseName) return w;
      }
    }
    return undefined;
  }

  /**
   * One metric's value over the period starting at `t` (epoch ms), or undefined when nothing was
   * reported. `w` is the tenant's workload when the caller has already read it.
   */
  metric(tenantId: string, metric: TenantMetric, t: number, periodSeconds: number, w: TenantWorkload | undefined = this.workload(tenantId)): number | undefined {
    if (!w) return undefined;
    const baseline = w.rolloutStartedAt === undefined || t < w.rolloutStartedAt;
    const serving = baseline || (w.replicas > 0 && !this.deps.faults.forImage(w.image, 'crash-loop'));
    const erroring = !baseline && this.deps.faults.forImage(w.image, 'high-error-rate');
    const quiet = !baseline && this.deps.faults.forImage(w.image, 'low-traffic');
    switch (metric) {
      case 'RequestCount':
        return serving ? (quiet ? QUIET_REQUESTS_PER_SECOND : HEALTHY.requestsPerSecond) * periodSeconds : 0;
      case 'Http5xxRate':
        return serving ? (erroring ? ERRORING.errorPercent : HEALTHY.errorPercent) : undefined;
      case 'LatencyP95':
        return serving ? (erroring ? ERRORING.p95Ms : HEALTHY.p95Ms) : undefined;
      case 'QueueBacklog':
        return HEALTHY.backlog;
    }
  }

  /** The tenant's alarms (`odoo-<tenantId>-…`) as CloudWatch would evaluate them now. */
  alarms(tenantId: string): { name: string; metric: TenantMetric; state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'; reason: string }[] {
    const w = this.workload(tenantId);
    if (!w) return [];
    const now = this.deps.now();
    const rate = this.metric(tenantId, 'Http5xxRate', now, 60, w);
    const p95 = this.metric(tenantId, 'LatencyP95', now, 60, w);
    const noData = 'Insufficient Data: no datapoints were received for 5 periods';
    const [http5xx, latency] = alarmNames(tenantId);
    return [
      {
        name: http5xx,
        metric: 'Http5xxRate',
        state: rate === undefined ? 'INSUFFICIENT_DATA' : rate > 5 ? 'ALARM' : 'OK',
        reason: rate === undefined ? noData : `Threshold Crossed: 5xx rate ${rate}% ${rate > 5 ? '>' : '<='} 5%`,
      },
      {
        name: latency,
        metric: 'LatencyP95',
        state: p95 === undefined ? 'INSUFFICIENT_DATA' : p95 > 2000 ? 'ALARM' : 'OK',
        reason: p95 === undefined ? noData : `Threshold Crossed: p95 ${p95} ms ${p95 > 2000 ? '>' : '<='} 2000 ms`,
      },
    ];
  }

  /**
   * The newest user write in a database: now, when the tenant serving it runs an image whose users
   * write (`user-writes`) and is out of maintenance; otherwise `before` (when it was last written
   * by the control plane itself, e.g. initialised), or null.
   */
  newestWrite(databaseName: string, before: Date | null): Date | null {
    const w = this.workloadOfDatabase(databaseName);
    if (w && w.replicas > 0 && this.deps.faults.forImage(w.image, 'user-writes')) return new Date(this.deps.now());
    return before;
  }
}
