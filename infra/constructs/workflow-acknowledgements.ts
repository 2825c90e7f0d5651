/**
 * Why the workflows' IAM policies hold wildcards, next to each policy that holds one.
 *
 * The workflow functions create per-tenant resources whose names are only known at run time
 * (derived from the tenant id by `shared/domain/names.ts`), so their grants are name patterns
 * under the fleet's prefix. Each kind of pattern the workflows are known to need has one reason
 * below; every wildcard finding of a workflow policy that matches a kind is acknowledged on that
 * policy with that reason. A wildcard of any other shape stays unacknowledged and fails synthesis,
 * so a new broad grant cannot slip in silently.
 */
import { VERDICT_MACHINE_NAME } from '#shared/domain/release-names.ts';
import { AspectPriority, Aspects, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { FAILOVER_METRIC_NAMESPACE } from '#shared/cloud/failover-evidence.ts';
import { DRILL_METRIC_NAMESPACE } from '#shared/domain/drill-names.ts';

export interface WorkflowGrantContext {
  readonly table: dynamodb.ITable;
  readonly fleet: FleetConfig;
  readonly account: string;
  /** The drill evidence bucket, whose `drills/` objects the drill report writer may put. */
  readonly evidenceBucket?: s3.IBucket;
}

interface WildcardKind {
  readonly matches: (finding: string) => boolean;
  readonly reason: string;
}

/** Actions that have no resource-level permissions (or are read-only lookups), by why they need `*`. */
const ACTIONS_ON_ANY_RESOURCE: ReadonlyArray<{ actions: ReadonlySet<string>; reason: string }> = [
  {
    actions: new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets']),
    reason: 'X-Ray trace and sampling actions support no resource-level permissions.',
  },
  {
    actions: new Set([
      'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
    ]),
    reason: 'Step Functions log delivery to CloudWatch Logs uses vended-log actions that support no resource-level permissions.',
  },
  {
    actions: new Set(['cloudwatch:GetMetricData']),
    reason: "CloudWatch GetMetricData supports no resource-level permissions; the bake verdict reads the tenant's own Odoo/Tenant metrics with it, and failover readiness and promotion the global databases' replication lag (AuroraGlobalDBRPOLag), the filestores' ReplicationLatency and the region's vCPU usage (AWS/Usage).",
  },
  {
    actions: new Set(['servicequotas:GetServiceQuota', 'servicequotas:GetAWSDefaultServiceQuota']),
    reason: "Service Quotas' Get actions support no resource-level permissions; failover readiness reads the vCPU and node group quotas of the region a failover would activate, read-only.",
  },
  {
    actions: new Set(['cloudwatch:PutMetricData']),
    reason: `CloudWatch PutMetricData supports no resource-level permissions; a condition limits it to the one namespace its writer publishes (${DRILL_METRIC_NAMESPACE} for drill figures, ${FAILOVER_METRIC_NAMESPACE} for failover and readiness figures).`,
  },
];

const regions = (fleet: FleetConfig) => [...new Set([fleet.primaryRegion, fleet.drRegion])];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const REGION = '[a-z0-9-]+';

function wildcardKinds(
  ctx: WorkflowGrantContext,
  tableIndexFinding: string,
  functionLogicalIds: ReadonlySet<string>,
  machineLogicalIds: ReadonlySet<string>,
  evidenceLogicalId: string | undefined,
): WildcardKind[] {
  const p = escape(ctx.fleet.namePrefix);
  const account = escape(ctx.account);
  const regex = (source: string) => (finding: string) => new RegExp(`^Resource::${source}$`).test(finding);
  const exact = (values: string[]) => (finding: string) => values.some((v) => finding === `Resource::${v}`);
  return [
    {
      matches: regex(`arn:aws:rds:${REGION}:${account}:(?:cluster|db):${p}-drill-\\*`),
      reason:
        'Drill clusters and instances are restored at run time, named `<prefix>-drill-<tenantId>-<drill>` by shared/domain/drill-names.ts; deleting them is further limited to resources tagged `odoo:drill`.',
    },
    {
      matches: regex(`arn:aws:rds:${REGION}:${account}:cluster:\\*`),
      reason:
        "Read-only listings that name no cluster: the drill sweeper finds leftovers by their `odoo:drill` tags, whatever their names (DescribeDBClusters; what it deletes is limited to drill names and tags), and failover readiness finds a cluster's replicated backups with a `db-cluster-id` filter (DescribeDBClusterSnapshots).",
    },
    {
      matches: regex(`arn:aws:rds:${REGION}:${account}:cluster-snapshot:\\*`),
      reason:
        "Failover readiness finds the newest replicated backup of a cluster with a `db-cluster-id` filter (DescribeDBClusterSnapshots only): the call names no snapshot, and backups copied to the other region keep no fleet name.",
    },
    {
      matches: regex(`arn:aws:rds::${account}:global-cluster:${p}-\\*`),
      reason: 'Dedicated tenants\' Aurora global databases are created at run time, named `<prefix>-<tenantId>-global` by shared/domain/names.ts; a global cluster ARN has no region.',
    },
    {
      matches: exact(ctx.fleet.cells.flatMap((c) => (c.dr ? [c.auroraClusterIdentifier, c.dr.auroraClusterIdentifier] : [])).flatMap((id) => regions(ctx.fleet).map((r) => `arn:aws:rds:${r}:${ctx.account}:db:${id}-*`))),
      reason: "A failover gives a cell's headless secondary its writer instance, named `<cell cluster>-<region>-1` at run time; CreateDBInstance, AddTagsToResource and DescribeDBInstances only.",
    },
    {
      matches: exact(
        ctx.fleet.cells
          .flatMap((c) => [c.auroraClusterIdentifier, ...(c.dr ? [c.dr.auroraClusterIdentifier] : [])])
          .flatMap((id) => regions(ctx.fleet).flatMap((r) => [`arn:aws:rds:${r}:${ctx.account}:cluster-snapshot:${id}-*`, `arn:aws:rds:${r}:${ctx.account}:db:${id}-*`])),
      ),
      reason:
        "A cell cluster's snapshots are named after it at run time: `<cluster>-dr-<time>` (the backup-restore copies, taken and copied by the scheduled job), `<cluster>-<failoverId>` (an old primary kept after a failover), `<cluster>-<failoverId>-move` (a planned move of a backup-restore cell); and so is a writer a failover or a rebuild adds, `<cluster>-<region>-1`.",
    },
    {
      matches: regex(`arn:aws:secretsmanager:${REGION}:${account}:secret:rds!cluster-\\*`),
      reason:
        'A drill cluster\'s master secret is created by RDS (ManageMasterUserPassword) and named `rds!cluster-<id>`; where it is read, a condition limits it to secrets RDS tagged with a `<prefix>-drill-` cluster.',
    },
    {
      matches: regex(`arn:aws:kms:${REGION}:${account}:key/\\*`),
      reason:
        "A drill restore uses the source cluster's storage key and the master secret's key, which belong to the data plane and are not in the fleet configuration; a kms:ViaService condition allows them only through RDS and Secrets Manager of the region.",
    },
    {
      matches: (f) => evidenceLogicalId !== undefined && f === `Resource::<${evidenceLogicalId}.Arn>/drills/*`,
      reason: 'Drill reports are written as `drills/<tenantId>/<date>/<drillId>.json` in the evidence bucket, their names known only at run time; PutObject and PutObjectRetention only.',
    },
    {
      matches: (f) => evidenceLogicalId !== undefined && f === `Resource::<${evidenceLogicalId}.Arn>/failovers/*`,
      reason: 'Failover reports are written as `failovers/<date>/<failoverId>.json` in the evidence bucket, their names known only at run time; PutObject only, under the bucket\'s default Object Lock retention.',
    },
    {
      matches: (f) => f === 'Action::kms:ReEncrypt*' || f === 'Action::kms:GenerateDataKey*',
      reason: "The table is encrypted with the stack's own key; the table's read/write grant includes data-key generation and re-encryption under that one key only.",
    },
    {
      matches: (f) => f === tableIndexFinding,
      reason: "Queries use the control plane table's own global secondary indexes (tenants by status, criticality, model; operations by tenant).",
    },
    {
      matches: (f) => {
        const m = /^Resource::<(\w+)\.Arn>:\*$/.exec(f);
        return m !== null && functionLogicalIds.has(m[1] as string);
      },
      reason: 'The state machine invokes its own task functions; the `:*` form covers their versions and aliases (the LambdaInvoke grant).',
    },
    {
      // `execution:<name of a machine of these workflows>:*`, the name cut out of the machine's ARN.
      matches: (f) => {
        const m = new RegExp(`^Resource::arn:<AWS::Partition>:states:${REGION}:${account}:execution:\\{"Fn::Select":\\[6,\\{"Fn::Split":\\[":",\\{"Ref":"(\\w+)"\\}\\]\\}\\]\\}\\*$`).exec(f);
        return m !== null && machineLogicalIds.has(m[1] as string);
      },
      reason: 'A parent release workflow waits for its child executions (startExecution.sync) and stops them when it is stopped; execution names are chosen at run time (release, wave, tenant), so DescribeExecution and StopExecution are granted on the executions of that one child state machine.',
    },
    {
      matches: regex(`arn:aws:rds:${REGION}:${account}:(?:cluster|db|cluster-snapshot):${p}-\\*`),
      reason: 'Dedicated tenant clusters, instances and final snapshots are created (and described) at run time, named `<prefix>-<tenantId>...` by shared/domain/names.ts.',
    },
    {
      matches: regex(`arn:aws:rds:${REGION}:${account}:(?:secgrp|cluster-pg|pg|og):\\*`),
      reason: 'RDS authorizes CreateDBCluster/CreateDBInstance on the security, parameter and option groups the new cluster attaches; the create actions themselves are limited to `<prefix>-` clusters.',
    },
    {
      matches: regex(`arn:aws:secretsmanager:${REGION}:${account}:secret:rds!\\*`),
      reason:
        'RDS creates the master user secret of a dedicated cluster itself (ManageMasterUserPassword), named `rds!cluster-<id>`; where it is read, a condition limits it to secrets RDS tagged with a fleet-prefixed cluster.',
    },
    {
      matches: regex(`arn:aws:states:${REGION}:${account}:execution:${VERDICT_MACHINE_NAME}:\\*`),
      reason:
        "The wave's end describes the tenants' bake-and-verdict executions, named `<releaseId>-<tenantId>_verdict` at run time, to settle a tenant whose verdict execution was stopped or timed out; DescribeExecution only, on that one state machine's executions.",
    },
    {
      matches: regex(`arn:aws:cloudwatch:${REGION}:${account}:alarm:${p}-\\*`),
      reason: 'Tenant alarms are created per tenant, named `<prefix>-<tenantId>-<metric>`; the bake verdict describes them.',
    },
    {
      matches: regex(`arn:aws:secretsmanager:${REGION}:${account}:secret:${p}/\\*`),
      reason: 'Tenant database and admin secrets are named `<prefix>/<tenantId>/db|admin`; Secrets Manager appends a random suffix to each ARN.',
    },
    {
      matches: exact([`arn:aws:s3:::${ctx.fleet.namePrefix}-*`, `arn:aws:s3:::${ctx.fleet.namePrefix}-*/*`]),
      reason: "Dedicated tenant filestore buckets are created at run time, named `<prefix>-<tenantId>-<account>-<region>`, with their objects.",
    },
    {
      matches: exact([...ctx.fleet.cells.map((c) => `arn:aws:s3:::${c.bucket}/tenants/*`), `arn:aws:s3:::${ctx.fleet.archiveBucket}/offboarded/*`]),
      reason: "Pooled tenants' filestores are the `tenants/<tenantId>/` prefixes of their cell bucket; offboarding exports go under `offboarded/` of the archive bucket.",
    },
    {
      matches: regex(`arn:aws:eks:${REGION}:${account}:nodegroup/[\\w.-]+/${p}-\\*/\\*`),
      reason: 'Dedicated tenant node groups are named `<prefix>-<tenantId>`; EKS appends a generated id to each node group ARN.',
    },
    {
      matches: regex(`arn:aws:eks:${REGION}:${account}:podidentityassociation/[\\w.-]+/\\*`),
      reason: 'EKS Pod Identity association ids are generated by EKS; the grant is limited to the fleet clusters.',
    },
    {
      matches: regex(`arn:aws:iam::${account}:role${escape(ctx.fleet.tenantRolePath)}${p}-tenant-\\*`),
      reason: 'Tenant pod roles are created at run time under the tenant role path, named `<prefix>-tenant-<tenantId>`.',
    },
  ];
}

/** `Resource::*` is acknowledged only when every statement granting `*` holds actions of one known kind. */
function anyResourceReason(policy: iam.CfnPolicy | iam.CfnManagedPolicy): string | undefined {
  const document = Stack.of(policy).resolve(policy.policyDocument) as { Statement?: Array<{ Effect: string; Action: string | string[]; Resource: unknown }> };
  const reasons = new Set<string>();
  for (const statement of document.Statement ?? []) {
    const resources = ([] as unknown[]).concat(statement.Resource);
    if (statement.Effect !== 'Allow' || !resources.includes('*')) continue;
    const actions = ([] as string[]).concat(statement.Action);
    const kind = ACTIONS_ON_ANY_RESOURCE.find((k) => actions.every((a) => k.actions.has(a)));
    if (!kind) return undefined;
    reasons.add(kind.reason);
  }
  return reasons.size > 0 ? [...reasons].join(' ') : undefined;
}

/**
 * Acknowledges the known wildcard kinds on every IAM policy under `scopes`: the workflows, and the
 * scheduled functions that run outside them with the same capabilities.
 */
export function acknowledgeWorkflowGrants(scopes: IConstruct | readonly IConstruct[], ctx: WorkflowGrantContext): void {
  const roots = ([] as IConstruct[]).concat(scopes);
  const stack = Stack.of(roots[0]!);
  const all = roots.flatMap((root) => root.node.findAll());
  // The table's own resource where this stack owns it; the replica's ARN, by name, where it does not.
  const tableResource = ctx.table.node.defaultChild as CfnElement | undefined;
  const tableIndexFinding = tableResource ? `Resource::<${stack.getLogicalId(tableResource)}.Arn>/index/*` : `Resource::${String(stack.resolve(ctx.table.tableArn))}/index/*`;
  const functionLogicalIds = new Set(all.filter((c): c is lambda.CfnFunction => c instanceof lambda.CfnFunction).map((fn) => stack.getLogicalId(fn)));
  const machineLogicalIds = new Set(all.filter((c): c is sfn.CfnStateMachine => c instanceof sfn.CfnStateMachine).map((machine) => stack.getLogicalId(machine)));
  const evidenceLogicalId = ctx.evidenceBucket ? stack.getLogicalId(ctx.evidenceBucket.node.defaultChild as CfnElement) : undefined;
  const kinds = wildcardKinds(ctx, tableIndexFinding, functionLogicalIds, machineLogicalIds, evidenceLogicalId);

  const acknowledge = (policy: iam.CfnPolicy | iam.CfnManagedPolicy) => {
    const findings = rules.iam.IAMNoWildcardPermissions(policy);
    if (!Array.isArray(findings)) return;
    for (const finding of findings) {
      const reason = finding === 'Resource::*' ? anyResourceReason(policy) : kinds.find((k) => k.matches(finding))?.reason;
      if (reason) Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
  };
  for (const policy of all.filter((c: IConstruct): c is iam.CfnPolicy => c instanceof iam.CfnPolicy)) acknowledge(policy);
  // A role whose grants outgrow its inline policy has them moved, at synthesis, into overflow managed
  // policies (an aspect of the role): those are acknowledged once they exist, by an aspect that runs
  // after the mutating ones.
  for (const root of roots) {
    Aspects.of(root).add(
      { visit: (node: IConstruct) => void (node instanceof iam.CfnManagedPolicy && node.node.path.includes('/OverflowPolicy') && acknowledge(node)) },
      { priority: AspectPriority.READONLY },
    );
  }
}
