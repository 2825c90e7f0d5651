/**
 * Answering a workflow that waits on a task token (the release's approval, a tenant's decision).
 * The token is taken from its record before the answer is sent; when the answer cannot be sent
 * for a reason worth retrying, the token is put back, so the same request can be made again.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { cloud } from '#shared/cloud/clients.ts';
import { conflict } from '#shared/lib/errors.ts';
import { stateMachineArn } from './workflow-start.ts';

/** The wait is over (timed out, or its execution ended): no answer can reach it any more. */
const WAIT_IS_OVER = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export type TaskAnswer = { output: Record<string, unknown> } | { error: string; cause: string };

/**
 * How long a call waits for the workflow to store its token: the status the caller saw is
 * written a moment before the waiting task stores its token, and an operator who acts in that
 * moment should not be told to retry.
 */
export const TOKEN_WAIT_MS = 3000;
const TOKEN_POLL_MS = 200;

/** Takes the token, waiting up to `TOKEN_WAIT_MS` for it to be stored; undefined when it never was. */
export async function takeWhenStored(take: () => Promise<string | undefined>, waitMs = TOKEN_WAIT_MS): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const token = await take();
    if (token || Date.now() >= deadline) return token;
    await new Promise((r) => setTimeout(r, TOKEN_POLL_MS));
  }
}

/** The region of the release workflow: task tokens are answered where their execution runs. */
const workflowRegion = () => stateMachineArn('release').split(':')[3]!;

/**
 * Sends `answer` on `token`. `putBack` restores the token when the send failed and may be retried;
 * a wait that is over is a Conflict saying so.
 */
export async function answerTask(token: string, answer: TaskAnswer, putBack: (token: string) => Promise<void>, what: string, region: string = workflowRegion()): Promise<void> {
  const sfn = cloud().sfn(region);
  try {
    if ('output' in answer) await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(answer.output) }));
    else await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: answer.error, cause: answer.cause.slice(0, 32_768) }));
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    if (WAIT_IS_OVER.has(name)) throw conflict(`The workflow no longer waits for ${what} (${name})`);
    await putBack(token);
    throw err;
  }
}
