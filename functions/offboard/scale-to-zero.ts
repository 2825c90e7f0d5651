/** Stops the tenant's Odoo: web, worker and cron to zero replicas (the HPA removed first). */
import { cloud } from '#shared/cloud/clients.ts';
import { scaleToZero } from '#shared/cloud/kubernetes-workloads.ts';
import { workflowStep, type WorkflowState } from '#shared/lib/workflow-step.ts';

type State = WorkflowState & { plan: { region: string; cluster: string; namespace: string } };

export const handler = workflowStep<State, Record<string, unknown>>(async ({ state }) => {
  const { region, cluster, namespace } = state.plan;
  const api = await cloud().kubernetes(region, cluster);
  await scaleToZero(api, namespace);
  return { scaled: true, namespace };
});
