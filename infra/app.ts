/**
 * The CDK app: one control plane stack per region of the fleet, the primary and the DR region,
 * checked by cdk-nag's AwsSolutions rules (a finding fails synthesis). `cdk synth` runs this file;
 * tests and the local control plane call `buildApp` in-process, usually with bundling off.
 *
 * The fleet configuration comes from, in order: the `fleet` context value (a JSON object, or a JSON
 * string from `cdk synth -c fleet=...`), then `local/fleet.local.ts` when it exists (only when run
 * as the app's entry point), then the example configuration of `infra/example-fleet.ts`. The drill
 * schedules come from the fleet's `drills` section; `-c drillEvidenceRetentionDays=<days>` sets how
 * long each drill report stays locked (400 days by default; see infra/constructs/drills.ts).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { fleetConfigSchema, type FleetConfig } from '#shared/domain/fleet-config.ts';
import { REPO_ROOT } from './constructs/fleet-function.ts';
import { exampleFleetConfig } from './example-fleet.ts';
import { FleetControlPlaneStack } from './fleet-stack.ts';

export const FLEET_CONTEXT_KEY = 'fleet';

/** Feature flags the stack relies on, set here so tests and `cdk synth` (cdk.json) agree. */
export const FEATURE_FLAGS: Record<string, unknown> = {
  // Server access logs are delivered through a bucket policy, not an ACL (ACLs are disabled).
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  // Templates without indentation: a region's stack is about 1 MB indented, and CloudFormation takes
  // at most 1 MB (each function carries the fleet configuration, the machines their definitions).
  '@aws-cdk/core:suppressTemplateIndentation': true,
};
const LOCAL_FLEET_MODULE = path.join(REPO_ROOT, 'local', 'fleet.local.ts');

export interface BuildAppOptions {
  /** The fleet; wins over the `fleet` context value. */
  readonly fleet?: FleetConfig;
  /** Context values for the app; the CDK CLI's own (cdk.json, `-c`) take precedence. */
  readonly context?: Record<string, unknown>;
  /**
   * `false` skips asset bundling (no esbuild run), whatever the CLI asks: for tests and the local
   * control plane. @default true
   */
  readonly bundling?: boolean;
  /**
   * Runs CDK's built-in CloudFormation schema validation at synthesis (about 8 s for this app).
   * cdk-nag's checks run either way. @default true
   */
  readonly validateTemplates?: boolean;
  /**
   * Builds the primary region's stack alone, for the local control plane, which reads only its
   * template (the DR stack's is the same but for its region): half the synthesis time. @default false
   */
  readonly primaryOnly?: boolean;
}

export interface FleetStacks {
  /** The control plane in the fleet's primary region; it owns the DynamoDB global table. */
  readonly primary: FleetControlPlaneStack;
  /**
   * The control plane in the fleet's DR region, on the table's replica there: it runs failovers
   * with the primary region down. Absent only when built with `primaryOnly`.
   */
  readonly dr?: FleetControlPlaneStack;
}

export function buildApp(opts: BuildAppOptions = {}): { app: App; stacks: FleetStacks } {
  const app = new App({
    context: { ...FEATURE_FLAGS, ...opts.context },
    postCliContext: opts.bundling === false ? { 'aws:cdk:bundling-stacks': [] } : undefined,
    builtinCloudFormationValidation: opts.validateTemplates,
  });
  const fleet = opts.fleet ? fleetConfigSchema.parse(opts.fleet) : (fleetFromContext(app.node.tryGetContext(FLEET_CONTEXT_KEY)) ?? exampleFleetConfig());

  const dr = opts.primaryOnly
    ? undefined
    : new FleetControlPlaneStack(app, `OdooFleetControlPlane-${fleet.drRegion}`, {
        env: { account: fleet.accountId, region: fleet.drRegion },
        description: `Odoo fleet control plane (DR region ${fleet.drRegion})`,
        terminationProtection: true,
        fleet,
        table: 'replica',
      });
  const primary = new FleetControlPlaneStack(app, `OdooFleetControlPlane-${fleet.primaryRegion}`, {
    env: { account: fleet.accountId, region: fleet.primaryRegion },
    description: `Odoo fleet control plane (primary region ${fleet.primaryRegion})`,
    terminationProtection: true,
    fleet,
    table: 'owner',
  });
  // The regions refer to each other by name only (the table, the replica's key alias): no value
  // crosses regions at deployment. The DR key must exist before the primary creates the replica.
  if (dr) primary.addStackDependency(dr, "the table's replica in the DR region is encrypted with the DR stack's key");
  Tags.of(app).add('odoo:managed-by', 'odoo-fleet-control-plane');

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stacks: { primary, dr } };
}

/** The `fleet` context value, validated; `undefined` when absent. */
export function fleetFromContext(value: unknown): FleetConfig | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const raw: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return fleetConfigSchema.parse(raw);
}

/** The local control plane's fleet (`local/fleet.local.ts`), when that module exists. */
export async function loadLocalFleet(): Promise<FleetConfig | undefined> {
  if (!existsSync(LOCAL_FLEET_MODULE)) return undefined;
  const mod = (await import(pathToFileURL(LOCAL_FLEET_MODULE).href)) as { defaultLocalFleetConfig?: () => FleetConfig };
  if (typeof mod.defaultLocalFleetConfig !== 'function') throw new Error(`${LOCAL_FLEET_MODULE} does not export defaultLocalFleetConfig()`);
  return fleetConfigSchema.parse(mod.defaultLocalFleetConfig());
}

async function main(): Promise<void> {
  const probe = new App({ autoSynth: false });
  const fleet = fleetFromContext(probe.node.tryGetContext(FLEET_CONTEXT_KEY)) ?? (await loadLocalFleet());
  const { app } = buildApp(fleet ? { fleet } : {});
  app.synth();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
