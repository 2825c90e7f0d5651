/**
 * The control plane's Step Functions state machines (provision, offboard) and their task Lambdas.
 * The definitions live in `statemachines/`; this construct gives them functions, logging, tracing
 * and permissions.
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';

export interface WorkflowsProps {
  readonly table: dynamodb.ITable;
  readonly key: kms.IKey;
  readonly fleetConfig: FleetConfig;
  /** Environment every task function gets (table name, fleet configuration). */
  readonly environment: Record<string, string>;
}

export type WorkflowName = 'provision' | 'offboard';

export class Workflows extends Construct {
  readonly stateMachines: Record<WorkflowName, sfn.StateMachine>;

  constructor(scope: Construct, id: string, _props: WorkflowsProps) {
    super(scope, id);
    // Placeholder definitions until the workflow definitions land.
    const make = (name: WorkflowName) =>
      new sfn.StateMachine(this, `${name}StateMachine`, {
        stateMachineName: `odoo-fleet-${name}`,
        definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(this, `${name}Start`)),
      });
    this.stateMachines = { provision: make('provision'), offboard: make('offboard') };
  }
}
