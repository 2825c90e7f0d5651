import { describe, expect, it } from 'vitest';
import { names } from '#shared/domain/names.ts';
import { idempotentOperationId, newOperationId } from '#shared/lib/ids.ts';

describe('newOperationId', () => {
  it('makes distinct ids that sort by creation time', () => {
    const early = newOperationId(new Date('2030-01-01T00:00:00Z'));
    const late = newOperationId(new Date('2030-01-01T00:00:01Z'));

    expect(early).toMatch(/^op-[0-9a-z]{26}$/);
    expect(early < late).toBe(true);
    expect(newOperationId(new Date('2030-01-01T00:00:00Z'))).not.toBe(early);
  });

  it('fits the longest tenant id in an execution name without being cut', () => {
    const tenantId = `a${'b'.repeat(30)}`;
    const operationId = newOperationId();

    expect(names.executionName(tenantId, 'offboard', operationId)).toBe(`${tenantId}-offboard-${operationId}`);
  });
});

describe('idempotentOperationId', () => {
  it('names the same operation for the same caller, key and first sighting, and another otherwise', () => {
    const at = new Date('2030-01-01T00:00:00Z');

    const id = idempotentOperationId('alice', 'k-1', at);

    expect(id).toMatch(/^op-[0-9a-z]{26}$/);
    expect(idempotentOperationId('alice', 'k-1', at)).toBe(id);
    expect(idempotentOperationId('bob', 'k-1', at)).not.toBe(id);
    expect(idempotentOperationId('alice', 'k-2', at)).not.toBe(id);
    expect(idempotentOperationId('alice', 'k-1', new Date('2030-01-02T00:00:00Z'))).not.toBe(id);
  });
});
