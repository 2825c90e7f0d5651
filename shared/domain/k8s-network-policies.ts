/**
 * A tenant's namespace talks to nothing unless a policy below says so: ingress only from the
 * Traefik namespace to the Odoo ports, egress only to cluster DNS, PostgreSQL, HTTPS (S3, STS,
 * Secrets Manager) and the EKS Pod Identity agent. The instance metadata service stays unreachable,
 * so a pod can only act as its own Pod Identity role, never as the node.
 */
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import { HTTP_PORT, WEBSOCKET_PORT, tenantLabels } from './k8s-pod-spec.ts';

const LINK_LOCAL = '169.254.0.0/16';
/** The EKS Pod Identity agent (a host-network DaemonSet) answers credential requests here. */
const POD_IDENTITY_AGENT = '169.254.170.23/32';
const ANY_OUTSIDE_LINK_LOCAL = { ipBlock: { cidr: '0.0.0.0/0', except: [LINK_LOCAL] } };

function policy(tenantId: string, namespace: string, name: string, spec: Record<string, unknown>): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels: tenantLabels(tenantId) },
    spec,
  };
}

export function renderNetworkPolicies(tenantId: string, namespace: string, ingressNamespace: string): K8sObject[] {
  const everyPod = {};
  return [
    policy(tenantId, namespace, 'default-deny', { podSelector: everyPod, policyTypes: ['Ingress', 'Egress'] }),
    policy(tenantId, namespace, 'allow-ingress-from-traefik', {
      podSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'odoo' },
        matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: ['web', 'worker'] }],
      },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ingressNamespace } } }],
          ports: [
            { protocol: 'TCP', port: HTTP_PORT },
            { protocol: 'TCP', port: WEBSOCKET_PORT },
          ],
        },
      ],
    }),
    policy(tenantId, namespace, 'allow-egress-dns', {
      podSelector: everyPod,
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    }),
    // The database is addressed by DNS name, which a NetworkPolicy cannot match: the port is the bound.
    policy(tenantId, namespace, 'allow-egress-postgres', {
      podSelector: everyPod,
      policyTypes: ['Egress'],
      egress: [{ to: [ANY_OUTSIDE_LINK_LOCAL], ports: [{ protocol: 'TCP', port: 5432 }] }],
    }),
    policy(tenantId, namespace, 'allow-egress-https', {
      podSelector: everyPod,
      policyTypes: ['Egress'],
      egress: [{ to: [ANY_OUTSIDE_LINK_LOCAL], ports: [{ protocol: 'TCP', port: 443 }] }],
    }),
    policy(tenantId, namespace, 'allow-egress-pod-identity', {
      podSelector: everyPod,
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT } }], ports: [{ protocol: 'TCP', port: 80 }] }],
    }),
  ];
}
