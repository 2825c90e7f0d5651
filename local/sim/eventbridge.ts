/**
 * EventBridge of one region: `PutEvents` on the default bus, validated as AWS validates it. A
 * malformed request (no entries, more than 10, over 256 KB) fails as a whole with
 * `ValidationException`; a malformed entry fails alone and is reported in `Entries` with its
 * `ErrorCode`, the others are accepted, exactly the partial success a caller must check for.
 * Accepted events are kept (the newest 1000) for the inventory and tests.
 */
import { randomUUID } from 'node:crypto';
import type { PutEventsCommandInput, PutEventsCommandOutput, PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { awsError } from './errors.ts';
import type { Out, ServiceSim, SimContext } from './types.ts';

export interface RecordedEvent {
  eventId: string;
  time: string;
  region: string;
  bus: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
}

export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;
const MAX_KEPT = 1000;
const DEFAULT_BUS = 'default';

export class EventBridgeSim implements ServiceSim {
  readonly events: RecordedEvent[] = [];

  constructor(
    private readonly ctx: SimContext,
    private readonly region: string,
  ) {}

  readonly operations = {
    PutEvents: (i: PutEventsCommandInput) => this.putEvents(i),
  };

  private putEvents(i: PutEventsCommandInput): Out<PutEventsCommandOutput> {
    const entries = i.Entries ?? [];
    if (entries.length === 0 || entries.length > MAX_ENTRIES) {
      const bound = entries.length === 0 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`;
      throw awsError('events', 'ValidationException', `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`);
    }
    const size = entries.reduce((sum, e) => sum + entrySize(e), 0);
    if (size > MAX_REQUEST_BYTES) throw awsError('events', 'ValidationException', 'Total size of the entries in the request is over the limit.');

    const results = entries.map((e) => this.accept(e));
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  }

  private accept(e: PutEventsRequestEntry): PutEventsResultEntry {
    const missing = (['Source', 'DetailType', 'Detail'] as const).filter((k) => !e[k]);
    if (missing.length > 0) return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter(s) ${missing.join(', ')} must be specified.` };
    const bus = busName(e.EventBusName);
    if (bus !== DEFAULT_BUS) return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    let detail: unknown;
    try {
      detail = JSON.parse(e.Detail!);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    // EventBridge matches rules on the fields of a JSON object: a bare string or list is refused.
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const eventId = randomUUID();
    this.events.push({
      eventId,
      time: (e.Time ?? this.ctx.clock.now()).toISOString(),
      region: this.region,
      bus,
      source: e.Source!,
      detailType: e.DetailType!,
      detail: detail as Record<string, unknown>,
      resources: e.Resources ?? [],
    });
    if (this.events.length > MAX_KEPT) this.events.splice(0, this.events.length - MAX_KEPT);
    return { EventId: eventId };
  }
}

/** `default`, or the name at the end of an event bus ARN. */
function busName(nameOrArn: string | undefined): string {
  if (!nameOrArn) return DEFAULT_BUS;
  return nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn;
}

/** How EventBridge counts an entry against the request limit: its strings in UTF-8. */
function entrySize(e: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => (s ? Buffer.byteLength(s, 'utf8') : 0);
  return 14 + bytes(e.Source) + bytes(e.DetailType) + bytes(e.Detail) + (e.Resources ?? []).reduce((sum, r) => sum + bytes(r), 0);
}
