import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useCloud, type CloudProvider } from '#shared/cloud/clients.ts';
import { publishReleaseEvent, RELEASE_EVENT_SOURCE } from '#shared/cloud/release-events.ts';

const eb = mockClient(EventBridgeClient);
const regions: string[] = [];

beforeAll(() => {
  useCloud({
    kind: 'aws',
    events: (region: string) => {
      regions.push(region);
      return new EventBridgeClient({ region });
    },
  } as unknown as CloudProvider);
});
afterAll(() => useCloud(undefined));
beforeEach(() => {
  eb.reset();
  regions.length = 0;
});

const release = { releaseId: 'rel-01j0000000000000000000000a', status: 'HALTED' as const, statusReason: 'wave 0: failure budget spent', image: 'odoo:17.0-20300101' };

describe('publishReleaseEvent', () => {
  it('puts one event on the default bus with source odoo.fleet and the release in its detail', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
    const at = new Date('2030-01-01T10:00:00Z');

    const id = await publishReleaseEvent({ detailType: 'Release Status Changed', release, detail: { from: 'ROLLING_OUT', to: 'HALTED' }, region: 'eu-west-1', at });

    expect(id).toBe('evt-1');
    expect(regions).toEqual(['eu-west-1']);
    const input = eb.commandCalls(PutEventsCommand)[0]!.args[0].input;
    expect(input.Entries).toHaveLength(1);
    const e = input.Entries![0]!;
    expect(e).toMatchObject({ Source: RELEASE_EVENT_SOURCE, DetailType: 'Release Status Changed', Time: at });
    expect(e.EventBusName).toBeUndefined();
    expect(JSON.parse(e.Detail!)).toEqual({
      releaseId: release.releaseId,
      status: 'HALTED',
      statusReason: 'wave 0: failure budget spent',
      image: 'odoo:17.0-20300101',
      from: 'ROLLING_OUT',
      to: 'HALTED',
    });
  });

  it('names the tenant for tenant events, and the detail cannot overwrite the release identity', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-2' }] });

    await publishReleaseEvent({ detailType: 'Release Tenant Outcome Changed', release, tenantId: 'acme', detail: { releaseId: 'other', to: 'SKIPPED' }, region: 'eu-west-1' });

    const detail = JSON.parse(eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!);
    expect(detail).toMatchObject({ releaseId: release.releaseId, tenantId: 'acme', to: 'SKIPPED' });
  });

  it('is best effort: a refused entry or a failing call returns undefined instead of throwing', async () => {
    eb.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }] });
    const refused = await publishReleaseEvent({ detailType: 'Release Rollback Failed', release, region: 'eu-west-1' });

    eb.on(PutEventsCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const failed = await publishReleaseEvent({ detailType: 'Release Rollback Failed', release, region: 'eu-west-1' });

    expect(refused).toBeUndefined();
    expect(failed).toBeUndefined();
  });
});
