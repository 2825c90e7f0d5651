/**
 * An SFNClient answered by the local Step Functions runner, so the API handlers start and follow
 * executions with the same SDK calls they make in AWS.
 */
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StateMachineDoesNotExist,
  type DescribeExecutionInput,
  type StartExecutionInput,
} from '@aws-sdk/client-sfn';
import type { LocalStepFunctions } from './runner.ts';

const meta = { httpStatusCode: 200, requestId: 'local' };

function sdkError(err: unknown): unknown {
  const e = err as { name?: string; message?: string };
  const opts = { message: e.message ?? 'error', $metadata: { httpStatusCode: 400 } };
  if (e.name === 'ExecutionAlreadyExists') return new ExecutionAlreadyExists(opts);
  if (e.name === 'ExecutionDoesNotExist') return new ExecutionDoesNotExist(opts);
  if (e.name === 'StateMachineDoesNotExist') return new StateMachineDoesNotExist(opts);
  return err;
}

export function localSfnClient(runner: LocalStepFunctions, region: string): SFNClient {
  const client = new SFNClient({ region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = args.input as unknown;
      try {
        switch (context.commandName) {
          case 'StartExecutionCommand': {
            const i = input as StartExecutionInput;
            const e = runner.startExecution(i.stateMachineArn!, i.name, i.input ?? '{}');
            return { output: { $metadata: meta, executionArn: e.executionArn, startDate: e.startDate }, response: {} };
          }
          case 'DescribeExecutionCommand': {
            const e = runner.describeExecution((input as DescribeExecutionInput).executionArn!);
            const { executionArn, stateMachineArn, name, status, startDate, stopDate, input: execInput, output, error, cause } = e;
            return { output: { $metadata: meta, executionArn, stateMachineArn, name, status, startDate, stopDate, input: execInput, output, error, cause }, response: {} };
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
