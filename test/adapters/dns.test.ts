import { ChangeResourceRecordSetsCommand, InvalidChangeBatch, ListResourceRecordSetsCommand, Route53Client, ThrottlingException } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteTenantRecord, ensureTenantRecord } from '#shared/cloud/adapters/dns.ts';

const r53 = mockClient(Route53Client);
const client = () => new Route53Client({});
const meta = { $metadata: {} };
const ZONE = 'Z0123456789';
const TARGET = 'k8s-traefik-abc.elb.eu-west-1.amazonaws.com';
const record = { Name: 'acme.odoo.example.com.', Type: 'CNAME' as const, TTL: 60, ResourceRecords: [{ Value: TARGET }] };

beforeEach(() => r53.reset());

describe('ensureTenantRecord', () => {
  it('upserts a CNAME to the ingress when the name has none', async () => {
    // prepare: the listing runs on to the next name in the zone
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ ...record, Name: 'beta.odoo.example.com.' }], IsTruncated: true, MaxItems: 1 });
    r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date(0) } });

    // act
    const result = await ensureTenantRecord(client(), { hostedZoneId: ZONE, hostname: 'acme.odoo.example.com', target: TARGET });

    // assess
    expect(result).toEqual({ changed: true, changeId: '/change/C1' });
    expect(r53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
      HostedZoneId: ZONE,
      StartRecordName: 'acme.odoo.example.com',
      StartRecordType: 'CNAME',
      MaxItems: 1,
    });
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input.ChangeBatch!.Changes).toEqual([
      { Action: 'UPSERT', ResourceRecordSet: { Name: 'acme.odoo.example.com', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: TARGET }] } },
    ]);
  });

  it('changes nothing when the record already points at the target (names compared as Route 53 writes them)', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ ...record, ResourceRecords: [{ Value: `${TARGET.toUpperCase()}.` }] }] });

    await expect(ensureTenantRecord(client(), { hostedZoneId: ZONE, hostname: 'Acme.odoo.example.com', target: TARGET })).resolves.toEqual({ changed: false });
    expect(r53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('repoints a record that has another target or TTL', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ ...record, ResourceRecords: [{ Value: 'old-lb.example.com' }] }] });
    r53.on(ChangeResourceRecordSetsCommand).resolves({});

    await expect(ensureTenantRecord(client(), { hostedZoneId: ZONE, hostname: 'acme.odoo.example.com', target: TARGET, ttl: 300 })).resolves.toMatchObject({ changed: true });
    expect(r53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      ChangeBatch: expect.objectContaining({ Changes: [expect.objectContaining({ ResourceRecordSet: expect.objectContaining({ TTL: 300 }) })] }),
    });
  });

  it('lets ThrottlingException propagate unchanged', async () => {
    r53.on(ListResourceRecordSetsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', ...meta }));

    await expect(ensureTenantRecord(client(), { hostedZoneId: ZONE, hostname: 'acme.odoo.example.com', target: TARGET })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('deleteTenantRecord', () => {
  it('deletes the record with its exact current value', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [record] });
    r53.on(ChangeResourceRecordSetsCommand).resolves({});

    await expect(deleteTenantRecord(client(), { hostedZoneId: ZONE, hostname: 'acme.odoo.example.com' })).resolves.toBe('deleted');
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input).toEqual({
      HostedZoneId: ZONE,
      ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: record }] },
    });
  });

  it('reports absent when there is no such record', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [] });

    await expect(deleteTenantRecord(client(), { hostedZoneId: ZONE, hostname: 'acme.odoo.example.com' })).resolves.toBe('absent');
    expect(r53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('reports absent when the record vanished between the read and the delete', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [record] });
    r53.on(ChangeResourceRecordSetsCommand).rejects(
      new InvalidChangeBatch({ message: "Tried to delete resource record set [name='acme.odoo.example.com.', type='CNAME'] but it was not found", ...meta }),
    );

    await expect(deleteTenantRecord(client(), { hostedZoneId: ZONE, hostname: 'acme.odoo.example.com' })).resolves.toBe('absent');
  });

  it('propagates other invalid change batches', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [record] });
    r53.on(ChangeResourceRecordSetsCommand).rejects(new InvalidChangeBatch({ message: 'values provided do not match the current values', ...meta }));

    await expect(deleteTenantRecord(client(), { hostedZoneId: ZONE, hostname: 'acme.odoo.example.com' })).rejects.toMatchObject({ name: 'InvalidChangeBatch' });
  });
});
