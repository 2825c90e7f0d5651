/**
 * Secrets Manager of one region. Secret values stay here: the inventory shows names only. A
 * deleted secret is kept, marked with its deletion date, until its recovery window ends (a
 * scaled moment when forced), and meanwhile its name cannot be reused.
 *
 * Multi-Region secrets as AWS has them: a primary replicated to other regions
 * (`ReplicateSecretToRegions`, or `AddReplicaRegions` at creation) has a replica there with the
 * same name and suffix (the ARN differs by its region only), the primary's value at every
 * version, and no writes of its own; a primary with replicas cannot be deleted until they are
 * removed (`RemoveRegionsFromReplication`). The regions of one simulated cloud find each other
 * through their shared context.
 */
import { randomUUID } from 'node:crypto';
import type {
  CreateSecretCommandInput,
  CreateSecretCommandOutput,
  DeleteSecretCommandInput,
  DeleteSecretCommandOutput,
  DescribeSecretCommandInput,
  DescribeSecretCommandOutput,
  GetSecretValueCommandInput,
  GetSecretValueCommandOutput,
  PutSecretValueCommandInput,
  PutSecretValueCommandOutput,
  RemoveRegionsFromReplicationCommandInput,
  RemoveRegionsFromReplicationCommandOutput,
  ReplicateSecretToRegionsCommandInput,
  ReplicateSecretToRegionsCommandOutput,
  ReplicationStatusType,
} from '@aws-sdk/client-secrets-manager';
import { awsError, requireParams } from './errors.ts';
import { randomId, tagsFromList, tagsToList, type Out, type ServiceSim, type SimContext, type Tags } from './types.ts';

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const DAY_MS = 24 * 3600 * 1000;

const partialArn = (arn: string) => arn.replace(/-[A-Za-z0-9]{6}$/, '');

export interface SimSecret {
  name: string;
  arn: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tags;
  versions: Array<{ id: string; value?: string; binary?: Uint8Array; created: Date }>;
  createdAt: Date;
  changedAt: Date;
  /** When the secret is (or will be) gone; set by DeleteSecret. */
  deletedDate?: Date;
  /** Epoch ms after which the secret no longer exists at all. */
  purgeAt?: number;
  /** Managed by another service (an RDS master password). */
  owningService?: string;
  /** A replica: the region of its primary. */
  primaryRegion?: string;
  /** A primary: its replicas by region, with the key each is encrypted with there. */
  replicas?: Map<string, { kmsKeyId?: string }>;
}

/** Each simulated cloud's Secrets Manager regions, found through the context they share. */
const regionsOf = new WeakMap<SimContext, Map<string, SecretsSim>>();

export class SecretsSim implements ServiceSim {
  private readonly secrets = new Map<string, SimSecret>();
  /** Names by full ARN and by ARN without its random suffix: an ARN lookup stays cheap in a large fleet. */
  private readonly namesByArn = new Map<string, string>();
  /** Names of secrets with a purge time: only those are looked at when purging. */
  private readonly purging = new Set<string>();

  constructor(
    private readonly ctx: SimContext,
    readonly region: string,
  ) {
    let regions = regionsOf.get(ctx);
    if (!regions) regionsOf.set(ctx, (regions = new Map()));
    regions.set(region, this);
  }

  readonly operations = {
    CreateSecret: (i: CreateSecretCommandInput) => this.create(i),
    DescribeSecret: (i: DescribeSecretCommandInput) => this.describe(i),
    GetSecretValue: (i: GetSecretValueCommandInput) => this.getValue(i),
    PutSecretValue: (i: PutSecretValueCommandInput) => this.putValue(i),
    DeleteSecret: (i: DeleteSecretCommandInput) => this.delete(i),
    ReplicateSecretToRegions: (i: ReplicateSecretToRegionsCommandInput) => this.replicateToRegions(i),
    RemoveRegionsFromReplication: (i: RemoveRegionsFromReplicationCommandInput) => this.removeRegions(i),
  };

  /** This simulated cloud's Secrets Manager in another region, if that region exists. */
  private peer(region: string | undefined): SecretsSim | undefined {
    return region ? regionsOf.get(this.ctx)?.get(region) : undefined;
  }

  /** Secrets that still exist (including those scheduled for deletion). */
  all(): SimSecret[] {
    this.purge();
    return [...this.secrets.values()];
  }

  /**
   * Makes `secret`'s replica in `region` (seeding, and `ReplicateSecretToRegions`): same name, same
   * suffix, its versions the primary's own (so every new version is there at once).
   */
  replicate(secretId: string, region: string, kmsKeyId?: string): SimSecret {
    const s = this.mustFind(secretId);
    this.mustBeLive(s);
    if (s.primaryRegion) throw awsError('secretsmanager', 'InvalidRequestException', 'Operation is not permitted on a replica secret.');
    if (region === this.region) throw awsError('secretsmanager', 'InvalidParameterException', `The secret's own region ${region} cannot hold a replica of it.`);
    const there = this.peer(region);
    if (!there) throw awsError('secretsmanager', 'InvalidParameterException', `Invalid replica region: ${region}.`);
    const arn = s.arn.replace(`:${this.region}:`, `:${region}:`);
    const existing = there.find(s.name);
    if (existing && existing.arn !== arn) throw awsError('secretsmanager', 'ResourceExistsException', `A secret named ${s.name} already exists in ${region}.`);
    const replica: SimSecret = { ...s, arn, kmsKeyId, tags: { ...s.tags }, primaryRegion: this.region, replicas: undefined };
    there.secrets.set(s.name, replica);
    there.namesByArn.set(arn, s.name);
    there.namesByArn.set(partialArn(arn), s.name);
    (s.replicas ??= new Map()).set(region, { kmsKeyId });
    return replica;
  }

  private replicationStatus(s: SimSecret): ReplicationStatusType[] | undefined {
    if (!s.replicas) return undefined;
    return [...s.replicas].map(([Region, r]) => ({ Region, KmsKeyId: r.kmsKeyId ?? 'alias/aws/secretsmanager', Status: 'InSync', StatusMessage: 'Replication succeeded' }));
  }

  /** Creates a secret directly: seeding, and secrets other services manage. `arn` keeps a configured ARN. */
  put(name: string, value: string, opts: { arn?: string; owningService?: string; tags?: Tags; kmsKeyId?: string } = {}): SimSecret {
    const now = this.ctx.clock.now();
    const secret: SimSecret = {
      name,
      arn: opts.arn ?? `arn:aws:secretsmanager:${this.region}:${this.ctx.accountId}:secret:${name}-${randomId(6, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')}`,
      tags: opts.tags ?? {},
      kmsKeyId: opts.kmsKeyId,
      versions: [{ id: randomUUID(), value, created: now }],
      createdAt: now,
      changedAt: now,
      owningService: opts.owningService,
    };
    this.secrets.set(name, secret);
    this.namesByArn.set(secret.arn, name);
    this.namesByArn.set(partialArn(secret.arn), name);
    return secret;
  }

  /** The secret an id (name or ARN) names, if it is readable now. */
  readable(secretId: string): SimSecret | undefined {
    const s = this.find(secretId);
    return s && !s.deletedDate ? s : undefined;
  }

  /** Removes a secret managed by another service at once (RDS deletes its master secret with the cluster). */
  remove(arn: string): void {
    const s = this.find(arn);
    if (s) this.secrets.delete(s.name);
  }

  private purge(): void {
    if (this.purging.size === 0) return;
    const now = this.ctx.clock.nowMs();
    for (const name of this.purging) {
      const s = this.secrets.get(name);
      if (s?.purgeAt === undefined) this.purging.delete(name);
      else if (s.purgeAt <= now) {
        this.secrets.delete(name);
        this.purging.delete(name);
      }
    }
  }

  private find(secretId: string): SimSecret | undefined {
    this.purge();
    const byName = this.secrets.get(secretId);
    if (byName) return byName;
    const name = this.namesByArn.get(secretId);
    const s = name === undefined ? undefined : this.secrets.get(name);
    // A full ARN, or a partial one without the random suffix; a secret made again under the same
    // name has another ARN, so only a partial ARN reaches it.
    return s && (s.arn === secretId || partialArn(s.arn) === secretId) ? s : undefined;
  }

  private mustFind(secretId: string | undefined): SimSecret {
    requireParams('secretsmanager', { SecretId: secretId }, ['SecretId']);
    const s = this.find(secretId!);
    if (!s) throw awsError('secretsmanager', 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return s;
  }

  private mustBeLive(s: SimSecret): void {
    if (s.deletedDate) {
      throw awsError('secretsmanager', 'InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
    }
  }

  private create(i: CreateSecretCommandInput): Out<CreateSecretCommandOutput> {
    requireParams('secretsmanager', i, ['Name']);
    if (!NAME.test(i.Name!)) throw awsError('secretsmanager', 'ValidationException', `Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!`);
    if (i.SecretString !== undefined && i.SecretBinary !== undefined) {
      throw awsError('secretsmanager', 'InvalidParameterException', 'You can only specify one of SecretString or SecretBinary.');
    }
    const existing = this.find(i.Name!);
    if (existing) {
      if (existing.deletedDate) {
        throw awsError('secretsmanager', 'InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.");
      }
      const same = i.ClientRequestToken && existing.versions.some((v) => v.id === i.ClientRequestToken) && existing.versions.at(-1)?.value === i.SecretString;
      if (same) return { ARN: existing.arn, Name: existing.name, VersionId: i.ClientRequestToken };
      throw awsError('secretsmanager', 'ResourceExistsException', `The operation failed because the secret ${i.Name} already exists.`);
    }
    const secret = this.put(i.Name!, i.SecretString ?? '', { tags: tagsFromList(i.Tags), kmsKeyId: i.KmsKeyId });
    secret.description = i.Description;
    if (i.SecretBinary !== undefined) secret.versions[0] = { ...secret.versions[0]!, value: undefined, binary: i.SecretBinary };
    if (i.ClientRequestToken) secret.versions[0]!.id = i.ClientRequestToken;
    for (const r of i.AddReplicaRegions ?? []) this.replicate(secret.arn, r.Region!, r.KmsKeyId);
    return { ARN: secret.arn, Name: secret.name, VersionId: secret.versions[0]!.id, ReplicationStatus: this.replicationStatus(secret) };
  }

  private describe(i: DescribeSecretCommandInput): Out<DescribeSecretCommandOutput> {
    const s = this.mustFind(i.SecretId);
    const current = s.versions.at(-1)!;
    return {
      ARN: s.arn,
      Name: s.name,
      Description: s.description,
      KmsKeyId: s.kmsKeyId,
      Tags: tagsToList(s.tags),
      CreatedDate: s.createdAt,
      LastChangedDate: s.changedAt,
      DeletedDate: s.deletedDate,
      OwningService: s.owningService,
      PrimaryRegion: s.primaryRegion ?? (s.replicas ? this.region : undefined),
      ReplicationStatus: this.replicationStatus(s),
      VersionIdsToStages: { [current.id]: ['AWSCURRENT'] },
    };
  }

  private getValue(i: GetSecretValueCommandInput): Out<GetSecretValueCommandOutput> {
    const s = this.mustFind(i.SecretId);
    this.mustBeLive(s);
    const version = i.VersionId ? s.versions.find((v) => v.id === i.VersionId) : s.versions.at(-1);
    if (!version) throw awsError('secretsmanager', 'ResourceNotFoundException', "Secrets Manager can't find the specified secret value for VersionId.");
    return { ARN: s.arn, Name: s.name, VersionId: version.id, SecretString: version.value, SecretBinary: version.binary, VersionStages: ['AWSCURRENT'], CreatedDate: version.created };
  }

  private putValue(i: PutSecretValueCommandInput): Out<PutSecretValueCommandOutput> {
    const s = this.mustFind(i.SecretId);
    this.mustBeLive(s);
    this.mustBePrimary(s);
    const existing = i.ClientRequestToken ? s.versions.find((v) => v.id === i.ClientRequestToken) : undefined;
    if (existing) {
      if (existing.value !== i.SecretString) throw awsError('secretsmanager', 'ResourceExistsException', 'A version with this ClientRequestToken already exists with a different value.');
      return { ARN: s.arn, Name: s.name, VersionId: existing.id, VersionStages: ['AWSCURRENT'] };
    }
    const version = { id: i.ClientRequestToken ?? randomUUID(), value: i.SecretString, binary: i.SecretBinary, created: this.ctx.clock.now() };
    s.versions.push(version);
    s.changedAt = version.created;
    return { ARN: s.arn, Name: s.name, VersionId: version.id, VersionStages: ['AWSCURRENT'] };
  }

  private mustBePrimary(s: SimSecret): void {
    if (s.primaryRegion) throw awsError('secretsmanager', 'InvalidRequestException', `Operation is not permitted on a replica secret. Call it in the primary region ${s.primaryRegion}.`);
  }

  private replicateToRegions(i: ReplicateSecretToRegionsCommandInput): Out<ReplicateSecretToRegionsCommandOutput> {
    requireParams('secretsmanager', i, ['SecretId', 'AddReplicaRegions']);
    const s = this.mustFind(i.SecretId);
    this.mustBeLive(s);
    this.mustBePrimary(s);
    const failed: ReplicationStatusType[] = [];
    for (const r of i.AddReplicaRegions!) {
      const there = this.peer(r.Region);
      const clash = there?.find(s.name);
      // As AWS does: a same-named secret there is a failed replication, not an error, unless overwritten.
      if (clash && clash.primaryRegion !== this.region && !i.ForceOverwriteReplicaSecret) {
        failed.push({ Region: r.Region, KmsKeyId: r.KmsKeyId, Status: 'Failed', StatusMessage: 'Replication failed: Secret with the same name already exists in the destination region.' });
        continue;
      }
      if (clash && clash.primaryRegion !== this.region) there!.secrets.delete(s.name);
      this.replicate(s.arn, r.Region!, r.KmsKeyId);
    }
    return { ARN: s.arn, ReplicationStatus: [...(this.replicationStatus(s) ?? []), ...failed] };
  }

  private removeRegions(i: RemoveRegionsFromReplicationCommandInput): Out<RemoveRegionsFromReplicationCommandOutput> {
    requireParams('secretsmanager', i, ['SecretId', 'RemoveReplicaRegions']);
    const s = this.mustFind(i.SecretId);
    this.mustBePrimary(s);
    for (const region of i.RemoveReplicaRegions!) {
      if (!s.replicas?.has(region)) continue;
      const there = this.peer(region);
      const replica = there?.find(s.name);
      if (replica?.primaryRegion === this.region) there!.secrets.delete(s.name);
      s.replicas.delete(region);
    }
    if (s.replicas?.size === 0) delete s.replicas;
    return { ARN: s.arn, ReplicationStatus: this.replicationStatus(s) ?? [] };
  }

  private delete(i: DeleteSecretCommandInput): Out<DeleteSecretCommandOutput> {
    const s = this.mustFind(i.SecretId);
    this.mustBePrimary(s);
    if (s.replicas?.size) {
      throw awsError('secretsmanager', 'InvalidRequestException', `You can't delete secret ${s.name} while it has replicas in ${[...s.replicas.keys()].join(', ')}. Remove the replicas first.`);
    }
    if (i.ForceDeleteWithoutRecovery && i.RecoveryWindowInDays !== undefined) {
      throw awsError('secretsmanager', 'InvalidParameterException', 'You can\'t use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.');
    }
    if (s.owningService) {
      throw awsError('secretsmanager', 'InvalidRequestException', `You can't delete secret ${s.name} that is managed by ${s.owningService}.`);
    }
    const now = this.ctx.clock.nowMs();
    if (i.ForceDeleteWithoutRecovery) {
      s.deletedDate ??= new Date(now);
      s.purgeAt = Math.min(s.purgeAt ?? Infinity, this.ctx.clock.after('secretPurge'));
      this.purging.add(s.name);
      return { ARN: s.arn, Name: s.name, DeletionDate: s.deletedDate };
    }
    if (s.deletedDate) this.mustBeLive(s);
    const days = i.RecoveryWindowInDays ?? 30;
    if (days < 7 || days > 30) throw awsError('secretsmanager', 'InvalidParameterException', 'RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    s.deletedDate = new Date(now + days * DAY_MS);
    s.purgeAt = this.ctx.clock.after(days * 24 * 3600);
    this.purging.add(s.name);
    return { ARN: s.arn, Name: s.name, DeletionDate: s.deletedDate };
  }
}
