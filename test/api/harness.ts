/**
 * Runs the API handlers as Lambda would: a proxy event in, a proxy result out. Records go to an
 * in-process dynalite (a fresh table per test); Step Functions is a mocked SFN client installed as
 * the cloud provider, which remembers execution names the way Step Functions does.
 */
import type { AddressInfo } from 'node:net';
import { ExecutionAlreadyExists, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import dynalite from 'dynalite';
import { useCloud, type CloudProvider } from '#shared/cloud/clients.ts';
import { DEFAULT_DRILL_POLICY, DEFAULT_FAILOVER_POLICY, setFleetConfig, type FleetConfig } from '#shared/domain/fleet-config.ts';
import { createTable } from '#shared/store/create-table.ts';
import { FleetRepository } from '#shared/store/repository.ts';

export const ALICE = 'arn:aws:iam::123456789012:user/alice';
export const PROVISION_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:odoo-fleet-provision';
export const OFFBOARD_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:odoo-fleet-offboard';
export const RELEASE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:odoo-fleet-release';
export const DRILL_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:odoo-fleet-drill';

export function testFleetConfig(cellCapacity = 5): FleetConfig {
  const cell = (id: string) => ({
    id,
    region: 'eu-west-1',
    eksCluster: 'eks-shared-1',
    auroraClusterIdentifier: `odoo-${id}`,
    auroraClusterArn: `arn:aws:rds:eu-west-1:123456789012:cluster:odoo-${id}`,
    masterSecretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:odoo-${id}-master`,
    bucket: `odoo-${id}-filestore`,
    capacity: cellCapacity,
    accepts: ['low', 'standard'] as ('low' | 'standard')[],
  });
  return {
    accountId: '123456789012',
    primaryRegion: 'eu-west-1',
    drRegion: 'eu-central-1',
    baseDomain: 'odoo.example.com',
    hostedZoneId: 'Z123',
    namePrefix: 'odoo',
    eksClusters: [{ name: 'eks-shared-1', region: 'eu-west-1', nodeRoleArn: 'arn:aws:iam::123456789012:role/node', subnetIds: ['subnet-1'], ingressHostname: 'lb.example.com' }],
    cells: [cell('cell-a'), cell('cell-b')],
    dedicated: { eksCluster: 'eks-dedicated-1', dbSubnetGroupName: 'odoo-db', vpcSecurityGroupIds: ['sg-1'] },
    archiveBucket: 'odoo-archive',
    tenantRolePath: '/odoo-tenants/',
    defaultOdooImage: 'registry.example.com/odoo:17.0',
    offboardGraceSeconds: 0,
    release: { freezes: [], backupMaxAgeHours: 26, maxBakeSeconds: 3600 },
    drills: { ...DEFAULT_DRILL_POLICY },
    failover: { ...DEFAULT_FAILOVER_POLICY },
  };
}

/** The mocked Step Functions: one execution per name, as the service keeps them. */
export function fakeStepFunctions() {
  const client = new SFNClient({ region: 'eu-west-1' });
  const mock = mockClient(client);
  const started = new Set<string>();
  const failures: Error[] = [];
  mock.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => {
    const failure = failures.shift();
    if (failure) throw failure;
    const executionArn = `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`;
    if (started.has(executionArn)) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${executionArn}'`, $metadata: {} });
    started.add(executionArn);
    return { executionArn, startDate: new Date() };
  });
  /** Answers sent on task tokens, in order; a token answered twice is refused as Step Functions does. */
  const answers: { token: string; output?: unknown; error?: string; cause?: string }[] = [];
  const answerFailures: Error[] = [];
  const answer = (entry: { token: string; output?: unknown; error?: string; cause?: string }) => {
    const failure = answerFailures.shift();
    if (failure) throw failure;
    if (answers.some((a) => a.token === entry.token)) throw Object.assign(new Error('Task does not exist anymore'), { name: 'TaskDoesNotExist' });
    answers.push(entry);
    return {};
  };
  mock.on(SendTaskSuccessCommand).callsFake((input: { taskToken: string; output: string }) => answer({ token: input.taskToken, output: JSON.parse(input.output) }));
  mock.on(SendTaskFailureCommand).callsFake((input: { taskToken: string; error?: string; cause?: string }) => answer({ token: input.taskToken, error: input.error, cause: input.cause }));
  // Release status changes publish events; the API tests judge records, so any put is accepted.
  const events = { send: async () => ({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] }) };
  const provider = { kind: 'local', sfn: () => client, events: () => events } as unknown as CloudProvider;
  return {
    client,
    mock,
    provider,
    /** The next StartExecution fails with `error` (the service is down, say). */
    failNextStart(error: Error) {
      failures.push(error);
    },
    starts: () => mock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input),
    /** What the workflows waiting on task tokens were told. */
    answers: () => [...answers],
    /** The next SendTask* fails with `error`. */
    failNextAnswer(error: Error) {
      answerFailures.push(error);
    },
  };
}

let tables = 0;

/** Starts dynalite for the file; call `fresh()` before each test for an empty table and a clean mock. */
export async function startApiHarness() {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.PROVISION_STATE_MACHINE_ARN = PROVISION_ARN;
  process.env.OFFBOARD_STATE_MACHINE_ARN = OFFBOARD_ARN;
  process.env.RELEASE_STATE_MACHINE_ARN = RELEASE_ARN;
  process.env.DRILL_STATE_MACHINE_ARN = DRILL_ARN;
  let sfn = fakeStepFunctions();
  return {
    get sfn() {
      return sfn;
    },
    repo: () => FleetRepository.fromEnv(),
    async fresh(config: FleetConfig = testFleetConfig()) {
      process.env.TABLE_NAME = `api-test-${++tables}`;
      await createTable(process.env.TABLE_NAME);
      setFleetConfig(config);
      delete process.env.FLEET_LOCAL;
      sfn = fakeStepFunctions();
      useCloud(sfn.provider);
    },
    async close() {
      useCloud(undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface EventInput {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  resource?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  /** The IAM caller API Gateway verified; null for none. */
  userArn?: string | null;
}

export function apiEvent(input: EventInput): APIGatewayProxyEvent {
  const body = input.body === undefined ? null : typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  const headers = { ...(body !== null ? { 'Content-Type': 'application/json' } : {}), ...input.headers };
  return {
    httpMethod: input.method,
    path: input.path,
    resource: input.resource ?? input.path,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: input.query ?? null,
    multiValueQueryStringParameters: input.query ? Object.fromEntries(Object.entries(input.query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: input.pathParameters ?? null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      httpMethod: input.method,
      resourcePath: input.resource ?? input.path,
      identity: { userArn: input.userArn === undefined ? ALICE : input.userArn, sourceIp: '127.0.0.1' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** Answers are read loosely: the assertions say what shape they expect. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface Answer<T = Json> {
  status: number;
  headers: Record<string, unknown>;
  body: T;
}

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export async function invoke<T = Json>(handler: Handler, input: EventInput): Promise<Answer<T>> {
  const result = await handler(apiEvent(input), { awsRequestId: 'test' } as Context);
  return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body) as T };
}

export function tenantBody(tenantId: string, overrides: Record<string, unknown> = {}, profile: Record<string, unknown> = {}) {
  return {
    tenantId,
    displayName: `Tenant ${tenantId}`,
    odooVersion: '17.0',
    profile: { criticality: 'low', customization: 'light', compliance: [], expectedUsers: 20, ...profile },
    ...overrides,
  };
}
