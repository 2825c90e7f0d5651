/**
 * The tenant's host name in Route 53: a CNAME to its cluster's ingress load balancer. Route 53
 * answers names lower-cased and fully qualified (`acme.example.com.`), so names are compared in
 * that form.
 */
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { hasName } from './aws-errors.ts';

export const DEFAULT_TTL_SECONDS = 60;

const canonical = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');

/** The CNAME record of exactly this name, if there is one. */
async function currentCname(r53: Route53Client, hostedZoneId: string, hostname: string): Promise<ResourceRecordSet | undefined> {
  const out = await r53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, StartRecordName: hostname, StartRecordType: 'CNAME', MaxItems: 1 }),
  );
  // The listing starts at the name but runs on to the next one when this one has no CNAME.
  const record = out.ResourceRecordSets?.[0];
  return record && record.Type === 'CNAME' && record.Name && canonical(record.Name) === canonical(hostname) ? record : undefined;
}

export async function ensureTenantRecord(
  r53: Route53Client,
  input: { hostedZoneId: string; hostname: string; target: string; ttl?: number },
): Promise<{ changed: boolean; changeId?: string }> {
  const ttl = input.ttl ?? DEFAULT_TTL_SECONDS;
  const current = await currentCname(r53, input.hostedZoneId, input.hostname);
  const values = current?.ResourceRecords?.map((r) => canonical(r.Value ?? '')) ?? [];
  if (current && current.TTL === ttl && values.length === 1 && values[0] === canonical(input.target)) return { changed: false };
  const out = await r53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: input.hostedZoneId,
      ChangeBatch: {
        Comment: `odoo tenant ${input.hostname}`,
        Changes: [
          { Action: 'UPSERT', ResourceRecordSet: { Name: input.hostname, Type: 'CNAME', TTL: ttl, ResourceRecords: [{ Value: input.target }] } },
        ],
      },
    }),
  );
  return { changed: true, changeId: out.ChangeInfo?.Id };
}

/** Route 53 deletes a record only when given its exact current value, so the record is read first. */
export async function deleteTenantRecord(r53: Route53Client, input: { hostedZoneId: string; hostname: string }): Promise<'deleted' | 'absent'> {
  const current = await currentCname(r53, input.hostedZoneId, input.hostname);
  if (!current) return 'absent';
  try {
    await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: input.hostedZoneId,
        ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: current }] },
      }),
    );
    return 'deleted';
  } catch (err) {
    // Deleted by someone else between our read and our delete.
    if (hasName(err, 'InvalidChangeBatch') && /not found/i.test((err as Error).message ?? '')) return 'absent';
    throw err;
  }
}
