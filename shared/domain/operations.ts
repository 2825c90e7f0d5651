/** A new operation record, PENDING with no steps, as the API writes it before starting a workflow. */
import type { Operation, OperationType } from './types.ts';

export function pendingOperation(input: { operationId: string; type: OperationType; tenantId: string; requestedBy: string; at: string }): Operation {
  return {
    operationId: input.operationId,
    type: input.type,
    tenantId: input.tenantId,
    status: 'PENDING',
    requestedBy: input.requestedBy,
    createdAt: input.at,
    updatedAt: input.at,
    steps: [],
  };
}
