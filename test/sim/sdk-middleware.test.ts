import { DBClusterNotFoundFault, DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIMARY, rejection, startSim, type SimHarness } from './sim-harness.ts';

describe('simulated cloud behind real SDK clients', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startSim();
  });
  afterAll(async () => h.stop());

  it('answers a command from the simulator with AWS metadata', async () => {
    // act
    const out = await h.provider.rds(PRIMARY).send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'odoo-cell-a' }));

    // assess
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.DBClusters?.[0]?.Status).toBe('available');
    expect(out.DBClusters?.[0]?.Engine).toBe('aurora-postgresql');
  });

  it('answers after the SDK retry middleware and before signing: nothing it answers is signed or sent', async () => {
    const clients = [h.provider.rds(PRIMARY), h.provider.s3(PRIMARY), h.provider.iam(), h.provider.route53(), h.provider.events(PRIMARY)];

    const around = clients.map((c) => {
      const names = (c.middlewareStack as unknown as { identify(): string[] }).identify().map((m) => m.split(' ')[0]);
      const i = names.indexOf('simulatedCloud');
      return names.slice(i - 1, i + 2);
    });

    for (const names of around) expect(names).toEqual(['retryMiddleware', 'simulatedCloud', 'httpSigningMiddleware']);
  });

  it("throws the SDK's own exception class, so error.name is AWS's name", async () => {
    // act
    const err = await rejection(h.provider.rds(PRIMARY).send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'odoo-nope' })));

    // assess
    expect(err).toBeInstanceOf(DBClusterNotFoundFault);
    expect(err.name).toBe('DBClusterNotFoundFault');
    expect(err.$fault).toBe('client');
  });
});

describe('createLocalCloud', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startSim();
  });
  afterAll(async () => h.stop());

  it('is a local provider handing out one client per region and service', () => {
    expect(h.provider.kind).toBe('local');
    expect(h.provider.rds(PRIMARY)).toBe(h.provider.rds(PRIMARY));
    expect(h.provider.rds(PRIMARY)).not.toBe(h.provider.rds('eu-central-1'));
  });

  it('fails Step Functions calls clearly when no local runner was supplied', async () => {
    const err = await rejection(h.provider.sfn(PRIMARY).send(new ListStateMachinesCommand({})));
    expect(err.name).toBe('NotConfigured');
  });

  it('accepts a cluster ARN wherever RDS accepts an identifier', async () => {
    const arn = h.config.cells[0]!.auroraClusterArn;
    const out = await h.provider.rds(PRIMARY).send(new DescribeDBClustersCommand({ DBClusterIdentifier: arn }));
    expect(out.DBClusters?.[0]?.DBClusterArn).toBe(arn);
  });
});
