/**
 * The verdict on one tenant after its bake window: pass, fail or inconclusive, with reasons that
 * name the figures. Any breached threshold, alarm in ALARM or failed business check fails; missing
 * data or too little traffic makes it inconclusive, which goes to a human and is never counted as
 * a pass; only complete, healthy evidence over enough traffic passes.
 *
 * A breach over little traffic still fails: rolling back a healthy tenant costs one bake, keeping
 * a broken one costs its users.
 */
import { validationError, type ErrorDetail } from '#shared/lib/errors.ts';

export type VerdictOutcome = 'pass' | 'fail' | 'inconclusive';

export interface VerdictPolicy {
  /** Largest share of requests answered 5xx, as a fraction (0.01 = 1 %). */
  maxErrorRate: number;
  /** p95 latency may reach the pre-release baseline times this factor. */
  maxLatencyFactor: number;
  /** Jobs the queue backlog may grow by over the bake window. */
  maxBacklogGrowth: number;
  /** Fewer requests than this over the window and the verdict cannot pass. */
  minRequests: number;
  /** Synthetic business checks that must each report; one missing makes the verdict inconclusive. */
  requiredChecks: readonly string[];
}

export const DEFAULT_VERDICT_POLICY: Readonly<VerdictPolicy> = Object.freeze({
  maxErrorRate: 0.01,
  maxLatencyFactor: 1.5,
  maxBacklogGrowth: 100,
  minRequests: 100,
  requiredChecks: Object.freeze(['login', 'read-sale-order', 'stock-availability']),
});

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/**
 * `fail`: the tenant answered wrongly or not at all. `error`: the check itself could not be carried
 * out (the prober failed), so it says nothing about the tenant.
 */
export type CheckResult = 'pass' | 'fail' | 'error';

/** Figures over the bake window; an absent, negative or non-finite figure counts as missing. */
export interface BakeMetrics {
  requests?: number;
  errors5xx?: number;
  p95LatencyMs?: number;
  /** p95 latency of the same tenant before the release. */
  baselineP95LatencyMs?: number;
  /** A tenant without a job queue reports 0 at both ends. */
  queueBacklogStart?: number;
  queueBacklogEnd?: number;
}

export interface VerdictInput {
  windowSeconds: number;
  alarms: readonly { name: string; state: AlarmState }[];
  metrics: BakeMetrics;
  checks: readonly { name: string; result: CheckResult; detail?: string }[];
}

export interface Finding {
  /** What was looked at: `alarm HighErrorRate`, `5xx rate`, `check login`, `traffic`... */
  subject: string;
  outcome: VerdictOutcome;
  reason: string;
}

export interface Verdict {
  outcome: VerdictOutcome;
  /** The reasons for the outcome: the failures if it failed, the gaps if inconclusive, the evidence if it passed. */
  reasons: string[];
  /** Everything looked at, in order: alarms, traffic, 5xx rate, latency, backlog, checks. */
  findings: Finding[];
}

export function verdict(input: VerdictInput, policy: VerdictPolicy = DEFAULT_VERDICT_POLICY): Verdict {
  const over = `over ${input.windowSeconds} s`;
  const findings = [
    ...alarmFindings(input.alarms),
    trafficFinding(input.metrics, policy, over),
    errorRateFinding(input.metrics, policy, over),
    latencyFinding(input.metrics, policy, over),
    backlogFinding(input.metrics, policy, over),
    ...checkFindings(input.checks, policy),
  ].filter((f): f is Finding => f !== null);
  const outcome: VerdictOutcome = findings.some((f) => f.outcome === 'fail')
    ? 'fail'
    : findings.some((f) => f.outcome === 'inconclusive')
      ? 'inconclusive'
      : 'pass';
  return { outcome, reasons: findings.filter((f) => f.outcome === outcome).map((f) => f.reason), findings };
}

/** The default policy with a release's overrides, refused when a figure makes no sense. */
export function verdictPolicy(overrides: Partial<VerdictPolicy> = {}): VerdictPolicy {
  const policy: VerdictPolicy = { ...DEFAULT_VERDICT_POLICY, ...definedOnly(overrides) };
  const details: ErrorDetail[] = [];
  const check = (path: keyof VerdictPolicy, ok: boolean, message: string) => {
    if (!ok) details.push({ path, message });
  };
  check('maxErrorRate', isFraction(policy.maxErrorRate), 'must be a fraction from 0 to 1');
  check('maxLatencyFactor', Number.isFinite(policy.maxLatencyFactor) && policy.maxLatencyFactor >= 1, 'must be 1 or more');
  check('maxBacklogGrowth', isCount(policy.maxBacklogGrowth), 'must be a whole number, 0 or more');
  check('minRequests', isCount(policy.minRequests), 'must be a whole number, 0 or more');
  check('requiredChecks', policy.requiredChecks.every((c) => typeof c === 'string' && c.length > 0), 'must name each check');
  if (details.length > 0) throw validationError('invalid verdict policy', details);
  return policy;
}

function alarmFindings(alarms: VerdictInput['alarms']): Finding[] {
  return alarms.map(({ name, state }) => {
    const subject = `alarm ${name}`;
    if (state === 'ALARM') return { subject, outcome: 'fail', reason: `alarm ${name} is in ALARM` };
    if (state === 'OK') return { subject, outcome: 'pass', reason: `alarm ${name} is OK` };
    return { subject, outcome: 'inconclusive', reason: `alarm ${name} has insufficient data` };
  });
}

function trafficFinding(m: BakeMetrics, policy: VerdictPolicy, over: string): Finding {
  const subject = 'traffic';
  if (!isFigure(m.requests)) return { subject, outcome: 'inconclusive', reason: `no request count ${over}` };
  if (m.requests < policy.minRequests) {
    return { subject, outcome: 'inconclusive', reason: `${m.requests} requests ${over}, fewer than the ${policy.minRequests} needed to pass` };
  }
  return { subject, outcome: 'pass', reason: `${m.requests} requests ${over}, at least ${policy.minRequests}` };
}

/** Null without requests: a rate over nothing says nothing, and the traffic finding already says so. */
function errorRateFinding(m: BakeMetrics, policy: VerdictPolicy, over: string): Finding | null {
  const subject = '5xx rate';
  if (!isFigure(m.requests) || m.requests === 0) return null;
  if (!isFigure(m.errors5xx)) return { subject, outcome: 'inconclusive', reason: `no 5xx count ${over}` };
  const rate = m.errors5xx / m.requests;
  const figures = `5xx rate ${percent(rate)} (${m.errors5xx} of ${m.requests} requests)`;
  if (rate > policy.maxErrorRate) return { subject, outcome: 'fail', reason: `${figures} above ${percent(policy.maxErrorRate)} ${over}` };
  return { subject, outcome: 'pass', reason: `${figures} within ${percent(policy.maxErrorRate)} ${over}` };
}

function latencyFinding(m: BakeMetrics, policy: VerdictPolicy, over: string): Finding {
  const subject = 'p95 latency';
  if (!isFigure(m.p95LatencyMs)) return { subject, outcome: 'inconclusive', reason: `no p95 latency ${over}` };
  if (!isFigure(m.baselineP95LatencyMs) || m.baselineP95LatencyMs === 0) {
    return { subject, outcome: 'inconclusive', reason: `p95 latency ${ms(m.p95LatencyMs)} ${over}, but no baseline to compare it with` };
  }
  const limit = m.baselineP95LatencyMs * policy.maxLatencyFactor;
  const figures = `p95 latency ${ms(m.p95LatencyMs)}`;
  const bound = `${policy.maxLatencyFactor} x baseline ${ms(m.baselineP95LatencyMs)} = ${ms(limit)}`;
  if (m.p95LatencyMs > limit) return { subject, outcome: 'fail', reason: `${figures} above ${bound} ${over}` };
  return { subject, outcome: 'pass', reason: `${figures} within ${bound} ${over}` };
}

function backlogFinding(m: BakeMetrics, policy: VerdictPolicy, over: string): Finding {
  const subject = 'queue backlog';
  if (!isFigure(m.queueBacklogStart) || !isFigure(m.queueBacklogEnd)) {
    return { subject, outcome: 'inconclusive', reason: `no queue backlog at both ends of the window ${over}` };
  }
  const growth = m.queueBacklogEnd - m.queueBacklogStart;
  const figures = `queue backlog went from ${m.queueBacklogStart} to ${m.queueBacklogEnd} jobs ${over}`;
  if (growth > policy.maxBacklogGrowth) {
    return { subject, outcome: 'fail', reason: `${figures}: grew by ${growth}, more than ${policy.maxBacklogGrowth}` };
  }
  return { subject, outcome: 'pass', reason: `${figures}: growth within ${policy.maxBacklogGrowth}` };
}

function checkFindings(checks: VerdictInput['checks'], policy: VerdictPolicy): Finding[] {
  const findings: Finding[] = checks.map(({ name, result, detail }) => {
    const subject = `check ${name}`;
    const suffix = detail ? `: ${detail}` : '';
    if (result === 'pass') return { subject, outcome: 'pass', reason: `check ${name} passed` };
    if (result === 'fail') return { subject, outcome: 'fail', reason: `check ${name} failed${suffix}` };
    return { subject, outcome: 'inconclusive', reason: `check ${name} could not run${suffix}` };
  });
  const reported = new Set(checks.map((c) => c.name));
  for (const name of policy.requiredChecks) {
    if (!reported.has(name)) findings.push({ subject: `check ${name}`, outcome: 'inconclusive', reason: `check ${name} did not report` });
  }
  return findings;
}

function isFigure(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isFraction(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= 1;
}

function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0;
}

/** At most two decimals, at least one: 4.2%, 1.0%, 0.05%. */
function percent(fraction: number): string {
  const hundredths = Math.round(fraction * 10_000);
  return `${(hundredths / 100).toFixed(hundredths % 10 === 0 ? 1 : 2)}%`;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

function definedOnly<T extends object>(overrides: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<T>;
}
