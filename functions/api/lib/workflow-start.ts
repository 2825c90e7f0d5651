/**
 * Starting the workflow of an operation or a release. The execution name is deterministic
 * (`{tenantId}-{op}-{operationId}`, or the release id), so starting it again, from a retried
 * request, finds the first execution instead of starting a second one.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { cloud } from '#shared/cloud/clients.ts';
import { names } from '#shared/domain/names.ts';
import type { Operation } from '#shared/domain/types.ts';
import type { FleetRepository } from '#shared/store/repository.ts';

export type WorkflowKind = 'provision' | 'offboard' | 'release' | 'drill' | 'failover';

const STATE_MACHINE_ENV: Record<WorkflowKind, string> = {
  provision: 'PROVISION_STATE_MACHINE_ARN',
  offboard: 'OFFBOARD_STATE_MACHINE_ARN',
  release: 'RELEASE_STATE_MACHINE_ARN',
  drill: 'DRILL_STATE_MACHINE_ARN',
  failover: 'FAILOVER_STATE_MACHINE_ARN',
};

/** The state machine of a workflow; read before anything is written, so a misconfigured function changes nothing. */
export function stateMachineArn(kind: WorkflowKind): string {
  const arn = process.env[STATE_MACHINE_ENV[kind]];
  if (!arn || !/^arn:[\w-]+:states:[\w-]+:\d*:stateMachine:[\w-]+$/.test(arn)) {
    throw new Error(`${STATE_MACHINE_ENV[kind]} is not set to a state machine ARN (got ${arn ?? 'nothing'})`);
  }
  return arn;
}

/** `arn:aws:states:<region>:<account>:execution:<stateMachine>:<name>`, as Step Functions forms it. */
export function executionArnOf(machineArn: string, executionName: string): string {
  return `${machineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

export interface WorkflowStart {
  kind: Exclude<WorkflowKind, 'release' | 'drill' | 'failover'>;
  machineArn: string;
  operation: Operation;
  actor: string;
}

/** Starts the execution `name`, or finds it: the same name is this request's execution, started by an earlier attempt. */
export async function startNamedExecution(machineArn: string, name: string, input: unknown): Promise<string> {
  const region = machineArn.split(':')[3]!;
  try {
    const res = await cloud()
      .sfn(region)
      .send(new StartExecutionCommand({ stateMachineArn: machineArn, name, input: JSON.stringify(input) }));
    return res.executionArn ?? executionArnOf(machineArn, name);
  } catch (err) {
    if ((err as { name?: string }).name === 'ExecutionAlreadyExists') return executionArnOf(machineArn, name);
    throw err;
  }
}

export function startWorkflow({ kind, machineArn, operation, actor }: WorkflowStart): Promise<string> {
  const name = names.executionName(operation.tenantId, kind, operation.operationId);
  return startNamedExecution(machineArn, name, { tenantId: operation.tenantId, operationId: operation.operationId, actor });
}

/** The release workflow, named after the release (`rel-...`, 30 characters). */
export function startReleaseWorkflow({ machineArn, releaseId, actor }: { machineArn: string; releaseId: string; actor: string }): Promise<string> {
  return startNamedExecution(machineArn, releaseId, { releaseId, actor });
}

/**
 * Records the execution on the operation. The workflow's first state also moves a PENDING
 * operation to RUNNING, and may be further on already; an operation past RUNNING keeps its status.
 */
export async function recordExecution(repo: FleetRepository, operationId: string, executionArn: string): Promise<Operation> {
  const current = await repo.requireOperation(operationId);
  if (current.status === 'PENDING') return repo.updateOperation(operationId, { status: 'RUNNING', executionArn });
  if (current.executionArn === executionArn) return current;
  return repo.updateOperation(operationId, { executionArn });
}
