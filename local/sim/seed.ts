/**
 * What exists before the control plane makes anything: the fleet configuration's EKS clusters,
 * cell Aurora clusters with their master secrets, subnet groups, node roles, the hosted zone and
 * the buckets (the buckets are made by the S3 simulator). A cell with a `dr` section has its DR
 * copy in the fleet's other region: an Aurora global database with the cell's cluster as writer
 * and a headless secondary (pilot light: no instance until a failover adds one), the master
 * secret's replica, and a versioned bucket the cell's bucket replicates to. A backup-restore cell
 * (a `dr` section without a global database) gets the same secret replica and bucket, and the DB
 * subnet group a restore goes into, but no cluster: its snapshot copies are the control plane's
 * to make. No node pools are seeded, in either region.
 */
import type { CellConfig, FleetConfig } from '#shared/domain/fleet-config.ts';
import { cellIn, otherRegion } from '#shared/domain/fleet-lookup.ts';
import { names } from '#shared/domain/names.ts';
import { tagsToList, randomId } from './types.ts';
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
    if (cell.dr) seedCellDrCopy(sim, config, cell, cell.dr);
  }

  sim.route53.seedZone(config.hostedZoneId, config.baseDomain);
}

/** The cell's DR copy, there from the start like the cell itself: available at once. */
function seedCellDrCopy(sim: SimCloud, config: FleetConfig, cell: CellConfig, dr: NonNullable<CellConfig['dr']>): void {
  const drRegion = otherRegion(config, cell.region);
  const tags = { 'odoo:cell': cell.id, 'odoo:dr-copy': 'true' };

  const secret = parseSecretArn(cell.masterSecretArn);
  const replica = sim.region(secret.region ?? cell.region).secrets.replicate(cell.masterSecretArn, drRegion);
  if (replica.arn !== dr.masterSecretArn) {
    throw new Error(`cell ${cell.id}: dr.masterSecretArn ${dr.masterSecretArn} is not the replica of ${cell.masterSecretArn} (Secrets Manager names it ${replica.arn})`);
  }

  sim.s3.seedBucket(dr.bucket, drRegion);
  sim.s3.seedReplication(cell.bucket, dr.bucket, `arn:aws:iam::${config.accountId}:role/${names.replicationRoleName(config.namePrefix)}`);
  const rds = sim.region(drRegion).rds;
  // Where a restore of either side goes.
  rds.store.subnetGroups.add(cellIn(config, { cell: cell.id }, drRegion).restore.dbSubnetGroupName);
  sim.region(cell.region).rds.store.subnetGroups.add(cellIn(config, { cell: cell.id }, cell.region).restore.dbSubnetGroupName);
  if (!dr.globalClusterIdentifier) return;

  sim.globalDatabases.operations.CreateGlobalCluster({ GlobalClusterIdentifier: dr.globalClusterIdentifier, SourceDBClusterIdentifier: cell.auroraClusterArn });
  rds.operations.CreateDBCluster({
    DBClusterIdentifier: dr.auroraClusterIdentifier,
    Engine: 'aurora-postgresql',
    GlobalClusterIdentifier: dr.globalClusterIdentifier,
    StorageEncrypted: true,
    DeletionProtection: true,
    EnableHttpEndpoint: true,
    Tags: tagsToList(tags),
  });
  const secondary = rds.store.cluster(dr.auroraClusterIdentifier)!;
  if (secondary.arn !== dr.auroraClusterArn) throw new Error(`cell ${cell.id}: dr.auroraClusterArn ${dr.auroraClusterArn} is not ${secondary.arn}`);
  secondary.availableAt = sim.clock.nowMs();
  secondary.masterSecretArn = dr.masterSecretArn;
}
