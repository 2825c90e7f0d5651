/**
 * The single table's key schema, read by both the CDK data construct and the repository so the two
 * can never disagree. Items (PK / SK):
 *   TENANT#<id> / META                 the tenant (state, version, lease, placement, resources)
 *   TENANT#<id> / CHANGE#<iso>#<id>    immutable change events, newest first by reverse query
 *   TENANT#<id> / DESIRED#K8S          the rendered Kubernetes bundle (desired state)
 *   HOST#<hostname> / META             host name claim (uniqueness)
 *   OP#<id> / META                     operation and its steps
 *   IDEMPOTENCY#<actor>#<key> / META   first answer to an Idempotency-Key, expires after 24 h
 *   CELL#<id> / META                   cell membership (string set), for capacity
 *   RELEASE#<id> / META                the release (status, strategy, counts; the approval task token)
 *   RELEASE#<id> / WAVE#<0000>         a wave: its tenants, failure budget and failures
 *   RELEASE#<id> / TENANT#<tenantId>   a tenant's outcome in the release (the decision task token)
 *   TENANT#<id> / DRILL#<drillId>      a restore drill of the tenant (drill ids sort by time)
 *   FAILOVER#<id> / META               a failover: request, status, units, figures
 *   FAILOVER#<id> / TENANT#<tenantId>  a tenant's outcome in the failover, its steps' timings
 * GSIs:
 *   ByStatus       GSI1PK = TENANTS#STATUS#<status>      GSI1SK = <tenantId>
 *                  GSI1PK = RELEASES#STATUS#<status>     GSI1SK = <createdAt>#<releaseId>
 *   ByCriticality  GSI2PK = TENANTS#CRIT#<criticality>   GSI2SK = <tenantId>
 *   ByModel        GSI3PK = TENANTS#MODEL#<model>        GSI3SK = <tenantId>
 *   ByCollection   GSI4PK = TENANTS#ALL | OPS#<tenantId>  GSI4SK = <tenantId> | <createdAt>
 *                  GSI4PK = RELEASES#ALL                 GSI4SK = <createdAt>#<releaseId>
 *                  GSI4PK = FAILOVERS#ALL                GSI4SK = <createdAt>#<failoverId>
 * Attributes the keys do not show:
 *   the tenant item holds `lease` ({owner, expiresAt}, written only by the lease calls, so updates
 *   never undo it) and `lastChange` (the change event of its latest write, re-appended before the
 *   next write, so a crash between the two writes delays an event and never loses it);
 *   a release's `counts` change only by atomic increments and a wave's `failures` only by an ADD
 *   guarded by its `failedTenants` set, so retries never count twice;
 *   the operation item holds `steps` as a map keyed by step name, one atomic update per step;
 *   actors, idempotency keys and host names (lower-cased) are URI-encoded inside keys, so a `#` in
 *   them cannot collide with another key; `ttl` (epoch seconds) is set on idempotency records only.
 */
export const tableSchema = {
  partitionKey: 'PK',
  sortKey: 'SK',
  ttlAttribute: 'ttl',
  indexes: [
    { indexName: 'ByStatus', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    { indexName: 'ByCriticality', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
    { indexName: 'ByModel', partitionKey: 'GSI3PK', sortKey: 'GSI3SK' },
    { indexName: 'ByCollection', partitionKey: 'GSI4PK', sortKey: 'GSI4SK' },
  ],
} as const;

export type IndexName = (typeof tableSchema.indexes)[number]['indexName'];
