/**
 * The control plane's REST API: one Lambda per route of `functions/api/routes.ts` (the table the
 * local API server serves too), IAM (SigV4) authorization on every method, request validation,
 * throttling, JSON access logs, X-Ray, and error bodies in the contract's `{error: {code, message}}`
 * shape for the answers API Gateway gives itself (denied, throttled, invalid body).
 */
import { Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { apiRoutes, type ApiRoute } from '#functions/api/routes.ts';
import type { WorkflowName } from './workflows.ts';
import { FleetFunction } from './fleet-function.ts';

/** Which workflows a route's handler starts; every other route starts none. */
export const WORKFLOWS_STARTED_BY_ROUTE: Readonly<Record<string, readonly WorkflowName[]>> = {
  CreateTenant: ['provision'],
  DeleteTenant: ['offboard'],
  CreateRelease: ['release'],
  CreateDrill: ['drill'],
  CreateFailover: ['failover'],
};

/**
 * Which workflows' task tokens a route's handler answers (SendTaskSuccess/SendTaskFailure): the
 * release's approval wait, a tenant's decision wait and a failover's approval wait.
 */
export const TASK_TOKENS_ANSWERED_BY_ROUTE: Readonly<Record<string, readonly WorkflowName[]>> = {
  ApproveRelease: ['release'],
  RejectRelease: ['release'],
  AbortRelease: ['release'],
  DecideReleaseTenant: ['release-tenant', 'release-verdict'],
  ApproveFailover: ['failover'],
  RejectFailover: ['failover'],
};

/** The variable naming a workflow's state machine to the routes (functions/api/lib/workflow-start.ts). */
const MACHINE_ARN_VARIABLES: Partial<Record<WorkflowName, string>> = {
  provision: 'PROVISION_STATE_MACHINE_ARN',
  offboard: 'OFFBOARD_STATE_MACHINE_ARN',
  release: 'RELEASE_STATE_MACHINE_ARN',
  drill: 'DRILL_STATE_MACHINE_ARN',
  failover: 'FAILOVER_STATE_MACHINE_ARN',
};

/**
 * The machines whose ARNs a route reads: those it starts, and for a route answering task tokens
 * the parent workflow whose ARN gives the region the tokens are answered in (the release's for the
 * release's children, functions/api/lib/task-tokens.ts). Only these: every variable repeats in
 * each function, whose environment Lambda caps at 4 KB, most of it the fleet configuration.
 */
export function machinesNamedToRoute(routeId: string): WorkflowName[] {
  const answered = (TASK_TOKENS_ANSWERED_BY_ROUTE[routeId] ?? []).map((w): WorkflowName => (w.startsWith('release') ? 'release' : w));
  return [...new Set([...(WORKFLOWS_STARTED_BY_ROUTE[routeId] ?? []), ...answered])];
}

/** Routes that write many items at once (a release's waves and tenant items). */
const BATCH_WRITERS = new Set(['CreateRelease']);

export const API_STAGE_NAME = 'prod';

/** Requests per second (steady, burst) for the whole stage and for each mutating method. */
export const STAGE_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;
export const MUTATING_METHOD_THROTTLE = { rateLimit: 5, burstLimit: 10 } as const;

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

export interface FleetApiProps {
  readonly table: dynamodb.ITable;
  /** Names of the table's global secondary indexes: grants name each index instead of `index/*`. */
  readonly indexNames: readonly string[];
  readonly key: kms.IKey;
  readonly stateMachines: Readonly<Record<WorkflowName, sfn.IStateMachine>>;
  /** Environment every route function gets; each also gets the ARNs of the machines it starts or answers. */
  readonly environment: Record<string, string>;
  /** @default the route table of `functions/api/routes.ts` */
  readonly routes?: readonly ApiRoute[];
}

export class FleetApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly accessLogs: logs.LogGroup;
  /** One function per route, keyed by route id. */
  readonly functions = new Map<string, FleetFunction>();

  constructor(scope: Construct, id: string, props: FleetApiProps) {
    super(scope, id);
    const routes = props.routes ?? apiRoutes;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: 'odoo-fleet-control-plane',
      description: 'Odoo fleet control plane: tenants, operations, releases, drills and failovers',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      minCompressionSize: Size.kibibytes(1),
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      // The account-level role API Gateway writes execution logs with; kept when the stack goes,
      // because every REST API of the account and region shares it.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: API_STAGE_NAME,
        description: 'Control plane API',
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Request and response bodies hold tenant data; execution logs keep errors only.
        dataTraceEnabled: false,
        throttlingRateLimit: STAGE_THROTTLE.rateLimit,
        throttlingBurstLimit: STAGE_THROTTLE.burstLimit,
        methodOptions: Object.fromEntries(
          routes
            .filter((r) => r.method !== 'GET')
            .map((r) => [
              `${r.path}/${r.method}`,
              {
                throttlingRateLimit: MUTATING_METHOD_THROTTLE.rateLimit,
                throttlingBurstLimit: MUTATING_METHOD_THROTTLE.burstLimit,
                // A method's own settings replace the stage's, so logging and metrics are repeated.
                loggingLevel: apigateway.MethodLoggingLevel.ERROR,
                metricsEnabled: true,
                dataTraceEnabled: false,
              },
            ]),
        ),
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
      },
    });
    this.addErrorResponses();

    const validators = {
      bodyAndParameters: this.api.addRequestValidator('BodyAndParameters', { validateRequestBody: true, validateRequestParameters: true }),
      parameters: this.api.addRequestValidator('Parameters', { validateRequestBody: false, validateRequestParameters: true }),
    };

    for (const route of routes) {
      const machineArns = machinesNamedToRoute(route.id).map((w) => {
        const variable = MACHINE_ARN_VARIABLES[w];
        if (!variable) throw new Error(`route ${route.id} uses the ${w} workflow, which no variable names to the routes`);
        return [variable, props.stateMachines[w].stateMachineArn];
      });
      const fn = new FleetFunction(this, route.id, {
        entry: route.entry,
        description: `${route.method} ${route.path}: ${route.description}`,
        environment: { ...props.environment, ...Object.fromEntries(machineArns) },
        timeout: Duration.seconds(29),
        memorySize: 1024,
      });
      this.functions.set(route.id, fn);
      this.grantRouteAccess(fn, route, props);

      const model = route.requestModel ? this.requestModel(route) : undefined;
      const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
      this.api.root.resourceForPath(route.path).addMethod(route.method, new apigateway.LambdaIntegration(fn, { allowTestInvoke: false }), {
        operationName: route.id,
        authorizationType: apigateway.AuthorizationType.IAM,
        requestParameters: Object.fromEntries(pathParameters.map((p) => [`method.request.path.${p}`, true])),
        requestValidator: model ? validators.bodyAndParameters : validators.parameters,
        requestModels: model ? { 'application/json': model } : undefined,
      });
    }

    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason: 'Every method requires SigV4 (IAM) from operators and schedulers; there is no anonymous traffic for a WAF web ACL to filter, and stage and method throttling cap request rates.',
    });
    Validations.of(this.api.root).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Callers are IAM principals (operators, CLI, schedulers) authorized with SigV4; the API has no end users in a Cognito user pool.',
    });
    const cloudWatchRole = this.api.node.findChild('CloudWatchRole');
    Validations.of(cloudWatchRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: 'The account-level API Gateway logging role uses the AWS managed policy AWS documents for it; API Gateway names its execution log groups itself.',
    });
  }

  private grantRouteAccess(fn: FleetFunction, route: ApiRoute, props: FleetApiProps): void {
    const mutating = route.method !== 'GET';
    const tableArn = props.table.tableArn;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: mutating ? [...READ_ACTIONS, ...WRITE_ACTIONS, ...(BATCH_WRITERS.has(route.id) ? ['dynamodb:BatchWriteItem'] : [])] : READ_ACTIONS,
        resources: [tableArn, ...props.indexNames.map((name) => `${tableArn}/index/${name}`)],
      }),
    );
    // The writers' key grant also covers starting the workflows, whose state is encrypted with the key.
    props.key.grant(fn, ...(mutating ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt', 'kms:DescribeKey']));
    for (const workflow of WORKFLOWS_STARTED_BY_ROUTE[route.id] ?? []) props.stateMachines[workflow].grantStartExecution(fn);
    for (const workflow of TASK_TOKENS_ANSWERED_BY_ROUTE[route.id] ?? []) props.stateMachines[workflow].grantTaskResponse(fn);
  }

  private requestModel(route: ApiRoute): apigateway.Model {
    // API Gateway validates with JSON Schema draft 4 whatever `$schema` the route declares.
    const { $schema: _declared, ...schema } = route.requestModel as Record<string, unknown>;
    return this.api.addModel(`${route.id}Model`, {
      modelName: `${route.id}Request`,
      contentType: 'application/json',
      schema: { ...(schema as apigateway.JsonSchema), schema: apigateway.JsonSchemaVersion.DRAFT4 },
    });
  }

  private addErrorResponses(): void {
    const body = (code: string) => ({ 'application/json': `{"error":{"code":"${code}","message":$context.error.messageString}}` });
    const responses: Array<[string, apigateway.ResponseType, string, string]> = [
      ['BadBody', apigateway.ResponseType.BAD_REQUEST_BODY, '400', 'ValidationError'],
      ['BadParameters', apigateway.ResponseType.BAD_REQUEST_PARAMETERS, '400', 'ValidationError'],
      ['AccessDenied', apigateway.ResponseType.ACCESS_DENIED, '403', 'Forbidden'],
      ['MissingToken', apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, '403', 'Forbidden'],
      ['InvalidSignature', apigateway.ResponseType.INVALID_SIGNATURE, '403', 'Forbidden'],
      ['ExpiredToken', apigateway.ResponseType.EXPIRED_TOKEN, '403', 'Forbidden'],
      ['TooLarge', apigateway.ResponseType.REQUEST_TOO_LARGE, '413', 'PayloadTooLarge'],
      ['Throttled', apigateway.ResponseType.THROTTLED, '429', 'Throttled'],
      ['Default5xx', apigateway.ResponseType.DEFAULT_5XX, '500', 'InternalError'],
    ];
    for (const [id, type, statusCode, code] of responses) {
      this.api.addGatewayResponse(id, { type, statusCode, templates: body(code) });
    }
  }
}

/** One JSON object per request, with the caller's IAM identity: who did what is the audit question. */
function accessLogFormat(): apigateway.AccessLogFormat {
  const f = apigateway.AccessLogField;
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: f.contextRequestId(),
      extendedRequestId: f.contextExtendedRequestId(),
      requestTime: f.contextRequestTime(),
      sourceIp: f.contextIdentitySourceIp(),
      callerAccount: f.contextIdentityAccountId(),
      userArn: f.contextIdentityUserArn(),
      userAgent: f.contextIdentityUserAgent(),
      httpMethod: f.contextHttpMethod(),
      resourcePath: f.contextResourcePath(),
      path: f.contextPath(),
      status: f.contextStatus(),
      responseLength: f.contextResponseLength(),
      responseLatency: f.contextResponseLatency(),
      integrationStatus: f.contextIntegrationStatus(),
      integrationLatency: f.contextIntegrationLatency(),
      errorMessage: f.contextErrorMessage(),
      xrayTraceId: f.contextXrayTraceId(),
    }),
  );
}

