/**
 * One region's control plane: key, table and archive, the workflows, the API and the alarms.
 * The app deploys one per region of the fleet; the stack in the DR region (with the table's replica)
 * runs failovers while the primary region is down.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import { tableSchema } from '#shared/store/table-schema.ts';
import { FleetApi } from './constructs/api.ts';
import { FleetData } from './constructs/data.ts';
import { FleetEncryption } from './constructs/encryption.ts';
import { FleetObservability } from './constructs/observability.ts';
import { acknowledgeWorkflowGrants } from './constructs/workflow-acknowledgements.ts';
import { Workflows } from './constructs/workflows.ts';

export interface FleetControlPlaneStackProps extends StackProps {
  readonly fleet: FleetConfig;
}

export class FleetControlPlaneStack extends Stack {
  readonly encryption: FleetEncryption;
  readonly data: FleetData;
  readonly workflows: Workflows;
  readonly api: FleetApi;
  readonly observability: FleetObservability;

  constructor(scope: Construct, id: string, props: FleetControlPlaneStackProps) {
    super(scope, id, props);
    const { fleet } = props;

    this.encryption = new FleetEncryption(this, 'Encryption');
    const key = this.encryption.key;
    this.data = new FleetData(this, 'Data', { key, namePrefix: fleet.namePrefix });
    const table = this.data.table;

    // What every handler, workflow step or API route, reads at cold start.
    const environment = { TABLE_NAME: table.tableName, FLEET_CONFIG: JSON.stringify(fleet) };

    this.workflows = new Workflows(this, 'Workflows', { table, key, fleetConfig: fleet, environment });
    acknowledgeWorkflowGrants(this.workflows, { table, fleet, account: this.account });

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
    });
  }
}
