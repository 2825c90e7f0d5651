/**
 * The job that keeps backup-restore cells' snapshot copies, as synthesized: its function and
 * schedule in both regions, its least-privilege policy (the cells' clusters and `-dr-` snapshots of
 * both regions, the keys an encrypted cross-region copy uses through RDS only, the table's items,
 * `Odoo/Failover` only), and the schedule the local control plane reads from the template.
 */
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type FleetStacks } from '#infra/app.ts';
import { SCHEDULE_GROUP_NAME } from '#infra/constructs/drills.ts';
import { HANDLER_METADATA_KEY } from '#infra/constructs/fleet-function.ts';
import { SNAPSHOT_COPIES_HANDLER, SNAPSHOT_COPIES_SCHEDULE_NAME } from '#infra/constructs/snapshot-copies.ts';
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
type Resources = Record<string, Resource>;

const ACCOUNT = '123456789012';
const PRIMARY = 'eu-west-1';
const DR = 'eu-central-1';

/** The example fleet with a second cell protected by snapshot copies (a `dr` section without a global database). */
function fleetWithBackupRestoreCell(schedule?: string): FleetConfig {
  const fleet = exampleFleetConfig();
  const cell = fleet.cells[0]!;
  return {
    ...fleet,
    cells: [
      cell,
      {
        ...cell,
        id: 'cell-b',
        auroraClusterIdentifier: 'odoo-cell-b',
        auroraClusterArn: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:cluster:odoo-cell-b`,
        bucket: `odoo-cell-b-${ACCOUNT}-${PRIMARY}`,
        dr: {
          auroraClusterIdentifier: 'odoo-cell-b-dr',
          auroraClusterArn: `arn:aws:rds:${DR}:${ACCOUNT}:cluster:odoo-cell-b-dr`,
          masterSecretArn: `arn:aws:secretsmanager:${DR}:${ACCOUNT}:secret:rds!cluster-odoo-cell-b-AbCdEf`,
          eksCluster: 'odoo-fleet-dr',
          bucket: `odoo-cell-b-${ACCOUNT}-${DR}`,
        },
      },
    ],
    ...(schedule ? { failover: { ...fleet.failover, snapshotCopies: { ...fleet.failover.snapshotCopies, schedule } } } : {}),
  };
}

let app: App;
let stacks: FleetStacks;
let primary: Resources;
let dr: Resources;

beforeAll(() => {
  ({ app, stacks } = buildApp({ bundling: false, validateTemplates: false, fleet: fleetWithBackupRestoreCell() }));
  primary = Template.fromStack(stacks.primary).toJSON().Resources as Resources;
  dr = Template.fromStack(stacks.dr!).toJSON().Resources as Resources;
});

const ofType = (type: string, from: Resources) => Object.entries(from).filter(([, r]) => r.Type === type);
const actionsOf = (s: Statement) => ([] as string[]).concat(s.Action);
const resourcesOf = (s: Statement) => ([] as unknown[]).concat(s.Resource);
const functionsOf = (from: Resources) => ofType('AWS::Lambda::Function', from).filter(([, f]) => f.Metadata?.[HANDLER_METADATA_KEY] === SNAPSHOT_COPIES_HANDLER);
function statementsOfRole(roleId: string, from: Resources): Statement[] {
  return ofType('AWS::IAM::Policy', from)
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const statements = (from = primary) => statementsOfRole(from[functionsOf(from)[0]![0]]!.Properties.Role['Fn::GetAtt'][0] as string, from);
const granting = (action: string, from = primary) => statements(from).filter((s) => actionsOf(s).includes(action));
const scheduleOf = (from: Resources) => ofType('AWS::Scheduler::Schedule', from).find(([, s]) => s.Properties.Name === SNAPSHOT_COPIES_SCHEDULE_NAME)?.[1];
const rds = (region: string, resource: string) => `arn:aws:rds:${region}:${ACCOUNT}:${resource}`;
const both = (resource: string) => [rds(PRIMARY, resource), rds(DR, resource)];

describe('the snapshot copies job', () => {
  it('runs in each region hourly, in the drill schedules\' group and dead-letter queue, invoking exactly its function', () => {
    for (const [region, resources] of [[PRIMARY, primary], [DR, dr]] as const) {
      // Prepare
      const functions = functionsOf(resources);
      const fnId = functions[0]![0];
      const queueId = ofType('AWS::SQS::Queue', resources)[0]![0];

      // Act
      const schedule = scheduleOf(resources)!;
      const roleStatements = statementsOfRole(schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string, resources);

      // Assess
      expect(functions, region).toHaveLength(1);
      expect(schedule.Properties.ScheduleExpression, region).toBe('rate(1 hour)');
      expect(schedule.Properties.GroupName, region).toBe(SCHEDULE_GROUP_NAME);
      expect(schedule.Properties.Target.Arn, region).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
      expect(schedule.Properties.Target.DeadLetterConfig, region).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
      expect(roleStatements.map((s) => [actionsOf(s), resourcesOf(s)]), region).toEqual([
        [['sqs:SendMessage'], [{ 'Fn::GetAtt': [queueId, 'Arn'] }]],
        [['lambda:InvokeFunction'], [{ 'Fn::GetAtt': [fnId, 'Arn'] }]],
      ]);
      expect(resources[fnId]!.Properties.Timeout, region).toBe(600);
    }
  });

  it('follows the fleet\'s snapshotCopies.schedule, and refuses at synthesis one Scheduler would refuse', () => {
    // Act
    const resources = Template.fromStack(buildApp({ bundling: false, validateTemplates: false, fleet: fleetWithBackupRestoreCell('rate(30 minutes)') }).stacks.dr!).toJSON().Resources as Resources;
    const refused = () => buildApp({ bundling: false, validateTemplates: false, fleet: fleetWithBackupRestoreCell('every 30 minutes') });

    // Assess
    expect(scheduleOf(resources)?.Properties.ScheduleExpression).toBe('rate(30 minutes)');
    expect(refused).toThrow(/failover\.snapshotCopies\.schedule/);
  });

  it('may touch no snapshot nor key in a fleet without a backup-restore cell', () => {
    // Act
    const resources = Template.fromStack(buildApp({ bundling: false, validateTemplates: false, fleet: exampleFleetConfig() }).stacks.primary).toJSON().Resources as Resources;
    const actions = statements(resources).flatMap(actionsOf).filter((a) => a.startsWith('rds:') || a === 'kms:CreateGrant');

    // Assess
    expect(functionsOf(resources)).toHaveLength(1);
    expect(scheduleOf(resources)?.Properties.ScheduleExpression).toBe('rate(1 hour)');
    expect(actions).toEqual([]);
  });

  it('may snapshot, copy, tag and delete only the backup-restore cells\' `-dr-` snapshots of both regions, and snapshot only their clusters', () => {
    // Prepare
    const snapshots = [...both('cluster-snapshot:odoo-cell-b-dr-*'), ...both('cluster-snapshot:odoo-cell-b-dr-dr-*')].sort();

    // Act
    const rdsStatements = statements().filter((s) => actionsOf(s).some((a) => a.startsWith('rds:')));

    // Assess
    expect(rdsStatements.map((s) => [actionsOf(s), (resourcesOf(s) as string[]).sort()])).toEqual([
      [['rds:DescribeDBClusterSnapshots'], [...both('cluster:*'), ...both('cluster-snapshot:*')].sort()],
      [['rds:CreateDBClusterSnapshot'], [rds(PRIMARY, 'cluster:odoo-cell-b'), rds(DR, 'cluster:odoo-cell-b-dr'), ...snapshots].sort()],
      [['rds:CopyDBClusterSnapshot', 'rds:DeleteDBClusterSnapshot', 'rds:AddTagsToResource'], snapshots],
    ]);
    expect(rdsStatements.every((s) => s.Effect === 'Allow' && s.Condition === undefined)).toBe(true);
  });

  it('may use keys of either region only through RDS of that region, to grant RDS the copy and describe the key', () => {
    // Act
    const kms = statements().filter((s) => actionsOf(s).some((a) => a === 'kms:CreateGrant' || a === 'kms:DescribeKey') && JSON.stringify(s.Resource).includes(':key/*'));

    // Assess
    expect(kms.map((s) => [actionsOf(s), resourcesOf(s), s.Condition])).toEqual(
      [PRIMARY, DR].flatMap((region) => [
        [['kms:CreateGrant'], [`arn:aws:kms:${region}:${ACCOUNT}:key/*`], { StringEquals: { 'kms:ViaService': `rds.${region}.amazonaws.com` }, Bool: { 'kms:GrantIsForAWSResource': 'true' } }],
        [['kms:DescribeKey'], [`arn:aws:kms:${region}:${ACCOUNT}:key/*`], { StringEquals: { 'kms:ViaService': `rds.${region}.amazonaws.com` } }],
      ]),
    );
  });

  it('may read and update items of the table, and publish to Odoo/Failover only', () => {
    // Prepare
    const tableArn = { 'Fn::GetAtt': [ofType('AWS::DynamoDB::GlobalTable', primary)[0]![0], 'Arn'] };
    const drTable = `arn:aws:dynamodb:${DR}:${ACCOUNT}:table/odoo-fleet`;

    // Act
    const table = statements().filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const drTableStatements = statements(dr).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const metrics = granting('cloudwatch:PutMetricData');
    const actions = new Set(statements().flatMap(actionsOf).filter((a) => !a.startsWith('logs:')));

    // Assess
    expect(table.map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([[['dynamodb:GetItem', 'dynamodb:UpdateItem'], [tableArn]]]);
    expect(drTableStatements.map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([[['dynamodb:GetItem', 'dynamodb:UpdateItem'], [drTable]]]);
    expect(metrics.map((s) => [resourcesOf(s), s.Condition])).toEqual([[['*'], { StringEquals: { 'cloudwatch:namespace': 'Odoo/Failover' } }]]);
    expect([...actions].sort()).toEqual([
      'cloudwatch:PutMetricData',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'kms:CreateGrant',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'rds:AddTagsToResource',
      'rds:CopyDBClusterSnapshot',
      'rds:CreateDBClusterSnapshot',
      'rds:DeleteDBClusterSnapshot',
      'rds:DescribeDBClusterSnapshots',
    ]);
  });

  it('leaves no cdk-nag finding unacknowledged: each of its wildcards is acknowledged with its reason', () => {
    // Act
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

    // Assess
    expect(findings).toEqual([]);
  });

  it('is a schedule the local control plane reads as a Lambda target bound to the job\'s module', () => {
    // Act
    const schedules = loadSchedules({ Resources: primary } as CfnTemplate, { region: PRIMARY, account: ACCOUNT, stateMachineArn: (name) => `arn:aws:states:${PRIMARY}:${ACCOUNT}:stateMachine:${name}` });

    // Assess
    expect(schedules.find((s) => s.name === SNAPSHOT_COPIES_SCHEDULE_NAME)).toMatchObject({
      group: SCHEDULE_GROUP_NAME,
      expression: 'rate(1 hour)',
      enabled: true,
      hasDeadLetterQueue: true,
      target: { type: 'lambda', handler: SNAPSHOT_COPIES_HANDLER },
    });
  });
});
