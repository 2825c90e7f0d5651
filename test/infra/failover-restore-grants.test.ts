/**
 * What the failover may do to a backup-restore cell (a `dr` without a global database), as
 * synthesized: the promotion step snapshots the fenced primary, copies it, restores it under the
 * cell's names with its writer and Data API, in both regions and only there; keys only through RDS.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { HANDLER_METADATA_KEY } from '#infra/constructs/fleet-function.ts';
import { exampleFleetConfig } from '#infra/example-fleet.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Resources = Record<string, { Type: string; Properties: any; Metadata?: Record<string, unknown> }>;
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const ACCOUNT = '123456789012';
const PRIMARY = 'eu-west-1';
const DR = 'eu-central-1';
const PROMOTE = 'functions/failover/promote-database.ts';

function fleetWithRestoreCell(): FleetConfig {
  const fleet = exampleFleetConfig();
  const cell = fleet.cells[0]!;
  return {
    ...fleet,
    cells: [
      {
        ...cell,
        dr: {
          auroraClusterIdentifier: 'odoo-cell-a',
          auroraClusterArn: `arn:aws:rds:${DR}:${ACCOUNT}:cluster:odoo-cell-a`,
          masterSecretArn: cell.masterSecretArn.replace(`:${PRIMARY}:`, `:${DR}:`),
          eksCluster: 'odoo-fleet-dr',
          bucket: `odoo-cell-a-${ACCOUNT}-${DR}`,
          dbSubnetGroupName: 'odoo-restore-dr',
        },
      },
    ],
  };
}

let resources: Resources;
let drResources: Resources;
beforeAll(() => {
  const { stacks } = buildApp({ bundling: false, validateTemplates: false, fleet: fleetWithRestoreCell() });
  resources = Template.fromStack(stacks.primary).toJSON().Resources as Resources;
  drResources = Template.fromStack(stacks.dr!).toJSON().Resources as Resources;
});

const list = <T>(v: T | T[]) => ([] as T[]).concat(v);
function statements(entry: string): Statement[] {
  const fn = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[HANDLER_METADATA_KEY] === entry)!;
  const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(resources)
    .filter((r) => (r.Type === 'AWS::IAM::Policy' && list(r.Properties.Roles).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: role }))) || (r.Type === 'AWS::IAM::ManagedPolicy' && list(r.Properties.Roles ?? []).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: role }))))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const granted = (action: string) => statements(PROMOTE).filter((s) => list(s.Action).includes(action)).flatMap((s) => list(s.Resource) as string[]);

describe('the promotion step of a backup-restore cell', () => {
  it('may snapshot the cell cluster and copy and restore its snapshots in both regions, by the cell names only', () => {
    const snapshots = [PRIMARY, DR].map((r) => `arn:aws:rds:${r}:${ACCOUNT}:cluster-snapshot:odoo-cell-a-*`);
    expect(granted('rds:CreateDBClusterSnapshot')).toEqual(expect.arrayContaining([`arn:aws:rds:${PRIMARY}:${ACCOUNT}:cluster:odoo-cell-a`, `arn:aws:rds:${DR}:${ACCOUNT}:cluster:odoo-cell-a`]));
    expect(granted('rds:CopyDBClusterSnapshot').sort()).toEqual(snapshots.sort());
    const restore = granted('rds:RestoreDBClusterFromSnapshot');
    expect(restore).toEqual(expect.arrayContaining([...snapshots, `arn:aws:rds:${DR}:${ACCOUNT}:cluster:odoo-cell-a`, `arn:aws:rds:${DR}:${ACCOUNT}:subgrp:odoo-restore-dr`]));
    expect(restore.filter((r) => r.includes(':cluster:')).every((r) => r.endsWith(':cluster:odoo-cell-a'))).toBe(true);
    expect(granted('rds:EnableHttpEndpoint')).toEqual(expect.arrayContaining([`arn:aws:rds:${DR}:${ACCOUNT}:cluster:odoo-cell-a`]));
  });

  it('uses the data plane keys only through RDS of the two regions', () => {
    const kms = statements(PROMOTE).filter((s) => list(s.Action).includes('kms:CreateGrant'));
    expect(kms.length).toBeGreaterThan(0);
    for (const s of kms) expect(s.Condition?.StringEquals?.['kms:ViaService']).toEqual([`rds.${PRIMARY}.amazonaws.com`, `rds.${DR}.amazonaws.com`]);
  });
});

describe('the alarms on a backup-restore cell snapshot copies', () => {
  const staleAlarm = (from: Resources) => Object.values(from).find((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'SnapshotCopyAgeSeconds');

  it('page when the newest copy in the region a failover would restore in is older than two intervals and an hour, or missing there', () => {
    const alarm = staleAlarm(drResources)!;
    expect(alarm.Properties).toMatchObject({
      Namespace: 'Odoo/Failover',
      Dimensions: [{ Name: 'Cell', Value: 'cell-a' }],
      Statistic: 'Maximum',
      Threshold: 2 * 21_600 + 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });

  it('stay quiet without figures in the cell home region, where copies land only after a failover', () => {
    expect(staleAlarm(resources)!.Properties).toMatchObject({ Dimensions: [{ Name: 'Cell', Value: 'cell-a' }], TreatMissingData: 'notBreaching' });
  });
});
