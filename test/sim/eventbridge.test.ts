import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

let h: SimHarness;

beforeAll(async () => {
  h = await startSim();
});
afterAll(async () => {
  await h.stop();
});

const entry = (n: number, detail: unknown = { releaseId: `rel-${n}`, status: 'ROLLING_OUT' }) => ({
  Source: 'odoo.fleet',
  DetailType: 'Release Status Changed',
  Detail: typeof detail === 'string' ? detail : JSON.stringify(detail),
});

describe('Simulated EventBridge: PutEvents', () => {
  it('accepts events on the default bus and lists them in the inventory of the region', async () => {
    const out = await h.provider.events(PRIMARY).send(new PutEventsCommand({ Entries: [entry(1), entry(2)] }));

    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries?.every((e) => typeof e.EventId === 'string')).toBe(true);
    const listed = h.sim.inventory().regions[PRIMARY]!.events!;
    expect(listed.slice(-2)).toEqual([
      expect.objectContaining({ source: 'odoo.fleet', detailType: 'Release Status Changed', bus: 'default', detail: { releaseId: 'rel-1', status: 'ROLLING_OUT' } }),
      expect.objectContaining({ detail: { releaseId: 'rel-2', status: 'ROLLING_OUT' } }),
    ]);
  });

  it('refuses more than 10 entries, or none, as a whole with ValidationException', async () => {
    const before = h.sim.inventory().regions[PRIMARY]!.events!.length;
    const tooMany = await rejection(h.provider.events(PRIMARY).send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, (_, i) => entry(i)) })));
    const none = await rejection(h.provider.events(PRIMARY).send(new PutEventsCommand({ Entries: [] })));

    expect(tooMany.name).toBe('ValidationException');
    expect(tooMany.message).toMatch(/less than or equal to 10/);
    expect(none.name).toBe('ValidationException');
    expect(h.sim.inventory().regions[PRIMARY]!.events!.length).toBe(before);
  });

  it('fails a malformed entry alone: missing fields, Detail not a JSON object, unknown bus', async () => {
    const before = h.sim.inventory().regions[PRIMARY]!.events!.length;
    const out = await h.provider.events(PRIMARY).send(
      new PutEventsCommand({
        Entries: [
          { Source: 'odoo.fleet', Detail: '{}' },
          entry(3, '{not json'),
          entry(4, '"a string"'),
          { ...entry(5), EventBusName: 'audit' },
          entry(6),
        ],
      }),
    );

    expect(out.FailedEntryCount).toBe(4);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual(['InvalidArgument', 'MalformedDetail', 'MalformedDetail', 'ResourceNotFoundException', 'ok']);
    expect(out.Entries?.[0]?.ErrorMessage).toMatch(/DetailType/);
    const after = h.sim.inventory().regions[PRIMARY]!.events!;
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)?.detail).toEqual({ releaseId: 'rel-6', status: 'ROLLING_OUT' });
  });

  it('refuses a request over 256 KB', async () => {
    const big = { releaseId: 'rel-big', padding: 'x'.repeat(300 * 1024) };
    const err = await rejection(h.provider.events(PRIMARY).send(new PutEventsCommand({ Entries: [entry(7, big)] })));

    expect(err.name).toBe('ValidationException');
  });
});
