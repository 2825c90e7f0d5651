/**
 * The one place that decides whether the control plane talks to AWS or to the local simulated
 * cloud. Handlers and adapters call `cloud()`; the local control plane calls `useCloud()` at start
 * with a provider whose SDK clients are answered by the simulator, so the same adapter code runs
 * in both. Lambda bundles never import the local provider.
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
import type { KubernetesApi } from './kubernetes-api.ts';
import type { OdooProbe } from './odoo-probe.ts';

export interface CloudProvider {
  readonly kind: 'aws' | 'local';
  rds(region: string): RDSClient;
  rdsData(region: string): RDSDataClient;
  eks(region: string): EKSClient;
  iam(): IAMClient;
  s3(region: string): S3Client;
  secrets(region: string): SecretsManagerClient;
  route53(): Route53Client;
  sfn(region: string): SFNClient;
  cloudwatch(region: string): CloudWatchClient;
  /** EventBridge of a region: release events go to its default bus. */
  events(region: string): EventBridgeClient;
  /** Service Quotas of a region: what a failover may draw on there (failover readiness). */
  serviceQuotas(region: string): ServiceQuotasClient;
  /** A Kubernetes API client for an EKS cluster, authenticated as the calling role. */
  kubernetes(region: string, clusterName: string): Promise<KubernetesApi>;
  probe(region: string): OdooProbe;
}

let current: CloudProvider | undefined;
let awsFactory: (() => CloudProvider) | undefined;

/** Installs a provider for this process (the local control plane, tests). */
export function useCloud(provider: CloudProvider | undefined): void {
  current = provider;
}

/** Registers how to build the AWS provider; `shared/cloud/aws-provider.ts` does this on import. */
export function registerAwsCloud(factory: () => CloudProvider): void {
  awsFactory = factory;
}

export function cloud(): CloudProvider {
  if (current) return current;
  if (!awsFactory) throw new Error('No cloud provider: import shared/cloud/aws-provider.ts or call useCloud()');
  current = awsFactory();
  return current;
}

/** Builds one client per region and service and keeps it for the life of the process. */
export function memoize<T>(make: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let v = cache.get(key);
    if (!v) {
      v = make(key);
      cache.set(key, v);
    }
    return v;
  };
}

export const sdkClients = {
  rds: (region: string) => new RDSClient({ region }),
  rdsData: (region: string) => new RDSDataClient({ region }),
  eks: (region: string) => new EKSClient({ region }),
  iam: () => new IAMClient({ region: 'us-east-1' }),
  s3: (region: string) => new S3Client({ region }),
  secrets: (region: string) => new SecretsManagerClient({ region }),
  route53: () => new Route53Client({ region: 'us-east-1' }),
  sfn: (region: string) => new SFNClient({ region }),
  cloudwatch: (region: string) => new CloudWatchClient({ region }),
  events: (region: string) => new EventBridgeClient({ region }),
  serviceQuotas: (region: string) => new ServiceQuotasClient({ region }),
};
