/**
 * The control plane's HTTP routes, read by both the CDK API construct (one Lambda per route) and
 * the local API server, so the deployed and the local API can never disagree on what exists.
 */

export interface ApiRoute {
  /** Stable identifier, also the construct id of the route's function. */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path with `{param}` placeholders, e.g. `/v1/tenants/{tenantId}`. */
  path: string;
  /** Handler module, relative to the repository root, e.g. `functions/api/create-tenant.ts`. */
  entry: string;
  description: string;
  /**
   * JSON schema of the request body; API Gateway validates it before the handler. Kept to the
   * body's shape (types, required fields): the handler's own schema gives the field-level messages.
   * Routes whose body may be left out have none, since a missing body fails an object schema.
   */
  requestModel?: Record<string, unknown>;
}

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  $schema: 'http://json-schema.org/draft-04/schema#',
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
});
const text = { type: 'string' };

const releaseRequestModel = object(
  {
    image: text,
    modules: { type: 'array', items: text },
    selector: { type: 'object' },
    strategy: { type: 'object' },
    emergency: { type: 'object' },
    deadline: text,
    dryRun: { type: 'boolean' },
  },
  ['image', 'modules'],
);

const releasePath = '/v1/releases/{releaseId}';
const failoverPath = '/v1/failovers/{failoverId}';
const failoverRequestModel = object(
  {
    scope: { type: 'string', enum: ['tenant', 'cell', 'region'] },
    tenantId: text,
    cell: text,
    fromRegion: text,
    toRegion: text,
    mode: { type: 'string', enum: ['planned', 'unplanned'] },
    reason: text,
    force: { type: 'boolean' },
  },
  ['scope', 'fromRegion', 'toRegion', 'mode', 'reason'],
);

export const apiRoutes: ApiRoute[] = [
  { id: 'CreateTenant', method: 'POST', path: '/v1/tenants', entry: 'functions/api/create-tenant.ts', description: 'Creates a tenant and starts its provisioning' },
  { id: 'ListTenants', method: 'GET', path: '/v1/tenants', entry: 'functions/api/list-tenants.ts', description: 'Lists tenants, filtered by status, criticality or model' },
  { id: 'GetTenant', method: 'GET', path: '/v1/tenants/{tenantId}', entry: 'functions/api/get-tenant.ts', description: 'Returns one tenant' },
  { id: 'DeleteTenant', method: 'DELETE', path: '/v1/tenants/{tenantId}', entry: 'functions/api/delete-tenant.ts', description: 'Starts offboarding a tenant' },
  { id: 'ListTenantChanges', method: 'GET', path: '/v1/tenants/{tenantId}/changes', entry: 'functions/api/list-tenant-changes.ts', description: "Lists a tenant's change events, newest first" },
  {
    id: 'CreateDrill',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/drills',
    entry: 'functions/api/create-drill.ts',
    description: 'Starts an on-demand restore drill of a tenant',
  },
  { id: 'ListDrills', method: 'GET', path: '/v1/tenants/{tenantId}/drills', entry: 'functions/api/list-drills.ts', description: "Lists a tenant's restore drills, newest first" },
  { id: 'GetOperation', method: 'GET', path: '/v1/operations/{operationId}', entry: 'functions/api/get-operation.ts', description: 'Returns an operation and its steps' },
  {
    id: 'PutReleaseCalendar',
    method: 'PUT',
    path: '/v1/tenants/{tenantId}/release-calendar',
    entry: 'functions/api/put-release-calendar.ts',
    description: "Replaces a tenant's release windows and freezes",
    requestModel: object({ windows: { type: 'array', items: { type: 'object' } }, freezes: { type: 'array', items: { type: 'object' } } }, ['windows']),
  },
  {
    id: 'CreateRelease',
    method: 'POST',
    path: '/v1/releases',
    entry: 'functions/api/create-release.ts',
    description: 'Plans a release (dry run) or records it and starts its workflow',
    requestModel: releaseRequestModel,
  },
  { id: 'ListReleases', method: 'GET', path: '/v1/releases', entry: 'functions/api/list-releases.ts', description: 'Lists releases, newest first, optionally by status' },
  { id: 'GetRelease', method: 'GET', path: releasePath, entry: 'functions/api/get-release.ts', description: "Returns a release, its waves and a page of its tenants' outcomes" },
  {
    id: 'ApproveRelease',
    method: 'POST',
    path: `${releasePath}/approve`,
    entry: 'functions/api/approve-release.ts',
    description: 'Approves a release awaiting approval (not by its requester)',
  },
  {
    id: 'RejectRelease',
    method: 'POST',
    path: `${releasePath}/reject`,
    entry: 'functions/api/reject-release.ts',
    description: 'Rejects a release awaiting approval',
    requestModel: object({ reason: text }, ['reason']),
  },
  { id: 'PauseRelease', method: 'POST', path: `${releasePath}/pause`, entry: 'functions/api/pause-release.ts', description: 'Pauses a release between tenants' },
  { id: 'ResumeRelease', method: 'POST', path: `${releasePath}/resume`, entry: 'functions/api/resume-release.ts', description: 'Resumes a paused release' },
  {
    id: 'AbortRelease',
    method: 'POST',
    path: `${releasePath}/abort`,
    entry: 'functions/api/abort-release.ts',
    description: 'Aborts a release between tenants; tenants in flight finish or roll back',
  },
  {
    id: 'DecideReleaseTenant',
    method: 'POST',
    path: `${releasePath}/tenants/{tenantId}/decision`,
    entry: 'functions/api/decide-release-tenant.ts',
    description: 'Keeps or rolls back a tenant whose outcome awaits a human decision',
    requestModel: object({ choice: { type: 'string', enum: ['keep', 'rollback'] }, reason: text }, ['choice', 'reason']),
  },
  {
    id: 'CreateFailover',
    method: 'POST',
    path: '/v1/failovers',
    entry: 'functions/api/create-failover.ts',
    description: 'Fails a tenant, a cell or a region over to the other region (planned switchover or unplanned failover)',
    requestModel: failoverRequestModel,
  },
  { id: 'ListFailovers', method: 'GET', path: '/v1/failovers', entry: 'functions/api/list-failovers.ts', description: 'Lists failovers, newest first' },
  { id: 'GetFailover', method: 'GET', path: failoverPath, entry: 'functions/api/get-failover.ts', description: "Returns a failover, its units and every tenant's steps, RTO and data-loss window" },
  { id: 'ApproveFailover', method: 'POST', path: `${failoverPath}/approve`, entry: 'functions/api/approve-failover.ts', description: 'Approves a failover awaiting approval (not by its requester)' },
  {
    id: 'RejectFailover',
    method: 'POST',
    path: `${failoverPath}/reject`,
    entry: 'functions/api/reject-failover.ts',
    description: 'Rejects a failover awaiting approval',
    requestModel: object({ reason: text }, ['reason']),
  },
];
