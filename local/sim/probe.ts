/**
 * The Odoo probe against the simulated cloud: `/web/health` answers when the host name resolves
 * (a Route 53 record), Traefik routes it (an IngressRoute matching the host) to a namespace whose
 * `odoo-web` has a ready pod, and that image is not faulty; a login works when, besides, the
 * database was initialised by the Odoo init Job; the synthetic business checks pass when the login
 * does (reading a sale order and stock needs nothing more of a simulated Odoo).
 */
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import type { OdooProbe, SyntheticCheck, SyntheticChecks } from '#shared/cloud/odoo-probe.ts';
import type { FaultInjector } from './faults.ts';
import { imageOf } from './kubernetes-status.ts';
import type { SimKubeCluster } from './kubernetes.ts';
import type { Route53Sim } from './route53.ts';

export interface ProbeDeps {
  route53: Route53Sim;
  faults: FaultInjector;
  /** Simulated clusters, those of the probing region first. */
  clusters(region: string): SimKubeCluster[];
  initialisedDatabases: Map<string, unknown>;
  /** Injected faults on the probe itself: undefined, or the failed answer to give. */
  probeFault(operation: string, region: string): Promise<{ status: number; detail: string } | undefined>;
}

type Health = Awaited<ReturnType<OdooProbe['health']>>;

function routesHost(route: K8sObject, hostname: string): boolean {
  const routes = (route.spec as { routes?: Array<{ match?: string }> } | undefined)?.routes ?? [];
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return routes.some((r) => {
    const match = (r.match ?? '').toLowerCase();
    return match.includes(`\`${host}\``) || match.includes(`"${host}"`);
  });
}

export class SimOdooProbe implements OdooProbe {
  constructor(
    private readonly deps: ProbeDeps,
    private readonly region: string,
  ) {}

  async health(hostname: string): Promise<Health> {
    const fault = await this.deps.probeFault('health', this.region);
    if (fault) return { ok: false, ...fault };
    if (this.deps.route53.recordsFor(hostname).length === 0) return { ok: false, status: 0, detail: `getaddrinfo ENOTFOUND ${hostname}` };
    for (const cluster of this.deps.clusters(this.region)) {
      const route = cluster.find((o) => o.kind === 'IngressRoute' && routesHost(o, hostname));
      if (!route) continue;
      const web = cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: route.metadata.namespace, name: 'odoo-web' });
      const ready = Number((web?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0);
      if (!web || ready < 1) return { ok: false, status: 503, detail: `no ready odoo-web pod in ${route.metadata.namespace}` };
      const image = imageOf(web);
      if (this.deps.faults.forImage(image, 'crash-loop')) return { ok: false, status: 502, detail: `odoo-web (${image}) is crash-looping` };
      if (this.deps.faults.forImage(image, 'high-error-rate')) return { ok: false, status: 500, detail: `odoo-web (${image}) answers with errors` };
      return { ok: true, status: 200 };
    }
    return { ok: false, status: 404, detail: `no IngressRoute matches ${hostname}` };
  }

  async login(hostname: string, database: string, login: string, password: string): Promise<{ ok: boolean; uid?: number; detail?: string }> {
    const fault = await this.deps.probeFault('login', this.region);
    if (fault) return { ok: false, detail: fault.detail };
    const health = await this.health(hostname);
    if (!health.ok) return { ok: false, detail: `health: ${health.status} ${health.detail ?? ''}`.trim() };
    if (!this.deps.initialisedDatabases.has(database)) return { ok: false, detail: `database "${database}" is not initialised` };
    if (!login || !password) return { ok: false, detail: 'Access Denied: wrong login/password' };
    return { ok: true, uid: 2 };
  }

  async syntheticChecks(hostname: string, database: string, credentials: { login: string; password: string }): Promise<SyntheticChecks> {
    const fault = await this.deps.probeFault('syntheticChecks', this.region);
    if (fault) {
      const error: SyntheticCheck = { result: 'error', detail: `the prober failed: ${fault.detail}` };
      return { login: error, readSaleOrder: error, stockAvailability: error };
    }
    const login = await this.login(hostname, database, credentials.login, credentials.password);
    if (!login.ok) {
      const notRun: SyntheticCheck = { result: 'error', detail: 'not run: login failed' };
      return { login: { result: 'fail', detail: login.detail }, readSaleOrder: notRun, stockAvailability: notRun };
    }
    return {
      login: { result: 'pass' },
      readSaleOrder: { result: 'pass', detail: 'sale.order: 1 record(s) read' },
      stockAvailability: { result: 'pass', detail: 'stock.quant: 1 record(s) read' },
    };
  }
}
