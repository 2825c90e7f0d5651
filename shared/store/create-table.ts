/**
 * Creates the table from `tableSchema` where nothing else does: the local control plane and the
 * tests. In AWS the CDK data construct owns the table (with PITR, deletion protection, KMS and the
 * replica); both read the same schema, so the keys and indexes cannot drift apart.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { tableSchema } from './table-schema.ts';

export function createTableInput(tableName: string) {
  const keyAttributes = [tableSchema.partitionKey, tableSchema.sortKey, ...tableSchema.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const attributeDefinitions: AttributeDefinition[] = keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' }));
  const indexes: GlobalSecondaryIndex[] = tableSchema.indexes.map((i) => ({
    IndexName: i.indexName,
    KeySchema: [
      { AttributeName: i.partitionKey, KeyType: 'HASH' },
      { AttributeName: i.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'ALL' },
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: attributeDefinitions,
    KeySchema: [
      { AttributeName: tableSchema.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: tableSchema.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: indexes,
  };
}

const POLL_MS = 50;
const MAX_WAIT_MS = 30_000;

/**
 * Creates the table if it is not there and waits until it and its indexes are ACTIVE. Without a
 * client it uses one built from the environment (`AWS_ENDPOINT_URL_DYNAMODB` points it at dynalite).
 */
export async function createTable(tableName: string, client?: DynamoDBClient): Promise<void> {
  const own = client ? undefined : new DynamoDBClient({});
  try {
    await createAndWait(tableName, (client ?? own)!);
  } finally {
    own?.destroy();
  }
}

async function createAndWait(tableName: string, client: DynamoDBClient): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceInUseException') throw err;
  }
  for (let waited = 0; ; waited += POLL_MS) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const ready = Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (ready) return;
    if (waited >= MAX_WAIT_MS) throw new Error(`Table ${tableName} is not ACTIVE after ${MAX_WAIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
