import { describe, expect, it } from 'vitest';
import { standbyNodegroupSizing } from '#shared/domain/dr-compute.ts';

describe('the standby size of a dedicated node group in the region a tenant is not active in', () => {
  const sizing = { instanceType: 'm7g.xlarge', minSize: 2, desiredSize: 3, maxSize: 6 };

  it('is one node for warm standby, keeping the instance type and the maximum', () => {
    expect(standbyNodegroupSizing('warm-standby', sizing)).toEqual({ instanceType: 'm7g.xlarge', minSize: 1, desiredSize: 1, maxSize: 6 });
  });

  it('is zero nodes for pilot light (and for backup-restore), with a maximum EKS accepts', () => {
    expect(standbyNodegroupSizing('pilot-light', sizing)).toEqual({ instanceType: 'm7g.xlarge', minSize: 0, desiredSize: 0, maxSize: 6 });
    expect(standbyNodegroupSizing('backup-restore', { ...sizing, maxSize: 0 })).toMatchObject({ desiredSize: 0, maxSize: 1 });
  });
});
