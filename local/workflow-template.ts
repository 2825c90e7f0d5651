/**
 * Synthesizes the control plane's CDK app in-process, exactly as `cdk deploy` would (the same
 * stack, the same `Workflows` construct), with asset bundling and CloudFormation schema checks
 * skipped: the local runner imports the handler modules directly, so no bundle is needed.
 */
import { buildApp } from '#infra/app.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import type { CfnTemplate } from './definitions.ts';

export function synthWorkflowTemplate(config: FleetConfig): CfnTemplate {
  const { app, stacks } = buildApp({ fleet: config, bundling: false, validateTemplates: false });
  const assembly = app.synth();
  return assembly.getStackByName(stacks.primary.stackName).template as CfnTemplate;
}
