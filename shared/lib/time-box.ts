/**
 * A call into the region being left is optional and time-boxed: a dead region must cost a failover
 * at most this long per call, and its error (or silence) is an answer, never a failure.
 */
export type Boxed<T> = { ok: true; value: T } | { ok: false; error: string };

export async function timeBoxed<T>(work: () => Promise<T>, seconds: number, what: string): Promise<Boxed<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Boxed<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `${what}: no answer within ${seconds} s` }), seconds * 1000);
    timer.unref?.();
  });
  // Through a promise, so work that throws before returning one is an answer too.
  const attempt = Promise.resolve()
    .then(work)
    .then(
    (value): Boxed<T> => ({ ok: true, value }),
    (err: unknown): Boxed<T> => ({ ok: false, error: `${what}: ${(err as Error).name ?? 'Error'}: ${(err as Error).message ?? String(err)}` }),
  );
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
