/**
 * The fleet the local control plane runs on: two regions (primary and DR), one EKS cluster in
 * each, three pooled cells in the primary region (two pilot light, one backup-restore for low
 * criticality tenants), and the dedicated settings. Each call returns a
 * fresh copy, so a caller may adjust it (more cell capacity, say).
 */
import { fleetConfigSchema, type FleetConfig } from '#shared/domain/fleet-config.ts';

export const LOCAL_ACCOUNT_ID = '000000000000';
const PRIMARY = 'eu-west-1';
const DR = 'eu-central-1';

function cell(id: string, protection: 'pilot-light' | 'backup-restore' = 'pilot-light') {
  const masterSecretArn = `arn:aws:secretsmanager:${PRIMARY}:${LOCAL_ACCOUNT_ID}:secret:odoo/cells/${id}/master-Lc${id.slice(-1).toUpperCase()}0a1`;
  return {
    id,
    region: PRIMARY,
    eksCluster: 'fleet-euw1',
    auroraClusterIdentifier: `odoo-${id}`,
    auroraClusterArn: `arn:aws:rds:${PRIMARY}:${LOCAL_ACCOUNT_ID}:cluster:odoo-${id}`,
    masterSecretArn,
    bucket: `odoo-${id}-${LOCAL_ACCOUNT_ID}-${PRIMARY}`,
    capacity: 50,
    accepts: (protection === 'pilot-light' ? ['low', 'standard'] : ['low']) as Array<'low' | 'standard'>,
    // Pilot light: the cell's Aurora global database, a headless secondary in the DR region; backup-restore:
    // snapshot copies kept there, restored under the same identifier. Both: the secret's replica, the bucket's replica.
    dr: {
      ...(protection === 'pilot-light' ? { globalClusterIdentifier: `odoo-${id}-global` } : {}),
      auroraClusterIdentifier: `odoo-${id}`,
      auroraClusterArn: `arn:aws:rds:${DR}:${LOCAL_ACCOUNT_ID}:cluster:odoo-${id}`,
      masterSecretArn: masterSecretArn.replace(`:${PRIMARY}:`, `:${DR}:`),
      eksCluster: 'fleet-euc1',
      bucket: `odoo-${id}-${LOCAL_ACCOUNT_ID}-${DR}`,
    },
  };
}

export function defaultLocalFleetConfig(): FleetConfig {
  return fleetConfigSchema.parse({
    accountId: LOCAL_ACCOUNT_ID,
    primaryRegion: PRIMARY,
    drRegion: DR,
    baseDomain: 'odoo.local.test',
    hostedZoneId: 'Z0LOCALODOOFLEET',
    namePrefix: 'odoo',
    eksClusters: [
      {
        name: 'fleet-euw1',
        region: PRIMARY,
        nodeRoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/fleet-euw1-node`,
        subnetIds: ['subnet-0a00000000000a001', 'subnet-0a00000000000a002', 'subnet-0a00000000000a003'],
        ingressHostname: `traefik-euw1.elb.${PRIMARY}.amazonaws.com`,
      },
      {
        name: 'fleet-euc1',
        region: DR,
        nodeRoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/fleet-euc1-node`,
        subnetIds: ['subnet-0c00000000000c001', 'subnet-0c00000000000c002', 'subnet-0c00000000000c003'],
        ingressHostname: `traefik-euc1.elb.${DR}.amazonaws.com`,
      },
    ],
    cells: [cell('cell-a'), cell('cell-b'), cell('cell-c', 'backup-restore')],
    dedicated: {
      eksCluster: 'fleet-euw1',
      dbSubnetGroupName: 'odoo-dedicated',
      vpcSecurityGroupIds: ['sg-0d00000000000d001'],
    },
    archiveBucket: `odoo-archive-${LOCAL_ACCOUNT_ID}-${PRIMARY}`,
    tenantRolePath: '/odoo-tenants/',
    tenantRoleBoundaryArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:policy/odoo-tenant-boundary`,
    defaultOdooImage: 'odoo:17.0',
    offboardGraceSeconds: 0,
  });
}
