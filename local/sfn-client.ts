/**
 * An SFNClient answered by the local Step Functions runner, so the API handlers start, follow,
 * stop and answer executions with the same SDK calls they make in AWS.
 */
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidOutput,
  InvalidToken,
  SFNClient,
  StateMachineDoesNotExist,
  TaskTimedOut,
  type DescribeExecutionInput,
  type ListExecutionsInput,
  type SendTaskFailureInput,
  type SendTaskSuccessInput,
  type StartExecutionInput,
  type StopExecutionInput,
} from '@aws-sdk/client-sfn';
import type { ExecutionStatus, LocalStepFunctions } from './runner.ts';

const meta = { httpStatusCode: 200, requestId: 'local' };

const ERRORS = { ExecutionAlreadyExists, ExecutionDoesNotExist, StateMachineDoesNotExist, InvalidToken, TaskTimedOut, InvalidOutput };

function sdkError(err: unknown): unknown {
  const e = err as { name?: string; message?: string };
  const opts = { message: e.message ?? 'error', $metadata: { httpStatusCode: 400 } };
  const known = ERRORS[e.name as keyof typeof ERRORS];
  return known ? new known(opts) : err;
}

/** ListExecutions pages: `nextToken` is the offset of the next page. */
function listExecutions(runner: LocalStepFunctions, i: ListExecutionsInput) {
  const all = runner.listExecutions({ stateMachineArn: i.stateMachineArn, status: i.statusFilter as ExecutionStatus | undefined });
  const start = i.nextToken ? Number(i.nextToken) : 0;
  const size = i.maxResults && i.maxResults > 0 ? i.maxResults : 100;
  const page = all.slice(start, start + size);
  return {
    executions: page.map(({ executionArn, stateMachineArn, name, status, startDate, stopDate }) => ({ executionArn, stateMachineArn, name, status, startDate, stopDate })),
    nextToken: start + size < all.length ? String(start + size) : undefined,
  };
}

export function localSfnClient(runner: LocalStepFunctions, region: string): SFNClient {
  const client = new SFNClient({ region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = args.input as unknown;
      const answer = (output: object) => ({ output: { $metadata: meta, ...output }, response: {} });
      try {
        switch (context.commandName) {
          case 'StartExecutionCommand': {
            const i = input as StartExecutionInput;
            const e = runner.startExecution(i.stateMachineArn!, i.name, i.input ?? '{}');
            return answer({ executionArn: e.executionArn, startDate: e.startDate });
          }
          case 'DescribeExecutionCommand': {
            const e = runner.describeExecution((input as DescribeExecutionInput).executionArn!);
            const { executionArn, stateMachineArn, name, status, startDate, stopDate, input: execInput, output, error, cause } = e;
            return answer({ executionArn, stateMachineArn, name, status, startDate, stopDate, input: execInput, output, error, cause });
          }
          case 'StopExecutionCommand': {
            const i = input as StopExecutionInput;
            const e = runner.stopExecution(i.executionArn!, i.error, i.cause);
            return answer({ stopDate: e.stopDate });
          }
          case 'ListExecutionsCommand':
            return answer(listExecutions(runner, input as ListExecutionsInput));
          case 'SendTaskSuccessCommand': {
            const i = input as SendTaskSuccessInput;
            runner.sendTaskSuccess(i.taskToken!, i.output ?? '');
            return answer({});
          }
          case 'SendTaskFailureCommand': {
            const i = input as SendTaskFailureInput;
            runner.sendTaskFailure(i.taskToken!, i.error, i.cause);
            return answer({});
          }
          default:
            throw new Error(`${context.commandName} is not available in the local control plane`);
        }
      } catch (err) {
        throw sdkError(err);
      }
    },
    { step: 'initialize', name: 'localStepFunctions', priority: 'high' },
  );
  return client;
}
