/**
 * CloudFormation refuses a stack of more than 500 resources, and so does `cdk synth` (it checks the
 * same limit), and a template of more than 1 MB; Lambda refuses a function whose environment is
 * over 4 KB (the fleet configuration, compiled into the bundles, is not part of it). Each region's stack and its nested API stack are checked against it, with the count
 * in the message, so the next feature sees how much room is left before it runs into the limit.
 */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { defaultLocalFleetConfig } from '#local/fleet.local.ts';

const CLOUDFORMATION_RESOURCE_LIMIT = 500;
/** Lambda's limit on a function's environment variables, names and values together. */
const LAMBDA_ENVIRONMENT_BYTES = 4096;
/** The largest template CloudFormation takes from S3, where the CDK CLI uploads it. */
const CLOUDFORMATION_TEMPLATE_BYTES = 1_000_000;

describe('the control plane stacks', () => {
  it('each hold fewer than 500 resources, nested stacks counted on their own', () => {
    // Prepare
    const { stacks } = buildApp({ bundling: false, validateTemplates: false });
    const all: Stack[] = [stacks.primary, stacks.primary.apiStack, stacks.dr!, stacks.dr!.apiStack];

    // Act
    const counts = all.map((stack) => ({ stack: stack.node.path, resources: Object.keys(Template.fromStack(stack).toJSON().Resources as object).length }));

    // Assess
    for (const { stack, resources } of counts) {
      expect(resources, `${stack} holds ${resources} resources (limit ${CLOUDFORMATION_RESOURCE_LIMIT}); all: ${counts.map((c) => `${c.stack}=${c.resources}`).join(', ')}`).toBeLessThan(CLOUDFORMATION_RESOURCE_LIMIT);
    }
  });

  it('synthesize with CDK\'s own resource limit in force, into templates CloudFormation accepts (1 MB at most), for a fleet of two cells with DR secondaries', () => {
    // Act
    const assembly = buildApp({ bundling: false, validateTemplates: false, fleet: defaultLocalFleetConfig() }).app.synth();
    const templates = readdirSync(assembly.directory).filter((f) => f.endsWith('.template.json'));
    const sizes = templates.map((file) => ({ file, bytes: statSync(path.join(assembly.directory, file)).size }));

    // Assess
    expect(templates).toHaveLength(4);
    for (const { file, bytes } of sizes) {
      expect(bytes, `${file} is ${bytes} bytes (limit ${CLOUDFORMATION_TEMPLATE_BYTES}); all: ${sizes.map((s) => `${s.file}=${s.bytes}`).join(', ')}`).toBeLessThan(CLOUDFORMATION_TEMPLATE_BYTES);
    }
  });

  it("give every function an environment within Lambda's 4 KB: the fleet configuration is not in it", () => {
    // Prepare
    const { stacks } = buildApp({ bundling: false, validateTemplates: false, fleet: defaultLocalFleetConfig() });
    const all: Stack[] = [stacks.primary, stacks.primary.apiStack, stacks.dr!, stacks.dr!.apiStack];

    // Act
    const sizes = all.flatMap((stack) =>
      Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } }>)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
        .map(([id, r]) => ({
          fn: `${stack.node.path}/${id}`,
          // A reference (an ARN, a name) resolves at deployment: counted at an ARN's 100 bytes.
          bytes: Object.entries(r.Properties.Environment?.Variables ?? {}).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? Buffer.byteLength(v) : 100), 0),
          hasFleetConfig: 'FLEET_CONFIG' in (r.Properties.Environment?.Variables ?? {}),
        })),
    );
    const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));

    // Assess
    expect(sizes.length).toBeGreaterThan(150);
    expect(sizes.filter((s) => s.hasFleetConfig)).toEqual([]);
    expect(largest.bytes, `${largest.fn} has ${largest.bytes} bytes of environment (limit ${LAMBDA_ENVIRONMENT_BYTES})`).toBeLessThan(LAMBDA_ENVIRONMENT_BYTES);
  });
});
