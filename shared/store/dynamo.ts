/**
 * What every record module shares: the table it writes to, the keys of each item type, and the
 * conversions between stored items and the records the rest of the control plane sees.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { inProcessHandlerFor } from './in-process.ts';
import { tableSchema } from './table-schema.ts';

export interface StoreContext {
  client: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
}

export type Item = Record<string, unknown>;
export type Key = Record<string, string>;

const { partitionKey: PK, sortKey: SK } = tableSchema;

const item = (pk: string, sk: string): Key => ({ [PK]: pk, [SK]: sk });

/** Free text (actors, idempotency keys, host names) is encoded so a `#` inside it cannot forge another key. */
const part = (value: string) => encodeURIComponent(value);

export const keys = {
  tenant: (tenantId: string) => item(`TENANT#${tenantId}`, 'META'),
  desiredState: (tenantId: string) => item(`TENANT#${tenantId}`, 'DESIRED#K8S'),
  change: (tenantId: string, at: string, changeId: string) => item(`TENANT#${tenantId}`, `CHANGE#${at}#${changeId}`),
  changesOf: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, skPrefix: 'CHANGE#' }),
  host: (hostname: string) => item(`HOST#${part(hostname.toLowerCase())}`, 'META'),
  operation: (operationId: string) => item(`OP#${operationId}`, 'META'),
  idempotency: (actor: string, key: string) => item(`IDEMPOTENCY#${part(actor)}#${part(key)}`, 'META'),
  cell: (cellId: string) => item(`CELL#${cellId}`, 'META'),
};

/** Attributes that exist for DynamoDB's sake (keys, index keys, bookkeeping), never part of a record. */
const INTERNAL = new Set<string>([
  PK,
  SK,
  tableSchema.ttlAttribute,
  'entity',
  'lastChange',
  ...tableSchema.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
]);

export function stripInternal<T>(stored: Item, keep: readonly string[] = []): T {
  const out: Item = {};
  for (const [k, v] of Object.entries(stored)) if (!INTERNAL.has(k) || keep.includes(k)) out[k] = v;
  return out as T;
}

/** Drops `undefined` everywhere, so the marshaller accepts records whatever client options it was built with. */
export function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(prune) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Item = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = prune(v);
    return out as T;
  }
  return value;
}

/** The same JSON value regardless of key order (DynamoDB maps come back in any order). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Set) return canonicalJson([...value].sort());
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export const isConditionFailed = (err: unknown) => (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

export async function getItem(ctx: StoreContext, key: Key, consistent = true): Promise<Item | undefined> {
  const res = await ctx.client.send(new GetCommand({ TableName: ctx.tableName, Key: key, ConsistentRead: consistent }));
  return res.Item;
}

/** The endpoint the client is given or takes from the environment, read as the SDK reads it (shared config files aside). */
function endpointOf(config: DynamoDBClientConfig): string | undefined {
  if (typeof config.endpoint === 'string') return config.endpoint;
  if (config.endpoint || config.ignoreConfiguredEndpointUrls || process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true') return undefined;
  return process.env.AWS_ENDPOINT_URL_DYNAMODB || process.env.AWS_ENDPOINT_URL || undefined;
}

/**
 * A document client for the table. The SDK reads `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL`
 * itself, which is how the local control plane points it at dynalite; when dynalite runs in this
 * process (`serveInProcess`), requests reach it without a socket.
 */
export function documentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  const endpoint = endpointOf(config);
  const inProcess = config.requestHandler ? undefined : inProcessHandlerFor(endpoint);
  // In process, the endpoint is given explicitly too: the SDK then takes it once, at construction,
  // instead of looking the environment up again on every call.
  const client = new DynamoDBClient(inProcess ? { ...config, endpoint, requestHandler: inProcess } : config);
  // Without a logger the SDK logs to a no-op one, yet its logger middleware still copies every
  // input and output (sensitive fields masked) to hand over: with nothing to log, it goes.
  if (!config.logger) client.middlewareStack.remove('loggerMiddleware');
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
