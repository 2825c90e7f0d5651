import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, GetRoleCommand, ListRolePoliciesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, type Change } from '@aws-sdk/client-route-53';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] });
const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/tenants/acme/*' }] });

describe('simulated IAM', () => {
  let h: SimHarness;
  const iam = () => h.provider.iam();
  beforeAll(async () => {
    h = await startSim();
  });
  afterAll(async () => h.stop());

  it('creates a role under a path, and answers NoSuchEntityException for an unknown one', async () => {
    // act
    const created = await iam().send(new CreateRoleCommand({ RoleName: 'odoo-tenant-acme', Path: '/odoo-tenants/', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'odoo:tenant', Value: 'acme' }] }));
    const got = await iam().send(new GetRoleCommand({ RoleName: 'odoo-tenant-acme' }));
    const missing = await rejection(iam().send(new GetRoleCommand({ RoleName: 'odoo-tenant-nobody' })));

    // assess
    expect(created.Role?.Arn).toBe('arn:aws:iam::000000000000:role/odoo-tenants/odoo-tenant-acme');
    expect(JSON.parse(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!))).toEqual(JSON.parse(trust));
    expect(missing.name).toBe('NoSuchEntityException');
  });

  it('refuses a duplicate role and a trust policy that is not JSON', async () => {
    expect((await rejection(iam().send(new CreateRoleCommand({ RoleName: 'odoo-tenant-acme', AssumeRolePolicyDocument: trust })))).name).toBe('EntityAlreadyExistsException');
    expect((await rejection(iam().send(new CreateRoleCommand({ RoleName: 'odoo-tenant-x', AssumeRolePolicyDocument: '{not json' })))).name).toBe('MalformedPolicyDocumentException');
  });

  it('keeps inline policies, and refuses to delete a role until they are gone', async () => {
    // act
    await iam().send(new PutRolePolicyCommand({ RoleName: 'odoo-tenant-acme', PolicyName: 'filestore', PolicyDocument: policy }));
    const listed = await iam().send(new ListRolePoliciesCommand({ RoleName: 'odoo-tenant-acme' }));
    const conflict = await rejection(iam().send(new DeleteRoleCommand({ RoleName: 'odoo-tenant-acme' })));
    await iam().send(new DeleteRolePolicyCommand({ RoleName: 'odoo-tenant-acme', PolicyName: 'filestore' }));
    await iam().send(new DeleteRoleCommand({ RoleName: 'odoo-tenant-acme' }));

    // assess
    expect(listed.PolicyNames).toEqual(['filestore']);
    expect(conflict.name).toBe('DeleteConflictException');
    expect((await rejection(iam().send(new GetRoleCommand({ RoleName: 'odoo-tenant-acme' })))).name).toBe('NoSuchEntityException');
  });
});

describe('simulated Secrets Manager', () => {
  let h: SimHarness;
  const sm = () => h.provider.secrets(PRIMARY);
  beforeAll(async () => {
    h = await startSim();
  });
  afterAll(async () => h.stop());

  it('creates, reads and updates a secret, and refuses a second with the same name', async () => {
    // act
    const created = await sm().send(new CreateSecretCommand({ Name: 'odoo/acme/db', SecretString: '{"password":"one"}', Tags: [{ Key: 'odoo:tenant', Value: 'acme' }] }));
    await sm().send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: '{"password":"two"}' }));
    const value = await sm().send(new GetSecretValueCommand({ SecretId: 'odoo/acme/db' }));
    const duplicate = await rejection(sm().send(new CreateSecretCommand({ Name: 'odoo/acme/db', SecretString: 'x' })));

    // assess
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:eu-west-1:000000000000:secret:odoo\/acme\/db-[A-Za-z]{6}$/);
    expect(value.SecretString).toBe('{"password":"two"}');
    expect(duplicate.name).toBe('ResourceExistsException');
  });

  it('answers ResourceNotFoundException for an unknown secret', async () => {
    expect((await rejection(sm().send(new DescribeSecretCommand({ SecretId: 'odoo/nobody/db' })))).name).toBe('ResourceNotFoundException');
    expect((await rejection(sm().send(new GetSecretValueCommand({ SecretId: 'odoo/nobody/db' })))).name).toBe('ResourceNotFoundException');
  });

  it('keeps a deleted secret describable until it is purged, but no longer readable or re-creatable', async () => {
    // act
    await sm().send(new DeleteSecretCommand({ SecretId: 'odoo/acme/db', ForceDeleteWithoutRecovery: true }));
    const described = await sm().send(new DescribeSecretCommand({ SecretId: 'odoo/acme/db' }));
    const read = await rejection(sm().send(new GetSecretValueCommand({ SecretId: 'odoo/acme/db' })));
    const recreate = await rejection(sm().send(new CreateSecretCommand({ Name: 'odoo/acme/db', SecretString: 'x' })));
    h.clock.advance(30);
    const purged = await rejection(sm().send(new DescribeSecretCommand({ SecretId: 'odoo/acme/db' })));
    await sm().send(new CreateSecretCommand({ Name: 'odoo/acme/db', SecretString: 'again' }));

    // assess
    expect(described.DeletedDate).toBeInstanceOf(Date);
    expect(read.name).toBe('InvalidRequestException');
    expect(recreate.name).toBe('InvalidRequestException');
    expect(purged.name).toBe('ResourceNotFoundException');
  });

  it('shows secret names in the inventory, never their values', async () => {
    const inventory = JSON.stringify(h.sim.inventory());
    expect(inventory).toContain('odoo/acme/db');
    expect(inventory).not.toContain('again');
  });
});

describe('simulated Route 53', () => {
  let h: SimHarness;
  const r53 = () => h.provider.route53();
  const record = (action: Change['Action'], name: string, value: string): Change => ({
    Action: action,
    ResourceRecordSet: { Name: name, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: value }] },
  });
  beforeAll(async () => {
    h = await startSim();
  });
  afterAll(async () => h.stop());

  it('upserts and lists records in the seeded hosted zone', async () => {
    // act
    const change = await r53().send(new ChangeResourceRecordSetsCommand({ HostedZoneId: `/hostedzone/${h.config.hostedZoneId}`, ChangeBatch: { Changes: [record('UPSERT', 'acme.odoo.local.test', 'traefik-euw1.elb.eu-west-1.amazonaws.com')] } }));
    const list = await r53().send(new ListResourceRecordSetsCommand({ HostedZoneId: h.config.hostedZoneId, StartRecordName: 'acme.odoo.local.test', StartRecordType: 'CNAME', MaxItems: 1 }));

    // assess
    expect(change.ChangeInfo?.Status).toBe('PENDING');
    expect(list.ResourceRecordSets?.[0]).toMatchObject({ Name: 'acme.odoo.local.test.', Type: 'CNAME', ResourceRecords: [{ Value: 'traefik-euw1.elb.eu-west-1.amazonaws.com' }] });
  });

  it('rejects creating an existing record and deleting a missing one with InvalidChangeBatch', async () => {
    // act
    const create = await rejection(r53().send(new ChangeResourceRecordSetsCommand({ HostedZoneId: h.config.hostedZoneId, ChangeBatch: { Changes: [record('CREATE', 'acme.odoo.local.test', 'x.example.com')] } })));
    const del = await rejection(r53().send(new ChangeResourceRecordSetsCommand({ HostedZoneId: h.config.hostedZoneId, ChangeBatch: { Changes: [record('DELETE', 'nobody.odoo.local.test', 'x.example.com')] } })));
    const outside = await rejection(r53().send(new ChangeResourceRecordSetsCommand({ HostedZoneId: h.config.hostedZoneId, ChangeBatch: { Changes: [record('UPSERT', 'acme.example.com', 'x.example.com')] } })));

    // assess
    expect(create.name).toBe('InvalidChangeBatch');
    expect(create.message).toMatch(/already exists/);
    expect(del.name).toBe('InvalidChangeBatch');
    expect(del.message).toMatch(/not found/);
    expect(outside.name).toBe('InvalidChangeBatch');
  });

  it('deletes a record with matching values, and answers NoSuchHostedZone for an unknown zone', async () => {
    // act
    await r53().send(new ChangeResourceRecordSetsCommand({ HostedZoneId: h.config.hostedZoneId, ChangeBatch: { Changes: [record('DELETE', 'acme.odoo.local.test', 'traefik-euw1.elb.eu-west-1.amazonaws.com')] } }));
    const noZone = await rejection(r53().send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOTHERE' })));

    // assess
    expect(h.sim.inventory().route53.records.filter((r) => r.name.startsWith('acme.'))).toEqual([]);
    expect(noZone.name).toBe('NoSuchHostedZone');
  });
});
