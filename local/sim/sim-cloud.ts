/**
 * The simulated cloud: one state per region (RDS, RDS Data, EKS, Secrets Manager, CloudWatch,
 * Kubernetes clusters) plus the global services (IAM, Route 53) and S3 in front of s3rver. Every
 * call passes the fault injector first, then the service answers from its state.
 */
import type { K8sObject, KubernetesApi } from '#shared/cloud/kubernetes-api.ts';
import type { OdooProbe } from '#shared/cloud/odoo-probe.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { KubernetesApiError } from '#shared/cloud/eks-kubernetes.ts';
import { THROTTLING_ERRORS } from '#shared/lib/transient-errors.ts';
import { SimClock, type SimTimeSource } from './clock.ts';
import { CloudWatchSim } from './cloudwatch.ts';
import { EksSim } from './eks.ts';
import { awsError, notImplemented, THROTTLING_NAME, type SimService } from './errors.ts';
import { EventBridgeSim } from './eventbridge.ts';
import { FaultInjector } from './faults.ts';
import { IamSim } from './iam.ts';
import { cloudInventory, tenantInventory, type CloudInventory, type TenantResource } from './inventory.ts';
import { imageOf, JOB_LABEL } from './kubernetes-status.ts';
import { SimKubeCluster, simKubernetesApi } from './kubernetes.ts';
import { SimOdooProbe } from './probe.ts';
import { RdsDataSim } from './rds-data.ts';
import { GlobalDatabases } from './rds-global.ts';
import { RdsSim } from './rds.ts';
import { Route53Sim } from './route53.ts';
import { S3Sim, type S3Backend } from './s3.ts';
import { SecretsSim } from './secrets.ts';
import { ServiceQuotasSim } from './service-quotas.ts';
import { seedFromFleetConfig } from './seed.ts';
import { simPostgres } from './sim-postgres.ts';
import { TenantContent, type InitialisedDatabase } from './tenant-content.ts';
import { TenantSignals } from './tenant-signals.ts';
import type { OperationHandler, ServiceSim, SimCall, SimContext } from './types.ts';

export const DEFAULT_SIM_TIME_SCALE = 0.005;

const KUBERNETES_STATUS: Record<string, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  Gone: 410,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

/** An injected API server answer, shaped as the EKS Kubernetes client reports it (status and reason). */
function kubernetesFault(name: string, message: string): Error {
  const status = KUBERNETES_STATUS[name] ?? ((THROTTLING_ERRORS as readonly string[]).includes(name) ? 429 : undefined);
  return status ? new KubernetesApiError(status, name, message) : Object.assign(new Error(message), { name });
}

export interface SimCloudOptions {
  config: FleetConfig;
  s3: S3Backend;
  timeScale?: number;
  /** The simulated clock; tests move it forward instead of sleeping. */
  now?: () => Date;
  /** Seed of the fault injector's random numbers. */
  seed?: number;
  /** Run the simulated clock on virtual time (local/virtual-time.ts) instead of the scaled wall clock. */
  virtualTime?: SimTimeSource;
}

export interface RegionSims {
  rds: RdsSim;
  rdsData: RdsDataSim;
  eks: EksSim;
  secrets: SecretsSim;
  cloudwatch: CloudWatchSim;
  events: EventBridgeSim;
  serviceQuotas: ServiceQuotasSim;
  kube: Map<string, SimKubeCluster>;
}

export class SimCloud {
  readonly clock: SimClock;
  readonly faults: FaultInjector;
  readonly config: FleetConfig;
  readonly iam: IamSim;
  readonly route53: Route53Sim;
  readonly s3: S3Sim;
  /** Databases an Odoo init Job initialised, by database name. */
  readonly initialisedDatabases = new Map<string, InitialisedDatabase>();
  /** Tenants' traffic, alarms and user writes, as their workloads and the image faults make them. */
  readonly signals: TenantSignals;
  /** What tenant databases hold when restored (drills), and the drill faults. */
  readonly content: TenantContent;
  /** Restored databases as real PostgreSQL (one PGlite per process). */
  readonly postgres = simPostgres;
  /** Aurora global databases and cross-region read replicas, across the regions. */
  readonly globalDatabases: GlobalDatabases;
  private readonly regionSims = new Map<string, RegionSims>();
  private readonly ctx: SimContext;

  constructor(options: SimCloudOptions) {
    this.config = options.config;
    this.clock = new SimClock(options.timeScale ?? DEFAULT_SIM_TIME_SCALE, options.now, options.virtualTime);
    this.faults = new FaultInjector(options.seed ?? 1, () => this.clock.nowMs());
    this.ctx = { clock: this.clock, accountId: options.config.accountId };
    this.globalDatabases = new GlobalDatabases(this.ctx, { store: (region) => this.region(region).rds.store, regions: () => this.regions(), faults: this.faults });
    this.signals = new TenantSignals({
      faults: this.faults,
      clusters: () => this.regions().flatMap((r) => [...this.region(r).kube.values()]),
      now: () => this.clock.nowMs(),
    });
    this.iam = new IamSim(this.ctx);
    this.route53 = new Route53Sim(this.ctx);
    const buckets = [
      ...options.config.cells.map((c) => ({ name: c.bucket, region: c.region })),
      { name: options.config.archiveBucket, region: options.config.primaryRegion },
    ];
    this.s3 = new S3Sim(options.s3, options.config.primaryRegion, buckets);
    this.content = new TenantContent({
      clock: this.clock,
      faults: this.faults,
      s3: this.s3,
      signals: this.signals,
      kubeClusters: () => this.regions().flatMap((r) => [...this.region(r).kube.values()]),
      initialised: this.initialisedDatabases,
      newestWrite: (database) => this.signals.newestWrite(database, this.initialisedDatabases.get(database)?.at ?? null),
    });
    seedFromFleetConfig(this, options.config);
    // Drills restore into a subnet group of their own, with no route to production.
    for (const r of this.regions()) this.region(r).rds.store.subnetGroups.add(options.config.drills.dbSubnetGroupName);
  }

  regions(): string[] {
    return [...this.regionSims.keys()];
  }

  region(name: string): RegionSims {
    let r = this.regionSims.get(name);
    if (!r) {
      const secrets = new SecretsSim(this.ctx, name);
      const rds = new RdsSim(this.ctx, name, secrets, {
        restores: this.content,
        clusterDeleted: (cluster) => void this.postgres.dropCluster(cluster.resourceId).catch(() => undefined),
        global: this.globalDatabases,
        peers: {
          snapshot: (source, id) => this.regionSims.get(source)?.rds.snapshotForCopy(id),
          unreachable: (source) => this.faults.unreachableSince(source) !== undefined,
        },
      });
      r = {
        rds,
        secrets,
        rdsData: new RdsDataSim(rds.store, secrets, this.initialisedDatabases, {
          newestWrite: (cluster, database) => this.globalDatabases.newestWrite(cluster, this.signals.newestWrite(database, this.initialisedDatabases.get(database)?.at ?? null)),
          beforeRestoredRead: (database, db) => this.content.beforeRead(database, db),
          postgres: this.postgres,
          replication: this.globalDatabases,
        }),
        eks: new EksSim(this.ctx, name),
        cloudwatch: new CloudWatchSim(this.ctx, { region: name, signals: this.signals, replicationLag: (cluster) => this.globalDatabases.lagMs(name, cluster), usage: { eks: () => this.region(name).eks, s3: this.s3, faults: this.faults } }),
        events: new EventBridgeSim(this.ctx, name),
        serviceQuotas: new ServiceQuotasSim(this.ctx, name),
        kube: new Map(),
      };
      this.regionSims.set(name, r);
    }
    return r;
  }

  /** Answers one SDK command. `region` is the client's region (ignored by global services). */
  async call(call: SimCall & { input: object }): Promise<Record<string, unknown>> {
    await this.guard(call.service, call.operation, call.region);
    const sim = this.serviceSim(call.service, call.region);
    const handler = sim.operations[call.operation] as OperationHandler | undefined;
    if (!handler) {
      if (call.service === 's3') return this.s3.passThrough(call);
      throw notImplemented(call.service, call.operation);
    }
    return (await handler(call.input as never, call)) as Record<string, unknown>;
  }

  /** Applies injected faults to a call: an error, or a region that does not answer. */
  async guard(service: SimService, operation: string, region: string): Promise<void> {
    const fault = this.faults.forCall(service, operation, region);
    if (!fault) return;
    if (fault.effect === 'unreachable') {
      await this.clock.sleep('unreachableTimeout');
      throw awsError(service, 'TimeoutError', `Connection to ${service}.${region} timed out (injected: region unreachable)`, { $metadata: {} });
    }
    const name = fault.error ?? THROTTLING_NAME[service];
    const message = `Injected fault on ${service}:${operation} in ${region}`;
    if (service === 'kubernetes') throw kubernetesFault(name, message);
    throw awsError(service, name, message);
  }

  /** The Kubernetes API of an EKS cluster of the region, through the fault injector. */
  kubernetes(region: string, clusterName: string): KubernetesApi {
    const cluster = this.kubeCluster(region, clusterName);
    return simKubernetesApi(cluster, (operation) => this.guard('kubernetes', operation, region));
  }

  kubeCluster(region: string, clusterName: string): SimKubeCluster {
    const r = this.region(region);
    let cluster = r.kube.get(clusterName);
    if (cluster) return cluster;
    if (!r.eks.clusters.has(clusterName)) throw awsError('eks', 'ResourceNotFoundException', `No cluster found for name: ${clusterName}.`);
    cluster = new SimKubeCluster(region, clusterName, {
      clock: this.clock,
      faults: this.faults,
      nodesSince: (labels) => r.eks.nodesSince(clusterName, labels),
      taints: (labels) => r.eks.taintsFor(clusterName, labels),
      onJobSucceeded: (job) => this.jobSucceeded(job, region),
    });
    r.kube.set(clusterName, cluster);
    return cluster;
  }

  probe(region: string): OdooProbe {
    return new SimOdooProbe(
      {
        route53: this.route53,
        faults: this.faults,
        initialisedDatabases: this.initialisedDatabases,
        clusters: (first) => [first, ...this.regions().filter((r) => r !== first)].flatMap((r) => [...this.region(r).kube.values()]),
        probeFault: async (operation, region) => {
          try {
            await this.guard('probe', operation, region);
            return undefined;
          } catch (err) {
            const e = err as Error;
            return e.name === 'TimeoutError' ? { status: 0, detail: e.message } : { status: 503, detail: `${e.name}: ${e.message}` };
          }
        },
      },
      region,
    );
  }

  inventory(): CloudInventory {
    return cloudInventory(this);
  }

  /** Everything left that belongs to a tenant; empty when nothing is. Retained backups only on request. */
  inventoryForTenant(tenantId: string, options: { includeRetained?: boolean } = {}): TenantResource[] {
    return tenantInventory(this, tenantId, options);
  }

  /** Marks the database an upgrade Job migrated: on the cluster it names, else wherever a database of that name is. */
  private recordUpgrade(job: K8sObject, region: string): void {
    const annotations = job.metadata.annotations ?? {};
    const database = annotations['odoo.fleet/database']!;
    const named = annotations['odoo.fleet/db-cluster'];
    const upgraded = {
      image: imageOf(job) ?? '',
      modules: (annotations['odoo.fleet/modules'] ?? '').split(',').filter(Boolean),
      releaseId: annotations['odoo.fleet/release-id'],
      at: this.clock.iso(),
    };
    const regions = [region, ...this.regions().filter((r) => r !== region)];
    for (const r of regions) {
      for (const cluster of this.region(r).rds.store.clusters.values()) {
        if (named && cluster.identifier !== named) continue;
        const entry = cluster.databases.get(database);
        if (entry) entry.upgraded = upgraded;
      }
    }
  }

  private serviceSim(service: SimService, region: string): ServiceSim {
    switch (service) {
      case 'iam':
        return this.iam;
      case 'route53':
        return this.route53;
      case 's3':
        return this.s3;
      case 'rds':
        return this.region(region).rds;
      case 'rds-data':
        return this.region(region).rdsData;
      case 'eks':
        return this.region(region).eks;
      case 'secretsmanager':
        return this.region(region).secrets;
      case 'cloudwatch':
        return this.region(region).cloudwatch;
      case 'events':
        return this.region(region).events;
      case 'servicequotas':
        return this.region(region).serviceQuotas;
      default:
        return { operations: {} };
    }
  }

  /**
   * The effects of Jobs on the rest of the cloud: init marks the database, an upgrade records the
   * modules and image it migrated the database to, final dump writes the archive.
   */
  private async jobSucceeded(job: K8sObject, region: string): Promise<void> {
    const kind = job.metadata.labels?.[JOB_LABEL];
    const annotations = job.metadata.annotations ?? {};
    if (kind === 'init' && annotations['odoo.fleet/database']) {
      const database = annotations['odoo.fleet/database'];
      const modules = (annotations['odoo.fleet/modules'] ?? '').split(',').filter(Boolean);
      this.initialisedDatabases.set(database, { host: annotations['odoo.fleet/db-host'], at: this.clock.now(), modules });
      await this.content.initialised(database, this.clock.now());
    }
    if (kind === 'upgrade' && annotations['odoo.fleet/database']) this.recordUpgrade(job, region);
    if (kind === 'final-dump' && annotations['odoo.fleet/archive-bucket'] && annotations['odoo.fleet/archive-key']) {
      await this.s3.ready();
      const body = `-- simulated pg_dump of ${annotations['odoo.fleet/database'] ?? job.metadata.namespace} at ${this.clock.iso()}\n`;
      await this.s3.backend.client.send(
        new PutObjectCommand({ Bucket: annotations['odoo.fleet/archive-bucket'], Key: annotations['odoo.fleet/archive-key'], Body: body, ContentType: 'application/octet-stream' }),
      );
    }
  }
}
