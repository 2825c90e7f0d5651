/**
 * Task tokens of the local Step Functions runner: a `waitForTaskToken` state gets a fresh token,
 * and waits until `SendTaskSuccess` or `SendTaskFailure` names it. A token answers once; after
 * its task ended (answered, timed out, execution stopped) it is refused with `TaskTimedOut`, and a
 * token never issued with `InvalidToken`, as Step Functions does.
 */
import { randomBytes } from 'node:crypto';

interface OpenToken {
  executionArn: string;
  state: string;
  /** Epoch ms after which the state has timed out (the runner scales the state's TimeoutSeconds). */
  expiresAt: number;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

export class TaskTokenError extends Error {
  constructor(name: 'InvalidToken' | 'TaskTimedOut' | 'InvalidOutput', message: string) {
    super(message);
    this.name = name;
  }
}

/** What SendTaskFailure's `error` and `cause` become: the failed state's error name and cause. */
export class TaskFailure extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class TaskTokens {
  private readonly open = new Map<string, OpenToken>();
  private readonly closed = new Set<string>();

  /** A fresh token for `state` of `executionArn`, and the promise its answer settles. */
  issue(executionArn: string, state: string, timeoutMs: number): { token: string; answer: Promise<unknown> } {
    const token = randomBytes(48).toString('base64url');
    const answer = new Promise<unknown>((resolve, reject) => {
      this.open.set(token, { executionArn, state, expiresAt: Date.now() + timeoutMs, resolve, reject });
    });
    // An execution may end (stopped, failed elsewhere) without anyone awaiting its answer.
    answer.catch(() => undefined);
    return { token, answer };
  }

  succeed(token: string, output: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new TaskTokenError('InvalidOutput', 'The provided JSON output data is invalid.');
    }
    this.take(token).resolve(parsed);
  }

  fail(token: string, error: string | undefined, cause: string | undefined): void {
    this.take(token).reject(new TaskFailure(error ?? '', cause ?? ''));
  }

  /**
   * Closes every token of an execution that ended: later answers are refused, and a state still
   * waiting (its execution stopped) lets go, so nothing of it lingers.
   */
  closeExecution(executionArn: string): void {
    for (const [token, entry] of this.open) {
      if (entry.executionArn !== executionArn) continue;
      this.open.delete(token);
      this.closed.add(token);
      entry.reject(new TaskFailure('States.Aborted', 'the execution ended while the task waited for its token'));
    }
  }

  /** Closes one token whose state ended another way (its handler failed). */
  close(token: string): void {
    if (this.open.delete(token)) this.closed.add(token);
  }

  /** Tokens still awaiting an answer. */
  pending(): Array<{ executionArn: string; state: string }> {
    return [...this.open.values()].filter((t) => t.expiresAt > Date.now()).map(({ executionArn, state }) => ({ executionArn, state }));
  }

  private take(token: string): OpenToken {
    const entry = this.open.get(token);
    if (entry && entry.expiresAt > Date.now()) {
      this.open.delete(token);
      this.closed.add(token);
      return entry;
    }
    if (entry || this.closed.has(token)) {
      this.close(token);
      throw new TaskTokenError('TaskTimedOut', 'Task Timed Out: the task token has expired or its task has already ended.');
    }
    throw new TaskTokenError('InvalidToken', 'Invalid Token: the task token was not issued by this Step Functions service.');
  }
}
