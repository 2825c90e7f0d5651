import { describe, expect, it } from 'vitest';
import { createFailoverBodySchema, failoverFleetProblems } from '#shared/domain/failover-request.ts';

const fleet = { primaryRegion: 'eu-west-1', drRegion: 'eu-central-1', cells: [{ id: 'cell-a' }, { id: 'cell-b' }] } as Parameters<typeof failoverFleetProblems>[1];
const ok = { scope: 'tenant', tenantId: 'globex', fromRegion: 'eu-west-1', toRegion: 'eu-central-1', mode: 'unplanned', reason: 'eu-west-1 is down' };
const issues = (body: unknown) => {
  const r = createFailoverBodySchema.safeParse(body);
  return r.success ? [] : r.error.issues.map((i) => [i.path.join('.'), i.message]);
};

describe('a failover request', () => {
  it('accepts each scope with what it needs', () => {
    expect(issues(ok)).toEqual([]);
    expect(issues({ ...ok, scope: 'cell', tenantId: undefined, cell: 'cell-a' })).toEqual([]);
    expect(issues({ ...ok, scope: 'region', tenantId: undefined, mode: 'planned', force: true })).toEqual([]);
  });

  it('names each field to fix', () => {
    expect(issues({ ...ok, tenantId: undefined })).toEqual([['tenantId', 'is required when scope is tenant']]);
    expect(issues({ ...ok, scope: 'region' })).toEqual([['tenantId', 'only goes with scope tenant']]);
    expect(issues({ ...ok, scope: 'cell', tenantId: undefined })).toEqual([['cell', 'is required when scope is cell']]);
    expect(issues({ ...ok, toRegion: 'eu-west-1' })).toEqual([['toRegion', 'must differ from fromRegion']]);
    expect(issues({ ...ok, force: true })).toEqual([['force', 'only applies to a planned switchover']]);
    expect(issues({ ...ok, reason: '  ' })).toEqual([['reason', 'must say why (it goes on every record of the failover)']]);
    expect(issues({ ...ok, region: 'x' })[0]?.[0]).toBe('');
    expect(issues({ ...ok, fromRegion: 'Ireland' })).toEqual([['fromRegion', 'must be a region name such as eu-west-1']]);
  });

  it('must go between the fleet\'s regions and name a cell it has', () => {
    const parsed = createFailoverBodySchema.parse({ ...ok, scope: 'cell', tenantId: undefined, cell: 'cell-z', toRegion: 'us-east-1' });
    expect(failoverFleetProblems(parsed, fleet)).toEqual([
      { path: 'toRegion', message: "must be one of the fleet's regions: eu-west-1, eu-central-1" },
      { path: 'cell', message: 'is not a cell of the fleet (cell-a, cell-b)' },
    ]);
    expect(failoverFleetProblems(createFailoverBodySchema.parse(ok), fleet)).toEqual([]);
  });
});
