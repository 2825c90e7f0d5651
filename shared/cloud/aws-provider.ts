/**
 * The AWS side of the cloud factory: real SDK clients (one per service and region for the life of
 * the process, so a warm Lambda reuses its connections), the EKS Kubernetes API signed as the
 * function's role, and the HTTPS probe. Importing this module registers it; Lambda entry points
 * import it, the local control plane never does.
 */
import { memoize, registerAwsCloud, sdkClients, type CloudProvider } from './clients.ts';
import { eksKubernetesApi } from './eks-kubernetes.ts';
import { withKubernetesRetries } from './kubernetes-retry.ts';
import { httpOdooProbe } from './http-probe.ts';
import type { KubernetesApi } from './kubernetes-api.ts';

export function createAwsCloud(): CloudProvider {
  const rds = memoize(sdkClients.rds);
  const rdsData = memoize(sdkClients.rdsData);
  const eks = memoize(sdkClients.eks);
  const s3 = memoize(sdkClients.s3);
  const secrets = memoize(sdkClients.secrets);
  const sfn = memoize(sdkClients.sfn);
  const cloudwatch = memoize(sdkClients.cloudwatch);
  const events = memoize(sdkClients.events);
  const serviceQuotas = memoize(sdkClients.serviceQuotas);
  const iam = memoize(() => sdkClients.iam());
  const route53 = memoize(() => sdkClients.route53());
  const probe = httpOdooProbe();
  const kubernetesApis = new Map<string, Promise<KubernetesApi>>();

  return {
    kind: 'aws',
    rds,
    rdsData,
    eks,
    s3,
    secrets,
    sfn,
    cloudwatch,
    events,
    serviceQuotas,
    iam: () => iam('global'),
    route53: () => route53('global'),
    kubernetes(region, clusterName) {
      const key = `${region}/${clusterName}`;
      let api = kubernetesApis.get(key);
      if (!api) {
        const made = eksKubernetesApi({ region, clusterName, eks: eks(region) }).then((k8s) => withKubernetesRetries(k8s));
        // A failed DescribeCluster (throttled, say) must not be remembered for the life of the process.
        made.catch(() => {
          if (kubernetesApis.get(key) === made) kubernetesApis.delete(key);
        });
        kubernetesApis.set(key, made);
        api = made;
      }
      return api;
    },
    probe: () => probe,
  };
}

registerAwsCloud(createAwsCloud);
