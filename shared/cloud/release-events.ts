/**
 * Release events on the region's default EventBridge bus, source `odoo.fleet`: what a chat
 * notifier, a dashboard or an on-call pager subscribes to. Publishing is best effort: an event that
 * cannot be put is logged and the release goes on, since the records in DynamoDB, not the events,
 * are the truth about a release.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { fleetConfig } from '#shared/domain/fleet-config.ts';
import type { ReleaseStatus } from '#shared/domain/release-lifecycle.ts';
import type { Release } from '#shared/domain/release-types.ts';
import { logger } from '#shared/lib/logger.ts';
import { cloud } from './clients.ts';

export const RELEASE_EVENT_SOURCE = 'odoo.fleet';

export type ReleaseDetailType = 'Release Status Changed' | 'Release Tenant Outcome Changed' | 'Release Rollback Failed';

export interface ReleaseEventInput {
  detailType: ReleaseDetailType;
  release: Pick<Release, 'releaseId' | 'status'> & Partial<Pick<Release, 'statusReason' | 'image' | 'requestedBy'>>;
  tenantId?: string;
  detail?: Record<string, unknown>;
  /** The region whose default bus receives it; the control plane's own region when absent. */
  region?: string;
  /** When it happened (the control plane's clock); the put time when absent. */
  at?: Date;
}

export interface ReleaseEventDetail {
  releaseId: string;
  status: ReleaseStatus;
  statusReason?: string;
  image?: string;
  tenantId?: string;
  [key: string]: unknown;
}

/** The event's `detail`: the release's identity and status first, then what the caller adds. */
export function releaseEventDetail(input: Pick<ReleaseEventInput, 'release' | 'tenantId' | 'detail'>): ReleaseEventDetail {
  const { release } = input;
  return prune({
    ...input.detail,
    releaseId: release.releaseId,
    status: release.status,
    statusReason: release.statusReason,
    image: release.image,
    tenantId: input.tenantId,
  }) as ReleaseEventDetail;
}

/**
 * Puts one event on the region's default bus, best effort: returns its event id, or undefined when
 * it could not be put (logged with `fields`). Release and drill events both go through here.
 */
export async function putFleetEvent(region: string, detailType: string, detail: Record<string, unknown>, at: Date | undefined, fields: Record<string, unknown>): Promise<string | undefined> {
  try {
    const out = await cloud()
      .events(region)
      .send(new PutEventsCommand({ Entries: [{ Source: RELEASE_EVENT_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail), Time: at }] }));
    // PutEvents succeeds as a call even when the entry is refused: the refusal is in the entry.
    const entry = out.Entries?.[0];
    if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
      logger.warn('event not accepted', { ...fields, detailType, errorCode: entry?.ErrorCode, errorMessage: entry?.ErrorMessage });
      return undefined;
    }
    return entry.EventId;
  } catch (error) {
    logger.warn('event not published', { ...fields, detailType, error });
    return undefined;
  }
}

/** Puts one release event; returns its event id, or undefined when it could not be put (logged). */
export function publishReleaseEvent(input: ReleaseEventInput): Promise<string | undefined> {
  const region = input.region ?? controlPlaneRegion();
  return putFleetEvent(region, input.detailType, releaseEventDetail(input), input.at, { releaseId: input.release.releaseId, tenantId: input.tenantId });
}

/** Lambda's own region in AWS; locally, where no region may be set, the fleet's primary region. */
export function controlPlaneRegion(): string {
  if (process.env.AWS_REGION) return process.env.AWS_REGION;
  try {
    return fleetConfig().primaryRegion;
  } catch {
    return 'us-east-1';
  }
}

function prune(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
