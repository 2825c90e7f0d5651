/**
 * The fleet the CDK app synthesizes when neither the `fleet` context value nor a local fleet
 * configuration is given: a complete, valid example, so `cdk synth` works on a fresh clone and the
 * template tests have a stable input. Identifiers are placeholders, not a real account.
 */
import { fleetConfigSchema, type FleetConfig } from '#shared/domain/fleet-config.ts';

const ACCOUNT = '123456789012';
const PRIMARY = 'eu-west-1';
const DR = 'eu-central-1';

export function exampleFleetConfig(): FleetConfig {
  return fleetConfigSchema.parse({
    accountId: ACCOUNT,
    primaryRegion: PRIMARY,
    drRegion: DR,
    baseDomain: 'odoo.example.com',
    hostedZoneId: 'Z0EXAMPLE123456',
    namePrefix: 'odoo',
    eksClusters: [
      {
        name: 'odoo-fleet-primary',
        region: PRIMARY,
        nodeRoleArn: `arn:aws:iam::${ACCOUNT}:role/odoo-fleet-node`,
        subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222', 'subnet-0ccc3333'],
        ingressHostname: 'traefik-primary.elb.eu-west-1.amazonaws.com',
      },
      {
        name: 'odoo-fleet-dr',
        region: DR,
        nodeRoleArn: `arn:aws:iam::${ACCOUNT}:role/odoo-fleet-node`,
        subnetIds: ['subnet-0ddd4444', 'subnet-0eee5555', 'subnet-0fff6666'],
        ingressHostname: 'traefik-dr.elb.eu-central-1.amazonaws.com',
      },
    ],
    cells: [
      {
        id: 'cell-a',
        region: PRIMARY,
        eksCluster: 'odoo-fleet-primary',
        auroraClusterIdentifier: 'odoo-cell-a',
        auroraClusterArn: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:cluster:odoo-cell-a`,
        masterSecretArn: `arn:aws:secretsmanager:${PRIMARY}:${ACCOUNT}:secret:rds!cluster-odoo-cell-a-AbCdEf`,
        bucket: `odoo-cell-a-${ACCOUNT}-${PRIMARY}`,
        capacity: 200,
      },
    ],
    dedicated: {
      eksCluster: 'odoo-fleet-primary',
      dbSubnetGroupName: 'odoo-dedicated',
      vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
    },
    // The archive bucket the control plane stack creates (see infra/constructs/data.ts).
    archiveBucket: `odoo-fleet-archive-${ACCOUNT}-${PRIMARY}`,
    // Restore drills: when the selector runs per criticality (UTC; EventBridge Scheduler expressions,
    // within a flexible window), and where restores go: subnets and a security group with no route
    // to production, made for drills alone.
    drills: {
      schedules: { critical: 'cron(0 2 * * ? *)', standard: 'cron(0 3 * * ? *)', low: 'cron(0 4 * * ? *)' },
      flexibleWindowMinutes: 60,
      dbSubnetGroupName: 'odoo-drills',
      vpcSecurityGroupIds: ['sg-0fedcba9876543210'],
    },
  });
}
