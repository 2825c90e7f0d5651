/**
 * A fresh table on an in-process dynalite, one per test file: the repository under test talks to
 * it over HTTP exactly as it talks to DynamoDB.
 */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createTable } from '#shared/store/create-table.ts';
import { FleetRepository } from '#shared/store/repository.ts';

export interface LocalTable {
  tableName: string;
  endpoint: string;
  client: DynamoDBDocumentClient;
  repo(now?: () => Date): FleetRepository;
  /** Another, empty table on the same dynalite, for tests that need to know every record in it. */
  addTable(tableName: string): Promise<FleetRepository>;
  /** The raw stored item, keys and bookkeeping included. */
  rawItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

export async function startLocalTable(tableName = 'fleet-test'): Promise<LocalTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await createTable(tableName, base);
  const client = DynamoDBDocumentClient.from(base);
  return {
    tableName,
    endpoint,
    client,
    repo: (now) => new FleetRepository({ client, tableName, now }),
    async addTable(name) {
      await createTable(name, base);
      return new FleetRepository({ client, tableName: name });
    },
    async rawItem(pk, sk) {
      return (await client.send(new GetCommand({ TableName: tableName, Key: { PK: pk, SK: sk } }))).Item;
    },
    async close() {
      base.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = '2030-01-01T00:00:00.000Z') {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    advance(seconds: number) {
      t += seconds * 1000;
    },
  };
}
