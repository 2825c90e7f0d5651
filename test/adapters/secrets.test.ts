import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { deleteSecret, ensureSecret, generatePassword, readSecretJson } from '#shared/cloud/adapters/secrets.ts';

const sm = mockClient(SecretsManagerClient);
const client = () => new SecretsManagerClient({});
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:odoo/acme/admin-AbCdEf';
const notFound = () => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });

beforeEach(() => sm.reset());

describe('ensureSecret', () => {
  it('creates the secret with its generated JSON value, tags and KMS key when it does not exist', async () => {
    // prepare
    sm.on(DescribeSecretCommand).rejects(notFound());
    sm.on(CreateSecretCommand).resolves({ ARN, Name: 'odoo/acme/admin' });
    const generate = vi.fn(() => ({ login: 'admin', password: 'Secret123Secret123' }));

    // act
    const result = await ensureSecret(client(), { name: 'odoo/acme/admin', tags: { 'odoo:tenant': 'acme' }, kmsKeyId: 'alias/odoo', generate });

    // assess
    expect(result).toEqual({ arn: ARN, created: true });
    expect(generate).toHaveBeenCalledTimes(1);
    expect(sm).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: 'odoo/acme/admin',
      KmsKeyId: 'alias/odoo',
      SecretString: JSON.stringify({ login: 'admin', password: 'Secret123Secret123' }),
      Tags: [{ Key: 'odoo:tenant', Value: 'acme' }],
    });
  });

  it('keeps an existing secret and never generates a new value for it', async () => {
    sm.on(DescribeSecretCommand).resolves({ ARN, Name: 'odoo/acme/admin' });
    const generate = vi.fn(() => ({ password: 'x' }));

    const result = await ensureSecret(client(), { name: 'odoo/acme/admin', tags: {}, generate });

    expect(result).toEqual({ arn: ARN, created: false });
    expect(generate).not.toHaveBeenCalled();
    expect(sm).not.toHaveReceivedCommand(CreateSecretCommand);
  });

  it('uses the secret a concurrent attempt created (ResourceExistsException)', async () => {
    sm.on(DescribeSecretCommand).rejectsOnce(notFound()).resolves({ ARN, Name: 'odoo/acme/admin' });
    sm.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: 'already exists', $metadata: {} }));

    const result = await ensureSecret(client(), { name: 'odoo/acme/admin', tags: {}, generate: () => ({ password: 'p' }) });

    expect(result).toEqual({ arn: ARN, created: false });
    expect(sm).toHaveReceivedCommandTimes(DescribeSecretCommand, 2);
  });

  it('lets throttling propagate with its AWS name', async () => {
    sm.on(DescribeSecretCommand).rejects(
      new SecretsManagerServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: {} }),
    );

    await expect(ensureSecret(client(), { name: 'odoo/acme/admin', tags: {}, generate: () => ({}) })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('ensureSecret with a replica in the DR region', () => {
  const replicaRegions = [{ region: 'eu-central-1', kmsKeyId: 'alias/odoo-tenants' }];

  it('creates the secret with its replica in one call (AddReplicaRegions, with the key of that region)', async () => {
    // prepare
    sm.on(DescribeSecretCommand).rejects(notFound());
    sm.on(CreateSecretCommand).resolves({ ARN, Name: 'odoo/acme/db', ReplicationStatus: [{ Region: 'eu-central-1', Status: 'InProgress' }] });

    // act
    const result = await ensureSecret(client(), { name: 'odoo/acme/db', tags: {}, generate: () => ({ password: 'x' }), replicaRegions });

    // assess
    expect(sm).toHaveReceivedCommandWith(CreateSecretCommand, { Name: 'odoo/acme/db', AddReplicaRegions: [{ Region: 'eu-central-1', KmsKeyId: 'alias/odoo-tenants' }] });
    expect(result).toEqual({ arn: ARN, created: true });
  });

  it('adds the missing replica to an existing secret (ReplicateSecretToRegions), and leaves one that has it alone', async () => {
    // prepare
    sm.on(DescribeSecretCommand, { SecretId: 'odoo/acme/db' }).resolves({ ARN, Name: 'odoo/acme/db' });
    sm.on(DescribeSecretCommand, { SecretId: 'odoo/beta/db' }).resolves({ ARN, Name: 'odoo/beta/db', ReplicationStatus: [{ Region: 'eu-central-1', Status: 'InSync' }] });
    sm.on(ReplicateSecretToRegionsCommand).resolves({ ARN, ReplicationStatus: [{ Region: 'eu-central-1', Status: 'InProgress' }] });

    // act
    await ensureSecret(client(), { name: 'odoo/acme/db', tags: {}, generate: () => ({}), replicaRegions });
    await ensureSecret(client(), { name: 'odoo/beta/db', tags: {}, generate: () => ({}), replicaRegions });

    // assess
    expect(sm.commandCalls(ReplicateSecretToRegionsCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: ARN, AddReplicaRegions: [{ Region: 'eu-central-1', KmsKeyId: 'alias/odoo-tenants' }] }]);
    expect(sm).not.toHaveReceivedCommand(CreateSecretCommand);
  });

  it("fails with AWS's reason when the replica could not be made (a same-named secret in that region)", async () => {
    // prepare
    sm.on(DescribeSecretCommand).resolves({ ARN, Name: 'odoo/acme/db' });
    sm.on(ReplicateSecretToRegionsCommand).resolves({
      ARN,
      ReplicationStatus: [{ Region: 'eu-central-1', Status: 'Failed', StatusMessage: 'Destination secret with the same name already exists' }],
    });

    // act
    const error = await ensureSecret(client(), { name: 'odoo/acme/db', tags: {}, generate: () => ({}), replicaRegions }).catch((e: Error) => e);

    // assess
    expect(error).toMatchObject({ name: 'ResourceFailed', message: expect.stringContaining('eu-central-1 failed: Destination secret with the same name already exists') });
  });
});

describe('readSecretJson', () => {
  it('returns the JSON object the secret holds', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: '{"login":"admin","password":"pw"}' });

    await expect(readSecretJson(client(), ARN)).resolves.toEqual({ login: 'admin', password: 'pw' });
  });

  it('fails as ResourceFailed without quoting the value when the secret is not a JSON object', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'hunter2hunter2' });

    const error = await readSecretJson(client(), ARN).catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'ResourceFailed' });
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('deleteSecret', () => {
  it('deletes at once, without a recovery window', async () => {
    sm.on(DeleteSecretCommand).resolves({ ARN });

    await expect(deleteSecret(client(), 'odoo/acme/db')).resolves.toBe('deleted');
    expect(sm).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: 'odoo/acme/db', ForceDeleteWithoutRecovery: true });
  });

  it('removes the replicas first, as Secrets Manager refuses to delete a primary that has them', async () => {
    // prepare
    sm.on(DescribeSecretCommand).resolves({ ARN, Name: 'odoo/acme/db', ReplicationStatus: [{ Region: 'eu-central-1', Status: 'InSync' }] });
    sm.on(RemoveRegionsFromReplicationCommand).resolves({ ARN, ReplicationStatus: [] });
    sm.on(DeleteSecretCommand).resolves({ ARN });

    // act
    const result = await deleteSecret(client(), 'odoo/acme/db');

    // assess
    expect(result).toBe('deleted');
    expect(sm.commandCalls(RemoveRegionsFromReplicationCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'odoo/acme/db', RemoveReplicaRegions: ['eu-central-1'] }]);
    expect(sm).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: 'odoo/acme/db', ForceDeleteWithoutRecovery: true });
  });

  it('reports absent when the secret is already gone', async () => {
    sm.on(DeleteSecretCommand).rejects(notFound());

    await expect(deleteSecret(client(), 'odoo/acme/db')).resolves.toBe('absent');
  });
});

describe('generatePassword', () => {
  it('makes 32 alphanumeric characters by default, different each time', () => {
    const a = generatePassword();
    const b = generatePassword();

    expect(a).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(a).not.toBe(b);
  });

  it('refuses lengths the SQL builders would reject', () => {
    expect(() => generatePassword(8)).toThrow(RangeError);
    expect(generatePassword(64)).toHaveLength(64);
  });
});
