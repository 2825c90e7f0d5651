/**
 * An UpdateItem that makes a stored item hold a new version of its record, on condition that it is
 * still at the version it was read at. Fields are set one by one and dropped ones removed, and the
 * fields named in `untouched` are left as they are: attributes written by their own atomic calls
 * (counts, task tokens) that a read-modify-write must never put back to what it read.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Item, Key, StoreContext } from './dynamo.ts';

export function versionedReplace(
  ctx: StoreContext,
  key: Key,
  stored: Item,
  next: Item,
  expectedVersion: number,
  untouched: readonly string[],
): UpdateCommand {
  const skip = new Set([...Object.keys(key), 'entity', ...untouched]);
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':expected': expectedVersion };
  const sets: string[] = [];
  const removes: string[] = [];
  let i = 0;
  for (const [field, value] of Object.entries(next)) {
    if (skip.has(field)) continue;
    names[`#f${i}`] = field;
    values[`:v${i}`] = value;
    sets.push(`#f${i} = :v${i}`);
    i++;
  }
  for (const field of Object.keys(stored)) {
    if (skip.has(field) || field in next) continue;
    names[`#f${i}`] = field;
    removes.push(`#f${i}`);
    i++;
  }
  return new UpdateCommand({
    TableName: ctx.tableName,
    Key: key,
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: 'attribute_exists(PK) AND #version = :expected',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
  });
}
