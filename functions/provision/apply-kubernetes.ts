/**
 * Renders the tenant's Kubernetes bundle (namespace, quota, network policies, service account,
 * Odoo deployments, ingress...), stores it as the tenant's desired state, and applies it with
 * server-side apply. The admin password is made here, in Secrets Manager; the bundle only names it.
 */
import { ensureSecret, generatePassword } from '#shared/cloud/adapters/secrets.ts';
import { cloud } from '#shared/cloud/clients.ts';
import { applyObjects } from '#shared/cloud/kubernetes-workloads.ts';
import { otherRegion } from '#shared/domain/fleet-lookup.ts';
import { renderTenantBundle } from '#shared/domain/k8s-bundle.ts';
import { names, resourceTags } from '#shared/domain/names.ts';
import { validationError } from '#shared/lib/errors.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';

type State = WorkflowState & { plan: { region: string; cluster: string; namespace: string } };

export const FIELD_MANAGER = 'odoo-fleet-control-plane';

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state, repo, config, tenant: loadTenant, updateTenant }) => {
  const tenant = await loadTenant();
  const { region, cluster, namespace } = state.plan;
  const { database, filestore } = tenant.resources;
  if (!database?.endpoint || !filestore) throw validationError('database and filestore must exist before the Kubernetes objects');
  const c = cloud();

  const adminSecretName = names.adminSecretName(tenant.tenantId, config.namePrefix);
  const admin = await ensureSecret(c.secrets(region), {
    name: adminSecretName,
    tags: resourceTags(tenant.tenantId, state.operationId),
    kmsKeyId: config.dedicated.kmsKeyId,
    generate: () => ({ login: 'admin', password: generatePassword(32) }),
    // The health check and the failover's verification log in from the DR region too.
    replicaRegions: [{ region: otherRegion(config, region) }],
  });

  const objects = renderTenantBundle({
    tenant,
    image: tenant.release.image,
    database: { host: database.endpoint, port: 5432, name: database.databaseName, secretName: database.secretArn },
    filestore,
    adminSecretName,
    region,
    ingress: { namespace: 'traefik', certResolver: 'letsencrypt' },
  });
  const version = await repo.putDesiredState(tenant.tenantId, objects, state.operationId);
  const api = await c.kubernetes(region, cluster);
  await applyObjects(api, objects, FIELD_MANAGER);

  const kubernetes = { namespace, objects: objects.length, desiredStateVersion: version };
  await updateTenant((t) => ({ ...t, resources: { ...t.resources, kubernetes, adminSecretArn: admin.arn } }), 'KubernetesObjectsApplied');
  return { ready: true, namespace, objects: objects.length, desiredStateVersion: version };
});
