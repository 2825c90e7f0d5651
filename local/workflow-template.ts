/**
 * Synthesizes the control plane's CDK app in-process, exactly as `cdk deploy` would (the same
 * stack, the same `Workflows` construct), with asset bundling and CloudFormation schema checks
 * skipped: the local runner imports the handler modules directly, so no bundle is needed. The
 * primary region's template holds every state machine and schedule; the API is a nested stack the
 * local control plane does not read (its API server serves `functions/api/routes.ts` itself).
 */
import { buildApp } from '#infra/app.ts';
import type { FleetConfig } from '#shared/domain/fleet-config.ts';
import type { CfnTemplate } from './definitions.ts';

export function synthWorkflowTemplate(config: FleetConfig): CfnTemplate {
  const { app, stacks } = buildApp({ fleet: config, bundling: false, validateTemplates: false, primaryOnly: true });
  const assembly = app.synth();
  return assembly.getStackByName(stacks.primary.stackName).template as CfnTemplate;
}
