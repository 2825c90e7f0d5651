/**
 * One region's control plane: key, table and archive, the drill evidence bucket, the workflows,
 * the drill schedules, the API and the alarms.
 * The app deploys one per region of the fleet; the stack in the DR region (with the table's replica)
 * runs failovers while the primary region is down.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { tableSchema } from '#shared/store/table-schema.ts';
import { FleetApi } from './constructs/api.ts';
import { FleetData } from './constructs/data.ts';
import { DrillEvidence, DrillSchedules } from './constructs/drills.ts';
import { FleetEncryption } from './constructs/encryption.ts';
import { FleetObservability } from './constructs/observability.ts';
import { acknowledgeWorkflowGrants } from './constructs/workflow-acknowledgements.ts';
import { grantStackResources } from './constructs/workflow-permissions.ts';
import { Workflows } from './constructs/workflows.ts';

export interface FleetControlPlaneStackProps extends StackProps {
  readonly fleet: FleetConfig;
}

export class FleetControlPlaneStack extends Stack {
  readonly encryption: FleetEncryption;
  readonly data: FleetData;
  readonly drillEvidence: DrillEvidence;
  readonly workflows: Workflows;
  readonly drillSchedules: DrillSchedules;
  readonly api: FleetApi;
  readonly observability: FleetObservability;

  constructor(scope: Construct, id: string, props: FleetControlPlaneStackProps) {
    super(scope, id, props);
    const { fleet } = props;

    this.encryption = new FleetEncryption(this, 'Encryption');
    const key = this.encryption.key;
    this.data = new FleetData(this, 'Data', { key, namePrefix: fleet.namePrefix });
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
    acknowledgeWorkflowGrants([this.workflows, this.drillSchedules], { table, fleet, account: this.account, evidenceBucket });

    this.api = new FleetApi(this, 'Api', {
      table,
      indexNames: tableSchema.indexes.map((index) => index.indexName),
      key,
      stateMachines: this.workflows.stateMachines,
      environment,
    });

    this.observability = new FleetObservability(this, 'Observability', {
      key,
      stateMachines: this.workflows.stateMachines,
      api: this.api.api,
      drills: { deadLetterQueue: this.drillSchedules.deadLetterQueue },
    });
  }
}
