/**
 * Operation records and their steps. Steps are a map keyed by step name on the operation item, so
 * each step update is one atomic UpdateItem on its own path: parallel branches of a workflow record
 * their steps without reading, versioning or overwriting each other.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Operation, OperationStep, StepStatus } from '#shared/domain/types.ts';
import { conflict, notFound } from '#shared/lib/errors.ts';
import { getItem, isConditionFailed, keys, prune, stripInternal, type Item, type StoreContext } from './dynamo.ts';
import { mapPage, queryPage, type Page, type PageRequest } from './query.ts';

export type OperationPatch = Partial<Pick<Operation, 'status' | 'executionArn' | 'error' | 'endedAt'>>;

export interface StepRecord {
  name: string;
  status: StepStatus;
  at: string;
  error?: { code: string; message: string };
  detail?: Record<string, unknown>;
}

const operationsOf = (tenantId: string) => `OPS#${tenantId}`;

function toOperation(stored: Item): Operation {
  const op = stripInternal<Omit<Operation, 'steps'> & { steps?: Record<string, OperationStep> }>(stored);
  const steps = Object.values(op.steps ?? {}).sort((a, b) =>
    a.startedAt === b.startedAt ? (a.name < b.name ? -1 : 1) : a.startedAt < b.startedAt ? -1 : 1,
  );
  return { ...op, steps };
}

export async function createOperation(ctx: StoreContext, op: Operation): Promise<void> {
  const steps = Object.fromEntries((op.steps ?? []).map((s) => [s.name, s]));
  const item = prune({
    ...op,
    steps,
    ...keys.operation(op.operationId),
    GSI4PK: operationsOf(op.tenantId),
    GSI4SK: op.createdAt,
    entity: 'Operation',
  });
  try {
    await ctx.client.send(new PutCommand({ TableName: ctx.tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const existing = await getOperation(ctx, op.operationId);
    if (existing && existing.type === op.type && existing.tenantId === op.tenantId) return;
    throw conflict(`Operation ${op.operationId} already exists for another request`, [{ path: 'operationId', message: 'is taken' }]);
  }
}

export async function getOperation(ctx: StoreContext, operationId: string): Promise<Operation | undefined> {
  const stored = await getItem(ctx, keys.operation(operationId));
  return stored ? toOperation(stored) : undefined;
}

export async function requireOperation(ctx: StoreContext, operationId: string): Promise<Operation> {
  const op = await getOperation(ctx, operationId);
  if (!op) throw notFound(`Operation ${operationId} not found`);
  return op;
}

export async function updateOperation(ctx: StoreContext, operationId: string, patch: OperationPatch): Promise<Operation> {
  const fields = Object.entries(prune({ ...patch, updatedAt: ctx.now().toISOString() }));
  try {
    const res = await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.operation(operationId),
        UpdateExpression: `SET ${fields.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: Object.fromEntries(fields.map(([f], i) => [`#f${i}`, f])),
        ExpressionAttributeValues: Object.fromEntries(fields.map(([, v], i) => [`:v${i}`, v])),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toOperation(res.Attributes ?? {});
  } catch (err) {
    if (isConditionFailed(err)) throw notFound(`Operation ${operationId} not found`);
    throw err;
  }
}

const ended = (status: StepStatus) => status !== 'RUNNING';

/** The step's first record: one write that creates the whole map entry, only if it is not there yet. */
function firstRecord(ctx: StoreContext, operationId: string, step: StepRecord) {
  const entry: OperationStep = prune({
    name: step.name,
    status: step.status,
    startedAt: step.at,
    endedAt: ended(step.status) ? step.at : undefined,
    attempts: step.status === 'SKIPPED' ? 0 : 1,
    error: step.error,
    detail: step.detail,
  });
  return new UpdateCommand({
    TableName: ctx.tableName,
    Key: keys.operation(operationId),
    UpdateExpression: 'SET #steps.#n = :entry, #updatedAt = :now',
    ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(#steps.#n)',
    ExpressionAttributeNames: { '#steps': 'steps', '#n': step.name, '#updatedAt': 'updatedAt' },
    ExpressionAttributeValues: { ':entry': entry, ':now': ctx.now().toISOString() },
  });
}

/** A later record of a step: RUNNING counts an attempt and reopens it; an end status closes it. */
function laterRecord(ctx: StoreContext, operationId: string, step: StepRecord) {
  const names: Record<string, string> = { '#steps': 'steps', '#n': step.name, '#updatedAt': 'updatedAt', '#status': 'status', '#error': 'error' };
  const values: Record<string, unknown> = { ':status': step.status, ':now': ctx.now().toISOString() };
  const sets = ['#steps.#n.#status = :status', '#updatedAt = :now'];
  const removes: string[] = [];
  if (step.status === 'RUNNING') {
    values[':zero'] = 0;
    values[':one'] = 1;
    sets.push('#steps.#n.attempts = if_not_exists(#steps.#n.attempts, :zero) + :one');
    removes.push('#steps.#n.endedAt', '#steps.#n.#error');
  } else {
    values[':at'] = step.at;
    sets.push('#steps.#n.endedAt = :at');
    if (step.error) {
      values[':error'] = prune(step.error);
      sets.push('#steps.#n.#error = :error');
    } else {
      removes.push('#steps.#n.#error');
    }
  }
  if (step.detail) {
    values[':detail'] = prune(step.detail);
    sets.push('#steps.#n.detail = :detail');
  }
  return new UpdateCommand({
    TableName: ctx.tableName,
    Key: keys.operation(operationId),
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: 'attribute_exists(#steps.#n)',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  });
}

/**
 * Steps this process has seen recorded, per client (so per table endpoint): `${table} ${operationId} ${step}`.
 * A step, once in its operation's map, is never removed, so for these the later write is tried
 * first and the first write, which would only fail its condition, is not sent. Bounded: the oldest
 * are forgotten first, and a forgotten step just takes the first write's path again.
 */
const knownSteps = new WeakMap<object, Map<string, true>>();
const MAX_KNOWN_STEPS = 100_000;

function knownStepsOf(ctx: StoreContext): Map<string, true> {
  let known = knownSteps.get(ctx.client);
  if (!known) {
    known = new Map();
    knownSteps.set(ctx.client, known);
  }
  return known;
}

function rememberStep(known: Map<string, true>, key: string): void {
  if (known.has(key)) return;
  known.set(key, true);
  if (known.size > MAX_KNOWN_STEPS) known.delete(known.keys().next().value!);
}

/**
 * Records a step's progress. `startedAt` is the first RUNNING's time and never moves; `attempts`
 * counts every RUNNING (retries and redrives included).
 */
export async function recordStep(ctx: StoreContext, operationId: string, step: StepRecord): Promise<void> {
  const known = knownStepsOf(ctx);
  const stepKey = `${ctx.tableName} ${operationId} ${step.name}`;
  // A step recorded before exists: the later write applies, as it would after the first write's
  // refusal. Should it not (its operation was written anew), the usual order below decides.
  if (known.has(stepKey)) {
    try {
      await ctx.client.send(laterRecord(ctx, operationId, step));
      return;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      known.delete(stepKey);
    }
  }
  // Whether the step exists decides which write applies; each is conditional, so a racing first
  // record by a parallel retry just sends this one down the other path.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await ctx.client.send(firstRecord(ctx, operationId, step));
      rememberStep(known, stepKey);
      return;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
    try {
      await ctx.client.send(laterRecord(ctx, operationId, step));
      rememberStep(known, stepKey);
      return;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
    if (!(await getItem(ctx, keys.operation(operationId)))) throw notFound(`Operation ${operationId} not found`);
  }
  throw conflict(`Step ${step.name} of operation ${operationId} could not be recorded`);
}

/** The tenant's operations, newest first. */
export function listOperationsByTenant(ctx: StoreContext, tenantId: string, request: PageRequest = {}): Promise<Page<Operation>> {
  return mapPage(
    queryPage(ctx, { scope: `operations|${tenantId}`, indexName: 'ByCollection', partitionValue: operationsOf(tenantId), newestFirst: true }, request),
    toOperation,
  );
}
