import { Stack, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { exampleFleetConfig } from '#infra/example-fleet.ts';
import { defaultLocalFleetConfig } from '#local/fleet.local.ts';

interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

let app: App;

function unacknowledgedFindings(root: App): string[] {
  const report = new AwsSolutionsChecks(root).validateScope(root);
  return report.violations.map((v) => `${v.ruleName}: ${v.description}\n    ${v.violatingResources.map((r) => r.constructPath).join('\n    ')}`);
}

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data)
      .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>))
      .map(([id, reason]) => ({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason: String(reason) })),
  );
}

beforeAll(() => {
  ({ app } = buildApp({ bundling: false }));
});

describe('cdk-nag AwsSolutions checks of the control plane', () => {
  it('leave no finding unacknowledged', () => {
    const findings = unacknowledgedFindings(app);

    expect(findings, `unacknowledged findings:\n${findings.join('\n')}`).toEqual([]);
  });

  it('leave no finding unacknowledged for another fleet (account, regions, prefix, cells)', () => {
    const example = exampleFleetConfig();
    const fleet = {
      ...example,
      accountId: '210987654321',
      primaryRegion: 'us-east-2',
      drRegion: 'us-west-2',
      namePrefix: 'acme',
      cells: [0, 1].map((i) => ({ ...(example.cells[0] as (typeof example.cells)[number]), id: `cell-${i}`, bucket: `acme-cell-${i}` })),
      archiveBucket: 'acme-archive',
    };

    const findings = unacknowledgedFindings(buildApp({ bundling: false, fleet }).app);

    expect(findings, `unacknowledged findings:\n${findings.join('\n')}`).toEqual([]);
  });

  it('leave no finding unacknowledged for a fleet whose cells have Aurora global secondaries in the DR region', () => {
    const findings = unacknowledgedFindings(buildApp({ bundling: false, fleet: defaultLocalFleetConfig() }).app);

    expect(findings, `unacknowledged findings:\n${findings.join('\n')}`).toEqual([]);
  });

  it('check both regions\' stacks and their nested API stacks', () => {
    const { stacks } = buildApp({ bundling: false });
    const checked = new AwsSolutionsChecks(app);
    const scopes = [stacks.primary, stacks.primary.apiStack, stacks.dr!, stacks.dr!.apiStack];

    const results = scopes.map((scope) => checked.validateScope(scope));

    expect(stacks.dr!.region).not.toBe(stacks.primary.region);
    expect(results.map((r) => r.violations)).toEqual([[], [], [], []]);
  });

  it('acknowledge each finding with a reason of at least 20 characters', () => {
    const acks = acknowledgements(app);

    const short = acks.filter((a) => a.reason.trim().length < 20);

    expect(acks.length).toBeGreaterThan(0);
    expect(short).toEqual([]);
  });

  it('acknowledge findings next to the resources, never for a whole stack or app', () => {
    const byPath = new Map(app.node.findAll().map((c) => [c.node.path, c]));

    const broad = acknowledgements(app).filter((a) => {
      const construct = byPath.get(a.path);
      return construct === app || (construct !== undefined && Stack.isStack(construct));
    });

    expect(broad).toEqual([]);
  });
});
