/**
 * The RDS Data API of one region. On production clusters it understands exactly the statements
 * the pooled-database adapter builds (`pooledSqlPatterns`) and the heartbeat writer's
 * (`heartbeatSqlPatterns`), with PostgreSQL's answers and error messages. On a cluster made by a
 * restore, every other statement runs as real SQL on PGlite (`sim-postgres.ts`), on the database's
 * content as of the restore point. Databases and roles are kept per cluster; which databases Odoo
 * initialised is kept by name. Which roles the master user has been granted is kept here, per
 * cluster, since only this API can grant them. A template copy carries its source's state
 * (initialised, last upgrade, heartbeats), and so does a rename. Like AWS, it answers only on
 * clusters whose HTTP endpoint is enabled.
 */
import type { ExecuteStatementCommandInput, ExecuteStatementCommandOutput, SqlParameter } from '@aws-sdk/client-rds-data';
import { heartbeatSqlPatterns } from '#shared/cloud/heartbeat-sql.ts';
import { pooledSqlPatterns } from '#shared/cloud/pooled-sql.ts';
import { awsError, requireParams } from './errors.ts';
import { appendHeartbeat, emptyHeartbeatLog, newestWriteOf, pruneHeartbeats } from './odoo-content.ts';
import type { RdsStore, SimDatabase, SimDbCluster } from './rds-store.ts';
import type { SecretsSim } from './secrets.ts';
import { pgError, simPostgres, type SimPostgres } from './sim-postgres.ts';
import type { Out, ServiceSim } from './types.ts';

type Result = Out<ExecuteStatementCommandOutput>;

const ONE_ROW: Result = { records: [[{ longValue: 1 }]], numberOfRecordsUpdated: 0 };
const NO_ROWS: Result = { records: [], numberOfRecordsUpdated: 0 };
const DONE: Result = { numberOfRecordsUpdated: 0, generatedFields: [] };

const POOLED_PATTERNS = Object.values(pooledSqlPatterns);
const HEARTBEAT_PATTERNS = Object.values(heartbeatSqlPatterns);

/** PostgreSQL's text form of a timestamptz in UTC: `2026-03-01 09:00:00.5+00`. */
function timestamptzText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.?0*Z$/, '+00');
}

/** What the Data API needs from the rest of the simulated cloud, besides RDS. */
export interface RdsDataHooks {
  /** The newest business write in a production database (users of the tenant it serves), or null when none. */
  newestWrite?(cluster: SimDbCluster, database: string): Date | null;
  /** Before a restored database is read: its content is settled, and what it refers to outside the database (its filestore) is in place. */
  beforeRestoredRead?(database: string, db: SimDatabase | undefined): Promise<void>;
  postgres?: SimPostgres;
  /** Cross-region replication (rds-global.ts): a replicating cluster's content is brought up to date before it is read, and it refuses writes. */
  replication?: { beforeRead(cluster: SimDbCluster): void; readOnly(cluster: SimDbCluster): boolean };
}

/** Statements that only read (besides the restored-database SQL): what a read-only cluster still answers. */
const READ_PATTERNS = [pooledSqlPatterns.roleExists, pooledSqlPatterns.databaseExists, pooledSqlPatterns.newestWrite, pooledSqlPatterns.terminateConnections, heartbeatSqlPatterns.newest];

/** PostgreSQL's error for a write on a hot standby: `cannot execute INSERT in a read-only transaction`. */
function readOnlyError(sql: string) {
  const verb = /^(?:(?:CREATE|ALTER|DROP)\s+(?:TABLE|ROLE|DATABASE|USER)|[A-Z]+)/i.exec(sql)?.[0]?.toUpperCase().replace(/\s+/g, ' ') ?? 'statement';
  return pgError(`cannot execute ${verb} in a read-only transaction`, '25006');
}

function param(parameters: SqlParameter[] | undefined, name: string): string {
  const p = parameters?.find((x) => x.name === name)?.value;
  if (!p || !('stringValue' in p) || typeof p.stringValue !== 'string') throw awsError('rds-data', 'BadRequestException', `Missing value for parameter :${name}`);
  return p.stringValue;
}

export class RdsDataSim implements ServiceSim {
  constructor(
    private readonly rds: RdsStore,
    private readonly secrets: SecretsSim,
    /** Databases an Odoo init Job has initialised, by name (shared by every region). */
    private readonly initialised: Map<string, { host?: string; at: Date }>,
    private readonly hooks: RdsDataHooks = {},
  ) {}

  /** Roles each cluster's master user has been made a member of (`GRANT role TO CURRENT_USER`). */
  private readonly masterMemberOf = new WeakMap<SimDbCluster, Set<string>>();

  readonly operations = {
    ExecuteStatement: (i: ExecuteStatementCommandInput) => this.execute(i),
  };

  /** The roles the master user of a cluster is a member of, sorted; empty for an unknown cluster. */
  masterMemberships(clusterArn: string): string[] {
    const cluster = this.rds.clusterByArn(clusterArn);
    return cluster ? [...(this.masterMemberOf.get(cluster) ?? [])].sort() : [];
  }

  private async execute(i: ExecuteStatementCommandInput): Promise<Result> {
    requireParams('rds-data', i, ['resourceArn', 'secretArn', 'sql']);
    const cluster = this.rds.clusterByArn(i.resourceArn!);
    if (!cluster) throw awsError('rds-data', 'BadRequestException', `Cluster ${i.resourceArn} not found or the HTTP endpoint is not enabled.`);
    if (!this.secrets.readable(i.secretArn!)) throw awsError('rds-data', 'BadRequestException', `Error fetching secret ${i.secretArn} : Secrets Manager can't find the specified secret.`);
    const status = this.rds.clusterStatus(cluster);
    if (status !== 'available') throw awsError('rds-data', 'BadRequestException', `DB cluster ${cluster.identifier} is not available (status ${status}).`);
    if (!cluster.httpEndpointEnabled) {
      throw awsError('rds-data', 'HttpEndpointNotEnabledException', `HttpEndpoint is not enabled for cluster ${cluster.identifier}. Please refer to https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.html#data-api.troubleshooting`);
    }
    const sql = i.sql!.trim();
    const replication = this.hooks.replication;
    if (replication) {
      replication.beforeRead(cluster);
      if (replication.readOnly(cluster) && !READ_PATTERNS.some((p) => p.test(sql))) throw readOnlyError(sql);
    }
    if (i.database && !cluster.databases.has(i.database)) throw pgError(`database "${i.database}" does not exist`, '3D000');
    const database = i.database ?? cluster.databaseName ?? 'postgres';
    if (cluster.restoredTo === undefined) return this.run(cluster, sql, i.parameters, database);
    const postgres = this.readsPostgres(cluster, database, sql);
    // Reading a restored database's content settles it (once): its newest write, its filestore.
    if (postgres || pooledSqlPatterns.newestWrite.test(sql)) await this.hooks.beforeRestoredRead?.(database, cluster.databases.get(database));
    // A restored database is real PostgreSQL, as of the restore point.
    if (postgres) return this.postgres.execute({ clusterResourceId: cluster.resourceId, database, content: () => cluster.databases.get(database)?.restored }, { ...i, sql });
    return this.run(cluster, sql, i.parameters, database);
  }

  private get postgres(): SimPostgres {
    return this.hooks.postgres ?? simPostgres;
  }

  /**
   * On a restored cluster, what PostgreSQL answers: everything but the pooled adapter's statements,
   * and the heartbeat writer's until the database is materialised (a restored cluster may become
   * production, as a dedicated rollback's does, and keep receiving heartbeats without ever being read).
   */
  private readsPostgres(cluster: SimDbCluster, database: string, sql: string): boolean {
    if (POOLED_PATTERNS.some((p) => p.test(sql))) return false;
    if (HEARTBEAT_PATTERNS.some((p) => p.test(sql))) return this.postgres.isMaterialised(cluster.resourceId, database);
    return true;
  }

  /** The heartbeat writer's statements on a production database, recorded on the clock. */
  private heartbeat(c: SimDbCluster, sql: string, parameters: SqlParameter[] | undefined, database: string): Result | undefined {
    const h = heartbeatSqlPatterns;
    const db = c.databases.get(database);
    if (!db) return undefined;
    const missing = () => pgError('relation "odoo_fleet_heartbeat" does not exist', '42P01');
    const now = this.rds.ctx.clock.nowMs();
    if (h.createTable.test(sql)) {
      db.heartbeats ??= emptyHeartbeatLog();
      db.heartbeats.table = true;
      return DONE;
    }
    if (h.insert.test(sql)) {
      const writer = param(parameters, 'writer');
      if (!db.heartbeats?.table) throw missing();
      const id = appendHeartbeat(db.heartbeats, now, writer);
      return { records: [[{ longValue: id }, { stringValue: timestamptzText(now) }]], numberOfRecordsUpdated: 1 };
    }
    if (h.newest.test(sql)) {
      if (!db.heartbeats?.table) throw missing();
      const newest = db.heartbeats.at.length > 0 ? Math.max(...db.heartbeats.at) : undefined;
      return { records: [[newest === undefined ? { isNull: true } : { stringValue: timestamptzText(newest) }]], numberOfRecordsUpdated: 0 };
    }
    const prune = h.prune.exec(sql);
    if (prune) {
      if (!db.heartbeats?.table) throw missing();
      return { numberOfRecordsUpdated: pruneHeartbeats(db.heartbeats, now - Number(prune[1]) * 86_400_000), generatedFields: [] };
    }
    return undefined;
  }

  private run(c: SimDbCluster, sql: string, parameters: SqlParameter[] | undefined, database: string): Result {
    const p = pooledSqlPatterns;
    let m: RegExpExecArray | null;
    const beat = this.heartbeat(c, sql, parameters, database);
    if (beat) return beat;
    if (p.roleExists.test(sql)) return c.roles.has(param(parameters, 'name')) ? ONE_ROW : NO_ROWS;
    if (p.databaseExists.test(sql)) return c.databases.has(param(parameters, 'name')) ? ONE_ROW : NO_ROWS;
    if (p.terminateConnections.test(sql)) {
      param(parameters, 'name');
      return NO_ROWS;
    }
    if ((m = p.createRole.exec(sql))) {
      if (c.roles.has(m[1]!)) throw pgError(`role "${m[1]}" already exists`, '42710');
      c.roles.add(m[1]!);
      return DONE;
    }
    if ((m = p.setRolePassword.exec(sql))) {
      if (!c.roles.has(m[1]!)) throw pgError(`role "${m[1]}" does not exist`, '42704');
      return DONE;
    }
    if ((m = p.grantRoleToMaster.exec(sql))) {
      // PostgreSQL only notices when the membership already exists.
      if (!c.roles.has(m[1]!)) throw pgError(`role "${m[1]}" does not exist`, '42704');
      const granted = this.masterMemberOf.get(c) ?? new Set<string>();
      granted.add(m[1]!);
      this.masterMemberOf.set(c, granted);
      return DONE;
    }
    if ((m = p.createDatabase.exec(sql))) {
      const [, db, owner] = m as unknown as [string, string, string];
      if (c.databases.has(db)) throw pgError(`database "${db}" already exists`, '42P04');
      if (!c.roles.has(owner)) throw pgError(`role "${owner}" does not exist`, '42704');
      c.databases.set(db, { owner });
      return DONE;
    }
    if ((m = p.revokePublicConnect.exec(sql))) {
      if (!c.databases.has(m[1]!)) throw pgError(`database "${m[1]}" does not exist`, '3D000');
      return DONE;
    }
    if ((m = p.dropDatabase.exec(sql))) {
      // WITH (FORCE): no sessions are simulated, so there are none to end before the drop.
      c.databases.delete(m[1]!);
      this.initialised.delete(m[1]!);
      return DONE;
    }
    if ((m = p.copyDatabase.exec(sql))) {
      const [, copy, template, owner] = m as unknown as [string, string, string, string];
      if (c.databases.has(copy)) throw pgError(`database "${copy}" already exists`, '42P04');
      const source = c.databases.get(template);
      if (!source) throw pgError(`template database "${template}" does not exist`, '3D000');
      if (!c.roles.has(owner)) throw pgError(`role "${owner}" does not exist`, '42704');
      c.databases.set(copy, { ...structuredClone(source), owner, copyOf: template });
      const state = this.initialised.get(template);
      if (state) this.initialised.set(copy, { ...state });
      return DONE;
    }
    if ((m = p.renameDatabase.exec(sql))) {
      const [, from, to] = m as unknown as [string, string, string];
      const entry = c.databases.get(from);
      if (!entry) throw pgError(`database "${from}" does not exist`, '3D000');
      if (c.databases.has(to)) throw pgError(`database "${to}" already exists`, '42P04');
      c.databases.delete(from);
      c.databases.set(to, entry);
      const state = this.initialised.get(from);
      this.initialised.delete(from);
      if (state) this.initialised.set(to, state);
      else this.initialised.delete(to);
      return DONE;
    }
    if (p.newestWrite.test(sql)) {
      param(parameters, 'tables');
      const restoredNewest = newestWriteOf(c.databases.get(database)?.restored);
      const newest = c.restoredTo !== undefined ? (restoredNewest === null ? null : new Date(restoredNewest)) : (this.hooks.newestWrite?.(c, database) ?? null);
      // PostgreSQL's text form of a timestamp without time zone.
      return { records: [[newest ? { stringValue: newest.toISOString().replace('T', ' ').replace('Z', '') } : { isNull: true }]], numberOfRecordsUpdated: 0 };
    }
    if ((m = p.dropRole.exec(sql))) {
      const role = m[1]!;
      const owned = [...c.databases.entries()].filter(([, d]) => d.owner === role).map(([name]) => name);
      if (owned.length > 0) throw pgError(`role "${role}" cannot be dropped because some objects depend on it (owner of database ${owned.join(', ')})`, '2BP01');
      c.roles.delete(role);
      this.masterMemberOf.get(c)?.delete(role);
      return DONE;
    }
    throw awsError('rds-data', 'BadRequestException', `The simulated cloud does not understand this statement: ${sql.slice(0, 120)}`);
  }
}
