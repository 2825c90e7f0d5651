/**
 * One-shot work in a tenant's namespace, run as Jobs rather than in the serving pods: database
 * initialisation, a release's module upgrade, and the final `pg_dump` before offboarding. Both use the namespace's
 * `odoo-config` and `odoo-secrets`, run under the same restricted security context, and are
 * bounded in time so a stuck Job fails instead of hanging the workflow that waits on it.
 */
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import {
  CONFIG_KEYS,
  CONFIG_PATH,
  SECRET_KEYS,
  basePodSpec,
  componentLabels,
  configEnv,
  containerSecurityContext,
  databaseCredentialEnv,
  odooVolumeMounts,
  odooVolumes,
  secretEnv,
  type Scheduling,
} from './k8s-pod-spec.ts';
import { names } from './names.ts';
import { releaseNames } from './release-names.ts';

const DAY = 86_400;
const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MODULE_NAME = /^[a-z0-9_]+$/;

export interface InitJobInput {
  tenantId: string;
  image: string;
  operationId: string;
  databaseName: string;
  modules: string[];
  /** Where the Job may run; without it, anywhere a pod without tolerations may. */
  placement?: Scheduling;
  /** @default 1500, below the 30 minutes the provisioning workflow waits */
  activeDeadlineSeconds?: number;
}

export interface UpgradeJobInput {
  tenantId: string;
  /** The release's image: the migration runs with the code that will serve afterwards. */
  image: string;
  releaseId: string;
  operationId: string;
  databaseName: string;
  /** The cluster holding the database, named so an operator (and the simulator) can tell what it migrates. */
  clusterIdentifier?: string;
  /** Modules to update; at least one. */
  modules: string[];
  placement?: Scheduling;
  /** @default 3300, below the hour the release workflow waits for it */
  activeDeadlineSeconds?: number;
}

export interface FinalDumpJobInput {
  tenantId: string;
  operationId: string;
  databaseName: string;
  archiveBucket: string;
  archiveKey: string;
  /** PostgreSQL client image; its pg_dump must be at least the server's major version. */
  image?: string;
  /** AWS CLI image that uploads the dump with the pod's EKS Pod Identity credentials. */
  uploaderImage?: string;
  placement?: Scheduling;
  /** @default 12600, below the 4 hours the offboarding workflow waits */
  activeDeadlineSeconds?: number;
}

export const JOB_PURPOSE_LABEL = 'odoo.fleet/job';

export const DEFAULT_PG_CLIENT_IMAGE = 'public.ecr.aws/docker/library/postgres:17-alpine';
export const DEFAULT_AWS_CLI_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.22.0';

function job(
  tenantId: string,
  name: string,
  component: 'init' | 'upgrade' | 'final-dump',
  operationId: string,
  activeDeadlineSeconds: number,
  podSpec: Record<string, unknown>,
  annotations: Record<string, string>,
  backoffLimit = 2,
): K8sObject {
  // `odoo.fleet/job` says what the Job is for; the annotations say what it acts on, so an operator
  // reading the cluster (and the local simulator) can tell without parsing the shell script.
  const labels = { ...componentLabels(tenantId, component), [JOB_PURPOSE_LABEL]: component };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: names.namespace(tenantId), labels, annotations: { 'odoo.fleet/operation-id': operationId, ...annotations } },
    spec: {
      backoffLimit,
      activeDeadlineSeconds,
      // Kept a day after it ends, so a failure can be read and a poll after success still finds it.
      ttlSecondsAfterFinished: DAY,
      template: { metadata: { labels }, spec: { restartPolicy: 'Never', ...podSpec } },
    },
  };
}

/**
 * `odoo -i base[,modules] --stop-after-init`, then the admin user gets the login and password
 * kept in Secrets Manager (a fresh database's admin password is `admin`). Both steps are safe to
 * repeat, so a retried Job converges. Names are checked before they reach the shell line.
 */
export function renderInitJob(input: InitJobInput): K8sObject {
  if (!DB_NAME.test(input.databaseName)) throw new Error(`invalid database name: ${input.databaseName}`);
  const bad = input.modules.find((m) => !MODULE_NAME.test(m));
  if (bad !== undefined) throw new Error(`invalid module name: ${bad}`);
  const modules = ['base', ...input.modules.filter((m) => m !== 'base')].join(',');
  const common = `-c ${CONFIG_PATH} -d ${input.databaseName} --no-http --workers=0 --max-cron-threads=0`;
  const script = [
    'set -eu',
    `odoo -i ${modules} --stop-after-init ${common}`,
    `odoo shell ${common} <<'PY'`,
    'import os',
    "env.ref('base.user_admin').write({'login': os.environ['ODOO_ADMIN_LOGIN'], 'password': os.environ['ODOO_ADMIN_PASSWORD']})",
    'env.cr.commit()',
    'PY',
  ].join('\n');

  const annotations = { 'odoo.fleet/database': input.databaseName, 'odoo.fleet/modules': modules };
  return job(input.tenantId, names.initJobName(input.operationId), 'init', input.operationId, input.activeDeadlineSeconds ?? 1500, {
    ...basePodSpec(input.tenantId, input.placement),
    volumes: odooVolumes(),
    containers: [
      {
        name: 'odoo-init',
        image: input.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['/bin/sh', '-c', script],
        env: [...databaseCredentialEnv(), secretEnv('ODOO_ADMIN_LOGIN', SECRET_KEYS.adminLogin), secretEnv('ODOO_ADMIN_PASSWORD', SECRET_KEYS.adminPassword)],
        resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
        securityContext: containerSecurityContext(),
        volumeMounts: odooVolumeMounts(),
      },
    ],
  }, annotations);
}

/**
 * `odoo -u <modules> --stop-after-init`: one migration per tenant and release, never `-u` in the
 * serving pods. No retries (`backoffLimit: 0`): a migration that failed half-way is not run again
 * over its own leftovers; the workflow restores the pre-change copy instead.
 */
export function renderUpgradeJob(input: UpgradeJobInput): K8sObject {
  if (!DB_NAME.test(input.databaseName)) throw new Error(`invalid database name: ${input.databaseName}`);
  if (input.modules.length === 0) throw new Error('an upgrade Job needs at least one module to update');
  const bad = input.modules.find((m) => !MODULE_NAME.test(m));
  if (bad !== undefined) throw new Error(`invalid module name: ${bad}`);
  const modules = [...new Set(input.modules)].join(',');
  const command = `odoo -u ${modules} --stop-after-init -c ${CONFIG_PATH} -d ${input.databaseName} --no-http --workers=0 --max-cron-threads=0`;
  const annotations = {
    'odoo.fleet/database': input.databaseName,
    'odoo.fleet/modules': modules,
    'odoo.fleet/release-id': input.releaseId,
    ...(input.clusterIdentifier ? { 'odoo.fleet/db-cluster': input.clusterIdentifier } : {}),
  };
  return job(input.tenantId, releaseNames.upgradeJob(input.releaseId), 'upgrade', input.operationId, input.activeDeadlineSeconds ?? 3300, {
    ...basePodSpec(input.tenantId, input.placement),
    volumes: odooVolumes(),
    containers: [
      {
        name: 'odoo-upgrade',
        image: input.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['/bin/sh', '-c', `set -eu\n${command}`],
        env: databaseCredentialEnv(),
        resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
        securityContext: containerSecurityContext(),
        volumeMounts: odooVolumeMounts(),
      },
    ],
  }, annotations, 0);
}

/**
 * `pg_dump -Fc` into a scratch volume (init container), then `aws s3 cp` to the archive bucket as
 * the tenant's Pod Identity role. Two stock images instead of one custom image; the dump is
 * complete before the upload starts, so a partial dump is never archived.
 */
export function renderFinalDumpJob(input: FinalDumpJobInput): K8sObject {
  if (!DB_NAME.test(input.databaseName)) throw new Error(`invalid database name: ${input.databaseName}`);
  const dumpFile = '/dump/database.dump';
  const scratch = [
    { name: 'dump', emptyDir: { sizeLimit: '20Gi' } },
    { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
  ];
  const mounts = [
    { name: 'dump', mountPath: '/dump' },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const container = (name: string, image: string, command: string[], env: Record<string, unknown>[]) => ({
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    command,
    env,
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    securityContext: containerSecurityContext(),
    volumeMounts: mounts,
  });

  const annotations = { 'odoo.fleet/database': input.databaseName, 'odoo.fleet/archive-bucket': input.archiveBucket, 'odoo.fleet/archive-key': input.archiveKey };
  return job(input.tenantId, names.finalDumpJobName(input.operationId), 'final-dump', input.operationId, input.activeDeadlineSeconds ?? 12_600, {
    ...basePodSpec(input.tenantId, input.placement),
    volumes: scratch,
    initContainers: [
      container('pg-dump', input.image ?? DEFAULT_PG_CLIENT_IMAGE, ['pg_dump', '--format=custom', '--no-owner', '--no-privileges', `--file=${dumpFile}`], [
        configEnv('PGHOST', CONFIG_KEYS.dbHost),
        configEnv('PGPORT', CONFIG_KEYS.dbPort),
        { name: 'PGDATABASE', value: input.databaseName },
        { name: 'PGSSLMODE', value: 'require' },
        ...databaseCredentialEnv(),
      ]),
    ],
    containers: [
      container('upload', input.uploaderImage ?? DEFAULT_AWS_CLI_IMAGE, ['aws', 's3', 'cp', dumpFile, `s3://${input.archiveBucket}/${input.archiveKey}`, '--only-show-errors'], [
        configEnv('AWS_REGION', CONFIG_KEYS.region),
        { name: 'HOME', value: '/tmp' },
      ]),
    ],
  }, annotations);
}
