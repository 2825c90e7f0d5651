import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable } from '#shared/store/create-table.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { inProcessHandlerFor, serveInProcess } from '#shared/store/in-process.ts';
import { FleetRepository } from '#shared/store/repository.ts';
import { anOperation } from './fixtures.ts';

const TABLE = 'in-process-test';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let server: Server;
let endpoint: string;
let connections = 0;
/** The same table over a socket, to compare answers with. */
let overHttp: DynamoDBDocumentClient;
let inProcess: DynamoDBDocumentClient;

async function rejection(p: Promise<unknown>): Promise<Error & { $fault?: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  server.on('connection', () => connections++);
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const http = new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials });
  await createTable(TABLE, http);
  overHttp = DynamoDBDocumentClient.from(http);
  serveInProcess(endpoint, server);
  inProcess = documentClient({ endpoint, region: 'eu-west-1', credentials });
});
afterAll(async () => {
  overHttp.destroy();
  if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('serveInProcess', () => {
  it('answers a document client for the endpoint without a connection, with what the server answers over HTTP', async () => {
    const before = connections;
    const item = { PK: 'ITEM#1', SK: 'META', name: 'acme', tags: ['a', 'b'], nested: { n: 1, flag: true, none: null } };

    await inProcess.send(new PutCommand({ TableName: TABLE, Item: item }));
    const got = await inProcess.send(new GetCommand({ TableName: TABLE, Key: { PK: 'ITEM#1', SK: 'META' }, ConsistentRead: true }));
    const queried = await inProcess.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'ITEM#1' } }));
    const connectionsUsed = connections - before;
    const viaHttp = await overHttp.send(new GetCommand({ TableName: TABLE, Key: { PK: 'ITEM#1', SK: 'META' }, ConsistentRead: true }));

    expect(connectionsUsed).toBe(0);
    expect(got.Item).toEqual(item);
    expect(got.$metadata.httpStatusCode).toBe(200);
    expect(got.$metadata.requestId).toMatch(/^[A-Z0-9]{52}$/);
    expect(queried.Items).toEqual([item]);
    expect(viaHttp.Item).toEqual(got.Item);
  });

  it("gives a refused condition back as the SDK's own exception, as over HTTP", async () => {
    const put = (client: DynamoDBDocumentClient) =>
      client.send(new PutCommand({ TableName: TABLE, Item: { PK: 'ITEM#1', SK: 'META' }, ConditionExpression: 'attribute_not_exists(PK)' }));

    const [local, remote] = await Promise.all([rejection(put(inProcess)), rejection(put(overHttp))]);

    expect(local.name).toBe('ConditionalCheckFailedException');
    expect(local.constructor).toBe(remote.constructor);
    expect([local.message, local.$fault, local.$metadata?.httpStatusCode]).toEqual([remote.message, remote.$fault, remote.$metadata?.httpStatusCode]);
  });

  it("keeps the server's validation of the input and its messages", async () => {
    const get = (client: DynamoDBDocumentClient) => client.send(new GetCommand({ TableName: TABLE, Key: { PK: 'ITEM#1' } }));

    const [local, remote] = await Promise.all([rejection(get(inProcess)), rejection(get(overHttp))]);

    expect(local.name).toBe('ValidationException');
    expect(local.message).toBe(remote.message);
  });

  it('is what the repository of the environment uses, so records read the same through either way', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    const savedTable = process.env.TABLE_NAME;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
    process.env.TABLE_NAME = TABLE;
    try {
      const before = connections;
      const repo = FleetRepository.fromEnv();
      await repo.createOperation(anOperation('op-in-process', 'acme', '2030-01-01T00:00:00.000Z'));
      await repo.recordStep('op-in-process', { name: 'Validate', status: 'RUNNING', at: '2030-01-01T00:00:01.000Z' });

      expect(connections - before).toBe(0);
      expect(await new FleetRepository({ client: overHttp, tableName: TABLE }).requireOperation('op-in-process')).toEqual(await repo.requireOperation('op-in-process'));
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = saved;
      process.env.TABLE_NAME = savedTable;
    }
  });

  it('takes the server out once it closes, refusing clients built before as a closed port does; other endpoints are never served in process', async () => {
    const other = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', () => resolve()));
    const otherEndpoint = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    serveInProcess(`${otherEndpoint}/`, other);
    const builtBefore = documentClient({ endpoint: otherEndpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });

    const registered = inProcessHandlerFor(otherEndpoint);
    await new Promise<void>((resolve) => other.close(() => resolve()));
    const afterClose = await rejection(builtBefore.send(new GetCommand({ TableName: TABLE, Key: { PK: 'ITEM#1', SK: 'META' } })));

    expect(registered).toBeDefined();
    expect((afterClose as { code?: string }).code).toBe('ECONNREFUSED');
    expect(inProcessHandlerFor(otherEndpoint)).toBeUndefined();
    expect(inProcessHandlerFor('http://127.0.0.1:1')).toBeUndefined();
    expect(inProcessHandlerFor(undefined)).toBeUndefined();
  });
});

describe('documentClient', () => {
  it('leaves out the SDK logger middleware when it has no logger to write to, and keeps it with one', () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };

    const quiet = documentClient({ endpoint, region: 'eu-west-1', credentials }).middlewareStack.identify();
    const logging = documentClient({ endpoint, region: 'eu-west-1', credentials, logger }).middlewareStack.identify();

    expect(quiet.some((m) => m.startsWith('loggerMiddleware'))).toBe(false);
    expect(logging.some((m) => m.startsWith('loggerMiddleware'))).toBe(true);
  });
});
