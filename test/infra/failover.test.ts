/**
 * Failover's infrastructure as synthesized: the control plane in both regions (one global table
 * owned by the primary, used by name in the DR region), the failover machines and API routes in
 * each, the failover steps' least-privilege policies across both regions, the readiness schedule
 * and the alarms on failovers and readiness.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '#functions/api/routes.ts';
import { buildApp, type FleetStacks } from '#infra/app.ts';
import { SCHEDULE_GROUP_NAME } from '#infra/constructs/drills.ts';
import { READINESS_HANDLER, READINESS_SCHEDULE_NAME } from '#infra/constructs/failover-readiness.ts';
import { HANDLER_METADATA_KEY, REPO_ROOT } from '#infra/constructs/fleet-function.ts';
import { HANDLER_CAPABILITIES } from '#infra/constructs/workflow-permissions.ts';
import { exampleFleetConfig } from '#infra/example-fleet.ts';
import type { CfnTemplate } from '#local/definitions.ts';
import { loadSchedules } from '#local/scheduler.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';

// Synthesized CloudFormation is untyped JSON; the assertions below say what shape they expect.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CfnJson = any;

interface Resource {
  Type: string;
  Properties: Record<string, CfnJson>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string[];
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
type Resources = Record<string, Resource>;

const ACCOUNT = '123456789012';
const PRIMARY = 'eu-west-1';
const DR = 'eu-central-1';

/** The example fleet, with its cell's Aurora global database and headless secondary in the DR region. */
function fleetWithDrCell(): FleetConfig {
  const fleet = exampleFleetConfig();
  const cell = fleet.cells[0]!;
  return {
    ...fleet,
    cells: [
      {
        ...cell,
        dr: {
          globalClusterIdentifier: 'cellglobal-a',
          auroraClusterIdentifier: 'cellsecondary-a',
          auroraClusterArn: `arn:aws:rds:${DR}:${ACCOUNT}:cluster:cellsecondary-a`,
          masterSecretArn: `arn:aws:secretsmanager:${DR}:${ACCOUNT}:secret:rds!cluster-cellsecondary-a-XyZ012`,
          eksCluster: 'odoo-fleet-dr',
          bucket: `odoo-cell-a-${ACCOUNT}-${DR}`,
        },
      },
    ],
  };
}

let stacks: FleetStacks;
let primary: Resources;
let dr: Resources;
let primaryApi: Resources;
let drApi: Resources;

beforeAll(() => {
  ({ stacks } = buildApp({ bundling: false, validateTemplates: false, fleet: fleetWithDrCell() }));
  const resourcesOf = (t: Template) => t.toJSON().Resources as Resources;
  primary = resourcesOf(Template.fromStack(stacks.primary));
  dr = resourcesOf(Template.fromStack(stacks.dr!));
  primaryApi = resourcesOf(Template.fromStack(stacks.primary.apiStack));
  drApi = resourcesOf(Template.fromStack(stacks.dr!.apiStack));
});

const ofType = (type: string, from: Resources) => Object.entries(from).filter(([, r]) => r.Type === type);
const actionsOf = (s: Statement) => ([] as string[]).concat(s.Action);
const resourcesOf = (s: Statement) => ([] as unknown[]).concat(s.Resource);
const functionOf = (entry: string, from: Resources) => {
  const found = ofType('AWS::Lambda::Function', from).filter(([, f]) => f.Metadata?.[HANDLER_METADATA_KEY] === entry);
  expect(found, `one function runs ${entry}`).toHaveLength(1);
  return found[0]![0];
};
function statementsOfRole(roleId: string, from: Resources): Statement[] {
  return ofType('AWS::IAM::Policy', from)
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const statementsOf = (entry: string, from = primary) => statementsOfRole(from[functionOf(entry, from)]!.Properties.Role['Fn::GetAtt'][0] as string, from);
const granting = (entry: string, action: string, from = primary) => statementsOf(entry, from).filter((s) => actionsOf(s).includes(action));
const grantedResources = (entry: string, action: string, from = primary) => granting(entry, action, from).flatMap(resourcesOf);
const machineId = (name: string, from: Resources) => ofType('AWS::StepFunctions::StateMachine', from).find(([, m]) => m.Properties.StateMachineName === name)?.[0];
const rds = (region: string, resource: string) => `arn:aws:rds:${region}:${ACCOUNT}:${resource}`;
const failoverHandler = (name: string) => `functions/failover/${name}.ts`;

describe('the control plane in two regions', () => {
  it('deploys a stack in the primary and one in the DR region, of the fleet account', () => {
    // Assess
    expect([stacks.primary.region, stacks.dr!.region]).toEqual([PRIMARY, DR]);
    expect([stacks.primary.account, stacks.dr!.account]).toEqual([ACCOUNT, ACCOUNT]);
    expect(stacks.primary.dependencies).toContain(stacks.dr!);
  });

  it('carries the failover machines and every API route in both regions', () => {
    for (const [region, resources, api] of [[PRIMARY, primary, primaryApi], [DR, dr, drApi]] as const) {
      // Act
      const machines = ofType('AWS::StepFunctions::StateMachine', resources).map(([, m]) => m.Properties.StateMachineName as string);
      const operations = ofType('AWS::ApiGateway::Method', api).map(([, m]) => m.Properties.OperationName as string);

      // Assess
      expect(machines, region).toEqual(expect.arrayContaining(['odoo-fleet-failover', 'odoo-fleet-failover-unit']));
      expect(operations.sort(), region).toEqual(apiRoutes.map((r) => r.id).sort());
      expect(operations, region).toEqual(expect.arrayContaining(['CreateFailover', 'ListFailovers', 'GetFailover', 'ApproveFailover', 'RejectFailover']));
    }
  });

  it('has one global table, owned by the primary, with a replica in the DR region encrypted with that region\'s key', () => {
    // Act
    const tables = ofType('AWS::DynamoDB::GlobalTable', primary);
    const replicas = tables[0]![1].Properties.Replicas as Array<Record<string, CfnJson>>;
    const drReplica = replicas.find((r) => r.Region === DR);
    const drKeyAliases = ofType('AWS::KMS::Alias', dr).map(([, a]) => a.Properties.AliasName as string);

    // Assess
    expect(tables).toHaveLength(1);
    expect(ofType('AWS::DynamoDB::GlobalTable', dr)).toEqual([]);
    expect(ofType('AWS::DynamoDB::Table', dr)).toEqual([]);
    expect(replicas.map((r) => r.Region).sort()).toEqual([DR, PRIMARY].sort());
    expect(drReplica?.SSESpecification).toEqual({ KMSMasterKeyId: `arn:aws:kms:${DR}:${ACCOUNT}:alias/odoo-fleet-control-plane` });
    expect(drKeyAliases).toEqual(['alias/odoo-fleet-control-plane']);
    expect(drReplica?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(drReplica?.DeletionProtectionEnabled).toBe(true);
  });

  it('lets the DR stack use the replica in its own region by name, and its own bucket and key, with nothing of the primary region', () => {
    // Prepare
    const drTable = `arn:aws:dynamodb:${DR}:${ACCOUNT}:table/odoo-fleet`;
    const drFunctions = ofType('AWS::Lambda::Function', dr);

    // Act
    const environments = drFunctions.map(([, f]) => f.Properties.Environment.Variables as Record<string, unknown>);
    const [bucketId, bucket] = ofType('AWS::S3::Bucket', dr).find(([, b]) => String(b.Properties.BucketName).includes('drill-evidence'))!;
    const tableStatements = ofType('AWS::IAM::Policy', dr)
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const template = JSON.stringify({ ...dr, ...drApi });

    // Assess
    expect(drFunctions.length).toBeGreaterThan(10);
    for (const env of environments) {
      expect(env.TABLE_NAME).toBe('odoo-fleet');
      expect(env.EVIDENCE_BUCKET).toEqual({ Ref: bucketId });
    }
    expect(bucket.Properties.BucketName).toBe(`odoo-drill-evidence-${ACCOUNT}-${DR}`);
    expect(tableStatements.length).toBeGreaterThan(0);
    for (const statement of tableStatements) {
      for (const resource of resourcesOf(statement)) expect(String(resource).startsWith(drTable), String(resource)).toBe(true);
    }
    // No value crosses regions at deployment: no export, no SSM-backed cross-region reference.
    expect(template).not.toContain('Fn::ImportValue');
    expect(template).not.toContain('ExportsReader');
    expect(template).not.toContain(`arn:aws:dynamodb:${PRIMARY}`);
    expect(template).not.toContain(`odoo-drill-evidence-${ACCOUNT}-${PRIMARY}`);
  });

  it('gives the DR API the DR region\'s own failover machine to start', () => {
    // Prepare
    const [, nested] = ofType('AWS::CloudFormation::Stack', dr)[0]!;
    const parameters = nested.Properties.Parameters as Record<string, unknown>;
    const createFailover = functionOf('functions/api/create-failover.ts', drApi);

    // Act
    const env = drApi[createFailover]!.Properties.Environment.Variables as Record<string, { Ref: string }>;
    const starts = statementsOfRole(drApi[createFailover]!.Properties.Role['Fn::GetAtt'][0] as string, drApi).filter((s) => actionsOf(s).includes('states:StartExecution'));

    // Assess
    expect(parameters[env.FAILOVER_STATE_MACHINE_ARN!.Ref]).toEqual({ Ref: machineId('odoo-fleet-failover', dr) });
    expect(starts.flatMap(resourcesOf).map((r) => parameters[(r as { Ref: string }).Ref])).toEqual([{ Ref: machineId('odoo-fleet-failover', dr) }]);
  });
});

describe('failover step permissions', () => {
  it('are declared for every failover handler module', () => {
    // Act
    const modules = readdirSync(path.join(REPO_ROOT, 'functions', 'failover')).filter((f) => f.endsWith('.ts')).map((f) => `functions/failover/${f}`);

    // Assess
    expect(modules.length).toBeGreaterThan(10);
    for (const entry of modules) expect(HANDLER_CAPABILITIES[entry], entry).toBeDefined();
  });

  it('let the promotion switch over or fail over only the fleet\'s global databases, to its clusters in either region', () => {
    // Act
    const promoting = granting(failoverHandler('promote-database'), 'rds:FailoverGlobalCluster');
    const others = ofType('AWS::Lambda::Function', primary)
      .map(([, f]) => f.Metadata?.[HANDLER_METADATA_KEY] as string)
      .filter((entry) => entry !== failoverHandler('promote-database') && granting(entry, 'rds:SwitchoverGlobalCluster').length > 0);

    // Assess
    expect(promoting).toHaveLength(1);
    expect(actionsOf(promoting[0]!).sort()).toEqual(['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster']);
    expect(resourcesOf(promoting[0]!).sort()).toEqual(
      [
        `arn:aws:rds::${ACCOUNT}:global-cluster:odoo-*`,
        `arn:aws:rds::${ACCOUNT}:global-cluster:cellglobal-a`,
        rds(PRIMARY, 'cluster:odoo-*'),
        rds(DR, 'cluster:odoo-*'),
        rds(PRIMARY, 'cluster:odoo-cell-a'),
        rds(DR, 'cluster:cellsecondary-a'),
      ].sort(),
    );
    expect(others).toEqual([]);
  });

  it("let the promotion add a headless secondary's writer instance, tagged, in either region", () => {
    // Act
    const creating = grantedResources(failoverHandler('promote-database'), 'rds:CreateDBInstance');
    const tagging = grantedResources(failoverHandler('promote-database'), 'rds:AddTagsToResource');

    // Assess
    expect(creating).toEqual(expect.arrayContaining([rds(DR, 'cluster:cellsecondary-a'), rds(DR, 'db:cellsecondary-a-*'), rds(DR, 'db:odoo-*'), rds(PRIMARY, 'db:odoo-*'), rds(DR, 'subgrp:odoo-dedicated')]));
    expect(tagging).toEqual(expect.arrayContaining([rds(DR, 'db:cellsecondary-a-*'), rds(DR, 'db:odoo-*')]));
    expect(creating.filter((r) => String(r).endsWith(':*'))).toEqual([rds(PRIMARY, 'secgrp:*'), rds(PRIMARY, 'pg:*'), rds(PRIMARY, 'og:*'), rds(DR, 'secgrp:*'), rds(DR, 'pg:*'), rds(DR, 'og:*')]);
  });

  it('let heartbeats run SQL on the fleet and cell clusters of both regions, with their secrets only', () => {
    for (const step of ['promote-database', 'verify-failover']) {
      // Act
      const sql = grantedResources(failoverHandler(step), 'rds-data:ExecuteStatement');
      const secrets = grantedResources(failoverHandler(step), 'secretsmanager:GetSecretValue');

      // Assess
      expect(sql.sort(), step).toEqual([rds(PRIMARY, 'cluster:odoo-*'), rds(DR, 'cluster:odoo-*'), rds(PRIMARY, 'cluster:odoo-cell-a'), rds(DR, 'cluster:cellsecondary-a')].sort());
      expect(secrets, step).toEqual(expect.arrayContaining([`arn:aws:secretsmanager:${PRIMARY}:${ACCOUNT}:secret:odoo/*`, `arn:aws:secretsmanager:${DR}:${ACCOUNT}:secret:odoo/*`]));
      expect(secrets.every((s) => /:secret:(odoo\/\*|rds!cluster-)/.test(String(s))), step).toBe(true);
    }
  });

  it('let the steps that scale DR compute manage node groups and pod identities on the clusters of both regions', () => {
    // Act
    const nodegroups = grantedResources(failoverHandler('scale-dr-compute'), 'eks:CreateNodegroup');
    const podIdentities = grantedResources(failoverHandler('scale-dr-compute'), 'eks:CreatePodIdentityAssociation');
    const scaledDownOld = grantedResources(failoverHandler('record-unit'), 'eks:UpdateNodegroupConfig');

    // Assess
    for (const resources of [nodegroups, scaledDownOld]) {
      expect(resources).toEqual(expect.arrayContaining([`arn:aws:eks:${PRIMARY}:${ACCOUNT}:nodegroup/odoo-fleet-primary/odoo-*/*`, `arn:aws:eks:${DR}:${ACCOUNT}:nodegroup/odoo-fleet-dr/odoo-*/*`]));
    }
    expect(podIdentities).toEqual(expect.arrayContaining([`arn:aws:eks:${DR}:${ACCOUNT}:cluster/odoo-fleet-dr`, `arn:aws:eks:${DR}:${ACCOUNT}:podidentityassociation/odoo-fleet-dr/*`]));
    expect(grantedResources(failoverHandler('scale-dr-compute'), 'iam:CreateRole')).toEqual([`arn:aws:iam::${ACCOUNT}:role/odoo-tenants/odoo-tenant-*`]);
  });

  it('let DNS be switched in the fleet zone only', () => {
    // Act
    const changing = grantedResources(failoverHandler('switch-dns'), 'route53:ChangeResourceRecordSets');

    // Assess
    expect(changing).toEqual(['arn:aws:route53:::hostedzone/Z0EXAMPLE123456']);
  });

  it('let the end of a failover write its report under failovers/ only, metrics in Odoo/Failover only, and events on either default bus', () => {
    // Prepare
    const entry = failoverHandler('finish-failover');
    const bucketId = ofType('AWS::S3::Bucket', primary).find(([, b]) => String(b.Properties.BucketName).includes('drill-evidence'))![0];

    // Act
    const puts = granting(entry, 's3:PutObject');
    const metrics = granting(entry, 'cloudwatch:PutMetricData');
    const events = grantedResources(entry, 'events:PutEvents');

    // Assess
    expect(puts).toHaveLength(1);
    expect(actionsOf(puts[0]!)).toEqual(['s3:PutObject']);
    expect(resourcesOf(puts[0]!)).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/failovers/*']] }]);
    expect(metrics).toHaveLength(1);
    expect(metrics[0]!.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'Odoo/Failover' } });
    expect(events.sort()).toEqual([`arn:aws:events:${DR}:${ACCOUNT}:event-bus/default`, `arn:aws:events:${PRIMARY}:${ACCOUNT}:event-bus/default`]);
  });

  it('grant no failover step a wildcard resource but for CloudWatch metrics and quota reads, nor a wildcard action but on the table key', () => {
    // Prepare
    const entries = Object.keys(HANDLER_CAPABILITIES).filter((e) => e.startsWith('functions/failover/'));

    // Act
    const anyResource = entries.flatMap((entry) =>
      statementsOf(entry)
        .filter((s) => resourcesOf(s).includes('*'))
        .map((s) => ({ entry, actions: actionsOf(s) })),
    );
    const unrestrictedActions = new Set(anyResource.flatMap((s) => s.actions));

    // Assess
    expect([...unrestrictedActions].sort()).toEqual(['cloudwatch:GetMetricData', 'cloudwatch:PutMetricData', 'servicequotas:GetAWSDefaultServiceQuota', 'servicequotas:GetServiceQuota']);
    // The table's key grant (kms:ReEncrypt*, kms:GenerateDataKey*) is the only wildcard action, on the one key.
    for (const entry of entries) expect(statementsOf(entry).flatMap(actionsOf).filter((a) => a.includes('*') && !a.startsWith('kms:')), entry).toEqual([]);
  });
});

describe('the failover readiness report', () => {
  it('runs in each region on the fleet schedule, in the drill schedules\' group and dead-letter queue, invoking exactly its function', () => {
    for (const [region, resources] of [[PRIMARY, primary], [DR, dr]] as const) {
      // Prepare
      const fnId = functionOf(READINESS_HANDLER, resources);
      const queueId = ofType('AWS::SQS::Queue', resources)[0]![0];

      // Act
      const [, schedule] = ofType('AWS::Scheduler::Schedule', resources).find(([, s]) => s.Properties.Name === READINESS_SCHEDULE_NAME)!;
      const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;
      const roleStatements = statementsOfRole(roleId, resources);

      // Assess
      expect(schedule.Properties.ScheduleExpression, region).toBe('rate(15 minutes)');
      expect(schedule.Properties.GroupName, region).toBe(SCHEDULE_GROUP_NAME);
      expect(schedule.Properties.Target.Arn, region).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
      expect(schedule.Properties.Target.DeadLetterConfig, region).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
      expect(schedule.Properties.Target.RetryPolicy.MaximumRetryAttempts, region).toBeGreaterThan(0);
      expect(roleStatements.map((s) => [actionsOf(s), resourcesOf(s)]), region).toEqual([
        [['sqs:SendMessage'], [{ 'Fn::GetAtt': [queueId, 'Arn'] }]],
        [['lambda:InvokeFunction'], [{ 'Fn::GetAtt': [fnId, 'Arn'] }]],
      ]);
      expect(resources[fnId]!.Properties.Timeout, region).toBeGreaterThanOrEqual(300);
    }
  });

  it('follows the fleet\'s readinessSchedule, and refuses at synthesis one Scheduler would refuse', () => {
    // Prepare
    const fleet = { ...exampleFleetConfig(), failover: { ...exampleFleetConfig().failover, readinessSchedule: 'rate(5 minutes)' } };
    const bad = { ...fleet, failover: { ...fleet.failover, readinessSchedule: 'every 5 minutes' } };

    // Act
    const resources = Template.fromStack(buildApp({ bundling: false, validateTemplates: false, fleet }).stacks.dr!).toJSON().Resources as Resources;
    const schedule = ofType('AWS::Scheduler::Schedule', resources).find(([, s]) => s.Properties.Name === READINESS_SCHEDULE_NAME)?.[1];
    const refused = () => buildApp({ bundling: false, validateTemplates: false, fleet: bad });

    // Assess
    expect(schedule?.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(refused).toThrow(/failover\.readinessSchedule/);
  });

  it('may query ACTIVE tenants by status and update their report, and nothing else of the table', () => {
    // Prepare
    const tableId = ofType('AWS::DynamoDB::GlobalTable', primary)[0]![0];
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };

    // Act
    const tableStatements = statementsOf(READINESS_HANDLER).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const drTableStatements = statementsOf(READINESS_HANDLER, dr).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));

    // Assess
    expect(tableStatements.map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([
      [['dynamodb:Query'], [tableArn, { 'Fn::Join': ['', [tableArn, '/index/ByStatus']] }]],
      [['dynamodb:GetItem', 'dynamodb:UpdateItem'], [tableArn]],
    ]);
    const drTable = `arn:aws:dynamodb:${DR}:${ACCOUNT}:table/odoo-fleet`;
    expect(drTableStatements.map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([
      [['dynamodb:Query'], [drTable, `${drTable}/index/ByStatus`]],
      [['dynamodb:GetItem', 'dynamodb:UpdateItem'], [drTable]],
    ]);
  });

  it('may describe clusters in both regions and global databases, read metrics and quotas, publish to Odoo/Failover only, describe EKS clusters and list their node groups, read the buckets replication, and keep, delete and rebuild old primaries', () => {
    // Act
    const actions = new Set(statementsOf(READINESS_HANDLER).flatMap(actionsOf).filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('kms:') && !a.startsWith('logs:')));
    const clusters = grantedResources(READINESS_HANDLER, 'rds:DescribeDBClusters');
    const globals = grantedResources(READINESS_HANDLER, 'rds:DescribeGlobalClusters');
    const published = granting(READINESS_HANDLER, 'cloudwatch:PutMetricData');
    const eks = grantedResources(READINESS_HANDLER, 'eks:DescribeCluster');
    const nodegroups = grantedResources(READINESS_HANDLER, 'eks:ListNodegroups');
    const replication = grantedResources(READINESS_HANDLER, 's3:GetReplicationConfiguration');

    // Assess
    expect([...actions].sort()).toEqual([
      'cloudwatch:GetMetricData',
      'cloudwatch:PutMetricData',
      'eks:DescribeCluster',
      'eks:ListNodegroups',
      // The old primaries a failover left: snapshot, detach, delete, create again as a secondary.
      'rds-data:ExecuteStatement',
      'rds:AddTagsToResource',
      'rds:CreateDBCluster',
      'rds:CreateDBClusterSnapshot',
      'rds:CreateDBInstance',
      'rds:CreateGlobalCluster',
      'rds:DeleteDBCluster',
      'rds:DeleteDBInstance',
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBClusters',
      'rds:DescribeDBInstances',
      'rds:DescribeGlobalClusters',
      'rds:ModifyDBCluster',
      'rds:RemoveFromGlobalCluster',
      's3:GetReplicationConfiguration',
      's3:PutObject',
      'secretsmanager:GetSecretValue',
      'servicequotas:GetAWSDefaultServiceQuota',
      'servicequotas:GetServiceQuota',
    ]);
    // Deleting is limited to the fleet's own names and the cells' clusters; keys only through RDS.
    expect(grantedResources(READINESS_HANDLER, 'rds:DeleteDBCluster')).toEqual(expect.arrayContaining([rds(PRIMARY, 'cluster:odoo-*'), rds(DR, 'cluster:odoo-*')]));
    expect(grantedResources(READINESS_HANDLER, 'rds:DeleteDBCluster').every((r) => /^arn:aws:rds:[a-z0-9-]+:\d+:(cluster|db):/.test(String(r)))).toBe(true);
    expect(granting(READINESS_HANDLER, 'kms:CreateGrant').every((st) => JSON.stringify(st.Condition ?? {}).includes('kms:ViaService'))).toBe(true);
    expect(nodegroups.sort()).toEqual([`arn:aws:eks:${DR}:${ACCOUNT}:cluster/odoo-fleet-dr`, `arn:aws:eks:${PRIMARY}:${ACCOUNT}:cluster/odoo-fleet-primary`]);
    expect(replication).toEqual(expect.arrayContaining(['arn:aws:s3:::odoo-*', `arn:aws:s3:::${exampleFleetConfig().cells[0]!.bucket}`, `arn:aws:s3:::odoo-cell-a-${ACCOUNT}-${DR}`]));
    expect(clusters).toEqual(expect.arrayContaining([rds(PRIMARY, 'cluster:odoo-*'), rds(DR, 'cluster:odoo-*'), rds(DR, 'cluster:cellsecondary-a')]));
    expect(globals.sort()).toEqual([`arn:aws:rds::${ACCOUNT}:global-cluster:cellglobal-a`, `arn:aws:rds::${ACCOUNT}:global-cluster:odoo-*`]);
    expect(published.map((s) => s.Condition)).toEqual([{ StringEquals: { 'cloudwatch:namespace': 'Odoo/Failover' } }]);
    expect(eks.sort()).toEqual([`arn:aws:eks:${DR}:${ACCOUNT}:cluster/odoo-fleet-dr`, `arn:aws:eks:${PRIMARY}:${ACCOUNT}:cluster/odoo-fleet-primary`]);
  });

  it('is a schedule the local control plane reads as a Lambda target bound to the report module', () => {
    // Act
    const schedules = loadSchedules({ Resources: primary } as CfnTemplate, { region: PRIMARY, account: ACCOUNT, stateMachineArn: (name) => `arn:aws:states:${PRIMARY}:${ACCOUNT}:stateMachine:${name}` });
    const readiness = schedules.find((s) => s.name === READINESS_SCHEDULE_NAME);

    // Assess
    expect(readiness).toMatchObject({ group: SCHEDULE_GROUP_NAME, expression: 'rate(15 minutes)', enabled: true, hasDeadLetterQueue: true, target: { type: 'lambda', handler: READINESS_HANDLER } });
  });
});

describe('failover alarms', () => {
  const alarmsOf = (resources: Resources) => ofType('AWS::CloudWatch::Alarm', resources).map(([, a]) => a.Properties);
  const topicOf = (resources: Resources) => ({ Ref: ofType('AWS::SNS::Topic', resources)[0]![0] });

  it('page in each region when tenants would miss their RPO if failed over now', () => {
    for (const resources of [primary, dr]) {
      // Act
      const alarm = alarmsOf(resources).find((a) => a.MetricName === 'TenantsWouldMissRpo');

      // Assess
      expect(alarm).toMatchObject({ Namespace: 'Odoo/Failover', ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, AlarmActions: [topicOf(resources)] });
      expect(alarm?.Dimensions).toBeUndefined();
    }
  });

  it('page on a failover that did not succeed, or left tenants behind, in either mode', () => {
    for (const resources of [primary, dr]) {
      // Act
      const byMode = (metric: string, mode: string) => alarmsOf(resources).find((a) => a.MetricName === metric && JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'Mode', Value: mode }]));

      // Assess
      for (const mode of ['planned', 'unplanned']) {
        expect(byMode('FailoverSucceeded', mode)).toMatchObject({ Namespace: 'Odoo/Failover', ComparisonOperator: 'LessThanThreshold', Threshold: 1, AlarmActions: [topicOf(resources)] });
        expect(byMode('TenantsNotFailedOver', mode)).toMatchObject({ Namespace: 'Odoo/Failover', ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, AlarmActions: [topicOf(resources)] });
      }
    }
  });

  it('page on failed executions of both failover machines, and on a readiness report that failed', () => {
    for (const resources of [primary, dr]) {
      // Prepare
      const readinessFn = functionOf(READINESS_HANDLER, resources);

      // Act
      const failed = (machine: string) =>
        alarmsOf(resources).find((a) => a.MetricName === 'ExecutionsFailed' && JSON.stringify(a.Dimensions).includes(`"Ref":"${machineId(machine, resources)}"`));
      const reportErrors = alarmsOf(resources).find((a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(`"Ref":"${readinessFn}"`));

      // Assess
      expect(failed('odoo-fleet-failover')?.AlarmActions).toEqual([topicOf(resources)]);
      expect(failed('odoo-fleet-failover-unit')?.AlarmActions).toEqual([topicOf(resources)]);
      expect(reportErrors?.AlarmActions).toEqual([topicOf(resources)]);
    }
  });
});
