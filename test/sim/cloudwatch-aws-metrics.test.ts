/**
 * AWS's own metrics the simulated CloudWatch answers from the rest of the simulated cloud: the
 * On-Demand Standard vCPUs the region's node groups run (`AWS/Usage`), and the `ReplicationLatency`
 * of S3 replication rules with metrics on, published in the source bucket's region (`AWS/S3`).
 */
import { CreateNodegroupCommand, DeleteNodegroupCommand } from '@aws-sdk/client-eks';
import { CreateBucketCommand, PutBucketReplicationCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBucketReplication } from '#shared/cloud/adapters/filestore.ts';
import { replicationLatencySeconds } from '#shared/cloud/adapters/replication-metrics.ts';
import { runningStandardVcpus } from '#shared/cloud/adapters/service-quotas.ts';
import { DR, PRIMARY, startSim, type SimHarness } from './sim-harness.ts';

describe('simulated AWS usage and replication metrics', () => {
  let h: SimHarness;
  const now = () => h.clock.now();
  const source = 'odoo-cwtest-eu-west-1';
  const destination = 'odoo-cwtest-eu-central-1';
  const pair = { sourceBucket: source, destinationBucket: destination };

  beforeAll(async () => {
    h = await startSim();
    for (const [bucket, region] of [
      [source, PRIMARY],
      [destination, DR],
    ] as const) {
      await h.provider.s3(region).send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region } }));
      await h.provider.s3(region).send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    }
  });
  afterAll(async () => h.stop());
  beforeEach(() => h.sim.faults.clear());

  it("counts the vCPUs of the region's On-Demand node groups at their desired size, and nothing once they are gone", async () => {
    const cluster = h.config.eksClusters.find((c) => c.region === DR)!;
    const before = await runningStandardVcpus(h.provider.cloudwatch(DR), now());
    const primaryBefore = await runningStandardVcpus(h.provider.cloudwatch(PRIMARY), now());
    await h.provider.eks(DR).send(
      new CreateNodegroupCommand({ clusterName: cluster.name, nodegroupName: 'odoo-cwtest', nodeRole: cluster.nodeRoleArn, subnets: cluster.subnetIds, instanceTypes: ['m6i.2xlarge'], scalingConfig: { minSize: 1, desiredSize: 3, maxSize: 4 } }),
    );

    expect(await runningStandardVcpus(h.provider.cloudwatch(DR), now())).toBe(before + 24);
    // Another region's node groups count against that region's quota only.
    expect(await runningStandardVcpus(h.provider.cloudwatch(PRIMARY), now())).toBe(primaryBefore);

    h.clock.advance(3600);
    await h.provider.eks(DR).send(new DeleteNodegroupCommand({ clusterName: cluster.name, nodegroupName: 'odoo-cwtest' }));
    h.clock.advance(3600);
    expect(await runningStandardVcpus(h.provider.cloudwatch(DR), now())).toBe(before);
  });

  it('answers ReplicationLatency of a rule with metrics on, in the source region only: 0, or the lag a filestore-lag fault sets', async () => {
    await ensureBucketReplication(h.provider.s3(PRIMARY), { ...pair, roleArn: `arn:aws:iam::${h.config.accountId}:role/odoo-s3-replication` });

    expect(await replicationLatencySeconds(h.provider.cloudwatch(PRIMARY), pair, 'dr-copy', now())).toBe(0);
    // Published where the source bucket is, and under its rule's id.
    expect(await replicationLatencySeconds(h.provider.cloudwatch(DR), pair, 'dr-copy', now())).toBeNull();
    expect(await replicationLatencySeconds(h.provider.cloudwatch(PRIMARY), pair, 'other-rule', now())).toBeNull();

    h.sim.faults.set([{ service: 's3', effect: 'filestore-lag', seconds: 1200, region: DR }]);
    expect(await replicationLatencySeconds(h.provider.cloudwatch(PRIMARY), pair, 'dr-copy', now())).toBe(1200);
    h.sim.faults.set([{ service: 's3', effect: 'filestore-lag', seconds: 1200, region: PRIMARY }]);
    expect(await replicationLatencySeconds(h.provider.cloudwatch(PRIMARY), pair, 'dr-copy', now())).toBe(0);
  });

  it('publishes nothing for a rule without replication metrics', async () => {
    await h.provider.s3(PRIMARY).send(
      new PutBucketReplicationCommand({
        Bucket: source,
        ReplicationConfiguration: {
          Role: `arn:aws:iam::${h.config.accountId}:role/odoo-s3-replication`,
          Rules: [{ ID: 'dr-copy', Status: 'Enabled', Priority: 1, Filter: {}, DeleteMarkerReplication: { Status: 'Enabled' }, Destination: { Bucket: `arn:aws:s3:::${destination}` } }],
        },
      }),
    );
    expect(await replicationLatencySeconds(h.provider.cloudwatch(PRIMARY), pair, 'dr-copy', now())).toBeNull();
  });

  it('rejects a filestore-lag rule without seconds, and seconds on other effects', () => {
    expect(() => h.sim.faults.set([{ service: 's3', effect: 'filestore-lag' }])).toThrow('invalid fault rules');
    expect(() => h.sim.faults.set([{ service: 's3', effect: 'error', seconds: 5 }])).toThrow('invalid fault rules');
  });
});
