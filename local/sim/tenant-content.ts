/**
 * Where a tenant database's content comes from when it is restored: its initialisation (time and
 * modules), its last upgrade, the newest write its users made, the heartbeats written into it, and
 * the attachments Odoo's initialisation stored in the tenant's filestore. Also the drill faults of
 * a restore, decided when it is requested, and what they take away.
 *
 * Attachments: initialisation writes a handful of small objects to the tenant's filestore (bucket
 * and prefix from its `odoo-web` environment). Tenants seeded without an init Job get theirs
 * written when a restore of their database is first read, dated as of their initialisation, so
 * seeding thousands of tenants writes nothing. The `missing-attachments` fault deletes the
 * tenant's attachment objects for good (every version) when the restore is requested: a restore
 * cannot bring back what the filestore no longer has at any point.
 */
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import { filestoreObjectKey } from '#shared/cloud/drill-validation.ts';
import { names } from '#shared/domain/names.ts';
import type { SimClock } from './clock.ts';
import type { FaultInjector } from './faults.ts';
import type { SimKubeCluster } from './kubernetes.ts';
import { attachmentBody, freezeContent, heartbeatsAsOf, initialAttachments, type FilestoreRecord, type RestoreEffects } from './odoo-content.ts';
import type { RestoreFaults, RestoreHooks } from './rds-restores.ts';
import type { SimDatabase } from './rds-store.ts';
import type { S3Sim } from './s3.ts';
import type { TenantSignals } from './tenant-signals.ts';

/** What the init Job left: when, and the modules it installed (`base,...`). */
export interface InitialisedDatabase {
  host?: string;
  at: Date;
  modules?: string[];
}

export interface TenantContentDeps {
  clock: SimClock;
  faults: FaultInjector;
  s3: S3Sim;
  signals: TenantSignals;
  kubeClusters(): SimKubeCluster[];
  initialised: Map<string, InitialisedDatabase>;
  /** The newest write the tenant's users made in the database (production), or null. */
  newestWrite(database: string): Date | null;
}

interface Filestore extends FilestoreRecord {
  /** The objects' writing, once begun. */
  written?: Promise<void>;
}

function envOf(deployment: K8sObject | undefined): Record<string, string> {
  const containers = ((deployment?.spec as { template?: { spec?: { containers?: Array<{ env?: Array<{ name: string; value?: string }> }> } } } | undefined)?.template?.spec?.containers ?? []);
  return Object.fromEntries(containers.flatMap((c) => c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}

export class TenantContent implements RestoreHooks {
  /** Each database's filestore attachments, by database name (a copy or a rename serves the same tenant's files). */
  private readonly filestores = new Map<string, Filestore>();

  constructor(private readonly deps: TenantContentDeps) {}

  /** The tenant's filestore location, from the environment its Odoo runs with. */
  filestoreOf(database: string): { bucket: string; prefix: string } | undefined {
    for (const cluster of this.deps.kubeClusters()) {
      // The tenant whose database name this is (without reading every tenant's config), else whoever's Odoo names it.
      const namespace =
        cluster.select((o) => (o.kind === 'Namespace' && names.databaseName(o.metadata.labels?.['odoo.fleet/tenant'] ?? '') === database ? o.metadata.name : undefined))[0] ??
        this.deps.signals.workloadOfDatabase(database)?.namespace;
      if (!namespace) continue;
      const env = envOf(cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'odoo-web' }));
      if (env.ODOO_FILESTORE_BUCKET && env.ODOO_FILESTORE_PREFIX !== undefined) return { bucket: env.ODOO_FILESTORE_BUCKET, prefix: env.ODOO_FILESTORE_PREFIX };
    }
    return undefined;
  }

  /** Odoo initialised the database: its attachments' objects go to the filestore now. */
  async initialised(database: string, at: Date): Promise<void> {
    const location = this.filestoreOf(database);
    if (!location) return;
    const record: Filestore = { ...location, attachments: initialAttachments(database, at.getTime()) };
    this.filestores.set(database, record);
    await (record.written = this.write(database, record));
  }

  /** The attachments recorded for a database (for tests and the inventory). */
  attachmentsOf(database: string): FilestoreRecord | undefined {
    return this.filestores.get(database);
  }

  faults(databaseNames: string[]): RestoreFaults {
    const f = this.deps.faults;
    const hit = (effect: Parameters<FaultInjector['forTenantDatabase']>[1]) => databaseNames.filter((n) => f.forTenantDatabase(n, effect));
    const effects = new Map<string, RestoreEffects>();
    const mark = (names: string[], key: keyof RestoreEffects) => {
      for (const n of names) effects.set(n, { ...effects.get(n), [key]: true });
    };
    const fails = hit('restore-fails').length > 0;
    const slow = hit('slow-restore').length > 0;
    mark(hit('stale-restore'), 'stale');
    mark(hit('missing-module'), 'missingModule');
    mark(hit('empty-tables'), 'emptyTables');
    mark(hit('missing-attachments'), 'missingAttachments');
    return { fails, slow, effects };
  }

  async freeze(name: string, source: SimDatabase, point: number, effects: RestoreEffects | undefined): Promise<Pick<SimDatabase, 'restored' | 'pendingRestore' | 'heartbeats'>> {
    // The restored database's own heartbeat log: what the source held at the point (the newest few).
    const heartbeats = heartbeatsAsOf(source.heartbeats, point, effects?.stale);
    const init = this.deps.initialised.get(name);
    if (!init) return { restored: source.restored, pendingRestore: source.pendingRestore, heartbeats };
    if (effects?.missingAttachments) {
      const filestore = this.recordFor(name, init.at.getTime());
      if (filestore) await this.lose(filestore);
    }
    return {
      heartbeats,
      pendingRestore: {
        databaseName: name,
        point,
        initialisedAt: init.at.getTime(),
        modules: [...new Set([...(init.modules ?? []), ...(source.upgraded?.modules ?? [])])],
        effects,
      },
    };
  }

  /**
   * Before a restored database is first read: its content is settled (the users' newest write, the
   * attachments, its heartbeats), and its tenant's attachment objects exist in the filestore unless
   * they were lost.
   */
  async beforeRead(database: string, db: SimDatabase | undefined): Promise<void> {
    const pending = db?.pendingRestore;
    if (db && pending) {
      const filestore = pending.initialisedAt !== undefined ? this.recordFor(database, pending.initialisedAt) : undefined;
      db.restored = freezeContent({ ...pending, heartbeats: db.heartbeats, newestWrite: this.deps.newestWrite(database)?.getTime() ?? null, attachments: filestore?.attachments ?? [] });
      delete db.pendingRestore;
    }
    const record = this.filestores.get(database);
    if (!record || record.lost) return;
    await (record.written ??= this.write(database, record));
  }

  private recordFor(database: string, initialisedAt: number): Filestore | undefined {
    let record = this.filestores.get(database);
    if (record) return record;
    const location = this.filestoreOf(database);
    if (!location) return undefined;
    record = { ...location, attachments: initialAttachments(database, initialisedAt) };
    this.filestores.set(database, record);
    return record;
  }

  private async write(database: string, record: Filestore): Promise<void> {
    for (const a of record.attachments) await this.deps.s3.writeObject(record.bucket, filestoreObjectKey(record.prefix, a.storeFname), attachmentBody(database, a), a.createdAt);
  }

  private async lose(record: Filestore): Promise<void> {
    record.lost = true;
    if (!record.written) return;
    await record.written.catch(() => undefined);
    await this.deps.s3.destroyObjects(record.bucket, record.attachments.map((a) => filestoreObjectKey(record.prefix, a.storeFname)));
  }
}
