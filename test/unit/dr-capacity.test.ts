import { describe, expect, it } from 'vitest';
import { addNeeds, dedicatedNeed, judgeCapacity, NO_NEED, standardInstanceVcpus } from '#shared/domain/dr-capacity.ts';

const nodeGroup = { instanceType: 'm6i.2xlarge', minSize: 2, desiredSize: 3, maxSize: 6 };

describe('the vCPUs the On-Demand Standard quota counts per instance', () => {
  it('follow the size across the standard families', () => {
    expect(['m6i.large', 'c7g.xlarge', 'r6i.2xlarge', 'm5zn.6xlarge', 'c5.9xlarge', 'm6i.32xlarge', 'im4gn.4xlarge'].map(standardInstanceVcpus)).toEqual([2, 4, 8, 24, 36, 128, 16]);
    expect(standardInstanceVcpus('m6g.medium')).toBe(1);
  });

  it('give the burstable families their 2 vCPUs at small sizes (1 for t2 below medium)', () => {
    expect(['t3.micro', 't3a.small', 't4g.medium', 't3.large', 't2.small', 't2.medium'].map(standardInstanceVcpus)).toEqual([2, 2, 2, 2, 1, 2]);
  });

  it('are unknown for types other quotas count, or sizes not in the table', () => {
    expect(['g5.xlarge', 'p4d.24xlarge', 'x2idn.16xlarge', 'inf2.xlarge', 'trn1.2xlarge', 'hpc7g.16xlarge', 'dl1.24xlarge', 'm6i.metal'].map(standardInstanceVcpus)).toEqual(Array(8).fill(null));
  });
});

describe("a dedicated tenant's need in the region being activated", () => {
  it('is its whole node group, and the node group itself, when none is there', () => {
    expect(dedicatedNeed('pilot-light', nodeGroup, false)).toEqual({ vcpus: 24, nodegroups: 1, what: '3 more m6i.2xlarge nodes in a new node group' });
  });

  it('is what a warm standby adds to the one node it keeps there', () => {
    expect(dedicatedNeed('warm-standby', nodeGroup, true)).toEqual({ vcpus: 16, nodegroups: 0, what: '2 more m6i.2xlarge nodes' });
  });

  it('is the whole node group again when a pilot-light one left there is at zero', () => {
    expect(dedicatedNeed('pilot-light', nodeGroup, true)).toMatchObject({ vcpus: 24, nodegroups: 0 });
  });

  it('adds up over units, unknown once any unit is', () => {
    expect(addNeeds(dedicatedNeed('pilot-light', nodeGroup, false), dedicatedNeed('warm-standby', nodeGroup, true))).toMatchObject({ vcpus: 40, nodegroups: 1 });
    expect(addNeeds(NO_NEED, dedicatedNeed('pilot-light', { ...nodeGroup, instanceType: 'g5.xlarge' }, false)).vcpus).toBeNull();
  });
});

describe('a need against the headroom', () => {
  const need = dedicatedNeed('pilot-light', nodeGroup, false);

  it('fits when both quotas leave room, saying how much', () => {
    expect(judgeCapacity(need, { quota: 64, used: 20 }, { quota: 30, used: 4 })).toEqual({
      fits: true,
      detail: '3 more m6i.2xlarge nodes in a new node group: needs 24 vCPU, 44 free of 64 (L-1216C47A); needs 1 node group, 26 free of 30 (L-6D54EA21)',
    });
  });

  it('does not fit when either quota is short, usage beyond the quota counting as none free', () => {
    expect(judgeCapacity(need, { quota: 64, used: 50 }, { quota: 30, used: 4 }).fits).toBe(false);
    expect(judgeCapacity(need, { quota: 64, used: 0 }, { quota: 30, used: 30 }).fits).toBe(false);
    expect(judgeCapacity(need, { quota: 64, used: 80 }, { quota: 30, used: 0 }).detail).toContain('needs 24 vCPU, 0 free of 64 (L-1216C47A)');
  });

  it('never refuses on an unknown headroom or an unknown need', () => {
    expect(judgeCapacity(need, { unknown: 'AccessDeniedException' }, { unknown: 'ThrottlingException' })).toEqual({
      fits: true,
      detail: '3 more m6i.2xlarge nodes in a new node group: needs 24 vCPU, headroom unknown (L-1216C47A: AccessDeniedException); needs 1 node group, headroom unknown (L-6D54EA21: ThrottlingException)',
    });
    expect(judgeCapacity({ ...need, vcpus: null }, { quota: 1, used: 1 }, { quota: 30, used: 0 })).toMatchObject({ fits: true });
  });

  it('needs nothing for a cell', () => {
    expect(judgeCapacity(NO_NEED, { quota: 0, used: 0 }, { quota: 0, used: 0 })).toEqual({ fits: true, detail: "no extra compute needed (the cell's node pool runs there already)" });
  });
});
