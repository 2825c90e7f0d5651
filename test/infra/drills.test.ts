/**
 * Restore drills' infrastructure as synthesized: the evidence bucket (Object Lock, compliance
 * retention, the stack's key), the EventBridge Scheduler schedules (drill runs per criticality,
 * heartbeat, sweeper) with their roles and dead-letter queue, the alarms, and the drill functions'
 * least-privilege policies. The local control plane reads the same schedules.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { HANDLER_METADATA_KEY } from '#infra/constructs/fleet-function.ts';
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
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

let resources: Record<string, Resource>;
let template: CfnTemplate;

function synth(opts: { fleet?: FleetConfig; context?: Record<string, unknown> } = {}): Record<string, Resource> {
  const { stacks } = buildApp({ bundling: false, validateTemplates: false, ...opts });
  return Template.fromStack(stacks.primary).toJSON().Resources as Record<string, Resource>;
}

beforeAll(() => {
  const { stacks } = buildApp({ bundling: false, validateTemplates: false });
  template = Template.fromStack(stacks.primary).toJSON() as CfnTemplate;
  resources = template.Resources as Record<string, Resource>;
});

const ofType = (type: string, from = resources) => Object.entries(from).filter(([, r]) => r.Type === type);
const only = (type: string, from = resources): [string, Resource] => {
  const found = ofType(type, from);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0] as [string, Resource];
};
const actionsOf = (s: Statement) => ([] as string[]).concat(s.Action);
const resourcesOf = (s: Statement) => ([] as unknown[]).concat(s.Resource);
const evidenceBucket = (from = resources) => ofType('AWS::S3::Bucket', from).find(([, b]) => String(b.Properties.BucketName).includes('drill-evidence')) as [string, Resource];
const scheduleResource = (name: string, from = resources) => {
  const found = ofType('AWS::Scheduler::Schedule', from).find(([, s]) => s.Properties.Name === name);
  expect(found, `schedule ${name}`).toBeDefined();
  return (found as [string, Resource])[1] as Resource & { DependsOn?: string[] };
};
const schedule = (name: string, from = resources) => scheduleResource(name, from).Properties;
const functionOf = (entry: string) => {
  const found = ofType('AWS::Lambda::Function').filter(([, f]) => f.Metadata?.[HANDLER_METADATA_KEY] === entry);
  expect(found, `one function runs ${entry}`).toHaveLength(1);
  return (found[0] as [string, Resource])[0];
};
const machineId = (name: string) => (ofType('AWS::StepFunctions::StateMachine').find(([, m]) => m.Properties.StateMachineName === name) as [string, Resource])[0];

/** The statements of every policy attached to a role. */
function statementsOfRole(roleId: string): Statement[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const statementsOf = (entry: string) => statementsOfRole(resources[functionOf(entry)]!.Properties.Role['Fn::GetAtt'][0] as string);
/** The statements of a function that grant `action`. */
const granting = (entry: string, action: string) => statementsOf(entry).filter((s) => actionsOf(s).includes(action));
const roleOfSchedule = (name: string) => schedule(name).Target.RoleArn['Fn::GetAtt'][0] as string;

describe('the drill evidence bucket', () => {
  it('locks every report in COMPLIANCE mode for 400 days by default, versioned', () => {
    // Act
    const [, bucket] = evidenceBucket();

    // Assess
    expect(bucket.Properties.BucketName).toBe(`odoo-drill-evidence-${ACCOUNT}-${REGION}`);
    expect(bucket.Properties.ObjectLockEnabled).toBe(true);
    expect(bucket.Properties.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect((bucket as unknown as { DeletionPolicy: string }).DeletionPolicy).toBe('Retain');
  });

  it("takes the retention from the drillEvidenceRetentionDays context value, and refuses one that is not whole days", () => {
    // Act
    const [, bucket] = evidenceBucket(synth({ context: { drillEvidenceRetentionDays: '30' } }));
    const refused = () => synth({ context: { drillEvidenceRetentionDays: 0.5 } });

    // Assess
    expect(bucket.Properties.ObjectLockConfiguration.Rule.DefaultRetention).toEqual({ Mode: 'COMPLIANCE', Days: 30 });
    expect(refused).toThrow(/drillEvidenceRetentionDays must be a whole number of days/);
  });

  it("is encrypted with the stack's key, private, TLS-only and access-logged", () => {
    // Prepare
    const [bucketId, bucket] = evidenceBucket();
    const [keyId] = only('AWS::KMS::Key');

    // Act
    const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: bucketId }));

    // Assess
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } }, BucketKeyEnabled: true },
    ]);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: expect.stringMatching(/^DataAccessLogs/) }, LogFilePrefix: 'drill-evidence/' });
    expect(policy?.[1].Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('is named to every function as EVIDENCE_BUCKET', () => {
    // Prepare
    const [bucketId] = evidenceBucket();

    // Act
    const without = ofType('AWS::Lambda::Function').filter(([, f]) => JSON.stringify(f.Properties.Environment?.Variables?.EVIDENCE_BUCKET) !== JSON.stringify({ Ref: bucketId }));

    // Assess
    expect(ofType('AWS::Lambda::Function').length).toBeGreaterThan(2);
    expect(without.map(([id]) => id)).toEqual([]);
  });
});

describe('the drill schedules', () => {
  it('start odoo-fleet-drill-run per criticality with the fleet expressions, a flexible window and the run input', () => {
    // Prepare
    const fleet = exampleFleetConfig();
    const drillRun = machineId('odoo-fleet-drill-run');
    const [groupId, group] = only('AWS::Scheduler::ScheduleGroup');

    for (const criticality of ['critical', 'standard', 'low'] as const) {
      // Act
      const resource = scheduleResource(`drill-run-${criticality}`);
      const props = resource.Properties;

      // Assess
      expect(props.GroupName, criticality).toBe('odoo-fleet');
      expect(resource.DependsOn, criticality).toContain(groupId);
      expect(props.ScheduleExpression, criticality).toBe(fleet.drills.schedules[criticality]);
      expect(props.ScheduleExpressionTimezone, criticality).toBe('Etc/UTC');
      expect(props.FlexibleTimeWindow, criticality).toEqual({ Mode: 'FLEXIBLE', MaximumWindowInMinutes: fleet.drills.flexibleWindowMinutes });
      expect(props.State, criticality).toBe('ENABLED');
      expect(props.Target.Arn, criticality).toEqual({ Ref: drillRun });
      expect(JSON.parse(props.Target.Input as string), criticality).toEqual({ criticality, trigger: 'schedule' });
    }
    expect(group.Properties.Name).toBe('odoo-fleet');
  });

  it('turn the flexible window OFF when the fleet sets it to 0, and follow other expressions', () => {
    // Prepare
    const example = exampleFleetConfig();
    const fleet = { ...example, drills: { ...example.drills, flexibleWindowMinutes: 0, schedules: { critical: 'cron(30 1 ? * SUN *)', standard: 'rate(7 days)', low: 'cron(0 5 1 * ? *)' } } };

    // Act
    const synthesized = synth({ fleet });

    // Assess
    expect(schedule('drill-run-critical', synthesized)).toMatchObject({ ScheduleExpression: 'cron(30 1 ? * SUN *)', FlexibleTimeWindow: { Mode: 'OFF' } });
    expect(schedule('drill-run-standard', synthesized).ScheduleExpression).toBe('rate(7 days)');
  });

  it('refuse, at synthesis, an expression EventBridge Scheduler would refuse', () => {
    // Prepare
    const example = exampleFleetConfig();
    const fleet = { ...example, drills: { ...example.drills, schedules: { ...example.drills.schedules, low: 'cron(0 4 * * * *)' } } };

    // Act
    const act = () => synth({ fleet });

    // Assess
    expect(act).toThrow(/drills\.schedules\.low of the fleet configuration: .*exactly one of day-of-month and day-of-week/);
  });

  it('retry a failed start, then leave it in one encrypted, TLS-only dead-letter queue', () => {
    // Prepare
    const [queueId, queue] = only('AWS::SQS::Queue');
    const [, queuePolicy] = only('AWS::SQS::QueuePolicy');

    for (const name of ['drill-run-critical', 'drill-run-standard', 'drill-run-low', 'drill-heartbeat', 'drill-sweeper']) {
      // Act
      const target = schedule(name).Target;

      // Assess
      expect(target.DeadLetterConfig, name).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
      expect(target.RetryPolicy.MaximumRetryAttempts, name).toBeGreaterThan(0);
      expect(target.RetryPolicy.MaximumEventAgeInSeconds, name).toBeGreaterThanOrEqual(60);
    }
    expect(schedule('drill-run-critical').Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 });
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(queuePolicy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });

  it('write heartbeats every minute and sweep leftovers every hour, each with its own scheduled function', () => {
    // Act
    const heartbeat = schedule('drill-heartbeat');
    const sweeper = schedule('drill-sweeper');

    // Assess
    expect(heartbeat).toMatchObject({ ScheduleExpression: 'rate(1 minute)', FlexibleTimeWindow: { Mode: 'OFF' } });
    expect(heartbeat.Target.Arn).toEqual({ 'Fn::GetAtt': [functionOf('functions/drill/write-heartbeats.ts'), 'Arn'] });
    expect(JSON.parse(heartbeat.Target.Input as string)).toEqual({ trigger: 'schedule', scheduledTime: '<aws.scheduler.scheduled-time>' });
    expect(sweeper).toMatchObject({ ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'OFF' } });
    expect(sweeper.Target.Arn).toEqual({ 'Fn::GetAtt': [functionOf('functions/drill/sweep-drill-leftovers.ts'), 'Arn'] });
  });

  it('start the drill run with a role that may only start that machine (and drop a failed start into the queue)', () => {
    // Prepare
    const [queueId] = only('AWS::SQS::Queue');
    const [keyId] = only('AWS::KMS::Key');
    const drillRun = machineId('odoo-fleet-drill-run');
    const roleId = roleOfSchedule('drill-run-critical');

    // Act
    const statements = statementsOfRole(roleId);
    const trust = resources[roleId]!.Properties.AssumeRolePolicyDocument.Statement as Statement[];

    // Assess
    expect(['drill-run-standard', 'drill-run-low'].map(roleOfSchedule)).toEqual([roleId, roleId]);
    expect(statements.map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([
      [['sqs:SendMessage'], [{ 'Fn::GetAtt': [queueId, 'Arn'] }]],
      [['states:StartExecution'], [{ Ref: drillRun }]],
      [['kms:GenerateDataKey'], [{ 'Fn::GetAtt': [keyId, 'Arn'] }]],
    ]);
    expect(statements[2]?.Condition).toEqual({ StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': { Ref: drillRun } } });
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnEquals: { 'aws:SourceArn': ['critical', 'standard', 'low'].map((c) => `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/odoo-fleet/drill-run-${c}`) },
        },
      },
    ]);
  });

  it('invoke each scheduled function with a role that may invoke exactly that function', () => {
    for (const [name, entry] of [
      ['drill-heartbeat', 'functions/drill/write-heartbeats.ts'],
      ['drill-sweeper', 'functions/drill/sweep-drill-leftovers.ts'],
    ] as const) {
      // Act
      const statements = statementsOfRole(roleOfSchedule(name));

      // Assess
      expect(statements.filter((s) => !actionsOf(s).includes('sqs:SendMessage')).map((s) => [actionsOf(s), resourcesOf(s)]), name).toEqual([
        [['lambda:InvokeFunction'], [{ 'Fn::GetAtt': [functionOf(entry), 'Arn'] }]],
      ]);
    }
  });
});

describe('the drill alarms', () => {
  it('page on any failed or target-breaching drill within an hour, and not on an hour without drills', () => {
    // Prepare
    const [topicId] = only('AWS::SNS::Topic');

    for (const metric of ['DrillFailed', 'DrillBreachedTarget']) {
      // Act
      const alarm = ofType('AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.MetricName === metric)?.[1].Properties;

      // Assess
      expect(alarm, metric).toMatchObject({
        Namespace: 'Odoo/Drills',
        Statistic: 'Sum',
        Period: 3600,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId }],
      });
      expect(alarm?.Dimensions, metric).toBeUndefined();
    }
  });

  it('page when a schedule could not start its target', () => {
    // Prepare
    const [topicId] = only('AWS::SNS::Topic');
    const [queueId] = only('AWS::SQS::Queue');

    // Act
    const alarm = ofType('AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible')?.[1].Properties;

    // Assess
    expect(alarm).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 1, AlarmActions: [{ Ref: topicId }] });
    expect(alarm?.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }]);
  });
});

describe('the drill functions', () => {
  const drillCluster = arn('rds', 'cluster:odoo-drill-*');
  const drillInstance = arn('rds', 'db:odoo-drill-*');
  const tagged = { Null: { 'aws:ResourceTag/odoo:drill': 'false' } };

  it('each declare their capabilities (a module missing from the list would get its table access alone)', () => {
    // Act
    const undeclared = ofType('AWS::Lambda::Function')
      .map(([, f]) => String(f.Metadata?.[HANDLER_METADATA_KEY]))
      .filter((entry) => entry.startsWith('functions/drill/') && !(entry in HANDLER_CAPABILITIES));

    // Assess
    expect(undeclared).toEqual([]);
  });

  it('let validation run SQL on drill clusters only, with their RDS-managed secrets, and list filestore versions', () => {
    // Prepare
    const entry = 'functions/drill/validate-drill.ts';

    // Act
    const sql = granting(entry, 'rds-data:ExecuteStatement');
    const secrets = granting(entry, 'secretsmanager:GetSecretValue');
    const versions = granting(entry, 's3:ListBucketVersions');

    // Assess
    expect(sql.flatMap(resourcesOf)).toEqual([drillCluster]);
    expect(secrets.map((s) => [resourcesOf(s), s.Condition])).toEqual([
      [[arn('secretsmanager', 'secret:rds!cluster-*')], { StringLike: { 'secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn': drillCluster } }],
    ]);
    expect(versions.flatMap(resourcesOf)).toEqual(['arn:aws:s3:::odoo-*', ...exampleFleetConfig().cells.map((c) => `arn:aws:s3:::${c.bucket}`)]);
    expect(statementsOf(entry).flatMap(actionsOf).filter((a) => /Delete|Create|Put|Modify|Restore/.test(a) && !a.startsWith('dynamodb:') && !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual([]);
  });

  it('let teardown delete only drill clusters and instances, and only those tagged as a drill', () => {
    // Prepare
    const entry = 'functions/drill/tear-down-drill.ts';

    // Act
    const deletes = statementsOf(entry).filter((s) => actionsOf(s).some((a) => a.startsWith('rds:Delete')));

    // Assess
    expect(deletes.map((s) => [actionsOf(s), resourcesOf(s), s.Condition])).toEqual([
      [['rds:DeleteDBInstance'], [drillInstance], tagged],
      [['rds:DeleteDBCluster'], [drillCluster], tagged],
    ]);
    expect(granting(entry, 'rds:ModifyDBCluster').flatMap(resourcesOf)).toEqual([drillCluster]);
  });

  it('let the restore create only tagged drill clusters and instances, from the fleet clusters, in the drill subnet group', () => {
    // Prepare
    const entry = 'functions/drill/restore-drill-target.ts';
    const fleet = exampleFleetConfig();

    // Act
    const [restore, ...more] = granting(entry, 'rds:RestoreDBClusterToPointInTime');
    const [create] = granting(entry, 'rds:CreateDBInstance');
    const actions = statementsOf(entry).flatMap(actionsOf);

    // Assess
    expect(more).toEqual([]);
    expect(resourcesOf(restore!)).toEqual(expect.arrayContaining([arn('rds', 'cluster:odoo-*'), ...fleet.cells.map((c) => c.auroraClusterArn), drillCluster, arn('rds', `subgrp:${fleet.drills.dbSubnetGroupName}`)]));
    expect(resourcesOf(restore!)).not.toContain(arn('rds', `subgrp:${fleet.dedicated.dbSubnetGroupName}`));
    expect(restore!.Condition).toEqual({ Null: { 'aws:RequestTag/odoo:drill': 'false' } });
    expect(create!.Condition).toEqual({ Null: { 'aws:RequestTag/odoo:drill': 'false' } });
    expect(resourcesOf(create!)).toEqual(expect.arrayContaining([drillCluster, drillInstance]));
    expect(granting(entry, 'rds:EnableHttpEndpoint').flatMap(resourcesOf)).toEqual([drillCluster, drillInstance]);
    expect(actions.filter((a) => a.startsWith('rds:Delete'))).toEqual([]);
    expect(granting(entry, 'kms:CreateGrant')[0]?.Condition).toEqual({ StringEquals: { 'kms:ViaService': [`rds.${REGION}.amazonaws.com`, `secretsmanager.${REGION}.amazonaws.com`] } });
  });

  it("let the drill record write only reports, under drills/ of the evidence bucket, and metrics only in Odoo/Drills", () => {
    // Prepare
    const entry = 'functions/drill/record-drill.ts';
    const [bucketId] = evidenceBucket();

    // Act
    const puts = statementsOf(entry).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    const metrics = granting(entry, 'cloudwatch:PutMetricData');

    // Assess
    expect(puts.map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([
      [['s3:PutObject', 's3:PutObjectRetention'], [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/drills/*']] }]],
    ]);
    expect(metrics.map((s) => s.Condition)).toEqual([{ StringEquals: { 'cloudwatch:namespace': 'Odoo/Drills' } }]);
    expect(granting(entry, 'events:PutEvents').flatMap(resourcesOf)).toEqual([arn('events', 'event-bus/default')]);
  });

  it('let the sweeper list clusters to find leftovers by tag, and delete only tagged drill resources', () => {
    // Prepare
    const entry = 'functions/drill/sweep-drill-leftovers.ts';

    // Act
    const deletes = statementsOf(entry).filter((s) => actionsOf(s).some((a) => a.startsWith('rds:Delete')));
    const listing = granting(entry, 'rds:DescribeDBClusters').filter((s) => resourcesOf(s).includes(arn('rds', 'cluster:*')));

    // Assess
    expect(deletes.every((s) => JSON.stringify(s.Condition) === JSON.stringify(tagged))).toBe(true);
    expect(deletes.flatMap(resourcesOf).sort()).toEqual([drillCluster, drillInstance].sort());
    expect(listing.map(actionsOf)).toEqual([['rds:DescribeDBClusters']]);
  });

  it('let no other function list every cluster or delete a drill resource', () => {
    // Prepare
    const allowed = new Set(['functions/drill/sweep-drill-leftovers.ts', 'functions/drill/tear-down-drill.ts']);
    const others = ofType('AWS::Lambda::Function').filter(([, f]) => !allowed.has(String(f.Metadata?.[HANDLER_METADATA_KEY])));

    // Act
    const broad = others.flatMap(([id]) =>
      statementsOfRole(resources[id]!.Properties.Role['Fn::GetAtt'][0] as string)
        .filter((s) => resourcesOf(s).some((r) => r === arn('rds', 'cluster:*') || r === drillCluster) && actionsOf(s).some((a) => a.startsWith('rds:Delete') || a === 'rds:DescribeDBClusters'))
        .map(() => id),
    );

    // Assess
    expect(broad).toEqual([]);
  });

  it('are read by the local control plane from the same template, bound to their handler modules', () => {
    // Act
    const schedules = loadSchedules(template, { region: REGION, account: ACCOUNT, stateMachineArn: (name) => `arn:local:${name}` });

    // Assess
    expect(schedules.map((s) => [s.name, s.group, s.expression, s.target.type === 'lambda' ? s.target.handler : s.target.stateMachineName])).toEqual(
      expect.arrayContaining([
        ['drill-run-critical', 'odoo-fleet', 'cron(0 2 * * ? *)', 'odoo-fleet-drill-run'],
        ['drill-run-standard', 'odoo-fleet', 'cron(0 3 * * ? *)', 'odoo-fleet-drill-run'],
        ['drill-run-low', 'odoo-fleet', 'cron(0 4 * * ? *)', 'odoo-fleet-drill-run'],
        ['drill-heartbeat', 'odoo-fleet', 'rate(1 minute)', 'functions/drill/write-heartbeats.ts'],
        ['drill-sweeper', 'odoo-fleet', 'rate(1 hour)', 'functions/drill/sweep-drill-leftovers.ts'],
      ]),
    );
    // The drills' five, and in the same group the failover readiness report (test/infra/failover.test.ts) and the cells' snapshot copies (test/infra/snapshot-copies.test.ts).
    expect(schedules.map((s) => s.name).sort()).toEqual(['cell-snapshot-copies', 'drill-heartbeat', 'drill-run-critical', 'drill-run-low', 'drill-run-standard', 'drill-sweeper', 'failover-readiness']);
  });
});
