/**
 * Retries a Kubernetes API call that the server throttled (429) or could not serve (5xx), the way
 * client-go does, before the error reaches the workflow. A step applies a whole bundle in one
 * invocation; without this, one throttled object among twenty would fail the step each time.
 */
import { isTransient } from '#shared/lib/transient-errors.ts';
import type { KubernetesApi } from './kubernetes-api.ts';

export interface KubernetesRetryOptions {
  /** Calls in all, the first included. @default 4 */
  attempts?: number;
  /** Delay before retry n (1-based), in milliseconds. @default 200 * 2^(n-1), full jitter */
  delayMs?: (retry: number) => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultDelay = (retry: number) => Math.random() * 200 * 2 ** (retry - 1);
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function withKubernetesRetries(api: KubernetesApi, options: KubernetesRetryOptions = {}): KubernetesApi {
  const attempts = options.attempts ?? 4;
  const delayMs = options.delayMs ?? defaultDelay;
  const sleep = options.sleep ?? defaultSleep;
  const retrying =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await call(...args);
        } catch (err) {
          if (attempt >= attempts || !isTransient(err)) throw err;
          await sleep(delayMs(attempt));
        }
      }
    };
  return {
    apply: retrying(api.apply.bind(api)),
    get: retrying(api.get.bind(api)),
    delete: retrying(api.delete.bind(api)),
    list: retrying(api.list.bind(api)),
  };
}
