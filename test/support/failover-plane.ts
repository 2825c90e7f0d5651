/**
 * Failovers through the local control plane's API, for end-to-end tests: start one, read it, wait
 * for it to reach a state (and for its execution to end), inject and clear faults, write heartbeats.
 */
import { expect } from 'vitest';
import type { LocalControlPlane } from '#local/control-plane.ts';
import { writeHeartbeats } from '#functions/drill/write-heartbeats.ts';
import type { Failover, FailoverTenant } from '#shared/domain/failover-types.ts';
import { api } from './local-plane.ts';

export type FailoverView = { failover: Failover; tenants: FailoverTenant[] };
type Started = { status: number; body: FailoverView & { error?: { code: string; message: string } } };

export function failoverApi(plane: LocalControlPlane) {
  const view = async (id: string) => (await api<FailoverView>(plane, 'GET', `/v1/failovers/${id}`)).body;

  /** Polls until `until` holds (by default: the failover ended, its execution too). */
  async function waitForFailover(id: string, until: (f: Failover) => boolean = (f) => !!f.endedAt): Promise<FailoverView> {
    for (let i = 0; i < 6000; i++) {
      const v = await view(id);
      if (until(v.failover)) {
        if (v.failover.endedAt && v.failover.executionArn) await plane.runner.listExecutions().find((e) => e.executionArn === v.failover.executionArn)?.done;
        return view(id);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`failover ${id} did not get there`);
  }

  const start = (body: Record<string, unknown>, actor = 'alice'): Promise<Started> => api<Started['body']>(plane, 'POST', '/v1/failovers', body, { 'x-actor': actor });

  async function setFaults(rules: unknown[]): Promise<void> {
    const res = await api(plane, 'POST', '/_local/faults', { rules });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  const clearFaults = async () => void (await api(plane, 'DELETE', '/_local/faults'));

  /** One heartbeat into every active tenant's database, then five simulated seconds. */
  async function heartbeat(): Promise<void> {
    expect((await writeHeartbeats(plane.repo, plane.config)).failed).toEqual([]);
    plane.clock.advance(5);
  }

  return { view, waitForFailover, start, setFaults, clearFaults, heartbeat };
}
