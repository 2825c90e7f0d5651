import { describe, it, expect } from 'vitest';
import {
  DEFAULT_VERDICT_POLICY,
  verdict,
  verdictPolicy,
  type BakeMetrics,
  type VerdictInput,
} from '#shared/domain/release-verdict.ts';
import { AppError } from '#shared/lib/errors.ts';

/** A healthy tenant after a 15-minute bake: every figure present and within the default policy. */
function healthy(overrides: { metrics?: BakeMetrics } & Partial<Omit<VerdictInput, 'metrics'>> = {}): VerdictInput {
  return {
    windowSeconds: 900,
    alarms: [{ name: 'acme-5xx', state: 'OK' }],
    checks: [
      { name: 'login', result: 'pass' },
      { name: 'read-sale-order', result: 'pass' },
      { name: 'stock-availability', result: 'pass' },
    ],
    ...overrides,
    metrics: {
      requests: 1000,
      errors5xx: 2,
      p95LatencyMs: 400,
      baselineP95LatencyMs: 350,
      queueBacklogStart: 10,
      queueBacklogEnd: 12,
      ...overrides.metrics,
    },
  };
}

describe('verdict', () => {
  describe('pass', () => {
    it('passes a tenant whose every figure and check is healthy, and says why', () => {
      // Act
      const result = verdict(healthy());

      // Assess
      expect(result.outcome).toBe('pass');
      expect(result.reasons).toEqual([
        'alarm acme-5xx is OK',
        '1000 requests over 900 s, at least 100',
        '5xx rate 0.2% (2 of 1000 requests) within 1.0% over 900 s',
        'p95 latency 400 ms within 1.5 x baseline 350 ms = 525 ms over 900 s',
        'queue backlog went from 10 to 12 jobs over 900 s: growth within 100',
        'check login passed',
        'check read-sale-order passed',
        'check stock-availability passed',
      ]);
    });

    it('passes with no alarm defined: alarms add evidence, metrics and checks are required', () => {
      expect(verdict(healthy({ alarms: [] })).outcome).toBe('pass');
    });

    it('passes a shrinking queue backlog', () => {
      expect(verdict(healthy({ metrics: { queueBacklogStart: 500, queueBacklogEnd: 3 } })).outcome).toBe('pass');
    });

    it('gives the same verdict for the same input', () => {
      expect(verdict(healthy({ metrics: { errors5xx: 50 } }))).toEqual(verdict(healthy({ metrics: { errors5xx: 50 } })));
    });
  });

  describe('fail', () => {
    it('fails when an alarm is in ALARM', () => {
      const result = verdict(healthy({ alarms: [{ name: 'acme-5xx', state: 'OK' }, { name: 'acme-db-cpu', state: 'ALARM' }] }));

      expect(result).toMatchObject({ outcome: 'fail', reasons: ['alarm acme-db-cpu is in ALARM'] });
    });

    it('fails a 5xx rate above the threshold, naming the figures', () => {
      const result = verdict(healthy({ metrics: { errors5xx: 42 } }));

      expect(result).toMatchObject({ outcome: 'fail', reasons: ['5xx rate 4.2% (42 of 1000 requests) above 1.0% over 900 s'] });
    });

    it('fails a p95 latency above the baseline times the factor', () => {
      const result = verdict(healthy({ metrics: { p95LatencyMs: 1201, baselineP95LatencyMs: 800 } }));

      expect(result).toMatchObject({ outcome: 'fail', reasons: ['p95 latency 1201 ms above 1.5 x baseline 800 ms = 1200 ms over 900 s'] });
    });

    it('fails a queue backlog that grew by more than allowed', () => {
      const result = verdict(healthy({ metrics: { queueBacklogStart: 12, queueBacklogEnd: 352 } }));

      expect(result).toMatchObject({ outcome: 'fail', reasons: ['queue backlog went from 12 to 352 jobs over 900 s: grew by 340, more than 100'] });
    });

    it('fails a failed business check, with its detail', () => {
      const checks = [
        { name: 'login', result: 'pass' as const },
        { name: 'read-sale-order', result: 'fail' as const, detail: 'HTTP 500 on /web/dataset/call_kw' },
        { name: 'stock-availability', result: 'pass' as const },
      ];

      const result = verdict(healthy({ checks }));

      expect(result).toMatchObject({ outcome: 'fail', reasons: ['check read-sale-order failed: HTTP 500 on /web/dataset/call_kw'] });
    });

    it('lists every failure, in the order they were looked at', () => {
      const result = verdict(
        healthy({
          alarms: [{ name: 'acme-5xx', state: 'ALARM' }],
          metrics: { errors5xx: 300, p95LatencyMs: 5000 },
          checks: [{ name: 'login', result: 'fail' }],
        }),
      );

      expect(result.outcome).toBe('fail');
      expect(result.reasons).toEqual([
        'alarm acme-5xx is in ALARM',
        '5xx rate 30.0% (300 of 1000 requests) above 1.0% over 900 s',
        'p95 latency 5000 ms above 1.5 x baseline 350 ms = 525 ms over 900 s',
        'check login failed',
      ]);
    });
  });

  describe('inconclusive', () => {
    it('never passes with fewer requests than the minimum', () => {
      const result = verdict(healthy({ metrics: { requests: 99, errors5xx: 0 } }));

      expect(result).toMatchObject({ outcome: 'inconclusive', reasons: ['99 requests over 900 s, fewer than the 100 needed to pass'] });
    });

    it('says nothing about a 5xx rate over no request at all', () => {
      const result = verdict(healthy({ metrics: { requests: 0, errors5xx: 0 } }));

      expect(result.outcome).toBe('inconclusive');
      expect(result.findings.map((f) => f.subject)).not.toContain('5xx rate');
    });

    it('is inconclusive when an alarm has insufficient data', () => {
      const result = verdict(healthy({ alarms: [{ name: 'acme-latency', state: 'INSUFFICIENT_DATA' }] }));

      expect(result).toMatchObject({ outcome: 'inconclusive', reasons: ['alarm acme-latency has insufficient data'] });
    });

    it('is inconclusive when a check could not run: the prober failing says nothing about the tenant', () => {
      const checks = [
        { name: 'login', result: 'pass' as const },
        { name: 'read-sale-order', result: 'error' as const, detail: 'prober timed out' },
        { name: 'stock-availability', result: 'pass' as const },
      ];

      const result = verdict(healthy({ checks }));

      expect(result).toMatchObject({ outcome: 'inconclusive', reasons: ['check read-sale-order could not run: prober timed out'] });
    });

    it('is inconclusive when a required check did not report', () => {
      const result = verdict(healthy({ checks: [{ name: 'login', result: 'pass' }] }));

      expect(result).toMatchObject({
        outcome: 'inconclusive',
        reasons: ['check read-sale-order did not report', 'check stock-availability did not report'],
      });
    });

    it.each([
      ['requests', 'no request count over 900 s'],
      ['errors5xx', 'no 5xx count over 900 s'],
      ['p95LatencyMs', 'no p95 latency over 900 s'],
      ['baselineP95LatencyMs', 'p95 latency 400 ms over 900 s, but no baseline to compare it with'],
      ['queueBacklogStart', 'no queue backlog at both ends of the window over 900 s'],
      ['queueBacklogEnd', 'no queue backlog at both ends of the window over 900 s'],
    ] as const)('is inconclusive when %s is missing', (metric, reason) => {
      // Prepare
      const input = healthy();
      delete input.metrics[metric];

      // Act
      const result = verdict(input);

      // Assess
      expect(result).toMatchObject({ outcome: 'inconclusive', reasons: [reason] });
    });

    it.each([Number.NaN, Number.POSITIVE_INFINITY, -1])('treats %s as a missing figure', (value) => {
      const result = verdict(healthy({ metrics: { p95LatencyMs: value } }));

      expect(result).toMatchObject({ outcome: 'inconclusive', reasons: ['no p95 latency over 900 s'] });
    });

    it('treats a zero baseline as missing rather than failing every latency', () => {
      const result = verdict(healthy({ metrics: { baselineP95LatencyMs: 0 } }));

      expect(result.outcome).toBe('inconclusive');
    });

    it('reports every gap', () => {
      const result = verdict({ windowSeconds: 600, alarms: [], metrics: {}, checks: [] });

      expect(result.outcome).toBe('inconclusive');
      expect(result.reasons).toEqual([
        'no request count over 600 s',
        'no p95 latency over 600 s',
        'no queue backlog at both ends of the window over 600 s',
        'check login did not report',
        'check read-sale-order did not report',
        'check stock-availability did not report',
      ]);
    });
  });

  describe('combinations', () => {
    it('fails when something failed, even with too little traffic', () => {
      const result = verdict(healthy({ metrics: { requests: 20, errors5xx: 0 }, checks: [{ name: 'login', result: 'fail' }] }));

      expect(result.outcome).toBe('fail');
      expect(result.reasons).toEqual(['check login failed']);
    });

    it('fails a 5xx breach over too little traffic', () => {
      const result = verdict(healthy({ metrics: { requests: 20, errors5xx: 20 } }));

      expect(result).toMatchObject({ outcome: 'fail', reasons: ['5xx rate 100.0% (20 of 20 requests) above 1.0% over 900 s'] });
    });

    it('lets a failure dominate missing data, and keeps the gaps among the findings', () => {
      // Act
      const result = verdict(healthy({ alarms: [{ name: 'acme-5xx', state: 'ALARM' }], metrics: { p95LatencyMs: undefined } }));

      // Assess
      expect(result).toMatchObject({ outcome: 'fail', reasons: ['alarm acme-5xx is in ALARM'] });
      expect(result.findings).toContainEqual({ subject: 'p95 latency', outcome: 'inconclusive', reason: 'no p95 latency over 900 s' });
    });

    it('lets a failed check dominate one that could not run', () => {
      const checks = [
        { name: 'login', result: 'error' as const },
        { name: 'read-sale-order', result: 'fail' as const },
        { name: 'stock-availability', result: 'pass' as const },
      ];

      expect(verdict(healthy({ checks })).outcome).toBe('fail');
    });
  });

  describe('boundaries', () => {
    it.each([
      ['a 5xx rate exactly at the threshold', { errors5xx: 10 }, 'pass'],
      ['a 5xx rate just above it', { errors5xx: 11 }, 'fail'],
      ['a p95 latency exactly at the baseline times the factor', { p95LatencyMs: 1200, baselineP95LatencyMs: 800 }, 'pass'],
      ['a p95 latency just above it', { p95LatencyMs: 1200.5, baselineP95LatencyMs: 800 }, 'fail'],
      ['a backlog growth exactly at the limit', { queueBacklogStart: 12, queueBacklogEnd: 112 }, 'pass'],
      ['a backlog growth just above it', { queueBacklogStart: 12, queueBacklogEnd: 113 }, 'fail'],
      ['exactly the minimum traffic', { requests: 100, errors5xx: 0 }, 'pass'],
      ['one request short of it', { requests: 99, errors5xx: 0 }, 'inconclusive'],
    ] as const)('gives %s a %s verdict', (_case, metrics, outcome) => {
      expect(verdict(healthy({ metrics })).outcome).toBe(outcome);
    });
  });
});

describe('verdictPolicy', () => {
  it('defaults to 1 % 5xx, 1.5 x baseline latency, 100 jobs of backlog growth, 100 requests and three business checks', () => {
    expect(verdictPolicy()).toEqual({
      maxErrorRate: 0.01,
      maxLatencyFactor: 1.5,
      maxBacklogGrowth: 100,
      minRequests: 100,
      requiredChecks: ['login', 'read-sale-order', 'stock-availability'],
    });
    expect(verdictPolicy()).toEqual(DEFAULT_VERDICT_POLICY);
  });

  it('applies a release\'s overrides and ignores the ones left undefined', () => {
    // Prepare
    const policy = verdictPolicy({ maxErrorRate: 0.05, minRequests: undefined });

    // Act
    const result = verdict(healthy({ metrics: { errors5xx: 42 } }), policy);

    // Assess
    expect(policy.minRequests).toBe(100);
    expect(result.outcome).toBe('pass');
    expect(result.reasons).toContain('5xx rate 4.2% (42 of 1000 requests) within 5.0% over 900 s');
  });

  it('writes small percentages with two decimals', () => {
    const result = verdict(healthy({ metrics: { errors5xx: 1 } }), verdictPolicy({ maxErrorRate: 0.0005 }));

    expect(result.reasons).toEqual(['5xx rate 0.1% (1 of 1000 requests) above 0.05% over 900 s']);
  });

  it('requires only the checks the policy names', () => {
    const policy = verdictPolicy({ requiredChecks: ['login'] });

    expect(verdict(healthy({ checks: [{ name: 'login', result: 'pass' }] }), policy).outcome).toBe('pass');
  });

  it('refuses figures that make no sense, naming each', () => {
    // Act
    let error: unknown;
    try {
      verdictPolicy({ maxErrorRate: 1.5, maxLatencyFactor: 0.9, maxBacklogGrowth: -1, minRequests: 2.5, requiredChecks: [''] });
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ name: 'ValidationError', message: 'invalid verdict policy' });
    expect((error as AppError).details.map((d) => d.path)).toEqual([
      'maxErrorRate',
      'maxLatencyFactor',
      'maxBacklogGrowth',
      'minRequests',
      'requiredChecks',
    ]);
  });
});
