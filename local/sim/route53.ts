/**
 * Route 53 (global): hosted zones seeded from the fleet configuration and their record sets.
 * A change batch is validated as a whole and applied atomically, with AWS's InvalidChangeBatch
 * messages; a change is PENDING for the scaled propagation time, then INSYNC.
 */
import type {
  Change,
  ChangeResourceRecordSetsCommandInput,
  ChangeResourceRecordSetsCommandOutput,
  GetChangeCommandInput,
  GetChangeCommandOutput,
  ListResourceRecordSetsCommandInput,
  ListResourceRecordSetsCommandOutput,
  ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { awsError, requireParams } from './errors.ts';
import { randomId, type Out, type ServiceSim, type SimContext } from './types.ts';

const TYPES = ['A', 'AAAA', 'CAA', 'CNAME', 'DS', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SPF', 'SRV', 'TXT'];

export interface SimHostedZone {
  id: string;
  name: string;
  records: Map<string, ResourceRecordSet>;
}

/** Lower case with the trailing dot, as Route 53 returns names. */
export const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`).toLowerCase();
const zoneId = (id: string) => id.replace(/^\/hostedzone\//, '');
const key = (r: { Name?: string; Type?: string; SetIdentifier?: string }) => `${fqdn(r.Name ?? '')}|${r.Type}|${r.SetIdentifier ?? ''}`;

function sameValues(a: ResourceRecordSet, b: ResourceRecordSet): boolean {
  const norm = (r: ResourceRecordSet) =>
    JSON.stringify({ ttl: r.AliasTarget ? undefined : r.TTL, values: (r.ResourceRecords ?? []).map((v) => v.Value).sort(), alias: r.AliasTarget ? fqdn(r.AliasTarget.DNSName ?? '') : undefined });
  return norm(a) === norm(b);
}

export class Route53Sim implements ServiceSim {
  readonly zones = new Map<string, SimHostedZone>();
  private readonly changes = new Map<string, { submittedAt: Date; insyncAt: number }>();

  constructor(private readonly ctx: SimContext) {}

  readonly operations = {
    ChangeResourceRecordSets: (i: ChangeResourceRecordSetsCommandInput) => this.change(i),
    ListResourceRecordSets: (i: ListResourceRecordSetsCommandInput) => this.list(i),
    GetChange: (i: GetChangeCommandInput) => this.getChange(i),
  };

  seedZone(id: string, name: string): SimHostedZone {
    const zone: SimHostedZone = { id: zoneId(id), name: fqdn(name), records: new Map() };
    const ns: ResourceRecordSet = { Name: zone.name, Type: 'NS', TTL: 172800, ResourceRecords: [{ Value: 'ns-1.awsdns-01.org.' }, { Value: 'ns-2.awsdns-02.net.' }] };
    const soa: ResourceRecordSet = { Name: zone.name, Type: 'SOA', TTL: 900, ResourceRecords: [{ Value: 'ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400' }] };
    zone.records.set(key(ns), ns);
    zone.records.set(key(soa), soa);
    this.zones.set(zone.id, zone);
    return zone;
  }

  /** Every record of every zone whose name is the host (any type). */
  recordsFor(hostname: string): ResourceRecordSet[] {
    const name = fqdn(hostname);
    return [...this.zones.values()].flatMap((z) => [...z.records.values()].filter((r) => r.Name === name));
  }

  private mustZone(id: string | undefined): SimHostedZone {
    requireParams('route53', { HostedZoneId: id }, ['HostedZoneId']);
    const zone = this.zones.get(zoneId(id!));
    if (!zone) throw awsError('route53', 'NoSuchHostedZone', `No hosted zone found with ID: ${zoneId(id!)}`);
    return zone;
  }

  private validate(zone: SimHostedZone, c: Change, pending: Map<string, ResourceRecordSet>): string | undefined {
    const r = c.ResourceRecordSet;
    if (!r?.Name || !r.Type) return 'ResourceRecordSet with Name and Type is required';
    const name = fqdn(r.Name);
    const label = `[name='${name}', type='${r.Type}'${r.SetIdentifier ? `, set-identifier='${r.SetIdentifier}'` : ''}]`;
    if (!TYPES.includes(r.Type)) return `Invalid type ${r.Type}`;
    if (name !== zone.name && !name.endsWith(`.${zone.name}`)) return `RRSet with DNS name ${name} is not permitted in zone ${zone.name}`;
    if (!r.AliasTarget && (!r.ResourceRecords || r.ResourceRecords.length === 0)) return `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=${c.Action}, Name=${name}, Type=${r.Type}]`;
    if (!r.AliasTarget && r.TTL === undefined) return `Invalid request: Missing field 'TTL' in Change with [Action=${c.Action}, Name=${name}, Type=${r.Type}]`;
    if (r.Type === 'CNAME' && (r.ResourceRecords?.length ?? 0) > 1) return `Invalid Resource Record: A CNAME record set can have only one value: ${label}`;
    const k = key(r);
    const current = pending.get(k);
    if (c.Action === 'CREATE' && current) return `Tried to create resource record set ${label} but it already exists`;
    if (c.Action === 'DELETE') {
      if (!current) return `Tried to delete resource record set ${label} but it was not found`;
      if (!sameValues(current, r)) return `Tried to delete resource record set ${label} but the values provided do not match the current values`;
    }
    if (c.Action !== 'DELETE') {
      const others = [...pending.values()].filter((x) => x.Name === name && key(x) !== k);
      if (r.Type === 'CNAME' ? others.length > 0 : others.some((x) => x.Type === 'CNAME')) return `RRSet of type ${r.Type} with DNS name ${name} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone ${zone.name}`;
    }
    return undefined;
  }

  private change(i: ChangeResourceRecordSetsCommandInput): Out<ChangeResourceRecordSetsCommandOutput> {
    const zone = this.mustZone(i.HostedZoneId);
    const changes = i.ChangeBatch?.Changes ?? [];
    if (changes.length === 0) throw awsError('route53', 'InvalidInput', 'ChangeBatch must contain at least one change.');
    const pending = new Map(zone.records);
    const messages: string[] = [];
    for (const c of changes) {
      if (!['CREATE', 'UPSERT', 'DELETE'].includes(c.Action ?? '')) {
        messages.push(`Invalid action ${c.Action}`);
        continue;
      }
      const problem = this.validate(zone, c, pending);
      if (problem) {
        messages.push(problem);
        continue;
      }
      const r = c.ResourceRecordSet!;
      if (c.Action === 'DELETE') pending.delete(key(r));
      else pending.set(key(r), { ...r, Name: fqdn(r.Name!) });
    }
    if (messages.length > 0) throw awsError('route53', 'InvalidChangeBatch', `[${messages.join(', ')}]`, { messages });
    zone.records.clear();
    for (const [k, v] of pending) zone.records.set(k, v);
    const id = `C${randomId(20, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`;
    const submittedAt = this.ctx.clock.now();
    this.changes.set(id, { submittedAt, insyncAt: this.ctx.clock.after('route53Propagation') });
    return { ChangeInfo: { Id: `/change/${id}`, Status: 'PENDING', SubmittedAt: submittedAt, Comment: i.ChangeBatch?.Comment } };
  }

  private getChange(i: GetChangeCommandInput): Out<GetChangeCommandOutput> {
    const id = (i.Id ?? '').replace(/^\/change\//, '');
    const c = this.changes.get(id);
    if (!c) throw awsError('route53', 'NoSuchChange', `A change with the specified change ID does not exist.`);
    return { ChangeInfo: { Id: `/change/${id}`, Status: this.ctx.clock.nowMs() < c.insyncAt ? 'PENDING' : 'INSYNC', SubmittedAt: c.submittedAt } };
  }

  private list(i: ListResourceRecordSetsCommandInput): Out<ListResourceRecordSetsCommandOutput> {
    const zone = this.mustZone(i.HostedZoneId);
    const all = [...zone.records.values()].sort((a, b) => (a.Name! === b.Name! ? a.Type!.localeCompare(b.Type!) : a.Name!.localeCompare(b.Name!)));
    let start = 0;
    if (i.StartRecordName) {
      const name = fqdn(i.StartRecordName);
      start = all.findIndex((r) => r.Name! > name || (r.Name === name && (!i.StartRecordType || r.Type! >= i.StartRecordType)));
      if (start < 0) start = all.length;
    }
    const max = Math.min(Number(i.MaxItems ?? 300), 300);
    const items = all.slice(start, start + max);
    const next = all[start + max];
    return {
      ResourceRecordSets: items.map((r) => structuredClone(r)),
      IsTruncated: next !== undefined,
      NextRecordName: next?.Name,
      NextRecordType: next?.Type,
      MaxItems: max,
    };
  }
}
