/**
 * Every Lambda of the control plane: bundled by esbuild from its handler module, newest Node
 * runtime, ARM, tracing on. The handler module's repo path is written into the template's resource
 * metadata (`odoo:handler`), which is how the local control plane binds each synthesized Task state
 * to the very module Lambda runs.
 *
 * Each function has its own role holding only what it is granted: writing to its own log group (no
 * AWS managed policy) and, in a policy of their own shared by every function of the stack, X-Ray.
 * The X-Ray actions have no resource-level permissions, so that policy's wildcard is acknowledged
 * there alone and cannot hide a wildcard granted later to a function.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HANDLER_METADATA_KEY = 'odoo:handler';

export interface FleetFunctionProps {
  /** Handler module, relative to the repository root, e.g. `functions/provision/ensure-database.ts`. */
  readonly entry: string;
  readonly description?: string;
  /**
   * The function's environment. A `FLEET_CONFIG` entry is not put there: it is compiled into the
   * bundle (`__FLEET_CONFIG__`, read by `shared/domain/fleet-config.ts`), because Lambda allows
   * 4 KB for all variables together and the fleet configuration grows with every cell.
   */
  readonly environment?: Record<string, string>;
  /** @default 60 seconds */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /**
   * Concurrency reserved for (and capping) the function, so a burst on one route cannot starve the
   * workflows of the account's Lambda concurrency.
   * @default - no reservation, the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
}

/** The esbuild `define` that compiles the fleet configuration (its JSON) into a bundle. */
export function fleetConfigDefine(fleetConfigJson: string): Record<string, string> {
  return { __FLEET_CONFIG__: JSON.stringify(fleetConfigJson) };
}

export class FleetFunction extends NodejsFunction {
  readonly entryModule: string;

  constructor(scope: Construct, id: string, props: FleetFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.entry}`,
    });
    logGroup.grantWrite(role);
    const { FLEET_CONFIG: fleetConfig, ...environment } = props.environment ?? {};
    super(scope, id, {
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout ?? Duration.seconds(60),
      memorySize: props.memorySize ?? 512,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...environment,
      },
      role,
      logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        sourceMap: true,
        minify: true,
        // ESM bundles need a require shim for the few CommonJS dependencies of the SDK.
        banner: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
        mainFields: ['module', 'main'],
        logLevel: LogLevel.WARNING,
        ...(fleetConfig ? { define: fleetConfigDefine(fleetConfig) } : {}),
      },
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
    });
    this.entryModule = props.entry;
    const cfn = this.node.defaultChild as lambda.CfnFunction;
    cfn.addMetadata(HANDLER_METADATA_KEY, props.entry);

    // Active tracing set here rather than through the `tracing` prop, which would put the X-Ray
    // wildcard into the role's default policy next to the function's other grants.
    cfn.tracingConfig = { mode: lambda.Tracing.ACTIVE };
    role.addManagedPolicy(tracingPolicyOf(this));
  }
}

/**
 * One customer-managed X-Ray policy per stack, attached to every function's role: the same two
 * actions for all of them, in one resource instead of one per function (a stack holds at most 500).
 */
function tracingPolicyOf(scope: Construct): iam.ManagedPolicy {
  const stack = Stack.of(scope);
  const id = 'FleetFunctionTracingPolicy';
  const existing = stack.node.tryFindChild(id);
  if (existing) return existing as iam.ManagedPolicy;
  const policy = new iam.ManagedPolicy(stack, id, {
    description: 'X-Ray trace segments and telemetry for the control plane functions',
    statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; this policy holds nothing else.',
  });
  return policy;
}
