/**
 * What exists before the control plane makes anything: the fleet configuration's EKS clusters,
 * cell Aurora clusters with their master secrets, subnet groups, node roles, the hosted zone and
 * the buckets (the buckets are made by the S3 simulator).
 */
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { randomId } from './types.ts';
import type { SimCloud } from './sim-cloud.ts';

/** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>` -> region and name. */
function parseSecretArn(arn: string): { region?: string; name: string } {
  const m = /^arn:aws:secretsmanager:([^:]+):[^:]*:secret:(.+?)(-[A-Za-z0-9]{6})?$/.exec(arn);
  return m ? { region: m[1], name: m[2]! } : { name: arn };
}

export function seedFromFleetConfig(sim: SimCloud, config: FleetConfig): void {
  const regions = new Set([config.primaryRegion, config.drRegion, ...config.eksClusters.map((c) => c.region), ...config.cells.map((c) => c.region)]);
  for (const region of regions) sim.region(region).rds.store.subnetGroups.add(config.dedicated.dbSubnetGroupName);

  for (const cluster of config.eksClusters) {
    sim.region(cluster.region).eks.seedCluster(cluster.name, cluster.subnetIds);
    const roleName = cluster.nodeRoleArn.split('/').pop();
    if (roleName && !sim.iam.roles.has(roleName.toLowerCase())) {
      sim.iam.roles.set(roleName.toLowerCase(), {
        name: roleName,
        id: `AROA${randomId(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
        arn: cluster.nodeRoleArn,
        path: '/',
        assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
        maxSessionDuration: 3600,
        tags: {},
        policies: new Map(),
        createdAt: sim.clock.now(),
      });
    }
  }

  for (const cell of config.cells) {
    const secret = parseSecretArn(cell.masterSecretArn);
    const masterUsername = 'fleet_admin';
    sim.region(secret.region ?? cell.region).secrets.put(secret.name, JSON.stringify({ username: masterUsername, password: randomId(32) }), { arn: cell.masterSecretArn, tags: { 'odoo:cell': cell.id } });
    sim.region(cell.region).rds.seedCluster({
      identifier: cell.auroraClusterIdentifier,
      arn: cell.auroraClusterArn,
      masterSecretArn: cell.masterSecretArn,
      masterUsername,
      tags: { 'odoo:cell': cell.id },
    });
  }

  sim.route53.seedZone(config.hostedZoneId, config.baseDomain);
}
