/**
 * Secrets Manager: credentials the control plane makes once and never shows. A secret's value is
 * generated on first creation only, so a retried step finds and keeps the first value; nothing
 * here logs or returns a secret value except `readSecretJson`, whose callers pass it straight on.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
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
  const existing = await describe(sm, input.name);
  if (existing?.ARN && !existing.DeletedDate) return { arn: existing.ARN, created: false };
  try {
    const out = await sm.send(
      new CreateSecretCommand({
        Name: input.name,
        Description: input.description,
        KmsKeyId: input.kmsKeyId,
        SecretString: JSON.stringify(input.generate()),
        Tags: tagList(input.tags),
      }),
    );
    if (!out.ARN) throw resourceFailed(`CreateSecret returned no ARN for ${input.name}`);
    return { arn: out.ARN, created: true };
  } catch (err) {
    if (!hasName(err, 'ResourceExistsException')) throw err;
    // Another attempt created it between our look and our create: theirs is the secret.
    const raced = await describe(sm, input.name);
    if (!raced?.ARN) throw err;
    return { arn: raced.ARN, created: false };
  }
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

/** Deletes at once, without the recovery window: offboarding has already taken its final backup. */
export async function deleteSecret(sm: SecretsManagerClient, name: string): Promise<'deleted' | 'absent'> {
  try {
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
