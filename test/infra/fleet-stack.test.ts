import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '#functions/api/routes.ts';
import { buildApp } from '#infra/app.ts';
import { machinesNamedToRoute, TASK_TOKENS_ANSWERED_BY_ROUTE, WORKFLOWS_STARTED_BY_ROUTE } from '#infra/constructs/api.ts';
import { HANDLER_METADATA_KEY, REPO_ROOT } from '#infra/constructs/fleet-function.ts';
import { exampleFleetConfig } from '#infra/example-fleet.ts';
import { tableSchema } from '#shared/store/table-schema.ts';

// Synthesized CloudFormation is untyped JSON; the assertions below say what shape they expect.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CfnJson = any;

interface Resource {
  Type: string;
  Properties: Record<string, CfnJson>;
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

let template: Template;
let resources: Record<string, Resource>;
/** The API's nested stack: its template, and what its parameters are given by the parent. */
let apiTemplate: Template;
let apiResources: Record<string, Resource>;
let apiParameters: Record<string, unknown>;

const ofType = (type: string, from = resources) => Object.entries(from).filter(([, r]) => r.Type === type);
const only = (type: string, from = resources): [string, Resource] => {
  const found = ofType(type, from);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0] as [string, Resource];
};
/** A value of the API stack as the parent stack gives it: a `Ref` to a parameter is what the parent passes. */
function inParent(value: unknown): unknown {
  const ref = (value as { Ref?: string } | null)?.Ref;
  return ref !== undefined && ref in apiParameters ? apiParameters[ref] : value;
}
const getAttArn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** Every statement of the IAM policies attached to a function's role. */
function statementsOfFunction(functionId: string, from = resources): Array<{ Action: string | string[]; Resource: unknown }> {
  const roleId = (from[functionId]?.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy', from)
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}
const actionsOf = (statements: Array<{ Action: string | string[] }>) => statements.flatMap((s) => ([] as string[]).concat(s.Action));

function functionOfRoute(entry: string): string {
  const found = ofType('AWS::Lambda::Function', apiResources).filter(([id, r]) => r.Metadata?.[HANDLER_METADATA_KEY] === entry && id.startsWith('Api'));
  expect(found, `one API function runs ${entry}`).toHaveLength(1);
  return (found[0] as [string, Resource])[0];
}

/** The highest NODEJS_* runtime this aws-cdk-lib knows. */
function newestNodeRuntime(): string {
  const version = (name: string) => Number(/^nodejs(\d+)/.exec(name)?.[1] ?? 0);
  return lambda.Runtime.ALL.filter((r) => r.family === lambda.RuntimeFamily.NODEJS)
    .map((r) => r.name)
    .sort((a, b) => version(b) - version(a))[0] as string;
}

beforeAll(() => {
  const { stacks } = buildApp({ bundling: false, validateTemplates: false });
  template = Template.fromStack(stacks.primary);
  resources = template.toJSON().Resources as Record<string, Resource>;
  apiTemplate = Template.fromStack(stacks.primary.apiStack);
  apiResources = apiTemplate.toJSON().Resources as Record<string, Resource>;
  const [, nested] = only('AWS::CloudFormation::Stack');
  apiParameters = nested.Properties.Parameters as Record<string, unknown>;
});

describe('FleetControlPlaneStack', () => {
  describe('data', () => {
    it('keys the table and its indexes as shared/store/table-schema.ts declares', () => {
      const [, table] = only('AWS::DynamoDB::GlobalTable');

      expect(table.Properties.KeySchema).toEqual([
        { AttributeName: tableSchema.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableSchema.sortKey, KeyType: 'RANGE' },
      ]);
      expect(table.Properties.GlobalSecondaryIndexes).toEqual(
        tableSchema.indexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      );
      const stringAttributes = (table.Properties.AttributeDefinitions as Array<{ AttributeType: string }>).every((a) => a.AttributeType === 'S');
      expect(stringAttributes).toBe(true);
      expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: tableSchema.ttlAttribute, Enabled: true });
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    });

    it('protects the table with PITR, deletion protection, a rotated customer-managed key and retention', () => {
      const [, table] = only('AWS::DynamoDB::GlobalTable');
      const [keyId, key] = only('AWS::KMS::Key');

      const replica = (table.Properties.Replicas as Array<Record<string, CfnJson>>).find((r) => r.Region === 'eu-west-1');
      expect(replica?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(replica?.DeletionProtectionEnabled).toBe(true);
      expect(replica?.SSESpecification).toEqual({ KMSMasterKeyId: getAttArn(keyId) });
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(key.Properties.EnableKeyRotation).toBe(true);
    });

    it('keeps the archive versioned, private, TLS-only, encrypted and access-logged', () => {
      const [archiveId, archive] = ofType('AWS::S3::Bucket').find(([, b]) => String(b.Properties.BucketName).includes('fleet-archive')) as [string, Resource];

      expect(archive.Properties.BucketName).toBe('odoo-fleet-archive-123456789012-eu-west-1');
      expect(archive.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(archive.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(archive.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toHaveLength(1);
      expect(archive.Properties.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: expect.stringMatching(/^DataAccessLogs/) });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: archiveId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('encrypts every log group with the control plane key', () => {
      const [keyId] = only('AWS::KMS::Key');

      const unencrypted = ofType('AWS::Logs::LogGroup').filter(([, g]) => JSON.stringify(g.Properties.KmsKeyId) !== JSON.stringify(getAttArn(keyId)));
      const unencryptedInApi = ofType('AWS::Logs::LogGroup', apiResources).filter(([, g]) => JSON.stringify(inParent(g.Properties.KmsKeyId)) !== JSON.stringify(getAttArn(keyId)));

      expect(unencrypted.map(([id]) => id)).toEqual([]);
      expect(ofType('AWS::Logs::LogGroup', apiResources).length).toBeGreaterThan(apiRoutes.length);
      expect(unencryptedInApi.map(([id]) => id)).toEqual([]);
    });
  });

  describe('api', () => {
    it('requires IAM authorization on every method', () => {
      const methods = ofType('AWS::ApiGateway::Method', apiResources).filter(([, m]) => m.Properties.HttpMethod !== 'OPTIONS');

      expect(methods).toHaveLength(apiRoutes.length);
      expect(methods.filter(([, m]) => m.Properties.AuthorizationType !== 'AWS_IAM').map(([id]) => id)).toEqual([]);
    });

    it('serves each route of the route table with its own handler and a request validator', () => {
      for (const route of apiRoutes) {
        const functionId = functionOfRoute(route.entry);
        const method = ofType('AWS::ApiGateway::Method', apiResources).find(([, m]) => m.Properties.OperationName === route.id)?.[1];

        expect(method?.Properties.HttpMethod, route.id).toBe(route.method);
        expect(JSON.stringify(method?.Properties.Integration.Uri), route.id).toContain(functionId);
        expect(method?.Properties.RequestValidatorId, route.id).toBeDefined();
        for (const [, param] of route.path.matchAll(/\{(\w+)\}/g)) {
          expect(method?.Properties.RequestParameters[`method.request.path.${param}`], `${route.id} ${param}`).toBe(true);
        }
      }
    });

    it('logs access as JSON to an encrypted log group, traces, and throttles the stage', () => {
      const [, stage] = only('AWS::ApiGateway::Stage', apiResources);
      const destinationId = (stage.Properties.AccessLogSetting.DestinationArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

      expect(apiResources[destinationId]?.Type).toBe('AWS::Logs::LogGroup');
      expect(apiResources[destinationId]?.Properties.KmsKeyId).toBeDefined();
      const format = JSON.parse(stage.Properties.AccessLogSetting.Format as string) as Record<string, string>;
      expect(format).toMatchObject({ requestId: '$context.requestId', userArn: '$context.identity.userArn', status: '$context.status' });
      expect(stage.Properties.TracingEnabled).toBe(true);
      expect(stage.Properties.MethodSettings).toContainEqual(
        expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', MetricsEnabled: true, ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number) }),
      );
    });

    it('throttles each mutating method tighter than the stage', () => {
      const [, stage] = only('AWS::ApiGateway::Stage', apiResources);
      const settings = stage.Properties.MethodSettings as Array<Record<string, CfnJson>>;
      const stageWide = settings.find((s) => s.HttpMethod === '*');

      for (const route of apiRoutes.filter((r) => r.method !== 'GET')) {
        const own = settings.find((s) => s.HttpMethod === route.method && s.ResourcePath === `/${route.path.replace(/\//g, '~1')}`);
        expect(own?.ThrottlingRateLimit, route.id).toBeLessThan(stageWide?.ThrottlingRateLimit);
        expect(own?.LoggingLevel, route.id).toBe('ERROR');
      }
    });

    it('compresses responses and outputs the API URL', () => {
      const [, api] = only('AWS::ApiGateway::RestApi', apiResources);

      // The parent's output: a nested stack's outputs are not shown to whoever deploys the app.
      expect(api.Properties.MinimumCompressionSize).toBeGreaterThan(0);
      expect(Object.keys(template.toJSON().Outputs as object).some((k) => k.includes('Url'))).toBe(true);
    });

    it('gives GET routes read-only table access and lets only the creating and deleting routes start a workflow, each its own', () => {
      const machines = Object.fromEntries(
        ofType('AWS::StepFunctions::StateMachine').map(([id, m]) => [String(m.Properties.StateMachineName).replace('odoo-fleet-', ''), id]),
      );

      for (const route of apiRoutes) {
        const statements = statementsOfFunction(functionOfRoute(route.entry), apiResources);
        const actions = actionsOf(statements);
        const started = statements.filter((s) => actionsOf([s]).includes('states:StartExecution')).map((s) => JSON.stringify(inParent(s.Resource)));

        expect(actions, route.id).toContain('dynamodb:GetItem');
        expect(actions.filter((a) => a.includes('*')), route.id).toEqual([]);
        if (route.method === 'GET') expect(actions.filter((a) => /dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)), route.id).toEqual([]);
        else expect(actions, route.id).toContain('dynamodb:PutItem');
        expect(actions, route.id).not.toContain('dynamodb:Scan');
        expect(started, route.id).toEqual((WORKFLOWS_STARTED_BY_ROUTE[route.id] ?? []).map((w) => JSON.stringify({ Ref: machines[w] })));
      }
      expect(WORKFLOWS_STARTED_BY_ROUTE).toEqual({ CreateTenant: ['provision'], DeleteTenant: ['offboard'], CreateRelease: ['release'], CreateDrill: ['drill'], CreateFailover: ['failover'] });
    });

    it('lets only the approval, rejection, abort and decision routes answer task tokens, each on its own workflow', () => {
      const machines = Object.fromEntries(
        ofType('AWS::StepFunctions::StateMachine').map(([id, m]) => [String(m.Properties.StateMachineName).replace('odoo-fleet-', ''), id]),
      );

      for (const route of apiRoutes) {
        const statements = statementsOfFunction(functionOfRoute(route.entry), apiResources);
        const answered = statements.filter((s) => actionsOf([s]).includes('states:SendTaskSuccess')).map((s) => JSON.stringify(inParent(s.Resource)));

        expect(answered, route.id).toEqual((TASK_TOKENS_ANSWERED_BY_ROUTE[route.id] ?? []).map((w) => JSON.stringify({ Ref: machines[w] })));
      }
      expect(Object.keys(TASK_TOKENS_ANSWERED_BY_ROUTE).sort()).toEqual(['AbortRelease', 'ApproveFailover', 'ApproveRelease', 'DecideReleaseTenant', 'RejectFailover', 'RejectRelease']);
    });

    it('gives route functions the table and the ARNs of the machines they start or answer, and no other', () => {
      const machines = Object.fromEntries(
        ofType('AWS::StepFunctions::StateMachine').map(([id, m]) => [String(m.Properties.StateMachineName).replace('odoo-fleet-', ''), id]),
      );
      const variableOf = (workflow: string) => `${workflow.toUpperCase()}_STATE_MACHINE_ARN`;

      for (const route of apiRoutes) {
        const env = apiResources[functionOfRoute(route.entry)]?.Properties.Environment.Variables as Record<string, unknown>;
        const machineVariables = Object.keys(env).filter((k) => k.endsWith('_STATE_MACHINE_ARN'));

        expect(Object.keys(env), route.id).toEqual(expect.arrayContaining(['TABLE_NAME', 'EVIDENCE_BUCKET']));
        // The fleet configuration is compiled into the bundle (test/infra/fleet-function.test.ts), not the 4 KB environment.
        expect(Object.keys(env), route.id).not.toContain('FLEET_CONFIG');
        expect(machineVariables.sort(), route.id).toEqual(machinesNamedToRoute(route.id).map(variableOf).sort());
        for (const workflow of machinesNamedToRoute(route.id)) expect(inParent(env[variableOf(workflow)]), `${route.id} ${workflow}`).toEqual({ Ref: machines[workflow] });
      }
      expect(machinesNamedToRoute('CreateFailover')).toEqual(['failover']);
      expect(machinesNamedToRoute('ApproveFailover')).toEqual(['failover']);
      expect(machinesNamedToRoute('RejectFailover')).toEqual(['failover']);
      // The release's children answer through the release's region: functions/api/lib/task-tokens.ts.
      expect(machinesNamedToRoute('DecideReleaseTenant')).toEqual(['release']);
      expect(machinesNamedToRoute('ListTenants')).toEqual([]);
    });
  });

  describe('functions', () => {
    it('run every Lambda on the newest Node.js runtime aws-cdk-lib offers', () => {
      const newest = newestNodeRuntime();

      const runtimes = new Set([...ofType('AWS::Lambda::Function'), ...ofType('AWS::Lambda::Function', apiResources)].map(([, f]) => f.Properties.Runtime));

      expect([...runtimes]).toEqual([newest]);
    });

    it('record in each Lambda the handler module it runs, and that module exists', () => {
      const functions = [...ofType('AWS::Lambda::Function'), ...ofType('AWS::Lambda::Function', apiResources)];

      const entries = functions.map(([, f]) => f.Metadata?.[HANDLER_METADATA_KEY]);

      expect(functions.length).toBeGreaterThan(2 * apiRoutes.length);
      for (const entry of entries) {
        expect(typeof entry).toBe('string');
        expect(existsSync(path.join(REPO_ROOT, entry as string)), String(entry)).toBe(true);
      }
    });

    it('trace every Lambda with X-Ray', () => {
      const untraced = [...ofType('AWS::Lambda::Function'), ...ofType('AWS::Lambda::Function', apiResources)].filter(([, f]) => f.Properties.TracingConfig?.Mode !== 'Active');

      expect(untraced.map(([id]) => id)).toEqual([]);
    });
  });

  describe('workflows', () => {
    it('let RDS Describe calls name only the fleet-prefixed clusters, instances and snapshots and the cell clusters', () => {
      // prepare
      const fleet = exampleFleetConfig();
      const describeActions = ['rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribeDBClusterSnapshots'];
      // Failover steps read both regions' clusters and global databases: test/infra/failover.test.ts.
      const workflowFunctions = ofType('AWS::Lambda::Function').filter(([, r]) => !String(r.Metadata?.[HANDLER_METADATA_KEY]).startsWith('functions/failover/'));
      const ensureDatabase = workflowFunctions.filter(([, r]) => r.Metadata?.[HANDLER_METADATA_KEY] === 'functions/provision/ensure-database.ts');

      // The drill sweeper lists every cluster to find leftovers by tag (test/infra/drills.test.ts).
      const sweepersListing = (s: { Resource: unknown }) => JSON.stringify(([] as unknown[]).concat(s.Resource)) === JSON.stringify([`arn:aws:rds:eu-west-1:${fleet.accountId}:cluster:*`]);

      // act
      const describing = workflowFunctions
        .flatMap(([id]) => statementsOfFunction(id))
        .filter((s) => actionsOf([s]).some((a) => describeActions.includes(a)))
        .filter((s) => !sweepersListing(s));
      const grantedToEnsureDatabase = ensureDatabase.flatMap(([id]) => statementsOfFunction(id)).filter((s) => actionsOf([s]).includes('rds:DescribeDBClusters'));

      // assess
      expect(describing.length).toBeGreaterThan(0);
      expect(ensureDatabase).toHaveLength(1);
      for (const statement of describing) {
        expect(actionsOf([statement]).sort()).toEqual([...describeActions].sort());
        const granted = ([] as unknown[]).concat(statement.Resource).map((r) => JSON.stringify(r));
        expect(granted).not.toContain('"*"');
        for (const resource of granted) {
          const isCell = fleet.cells.some((c) => resource === JSON.stringify(c.auroraClusterArn));
          expect(isCell || /:(cluster|db|cluster-snapshot):odoo-\*"$/.test(resource), resource).toBe(true);
        }
      }
      expect(grantedToEnsureDatabase.flatMap((s) => ([] as unknown[]).concat(s.Resource))).toEqual(expect.arrayContaining(fleet.cells.map((c) => c.auroraClusterArn)));
    });

    it('log (ALL or ERROR) and trace every state machine', () => {
      const machines = ofType('AWS::StepFunctions::StateMachine');

      expect(machines.length).toBeGreaterThanOrEqual(2);
      for (const [id, machine] of machines) {
        expect(['ALL', 'ERROR'], id).toContain(machine.Properties.LoggingConfiguration?.Level);
        expect(machine.Properties.LoggingConfiguration?.Destinations, id).toHaveLength(1);
        expect(machine.Properties.TracingConfiguration, id).toEqual({ Enabled: true });
      }
    });

    it('alarm to the encrypted topic on failed, timed-out and aborted executions of every state machine', () => {
      const [topicId, topic] = only('AWS::SNS::Topic');
      const alarms = ofType('AWS::CloudWatch::Alarm');

      expect(topic.Properties.KmsMasterKeyId).toBeDefined();
      for (const [machineId] of ofType('AWS::StepFunctions::StateMachine')) {
        for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
          const alarm = alarms.find(
            ([, a]) => a.Properties.MetricName === metric && JSON.stringify(a.Properties.Dimensions).includes(`"Ref":"${machineId}"`),
          );
          expect(alarm, `${metric} of ${machineId}`).toBeDefined();
          expect(alarm?.[1].Properties.AlarmActions).toEqual([{ Ref: topicId }]);
        }
      }
    });

    it('alarm on server errors of the API', () => {
      const [topicId] = only('AWS::SNS::Topic');

      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Namespace: 'AWS/ApiGateway', AlarmActions: [{ Ref: topicId }] });
    });
  });
});

describe('buildApp', () => {
  it('places the primary stack in the account and primary region of the `fleet` context value', () => {
    const fleet = { ...exampleFleetConfig(), accountId: '210987654321', primaryRegion: 'us-east-2', drRegion: 'us-west-2' };

    const { stacks } = buildApp({ bundling: false, context: { fleet: JSON.stringify(fleet) } });

    expect(stacks.primary.account).toBe('210987654321');
    expect(stacks.primary.region).toBe('us-east-2');
  });

  it('rejects a `fleet` context value that is not a valid fleet configuration', () => {
    const act = () => buildApp({ bundling: false, context: { fleet: { accountId: '210987654321' } } });

    expect(act).toThrow();
  });
});
