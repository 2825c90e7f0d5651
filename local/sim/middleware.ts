/**
 * Puts the simulated cloud in front of a real AWS SDK client: one middleware, placed after the SDK's
 * retry middleware, answers each command from the simulator instead of sending it, so adapters
 * keep their typed SDK calls, get AWS's error classes back, and throttling is retried by the SDK's
 * standard retry strategy as it would be in AWS. For S3, operations the simulator
 * does not answer itself continue down the stack to s3rver.
 */
import { randomUUID } from 'node:crypto';
import type { SimService } from './errors.ts';
import type { SimCloud } from './sim-cloud.ts';

type Output = Record<string, unknown>;
type Args = { input: object };
type Next = (args: Args) => Promise<{ output: Output; response: unknown }>;

export const SIMULATOR_MIDDLEWARE = 'simulatedCloud';

export function attachSimulator(client: { middlewareStack: unknown }, sim: SimCloud, service: SimService, region: string, options: { passThrough?: boolean } = {}): void {
  const stack = client.middlewareStack as { addRelativeTo(mw: unknown, opts: object): void };
  stack.addRelativeTo(
    (next: Next, context: { commandName?: string }) => async (args: Args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const output = await sim.call({
        service,
        region,
        operation,
        input: args.input,
        next: options.passThrough ? async (input?: object) => (await next(input ? { ...args, input } : args)).output : undefined,
      });
      return { output: { $metadata: { httpStatusCode: 200, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 }, ...output }, response: {} };
    },
    // After the SDK's own retry middleware, which signing follows: a throttled call is retried by
    // the SDK exactly as in AWS before Step Functions ever sees the error. Before signing: what the
    // simulator answers is never sent, so there is nothing to sign (S3 calls passed on to s3rver
    // still are, by the signing middleware after this one).
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: SIMULATOR_MIDDLEWARE },
  );
}
