/**
 * `odooctl releases watch`: polls the release and prints what changed since the last poll (its
 * status, each wave's status and failures, the tenants per outcome) until the release ends.
 */
import { isTerminal } from '#shared/domain/release-lifecycle.ts';
import type { Release } from '#shared/domain/release-types.ts';

export const RELEASE_POLL_INTERVAL_MS = 1000;

const countsText = (r: Release) =>
  Object.entries(r.counts ?? {})
    .filter(([, n]) => n)
    .map(([o, n]) => `${o} ${n}`)
    .join(', ');

export function releaseProgressLines(before: Release | undefined, now: Release): string[] {
  const lines: string[] = [];
  const at = `[${now.updatedAt}]`;
  if (!before || before.status !== now.status) lines.push(`${at} release ${now.releaseId} ${now.status}${now.statusReason ? `: ${now.statusReason}` : ''}`);
  for (const w of now.waves) {
    const was = before?.waves.find((x) => x.index === w.index);
    if (was && (was.status !== w.status || was.failures !== w.failures)) {
      lines.push(`${at} wave ${w.index} (ring ${w.ring}, ${w.tenants} tenants) ${w.status}, failures ${w.failures}/${w.failureBudget}`);
    }
  }
  const counts = countsText(now);
  if (counts && (!before || countsText(before) !== counts)) lines.push(`${at} tenants: ${counts}`);
  return lines;
}

/** 0 when the release SUCCEEDED; 1 when it ended otherwise (rejected, halted, aborted, failed). */
export const releaseExitCode = (r: Release) => (r.status === 'SUCCEEDED' ? 0 : 1);

export interface ReleaseWatchIo {
  fetchRelease(): Promise<Release>;
  print(line: string): void;
  sleep(ms: number): Promise<void>;
}

export async function watchRelease(io: ReleaseWatchIo, intervalMs = RELEASE_POLL_INTERVAL_MS): Promise<number> {
  let before: Release | undefined;
  for (;;) {
    const now = await io.fetchRelease();
    for (const line of releaseProgressLines(before, now)) io.print(line);
    if (isTerminal(now.status)) return releaseExitCode(now);
    before = now;
    await io.sleep(intervalMs);
  }
}
