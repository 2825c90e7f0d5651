/**
 * Secrets Manager: credentials the control plane makes once and never shows. A secret's value is
 * generated on first creation only, so a retried step finds and keeps the first value; nothing
 * here logs or returns a secret value except `readSecretJson`, whose callers pass it straight on.
 *
 * A secret the DR region needs (a database's credentials, read there by the pods and the Data API
 * after a failover) is a multi-Region secret: its replica keeps the name and suffix, so its ARN is
 * the primary's with the region changed (`secretArnIn`), and Secrets Manager keeps its value.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  type DescribeSecretCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { randomInt } from 'node:crypto';
import { resourceFailed } from '#shared/lib/errors.ts';
import { hasName } from './aws-errors.ts';
import { tagList } from './tag-list.ts';

export type SecretFields = Record<string, string | number | boolean>;

export interface EnsureSecretInput {
  name: string;
  tags: Record<string, string>;
  /** Customer managed KMS key; the account's `aws/secretsmanager` key when absent. */
  kmsKeyId?: string;
  description?: string;
  /** Called only when the secret does not exist yet. */
  generate: () => SecretFields;
  /** Regions that hold a replica (the DR region), each with its own key there; none when absent. */
  replicaRegions?: ReplicaRegion[];
}

export interface ReplicaRegion {
  region: string;
  /** A key of that region; the region's `aws/secretsmanager` key when absent. */
  kmsKeyId?: string;
}

export interface EnsuredSecret {
  arn: string;
  created: boolean;
}

async function describe(sm: SecretsManagerClient, name: string): Promise<DescribeSecretCommandOutput | undefined> {
  try {
    return await sm.send(new DescribeSecretCommand({ SecretId: name }));
  } catch (err) {
    if (hasName(err, 'ResourceNotFoundException')) return undefined;
    throw err;
  }
}

/**
 * A secret that is scheduled for deletion is not reused: CreateSecret is attempted and AWS's own
 * error (InvalidRequestException, "scheduled for deletion") says why, rather than handing out a
 * secret that disappears.
 */
export async function ensureSecret(sm: SecretsManagerClient, input: EnsureSecretInput): Promise<EnsuredSecret> {
  const replicas = input.replicaRegions ?? [];
  const existing = await describe(sm, input.name);
  if (existing?.ARN && !existing.DeletedDate) {
    await ensureReplicas(sm, existing, replicas);
    return { arn: existing.ARN, created: false };
  }
  try {
    const out = await sm.send(
      new CreateSecretCommand({
        Name: input.name,
        Description: input.description,
        KmsKeyId: input.kmsKeyId,
        SecretString: JSON.stringify(input.generate()),
        Tags: tagList(input.tags),
        AddReplicaRegions: replicas.length > 0 ? replicas.map((r) => ({ Region: r.region, KmsKeyId: r.kmsKeyId })) : undefined,
      }),
    );
    if (!out.ARN) throw resourceFailed(`CreateSecret returned no ARN for ${input.name}`);
    assertReplicated(input.name, out.ReplicationStatus, replicas);
    return { arn: out.ARN, created: true };
  } catch (err) {
    if (!hasName(err, 'ResourceExistsException')) throw err;
    // Another attempt created it between our look and our create: theirs is the secret.
    const raced = await describe(sm, input.name);
    if (!raced?.ARN) throw err;
    await ensureReplicas(sm, raced, replicas);
    return { arn: raced.ARN, created: false };
  }
}

type ReplicationStatus = NonNullable<DescribeSecretCommandOutput['ReplicationStatus']>;

/**
 * A replica that failed (a same-named secret already in that region, a key it cannot use) is an
 * error naming the region and AWS's reason: the DR copy must not look provisioned without it.
 */
function assertReplicated(name: string, status: ReplicationStatus | undefined, wanted: readonly ReplicaRegion[]): void {
  for (const r of wanted) {
    const s = status?.find((x) => x.Region === r.region);
    if (s?.Status === 'Failed') throw resourceFailed(`replica of secret ${name} in ${r.region} failed: ${s.StatusMessage ?? 'no reason given'}`);
  }
}

/** Adds the replicas an existing secret lacks (a secret made before its tenant had a DR posture, a create cut short). */
async function ensureReplicas(sm: SecretsManagerClient, secret: DescribeSecretCommandOutput, wanted: readonly ReplicaRegion[]): Promise<void> {
  const have = new Set((secret.ReplicationStatus ?? []).filter((s) => s.Status !== 'Failed').map((s) => s.Region));
  const missing = wanted.filter((r) => !have.has(r.region));
  if (missing.length === 0) return;
  const out = await sm.send(
    new ReplicateSecretToRegionsCommand({ SecretId: secret.ARN, AddReplicaRegions: missing.map((r) => ({ Region: r.region, KmsKeyId: r.kmsKeyId })) }),
  );
  assertReplicated(secret.Name ?? secret.ARN ?? '', out.ReplicationStatus, missing);
}

/** Makes an existing secret's replicas in `regions` (the master secret of a cell or a tenant). */
export async function ensureSecretReplicas(sm: SecretsManagerClient, secretId: string, regions: readonly ReplicaRegion[]): Promise<void> {
  const secret = await describe(sm, secretId);
  if (!secret?.ARN) throw resourceFailed(`secret ${secretId} does not exist`);
  await ensureReplicas(sm, secret, regions);
}

/** The secret's JSON object. Errors name the secret, never its content. */
export async function readSecretJson<T extends object = Record<string, unknown>>(sm: SecretsManagerClient, secretId: string): Promise<T> {
  const out = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (out.SecretString === undefined) throw resourceFailed(`secret ${secretId} has no string value`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.SecretString);
  } catch {
    throw resourceFailed(`secret ${secretId} does not hold JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw resourceFailed(`secret ${secretId} does not hold a JSON object`);
  return parsed as T;
}

/**
 * Deletes at once, without the recovery window: offboarding has already taken its final backup.
 * Replicas go first (`RemoveRegionsFromReplication`), as Secrets Manager refuses to delete a
 * primary that still has them; the call goes to the primary's region, and the replica goes with it.
 */
export async function deleteSecret(sm: SecretsManagerClient, name: string): Promise<'deleted' | 'absent'> {
  try {
    const secret = await describe(sm, name);
    const regions = (secret?.ReplicationStatus ?? []).map((r) => r.Region).filter((r): r is string => !!r);
    if (regions.length > 0) await sm.send(new RemoveRegionsFromReplicationCommand({ SecretId: name, RemoveReplicaRegions: regions }));
    await sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    return 'deleted';
  } catch (err) {
    if (hasName(err, 'ResourceNotFoundException')) return 'absent';
    throw err;
  }
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Alphanumeric only, so it can be embedded in DDL and connection strings without escaping
 * (`pooledSql` accepts 16-128 such characters). `randomInt` draws without modulo bias.
 */
export function generatePassword(length = 32): string {
  if (!Number.isInteger(length) || length < 16 || length > 128) throw new RangeError('password length must be an integer from 16 to 128');
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}
