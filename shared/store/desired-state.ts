/**
 * The tenant's desired Kubernetes state: the objects last rendered for it, under the tenant's
 * partition. Each write bumps a version, which the tenant's resources record so an operator can
 * tell which rendering is applied.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getItem, keys, prune, type StoreContext } from './dynamo.ts';

export interface DesiredState {
  objects: unknown[];
  version: number;
  operationId: string;
}

export async function putDesiredState(ctx: StoreContext, tenantId: string, objects: unknown[], operationId: string): Promise<number> {
  const res = await ctx.client.send(
    new UpdateCommand({
      TableName: ctx.tableName,
      Key: keys.desiredState(tenantId),
      UpdateExpression: 'SET objects = :objects, operationId = :operationId, updatedAt = :now, entity = :entity ADD #version :one',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':objects': prune(objects), ':operationId': operationId, ':now': ctx.now().toISOString(), ':entity': 'DesiredState', ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(res.Attributes?.version);
}

export async function getDesiredState(ctx: StoreContext, tenantId: string): Promise<DesiredState | undefined> {
  const stored = await getItem(ctx, keys.desiredState(tenantId));
  if (!stored) return undefined;
  return { objects: (stored.objects as unknown[]) ?? [], version: Number(stored.version), operationId: String(stored.operationId) };
}
