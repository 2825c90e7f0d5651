/**
 * Starts the local control plane for a test file (fast time scale, fixed seed) and offers the few
 * things workflow and end-to-end tests keep doing: call the API, wait for an operation to end.
 */
import { startLocalControlPlane, type LocalControlPlane } from '#local/control-plane.ts';
import type { Operation } from '#shared/domain/types.ts';

export const TEST_TIME_SCALE = 0.0005;

export async function startPlane(options: { timeScale?: number } = {}): Promise<LocalControlPlane> {
  return startLocalControlPlane({ port: 0, timeScale: options.timeScale ?? TEST_TIME_SCALE, seed: 7 });
}

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function api<T = Record<string, unknown>>(
  plane: LocalControlPlane,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer<T>> {
  const res = await fetch(`${plane.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** Polls the operation until it leaves PENDING/RUNNING; gives up after `maxPolls` (never on wall-clock). */
export async function waitForOperation(plane: LocalControlPlane, operationId: string, maxPolls = 4000): Promise<Operation> {
  for (let i = 0; i < maxPolls; i++) {
    const op = await plane.repo.getOperation(operationId);
    if (op && !['PENDING', 'RUNNING'].includes(op.status)) {
      // Its execution may still be running its last state (the record is written before it ends);
      // only that one is waited for: another may wait for a human for as long as a test likes.
      const execution = op.executionArn ? plane.runner.listExecutions().find((e) => e.executionArn === op.executionArn) : undefined;
      if (execution) await execution.done;
      else await plane.runner.idle();
      return (await plane.repo.getOperation(operationId))!;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`operation ${operationId} did not end after ${maxPolls} polls`);
}

export function tenantBody(tenantId: string, profile: Partial<{ criticality: string; customization: string; compliance: string[]; expectedUsers: number }> = {}, extra: Record<string, unknown> = {}) {
  return {
    tenantId,
    displayName: `Tenant ${tenantId}`,
    odooVersion: '17.0',
    profile: { criticality: 'low', customization: 'light', compliance: [], expectedUsers: 20, ...profile },
    ...extra,
  };
}

export const dedicatedProfile = { criticality: 'critical', customization: 'heavy', compliance: ['PCI'], expectedUsers: 300 };
