/**
 * Every generated document, as path (from the repository root) -> content. `npm run docs` writes
 * them; a test compares them with the checked-in files, so a changed table or workflow fails CI
 * until the documents are regenerated.
 */
import { loadDefinitions, type LocalDefinition } from '#local/definitions.ts';
import { defaultLocalFleetConfig } from '#local/fleet.local.ts';
import { synthWorkflowTemplate } from '#local/workflow-template.ts';
import { drillGuards, drillLifecycleMermaid } from '#shared/domain/drill-lifecycle.ts';
import { failoverGuards, failoverLifecycleMermaid } from '#shared/domain/failover-lifecycle.ts';
import { releaseGuards, releaseLifecycleMermaid } from '#shared/domain/release-lifecycle.ts';
import { tenantOutcomeGuards, tenantOutcomeMermaid } from '#shared/domain/release-tenant-outcome.ts';
import { tenantGuards, tenantLifecycleMermaid } from '#shared/domain/tenant-lifecycle.ts';
import type { TableGuard } from '#shared/domain/transition-table.ts';
import { aslLegend } from './asl-legend.ts';
import { aslToMermaid } from './asl-mermaid.ts';

interface WorkflowDoc {
  file: string;
  title: string;
  stateMachine: string;
  source: string;
  summary: string;
}

const WORKFLOWS: WorkflowDoc[] = [
  {
    file: 'provision-workflow.md',
    title: 'Provision workflow',
    stateMachine: 'odoo-fleet-provision',
    source: 'statemachines/provision.ts',
    summary: 'creates a tenant\'s database, filestore, compute, Kubernetes objects and DNS, then activates it',
  },
  {
    file: 'offboard-workflow.md',
    title: 'Offboard workflow',
    stateMachine: 'odoo-fleet-offboard',
    source: 'statemachines/offboard.ts',
    summary: 'takes a final backup and filestore export, then deletes everything a tenant had',
  },
  {
    file: 'release-workflow.md',
    title: 'Release workflow',
    stateMachine: 'odoo-fleet-release',
    source: 'statemachines/release.ts',
    summary: "validates a release, rehearses it, waits for its approval, then rolls it out wave by wave in batches run as child executions, each wave ending with its tenants' verdicts",
  },
  {
    file: 'release-batch-workflow.md',
    title: 'Release batch workflow',
    stateMachine: 'odoo-fleet-release-batch',
    source: 'statemachines/release-batch.ts',
    summary: "gates each tenant of a batch (pause, halt, budget, window), lanes side by side, and upgrades it in its own child execution",
  },
  {
    file: 'release-tenant-workflow.md',
    title: 'Release tenant workflow',
    stateMachine: 'odoo-fleet-release-tenant',
    source: 'statemachines/release-tenant.ts',
    summary: 'upgrades one tenant up to its cut-over (pre-flight, maintenance, upgrade Job, new image), rolls it back when that fails, and starts its verdict',
  },
  {
    file: 'release-verdict-workflow.md',
    title: 'Release verdict workflow',
    stateMachine: 'odoo-fleet-release-verdict',
    source: 'statemachines/release-verdict.ts',
    summary: 'bakes one cut-over tenant, gives the verdict, and completes it, asks a human, or rolls it back',
  },
  {
    file: 'release-rehearsal-workflow.md',
    title: 'Release rehearsal workflow',
    stateMachine: 'odoo-fleet-release-rehearsal',
    source: 'statemachines/release-rehearsal.ts',
    summary: 'upgrades a neutralized copy of a representative tenant, times and checks it, and always tears the copy down',
  },
  {
    file: 'drill-workflow.md',
    title: 'Drill workflow',
    stateMachine: 'odoo-fleet-drill',
    source: 'statemachines/drill.ts',
    summary: "records a tenant's restore point, restores it into an isolated drill cluster, validates it with real SQL and the filestore, always tears it down, and records RTO, RPO, checks and evidence",
  },
  {
    file: 'drill-run-workflow.md',
    title: 'Drill run workflow',
    stateMachine: 'odoo-fleet-drill-run',
    source: 'statemachines/drill-run.ts',
    summary: 'selects the tenants of one criticality whose drill is due, runs their drills with bounded concurrency, and summarizes them',
  },
  {
    file: 'failover-workflow.md',
    title: 'Failover workflow',
    stateMachine: 'odoo-fleet-failover',
    source: 'statemachines/failover.ts',
    summary: 'validates a failover (console input included), checks readiness from the region being activated, waits for a second person when unplanned or critical, fails its units over most critical first with bounded concurrency, and records the outcome, RTO, data-loss window and evidence',
  },
  {
    file: 'failover-unit-workflow.md',
    title: 'Failover unit workflow',
    stateMachine: 'odoo-fleet-failover-unit',
    source: 'statemachines/failover-unit.ts',
    summary: "fails one unit (a cell's shared database and its tenants, or one dedicated tenant) over: fence, promote, DR compute, DNS, verify, record; a failure undoes the fence when nothing was promoted",
  },
];

interface TableDoc {
  file: string;
  title: string;
  source: string;
  summary: string;
  /** What the diagram alone does not say. */
  notes: string[];
  mermaid(): string;
  guards: Readonly<Record<string, TableGuard<never>>>;
}

const RELEASE_LIFECYCLE: TableDoc = {
  file: 'release-lifecycle.md',
  title: 'Release lifecycle',
  source: 'shared/domain/release-lifecycle.ts',
  summary: 'the statuses a staged fleet release goes through and the events that move it',
  notes: [
    'REJECTED adds to the statuses of the API contract: the release stopped before any production change (artifact invalid, rehearsal failed or approval declined), with its reason recorded.',
    'A wave or a tenant starts only while the release is ROLLING_OUT, so pause, halt and abort act between tenants and waves. HALTED and ABORTED are recorded when decided; tenants already being changed then finish or roll back.',
  ],
  mermaid: releaseLifecycleMermaid,
  guards: releaseGuards,
};

const RELEASE_TENANT_OUTCOME: TableDoc = {
  file: 'release-tenant-outcome.md',
  title: 'Release: outcome per tenant',
  source: 'shared/domain/release-tenant-outcome.ts',
  summary: 'where each tenant of a release stands, from the plan to a settled outcome',
  notes: [
    "PREFLIGHT (lease held, backups and pre-change copy being made, nothing changed yet), ROLLING_BACK and AWAITING_DECISION (a human decides: inconclusive verdict, or a restore that would lose users' writes) add to the outcomes of the API contract.",
    'A tenant may be skipped until its upgrade starts, never after. ROLLING_BACK, ROLLED_BACK, FAILED and AWAITING_DECISION count against the wave\'s failure budget (`shared/domain/circuit-breaker.ts`).',
  ],
  mermaid: tenantOutcomeMermaid,
  guards: tenantOutcomeGuards,
};

const DRILL_LIFECYCLE: TableDoc = {
  file: 'drill-lifecycle.md',
  title: 'Drill lifecycle',
  source: 'shared/domain/drill-lifecycle.ts',
  summary: 'the statuses a restore drill goes through, always by its teardown',
  notes: [
    'The outcome (PASSED, FAILED, BREACHED_TARGET) is decided when the drill is recorded COMPLETED, from its checks and its RTO and RPO against the tenant\'s targets (`shared/domain/drill-measure.ts`).',
    'Every failure before the teardown (restore point unreadable, restore failed or timed out, a step that crashed) goes to TEARING_DOWN: no drill ends without deleting what it made, and `cleanedUp` says whether that was confirmed.',
  ],
  mermaid: drillLifecycleMermaid,
  guards: drillGuards,
};

const FAILOVER_LIFECYCLE: TableDoc = {
  file: 'failover-lifecycle.md',
  title: 'Failover lifecycle',
  source: 'shared/domain/failover-lifecycle.ts',
  summary: 'the statuses a failover goes through, from its readiness checks to its tenants verified in the new region',
  notes: [
    'An unplanned failover, or one that moves a critical tenant, waits in AWAITING_APPROVAL for someone other than its requester (`failoverNeedsApproval`).',
    'REFUSED: a blocking readiness check failed (for instance a planned switchover whose replication lag cannot drain to zero, unless forced); nothing was changed.',
  ],
  mermaid: failoverLifecycleMermaid,
  guards: failoverGuards,
};

const DIR = 'docs/state-diagrams';

export function renderDocs(): Record<string, string> {
  const config = defaultLocalFleetConfig();
  const definitions = loadDefinitions(synthWorkflowTemplate(config), config.primaryRegion);
  const docs: Record<string, string> = {
    [`${DIR}/README.md`]: indexDoc(),
    [`${DIR}/tenant-lifecycle.md`]: tenantLifecycleDoc(),
    [`${DIR}/release-lifecycle.md`]: tableDoc(RELEASE_LIFECYCLE),
    [`${DIR}/release-tenant-outcome.md`]: tableDoc(RELEASE_TENANT_OUTCOME),
    [`${DIR}/drill-lifecycle.md`]: tableDoc(DRILL_LIFECYCLE),
    [`${DIR}/failover-lifecycle.md`]: tableDoc(FAILOVER_LIFECYCLE),
  };
  for (const workflow of WORKFLOWS) docs[`${DIR}/${workflow.file}`] = workflowDoc(workflow, definitions);
  return docs;
}

function indexDoc(): string {
  return [
    '# State diagrams',
    '',
    'Generated by `npm run docs`; do not edit by hand. A test fails when one no longer matches what the code generates.',
    '',
    '- [Tenant lifecycle](tenant-lifecycle.md): the statuses a tenant goes through and the events that move it, from `shared/domain/tenant-lifecycle.ts`.',
    ...[RELEASE_LIFECYCLE, RELEASE_TENANT_OUTCOME, DRILL_LIFECYCLE, FAILOVER_LIFECYCLE].map((t) => `- [${t.title}](${t.file}): ${t.summary}, from \`${t.source}\`.`),
    ...WORKFLOWS.map(
      (w) => `- [${w.title}](${w.file}): the \`${w.stateMachine}\` state machine, which ${w.summary}; drawn from the synthesized CloudFormation template.`,
    ),
    '',
  ].join('\n');
}

function workflowDoc(workflow: WorkflowDoc, definitions: LocalDefinition[]): string {
  const definition = definitions.find((d) => d.name === workflow.stateMachine);
  if (!definition) throw new Error(`the synthesized template has no state machine named ${workflow.stateMachine}`);
  return [
    `# ${workflow.title}`,
    '',
    `Generated by \`npm run docs\` from the \`${workflow.stateMachine}\` state machine in the synthesized CloudFormation template (defined in \`${workflow.source}\`); do not edit by hand.`,
    '',
    '```mermaid',
    aslToMermaid(definition.asl).trimEnd(),
    '```',
    '',
    'Legend:',
    '',
    ...aslLegend(definition.asl),
    '',
  ].join('\n');
}

function tenantLifecycleDoc(): string {
  const guards = Object.values(tenantGuards).map((g) => `- **${g.label}**: ${g.description}.`);
  return [
    '# Tenant lifecycle',
    '',
    'Generated by `npm run docs` from `shared/domain/tenant-lifecycle.ts`; do not edit by hand.',
    '',
    '```mermaid',
    tenantLifecycleMermaid().trimEnd(),
    '```',
    '',
    'Guards (in brackets on the edges):',
    '',
    ...guards,
    '',
  ].join('\n');
}

function tableDoc(table: TableDoc): string {
  const guards = Object.values(table.guards).map((g) => `- **${g.label}**: ${g.description}.`);
  return [
    `# ${table.title}`,
    '',
    `Generated by \`npm run docs\` from \`${table.source}\`; do not edit by hand.`,
    '',
    '```mermaid',
    table.mermaid().trimEnd(),
    '```',
    '',
    ...table.notes.flatMap((note) => [note, '']),
    ...(guards.length > 0 ? ['Guards (in brackets on the edges):', '', ...guards, ''] : []),
  ].join('\n');
}
