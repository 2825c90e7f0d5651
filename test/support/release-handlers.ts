/**
 * Release task handlers run directly against a dynalite table, on a clock the test moves, with
 * EventBridge answered in memory and the events it received kept for the test to read.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { useCloud, type CloudProvider } from '#shared/cloud/clients.ts';
import { setFleetConfig, type FleetConfig } from '#shared/domain/fleet-config.ts';
import type { Release, ReleaseWave, TenantRelease } from '#shared/domain/release-types.ts';
import type { Tenant } from '#shared/domain/types.ts';
import { useClock } from '#shared/lib/clock.ts';
import type { FleetRepository } from '#shared/store/repository.ts';
import { testFleetConfig } from '../api/harness.ts';
import { manualClock, startLocalTable, type LocalTable } from '../store/local-table.ts';

export const START = '2030-01-01T10:00:00.000Z'; // a Tuesday
export const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:odoo-fleet-release:rel';

export interface PublishedEvent {
  detailType: string;
  detail: Record<string, unknown>;
}

export interface ReleaseHarness {
  table: LocalTable;
  repo: FleetRepository;
  clock: ReturnType<typeof manualClock>;
  config: FleetConfig;
  events(): PublishedEvent[];
  configure(change: Partial<FleetConfig>): void;
  close(): Promise<void>;
}

export async function startReleaseHarness(): Promise<ReleaseHarness> {
  const table = await startLocalTable(`releases-${randomUUID().slice(0, 8)}`);
  process.env.TABLE_NAME = table.tableName;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = table.endpoint;
  const config = testFleetConfig();
  setFleetConfig(config);
  const clock = manualClock(START);
  useClock({ now: clock.now, timerDeadline: (at) => new Date(at.getTime()), timerNow: clock.now });
  const eb = mockClient(EventBridgeClient);
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event' }] });
  useCloud({ kind: 'aws', events: (region: string) => new EventBridgeClient({ region }) } as unknown as CloudProvider);
  return {
    table,
    repo: table.repo(clock.now),
    clock,
    config,
    events: () =>
      eb.commandCalls(PutEventsCommand).flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => ({ detailType: e.DetailType!, detail: JSON.parse(e.Detail!) }))),
    configure: (change) => setFleetConfig({ ...config, ...change }),
    async close() {
      eb.restore();
      useCloud(undefined);
      useClock(undefined);
      setFleetConfig(undefined);
      await table.close();
    },
  };
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Invokes a task handler the way the state machine does. */
export function runStep<R>(handler: unknown, state: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<R> {
  return (handler as Handler)({ state, step: 'Step', executionArn: EXECUTION_ARN, ...extra }, {} as Context) as Promise<R>;
}

let counter = 0;
/** A fresh release id per test, so tests share the table without seeing each other. */
export const newReleaseId = () => `rel-test${String(++counter).padStart(4, '0')}${randomUUID().replace(/-/g, '').slice(0, 18)}`;

export async function seed(repo: FleetRepository, release: Release, waves: ReleaseWave[], items: TenantRelease[], tenants: Tenant[] = []): Promise<void> {
  for (const t of tenants) {
    if (!(await repo.getTenant(t.tenantId))) await repo.createTenant(t, { actor: 'test', type: 'TenantCreated' });
  }
  await repo.createRelease(release, waves, items);
}
