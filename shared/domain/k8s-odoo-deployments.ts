/**
 * The three Odoo roles, each its own Deployment so each can be scaled on its own (cron goes to
 * zero during upgrades, restores and failovers while web keeps serving or shows maintenance):
 *
 * - `odoo-web`: the prefork HTTP server (`workers` from odoo.conf), never running crons.
 * - `odoo-worker`: the evented (gevent) server on 8072 that holds the `/websocket` connections
 *   (bus, live chat, notifications). Prefork HTTP workers refuse websockets, so Traefik routes
 *   `/websocket` here; one gevent loop multiplexes every client, so it is small and not autoscaled.
 * - `odoo-cron`: a threaded server with two cron threads and no prefork workers, replicas 1 and
 *   recreated (never rolled) so two cron runners never overlap. Its HTTP listener only answers the
 *   kubelet's probes; no Service selects it.
 */
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import {
  CONFIG_PATH,
  HTTP_PORT,
  WEBSOCKET_PORT,
  basePodSpec,
  componentLabels,
  componentSelector,
  containerSecurityContext,
  cpuMillis,
  databaseCredentialEnv,
  formatCpu,
  formatMemory,
  memoryBytes,
  odooVolumeMounts,
  odooVolumes,
  resourcesFor,
  type Component,
  type ContainerSize,
  type Scheduling,
} from './k8s-pod-spec.ts';
import type { ComputeSizing } from './types.ts';

export interface OdooDeploymentsInput {
  tenantId: string;
  namespace: string;
  image: string;
  placement: Scheduling & { resources: ComputeSizing };
  /** Environment every Odoo container gets besides the database credentials (region, filestore). */
  env: Record<string, string>;
  /** Changes with odoo.conf, so a configuration change rolls the pods. */
  configHash: string;
}

function healthProbe(port: string, periodSeconds: number, failureThreshold: number): Record<string, unknown> {
  return { httpGet: { path: '/web/health', port }, periodSeconds, timeoutSeconds: 5, failureThreshold };
}

const config = `--config=${CONFIG_PATH}`;

function odooContainer(input: OdooDeploymentsInput, args: string[], size: ContainerSize, port: { name: string; containerPort: number }): Record<string, unknown> {
  return {
    name: 'odoo',
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    // Bypasses the image's entrypoint, which would pass `--db_user odoo --db_password odoo` defaults.
    command: ['odoo'],
    args,
    ports: [{ ...port, protocol: 'TCP' }],
    env: [...databaseCredentialEnv(), ...Object.entries(input.env).map(([name, value]) => ({ name, value }))],
    resources: resourcesFor(size),
    securityContext: containerSecurityContext(),
    volumeMounts: odooVolumeMounts(),
    // Module loading on a cold start can take minutes; liveness only starts once this passes.
    startupProbe: healthProbe(port.name, 10, 30),
    readinessProbe: healthProbe(port.name, 10, 3),
    livenessProbe: healthProbe(port.name, 20, 6),
  };
}

function deployment(
  input: OdooDeploymentsInput,
  component: Component,
  replicas: number,
  container: Record<string, unknown>,
  extra: { strategy: Record<string, unknown>; terminationGracePeriodSeconds: number; spread?: boolean },
): K8sObject {
  const labels = componentLabels(input.tenantId, component);
  const selector = componentSelector(component);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `odoo-${component}`, namespace: input.namespace, labels },
    spec: {
      replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: extra.strategy,
      template: {
        metadata: { labels, annotations: { 'odoo.fleet/config-hash': input.configHash } },
        spec: {
          ...basePodSpec(input.tenantId, input.placement),
          terminationGracePeriodSeconds: extra.terminationGracePeriodSeconds,
          ...(extra.spread
            ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } }] }
            : {}),
          volumes: odooVolumes(),
          containers: [container],
        },
      },
    },
  };
}

export function renderOdooDeployments(input: OdooDeploymentsInput): K8sObject[] {
  const sizing = input.placement.resources;
  const webSize = { cpu: sizing.web.cpu, memory: sizing.web.memory };
  const workerSize = {
    cpu: formatCpu(Math.max(100, cpuMillis(webSize.cpu) / 2)),
    memory: formatMemory(Math.max(256 * 2 ** 20, memoryBytes(webSize.memory) / 2)),
  };
  const rolling = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  const http = { name: 'http', containerPort: HTTP_PORT };
  const websocket = { name: 'websocket', containerPort: WEBSOCKET_PORT };

  return [
    deployment(input, 'web', sizing.web.minReplicas, odooContainer(input, [config, '--max-cron-threads=0'], webSize, http), {
      strategy: rolling,
      terminationGracePeriodSeconds: 60,
      spread: true,
    }),
    // `gevent` must come first: Odoo picks the evented server before it parses any option.
    deployment(input, 'worker', 1, odooContainer(input, ['gevent', config, '--max-cron-threads=0'], workerSize, websocket), {
      strategy: rolling,
      terminationGracePeriodSeconds: 30,
    }),
    deployment(input, 'cron', 1, odooContainer(input, [config, '--workers=0', '--max-cron-threads=2'], webSize, http), {
      strategy: { type: 'Recreate' },
      terminationGracePeriodSeconds: 120,
    }),
  ];
}
