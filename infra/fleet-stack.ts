/**
 * One region's control plane: key, table (or its replica) and archive, the drill evidence bucket,
 * the workflows, the drill and readiness schedules, the API (a nested stack) and the alarms.
 * The app deploys one in the fleet's primary region, which owns the DynamoDB global table, and one
 * in its DR region, which uses the table's replica there: that one runs failovers while the primary
 * region is down, and depends at run time on nothing of the primary region.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { tableSchema } from '#shared/store/table-schema.ts';
import { FleetApiStack } from './constructs/api-stack.ts';
import { FleetData } from './constructs/data.ts';
import { DrillEvidence, DrillSchedules } from './constructs/drills.ts';
import { CONTROL_PLANE_KEY_ALIAS, FleetEncryption } from './constructs/encryption.ts';
import { FailoverReadiness, READINESS_HANDLER } from './constructs/failover-readiness.ts';
import { SnapshotCopies } from './constructs/snapshot-copies.ts';
import { FleetObservability } from './constructs/observability.ts';
import { acknowledgeWorkflowGrants } from './constructs/workflow-acknowledgements.ts';
import { grantStackResources } from './constructs/workflow-permissions.ts';
import { Workflows } from './constructs/workflows.ts';

export interface FleetControlPlaneStackProps extends StackProps {
  readonly fleet: FleetConfig;
  /**
   * `owner`: this stack creates the global table, with its replica in the fleet's DR region.
   * `replica`: the table's owner is the primary region's stack; this one uses its local replica.
   */
  readonly table: 'owner' | 'replica';
}

export class FleetControlPlaneStack extends Stack {
  readonly encryption: FleetEncryption;
  readonly data: FleetData;
  readonly drillEvidence: DrillEvidence;
  readonly workflows: Workflows;
  readonly drillSchedules: DrillSchedules;
  readonly failoverReadiness: FailoverReadiness;
  readonly snapshotCopies: SnapshotCopies;
  readonly apiStack: FleetApiStack;
  readonly observability: FleetObservability;

  constructor(scope: Construct, id: string, props: FleetControlPlaneStackProps) {
    super(scope, id, props);
    const { fleet } = props;

    this.encryption = new FleetEncryption(this, 'Encryption');
    const key = this.encryption.key;
    this.data = new FleetData(this, 'Data', {
      key,
      namePrefix: fleet.namePrefix,
      // The replica's key is the DR stack's own, named by its alias: a KMS key is regional.
      replicaRegions: props.table === 'owner' ? [{ region: fleet.drRegion, keyArn: `arn:aws:kms:${fleet.drRegion}:${this.account}:${CONTROL_PLANE_KEY_ALIAS}` }] : [],
      replicaOnly: props.table === 'replica',
    });
    const table = this.data.table;
    this.drillEvidence = new DrillEvidence(this, 'DrillEvidence', { key, namePrefix: fleet.namePrefix, accessLogsBucket: this.data.accessLogsBucket });
    const evidenceBucket = this.drillEvidence.bucket;

    // What every handler, workflow step or API route, reads at cold start.
    const environment = { TABLE_NAME: table.tableName, FLEET_CONFIG: JSON.stringify(fleet), EVIDENCE_BUCKET: evidenceBucket.bucketName };

    this.workflows = new Workflows(this, 'Workflows', { table, key, fleetConfig: fleet, environment });
    for (const fn of this.workflows.functions.values()) grantStackResources(fn, fn.entryModule, { evidenceBucket, key });

    this.drillSchedules = new DrillSchedules(this, 'DrillSchedules', {
      fleet,
      table,
      key,
      evidenceBucket,
      environment,
      drillRunMachine: this.workflows.stateMachines['drill-run'],
    });
    this.failoverReadiness = new FailoverReadiness(this, 'FailoverReadiness', { fleet, table, key, environment, schedules: this.drillSchedules });
    this.snapshotCopies = new SnapshotCopies(this, 'SnapshotCopies', { fleet, table, key, environment, schedules: this.drillSchedules });
    // The readiness run keeps the old primaries a failover left and writes the report's new version.
    grantStackResources(this.failoverReadiness.function, READINESS_HANDLER, { evidenceBucket, key });
    acknowledgeWorkflowGrants([this.workflows, this.drillSchedules, this.failoverReadiness], { table, fleet, account: this.account, evidenceBucket });

    this.apiStack = new FleetApiStack(this, 'Api', {
      api: {
        table,
        indexNames: tableSchema.indexes.map((index) => index.indexName),
        key,
        stateMachines: this.workflows.stateMachines,
        environment,
      },
    });
    const api = this.apiStack.routes.api;
    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the control plane API' });

    this.observability = new FleetObservability(this, 'Observability', {
      key,
      stateMachines: this.workflows.stateMachines,
      api,
      drills: { deadLetterQueue: this.drillSchedules.deadLetterQueue },
      failover: {
        readinessFunction: this.failoverReadiness.function,
        snapshotCopies: {
          function: this.snapshotCopies.function,
          cells: fleet.cells.filter((c) => c.dr && !c.dr.globalClusterIdentifier).map((c) => ({ id: c.id, region: c.region })),
          // Two snapshot intervals and the copy's own time: one missed run is not yet an alarm.
          staleAfterSeconds: 2 * fleet.failover.snapshotCopies.everySeconds + 3600,
        },
      },
    });
  }
}
