/**
 * The RDS Data API of one region, understanding exactly the statements the pooled-database
 * adapter builds (`pooledSqlPatterns`), with PostgreSQL's answers and error messages. Databases
 * and roles are kept per cluster; which databases Odoo initialised is kept by name. Which roles
 * the master user has been granted is kept here, per cluster, since only this API can grant them.
 * A template copy carries its source's state (initialised, last upgrade), and so does a rename.
 */
import type { ExecuteStatementCommandInput, ExecuteStatementCommandOutput, SqlParameter } from '@aws-sdk/client-rds-data';
import { pooledSqlPatterns } from '#shared/cloud/pooled-sql.ts';
import { awsError, requireParams } from './errors.ts';
import type { RdsStore, SimDbCluster } from './rds-store.ts';
import type { SecretsSim } from './secrets.ts';
import type { Out, ServiceSim } from './types.ts';

type Result = Out<ExecuteStatementCommandOutput>;

const ONE_ROW: Result = { records: [[{ longValue: 1 }]], numberOfRecordsUpdated: 0 };
const NO_ROWS: Result = { records: [], numberOfRecordsUpdated: 0 };
const DONE: Result = { numberOfRecordsUpdated: 0, generatedFields: [] };

function pgError(message: string, sqlState: string): Error {
  return awsError('rds-data', 'DatabaseErrorException', `ERROR: ${message}; SQLState: ${sqlState}`);
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
    /** The newest business write in a database (users of the tenant it serves), or null when none. */
    private readonly newestWrite: (cluster: SimDbCluster, database: string) => Date | null = () => null,
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

  private execute(i: ExecuteStatementCommandInput): Result {
    requireParams('rds-data', i, ['resourceArn', 'secretArn', 'sql']);
    const cluster = this.rds.clusterByArn(i.resourceArn!);
    if (!cluster) throw awsError('rds-data', 'BadRequestException', `Cluster ${i.resourceArn} not found or the HTTP endpoint is not enabled.`);
    if (!this.secrets.readable(i.secretArn!)) throw awsError('rds-data', 'BadRequestException', `Error fetching secret ${i.secretArn} : Secrets Manager can't find the specified secret.`);
    const status = this.rds.clusterStatus(cluster);
    if (status !== 'available') throw awsError('rds-data', 'BadRequestException', `DB cluster ${cluster.identifier} is not available (status ${status}).`);
    if (i.database && !cluster.databases.has(i.database)) throw pgError(`database "${i.database}" does not exist`, '3D000');
    return this.run(cluster, i.sql!.trim(), i.parameters, i.database ?? cluster.databaseName ?? 'postgres');
  }

  private run(c: SimDbCluster, sql: string, parameters: SqlParameter[] | undefined, database: string): Result {
    const p = pooledSqlPatterns;
    let m: RegExpExecArray | null;
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
      const newest = this.newestWrite(c, database);
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
