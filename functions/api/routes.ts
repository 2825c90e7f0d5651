/**
 * The control plane's HTTP routes, read by both the CDK API construct (one Lambda per route) and
 * the local API server, so the deployed and the local API can never disagree on what exists.
 */

export interface ApiRoute {
  /** Stable identifier, also the construct id of the route's function. */
  id: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path with `{param}` placeholders, e.g. `/v1/tenants/{tenantId}`. */
  path: string;
  /** Handler module, relative to the repository root, e.g. `functions/api/create-tenant.ts`. */
  entry: string;
  description: string;
  /** JSON schema of the request body, for POST routes; API Gateway validates it before the handler. */
  requestModel?: Record<string, unknown>;
}

export const apiRoutes: ApiRoute[] = [
  { id: 'CreateTenant', method: 'POST', path: '/v1/tenants', entry: 'functions/api/create-tenant.ts', description: 'Creates a tenant and starts its provisioning' },
  { id: 'ListTenants', method: 'GET', path: '/v1/tenants', entry: 'functions/api/list-tenants.ts', description: 'Lists tenants, filtered by status, criticality or model' },
  { id: 'GetTenant', method: 'GET', path: '/v1/tenants/{tenantId}', entry: 'functions/api/get-tenant.ts', description: 'Returns one tenant' },
  { id: 'DeleteTenant', method: 'DELETE', path: '/v1/tenants/{tenantId}', entry: 'functions/api/delete-tenant.ts', description: 'Starts offboarding a tenant' },
  { id: 'ListTenantChanges', method: 'GET', path: '/v1/tenants/{tenantId}/changes', entry: 'functions/api/list-tenant-changes.ts', description: "Lists a tenant's change events, newest first" },
  { id: 'GetOperation', method: 'GET', path: '/v1/operations/{operationId}', entry: 'functions/api/get-operation.ts', description: 'Returns an operation and its steps' },
];
