/**
 * Where a release is rehearsed on a copy of one tenant: a namespace of its own (never the tenant's),
 * a copy of the tenant's database under a name that is never a production name, and the Jobs that
 * fill, neutralize and upgrade the copy. Every name carries the release's short id and the
 * rehearsal's index, so a retried step finds what an earlier attempt made, and everything is
 * labelled or tagged with the release id and an expiry, so a sweeper can remove a copy whose
 * teardown never finished.
 */
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';
import { renderUpgradeJob } from './k8s-jobs.ts';
import { renderOdooConf } from './k8s-bundle.ts';
import {
  CONFIG_KEYS,
  CONFIG_NAME,
  SECRET_KEYS,
  SECRET_NAME,
  basePodSpec,
  configEnv,
  containerSecurityContext,
  databaseCredentialEnv,
  odooVolumeMounts,
  odooVolumes,
  type Scheduling,
} from './k8s-pod-spec.ts';
import { names, resourceTags, shortId } from './names.ts';
import type { Tenant } from './types.ts';

export const REHEARSAL_LABEL = 'odoo.fleet/rehearsal';
export const EXPIRES_ANNOTATION = 'odoo.fleet/expires-at';
/** A copy still there a day after its rehearsal began is a leftover. */
export const REHEARSAL_TTL_SECONDS = 24 * 3600;
const SECRET_STORE = 'aws-secrets-manager';
const PG_CLIENT_IMAGE = 'public.ecr.aws/docker/library/postgres:17-alpine';

export const rehearsalNames = {
  namespace: (releaseId: string, index: number) => `rehearsal-${shortId(releaseId)}-${index}`,
  /** Pooled: a database beside the tenant's on the cell cluster (at most 63 characters). */
  copyDatabase: (tenantId: string, releaseId: string, index: number) => `${names.databaseName(tenantId).slice(0, 40)}_reh_${shortId(releaseId)}_${index}`,
  /** Dedicated: a cluster restored to the latest restorable time. */
  copyCluster: (releaseId: string, index: number, p?: string) => `${p ?? 'odoo'}-reh-${shortId(releaseId)}-${index}`,
  copyInstance: (releaseId: string, index: number, p?: string) => `${p ?? 'odoo'}-reh-${shortId(releaseId)}-${index}-1`,
  copyJob: 'rehearsal-copy',
  neutralizeJob: 'rehearsal-neutralize',
};

export interface RehearsalTarget {
  releaseId: string;
  index: number;
  tenant: Pick<Tenant, 'tenantId' | 'hostname' | 'release' | 'placement' | 'profile'>;
  /** Where the copy lives: host and database name, and the secret holding `{username, password}` for it. */
  database: { host: string; port: number; name: string; secretName: string };
  region: string;
  expiresAt: string;
}

export function rehearsalTags(target: Pick<RehearsalTarget, 'releaseId' | 'expiresAt'> & { tenantId: string }): Record<string, string> {
  return resourceTags(target.tenantId, target.releaseId, { [REHEARSAL_LABEL]: target.releaseId, [EXPIRES_ANNOTATION]: target.expiresAt });
}

function metadata(t: RehearsalTarget, name: string) {
  return {
    name,
    namespace: rehearsalNames.namespace(t.releaseId, t.index),
    labels: { [REHEARSAL_LABEL]: t.releaseId, 'odoo.fleet/rehearsal-of': t.tenant.tenantId },
    annotations: { [EXPIRES_ANNOTATION]: t.expiresAt },
  };
}

/** Namespace (restricted Pod Security), service account, the copy's credentials and Odoo configuration. */
export function renderRehearsalWorkspace(t: RehearsalTarget): K8sObject[] {
  const { name: _name, namespace: ns, ...rest } = metadata(t, rehearsalNames.namespace(t.releaseId, t.index));
  const namespace: K8sObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: ns,
      labels: {
        ...rest.labels,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
      annotations: rest.annotations,
    },
  };
  const serviceAccount: K8sObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(t, names.serviceAccount()), automountServiceAccountToken: false };
  const secret: K8sObject = {
    apiVersion: 'external-secrets.io/v1beta1',
    kind: 'ExternalSecret',
    metadata: metadata(t, SECRET_NAME),
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: SECRET_STORE },
      target: { name: SECRET_NAME, creationPolicy: 'Owner' },
      data: [
        { secretKey: SECRET_KEYS.dbUsername, remoteRef: { key: t.database.secretName, property: 'username' } },
        { secretKey: SECRET_KEYS.dbPassword, remoteRef: { key: t.database.secretName, property: 'password' } },
      ],
    },
  };
  const config: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(t, CONFIG_NAME),
    data: {
      'odoo.conf': renderOdooConf({ tenant: t.tenant, database: t.database }),
      [CONFIG_KEYS.dbHost]: t.database.host,
      [CONFIG_KEYS.dbPort]: String(t.database.port),
      [CONFIG_KEYS.region]: t.region,
    },
  };
  return [namespace, serviceAccount, secret, config];
}

function scheduling(t: RehearsalTarget): Scheduling {
  return { model: t.tenant.placement.model, cell: t.tenant.placement.cell };
}

function rehearsalJob(t: RehearsalTarget, name: string, purpose: string, container: Record<string, unknown>, annotations: Record<string, string>): K8sObject {
  const meta = metadata(t, name);
  const labels = { ...meta.labels, 'odoo.fleet/job': purpose };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...meta, labels, annotations: { ...meta.annotations, ...annotations } },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 3300,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...basePodSpec(t.tenant.tenantId, scheduling(t)),
          volumes: odooVolumes(),
          containers: [{ imagePullPolicy: 'IfNotPresent', securityContext: containerSecurityContext(), volumeMounts: odooVolumeMounts(), ...container }],
        },
      },
    },
  };
}

/**
 * Pooled: the tenant's database dumped and restored into the copy, read without locking out the
 * tenant's users (a template copy would need every session of the production database closed).
 */
export function renderCopyJob(t: RehearsalTarget, sourceDatabase: string): K8sObject {
  const script = ['set -eu', `pg_dump --format=custom --no-owner --no-privileges --dbname=${sourceDatabase} | pg_restore --no-owner --no-privileges --exit-on-error --dbname=${t.database.name}`].join('\n');
  return rehearsalJob(
    t,
    rehearsalNames.copyJob,
    'rehearsal-copy',
    {
      name: 'copy',
      image: PG_CLIENT_IMAGE,
      command: ['/bin/sh', '-c', script],
      env: [configEnv('PGHOST', CONFIG_KEYS.dbHost), configEnv('PGPORT', CONFIG_KEYS.dbPort), { name: 'PGSSLMODE', value: 'require' }, ...databaseCredentialEnv()],
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    },
    { 'odoo.fleet/database': t.database.name, 'odoo.fleet/source-database': sourceDatabase },
  );
}

/** `odoo neutralize` with the tenant's current image: crons and mail servers off, `database.is_neutralized` set. */
export function renderNeutralizeJob(t: RehearsalTarget): K8sObject {
  return rehearsalJob(
    t,
    rehearsalNames.neutralizeJob,
    'neutralize',
    {
      name: 'neutralize',
      image: t.tenant.release.image,
      command: ['/bin/sh', '-c', `set -eu\nodoo neutralize -c /etc/odoo/odoo.conf -d ${t.database.name}`],
      env: databaseCredentialEnv(),
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    },
    { 'odoo.fleet/database': t.database.name },
  );
}

/** The very upgrade Job the tenants will get, moved into the rehearsal namespace and pointed at the copy. */
export function renderRehearsalUpgradeJob(t: RehearsalTarget, release: { image: string; modules: string[] }, clusterIdentifier?: string): K8sObject {
  const job = renderUpgradeJob({
    tenantId: t.tenant.tenantId,
    image: release.image,
    releaseId: t.releaseId,
    operationId: t.releaseId,
    databaseName: t.database.name,
    clusterIdentifier,
    modules: release.modules.length > 0 ? release.modules : ['base'],
    placement: scheduling(t),
  });
  const meta = metadata(t, job.metadata.name);
  return {
    ...job,
    metadata: { ...job.metadata, namespace: meta.namespace, labels: { ...job.metadata.labels, ...meta.labels }, annotations: { ...job.metadata.annotations, ...meta.annotations } },
  };
}
