/**
 * Every Lambda of the control plane: bundled by esbuild from its handler module, newest Node
 * runtime, ARM, tracing on. The handler module's repo path is written into the template's resource
 * metadata (`odoo:handler`), which is how the local control plane binds each synthesized Task state
 * to the very module Lambda runs.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HANDLER_METADATA_KEY = 'odoo:handler';

export interface FleetFunctionProps {
  /** Handler module, relative to the repository root, e.g. `functions/provision/ensure-database.ts`. */
  readonly entry: string;
  readonly description?: string;
  readonly environment?: Record<string, string>;
  /** @default 60 seconds */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
}

export class FleetFunction extends NodejsFunction {
  readonly entryModule: string;

  constructor(scope: Construct, id: string, props: FleetFunctionProps) {
    super(scope, id, {
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout ?? Duration.seconds(60),
      memorySize: props.memorySize ?? 512,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...props.environment,
      },
      logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH }),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        sourceMap: true,
        minify: true,
        // ESM bundles need a require shim for the few CommonJS dependencies of the SDK.
        banner: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
        mainFields: ['module', 'main'],
      },
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
    });
    this.entryModule = props.entry;
    (this.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_METADATA_KEY, props.entry);
  }
}
