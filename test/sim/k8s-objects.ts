/** Small Kubernetes manifests for the simulator's tests, shaped like the tenant bundle's. */
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';

export const restrictedContainer = (image: string) => ({
  name: 'odoo',
  image,
  securityContext: { runAsNonRoot: true, runAsUser: 101, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
});

export function namespace(name: string, tenantId: string): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'odoo.fleet/tenant': tenantId, 'pod-security.kubernetes.io/enforce': 'restricted' } },
  };
}

export function deployment(ns: string, name: string, image: string, options: { replicas?: number; dedicatedTenant?: string; container?: Record<string, unknown> } = {}): K8sObject {
  const scheduling = options.dedicatedTenant
    ? { nodeSelector: { 'odoo.fleet/tenant': options.dedicatedTenant }, tolerations: [{ key: 'odoo.fleet/tenant', operator: 'Equal', value: options.dedicatedTenant, effect: 'NoSchedule' }] }
    : { nodeSelector: { 'odoo.fleet/cell': 'cell-a' } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, ...scheduling, containers: [options.container ?? restrictedContainer(image)] },
      },
    },
  };
}

export function job(ns: string, name: string, image: string, kind: string, annotations: Record<string, string> = {}): K8sObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns, labels: { 'odoo.fleet/job': kind }, annotations },
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [restrictedContainer(image)] } } },
  };
}

export function ingressRoute(ns: string, host: string): K8sObject {
  return {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'IngressRoute',
    metadata: { name: 'odoo', namespace: ns },
    spec: { entryPoints: ['websecure'], routes: [{ kind: 'Rule', match: `Host(\`${host}\`)`, services: [{ name: 'odoo-web', port: 8069 }] }] },
  };
}
