/**
 * The local cloud provider: real AWS SDK clients, memoized per region, each answered by the
 * simulated cloud (S3 objects by s3rver behind it), the simulated Kubernetes API and Odoo probe,
 * and the local Step Functions client the workflow runner supplies.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { RDSClient } from '@aws-sdk/client-rds';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { memoize, type CloudProvider } from '#shared/cloud/clients.ts';
import { withKubernetesRetries } from '#shared/cloud/kubernetes-retry.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { localS3ClientConfig, localS3Directory } from './s3.ts';
import type { SimService } from './sim/errors.ts';
import { attachSimulator } from './sim/middleware.ts';
import type { SimTimeSource } from './sim/clock.ts';
import { DEFAULT_SIM_TIME_SCALE, SimCloud } from './sim/sim-cloud.ts';

export interface LocalCloudOptions {
  config: FleetConfig;
  /** Multiplies every simulated duration; see `DEFAULT_SIM_TIME_SCALE`. */
  timeScale?: number;
  /** s3rver's endpoint (`startLocalS3`). */
  s3Endpoint: string;
  /** The local Step Functions client; without it, Step Functions calls fail as not configured. */
  sfn?: (region: string) => SFNClient;
  now?: () => Date;
  seed?: number;
  /** See `SimCloudOptions.virtualTime`. */
  virtualTime?: SimTimeSource;
}

/** IAM and Route 53 are global services answered from us-east-1, as in AWS. */
const GLOBAL_SERVICE_REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function unconfiguredSfn(region: string): SFNClient {
  const client = new SFNClient({ region, credentials: CREDENTIALS });
  client.middlewareStack.add(
    () => async () => {
      throw Object.assign(new Error('Step Functions is not configured for this local cloud'), { name: 'NotConfigured', $fault: 'client', $metadata: {} });
    },
    { step: 'initialize', name: 'stepFunctionsNotConfigured', priority: 'high' },
  );
  return client;
}

export function createLocalCloud(opts: LocalCloudOptions): { provider: CloudProvider; sim: SimCloud } {
  const sim = new SimCloud({
    config: opts.config,
    timeScale: opts.timeScale,
    now: opts.now,
    seed: opts.seed,
    virtualTime: opts.virtualTime,
    s3: { client: new S3Client(localS3ClientConfig(opts.s3Endpoint, opts.config.primaryRegion)), directory: localS3Directory(opts.s3Endpoint) },
  });
  const simulated = <C extends { middlewareStack: unknown }>(client: C, service: SimService, region: string, passThrough = false): C => {
    attachSimulator(client, sim, service, region, { passThrough });
    return client;
  };
  // The SDK's standard retry (3 attempts, exponential backoff), its delays scaled like every other
  // simulated duration: throttling is absorbed by the SDK first, as in AWS, without real-time waits.
  const timeScale = opts.timeScale ?? DEFAULT_SIM_TIME_SCALE;
  const retryStrategy = new ConfiguredRetryStrategy(3, (attempt) => Math.max(1, Math.round(100 * 2 ** attempt * timeScale)));
  const base = (region: string) => ({ region, credentials: CREDENTIALS, retryStrategy });

  const rds = memoize((r) => simulated(new RDSClient(base(r)), 'rds', r));
  const rdsData = memoize((r) => simulated(new RDSDataClient(base(r)), 'rds-data', r));
  const eks = memoize((r) => simulated(new EKSClient(base(r)), 'eks', r));
  const secrets = memoize((r) => simulated(new SecretsManagerClient(base(r)), 'secretsmanager', r));
  const cloudwatch = memoize((r) => simulated(new CloudWatchClient(base(r)), 'cloudwatch', r));
  const events = memoize((r) => simulated(new EventBridgeClient(base(r)), 'events', r));
  const serviceQuotas = memoize((r) => simulated(new ServiceQuotasClient(base(r)), 'servicequotas', r));
  const s3 = memoize((r) => simulated(new S3Client({ ...localS3ClientConfig(opts.s3Endpoint, r), retryStrategy }), 's3', r, true));
  const iam = memoize((r) => simulated(new IAMClient(base(r)), 'iam', r));
  const route53 = memoize((r) => simulated(new Route53Client(base(r)), 'route53', r));
  const sfn = memoize((r) => (opts.sfn ? opts.sfn(r) : unconfiguredSfn(r)));

  const provider: CloudProvider = {
    kind: 'local',
    rds,
    rdsData,
    eks,
    iam: () => iam(GLOBAL_SERVICE_REGION),
    s3,
    secrets,
    route53: () => route53(GLOBAL_SERVICE_REGION),
    sfn,
    cloudwatch,
    events,
    serviceQuotas,
    // The same retry as in AWS (shared/cloud/aws-provider.ts), with scaled delays.
    kubernetes: async (region, clusterName) =>
      withKubernetesRetries(sim.kubernetes(region, clusterName), { delayMs: (retry) => Math.random() * 200 * 2 ** (retry - 1) * timeScale }),
    probe: (region) => sim.probe(region),
  };
  return { provider, sim };
}
