/**
 * Synthesizes the control plane's workflows with CDK, in-process, exactly as the deployed stack
 * builds them (the same `Workflows` construct), with asset bundling skipped: the local runner
 * imports the handler modules directly, so no bundle is needed.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Workflows } from '#infra/constructs/workflows.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import type { CfnTemplate } from './definitions.ts';

export function synthWorkflowTemplate(config: FleetConfig, region: string): CfnTemplate {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'LocalWorkflows', { env: { account: config.accountId, region } });
  const key = new kms.Key(stack, 'Key');
  const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING }, sortKey: { name: 'SK', type: dynamodb.AttributeType.STRING } });
  new Workflows(stack, 'Workflows', { table, key, fleetConfig: config, environment: {} });
  const assembly = app.synth();
  return assembly.getStackByName(stack.stackName).template as CfnTemplate;
}
