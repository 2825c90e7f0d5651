/**
 * EventBridge Scheduler's schedule expressions, parsed and stepped in UTC: `rate(value unit)`,
 * `cron(minutes hours day-of-month month day-of-week year)` and the one-time `at(yyyy-mm-ddThh:mm:ss)`.
 * Pure: the local scheduler asks it when a schedule fires next after a given instant, and the
 * stack checks the fleet's drill schedules with it at synthesis.
 *
 * Cron follows Scheduler's rules: six fields; exactly one of day-of-month and day-of-week is `?`;
 * day-of-week counts 1 (SUN) to 7 (SAT); `,` `-` `*` `/` everywhere, `L` and `W` in day-of-month
 * (`L`, `LW`, `15W`), `L` and `#` in day-of-week (`L` is Saturday, `6L` the month's last Friday,
 * `3#2` its second Tuesday); names `JAN`-`DEC` and `SUN`-`SAT`; years 1970 to 2199. The smallest
 * step is a minute. What Scheduler refuses is refused here, with the field and the reason.
 */

export type ParsedExpression =
  | { kind: 'rate'; everyMs: number }
  | { kind: 'cron'; cron: CronSpec }
  | { kind: 'at'; atMs: number };

export interface CronSpec {
  minutes: readonly number[];
  hours: readonly number[];
  months: ReadonlySet<number>;
  years: ReadonlySet<number>;
  day: DayOfMonthSpec | DayOfWeekSpec;
}

interface DayOfMonthSpec {
  field: 'day-of-month';
  days: ReadonlySet<number>;
  /** `L`: the month's last day. */
  last: boolean;
  /** `LW`: the month's last weekday. */
  lastWeekday: boolean;
  /** `nW`: the weekday nearest day n, within the month. */
  nearestWeekday: readonly number[];
}

interface DayOfWeekSpec {
  field: 'day-of-week';
  /** 1 (SUN) to 7 (SAT). */
  days: ReadonlySet<number>;
  /** `nL`: the month's last day n of the week. */
  lastOfMonth: readonly number[];
  /** `n#k`: the month's k-th day n of the week. */
  nth: ReadonlyArray<{ day: number; n: number }>;
}

export class ScheduleExpressionError extends Error {
  override readonly name = 'ValidationException';
}

const MINUTE_MS = 60_000;
const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const RATE_UNITS: Record<string, number> = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: 24 * 60 * MINUTE_MS };

const fail = (expression: string, why: string): never => {
  throw new ScheduleExpressionError(`invalid schedule expression ${JSON.stringify(expression)}: ${why}`);
};

export function parseScheduleExpression(expression: string): ParsedExpression {
  const m = /^(rate|cron|at)\((.*)\)$/.exec(expression.trim());
  if (!m) return fail(expression, 'expected rate(...), cron(...) or at(...)');
  const [, kind, body] = m as unknown as [string, 'rate' | 'cron' | 'at', string];
  if (kind === 'rate') return parseRate(expression, body.trim());
  if (kind === 'at') return parseAt(expression, body.trim());
  return { kind: 'cron', cron: parseCron(expression, body.trim()) };
}

function parseRate(expression: string, body: string): ParsedExpression {
  const m = /^(\d+)\s+([a-z]+)$/.exec(body);
  if (!m) return fail(expression, 'a rate is "<value> <unit>", e.g. rate(5 minutes)');
  const value = Number(m[1]);
  const unit = m[2]!;
  if (!Number.isSafeInteger(value) || value < 1) return fail(expression, 'the rate value must be a positive whole number');
  const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
  const unitMs = RATE_UNITS[singular];
  if (unitMs === undefined) return fail(expression, `unknown unit "${unit}" (minute, hour or day)`);
  // As Scheduler: 1 takes the singular unit, anything else the plural.
  if ((value === 1) !== (unit === singular)) return fail(expression, value === 1 ? `use "${singular}" with 1` : `use "${singular}s" with ${value}`);
  return { kind: 'rate', everyMs: value * unitMs };
}

function parseAt(expression: string, body: string): ParsedExpression {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!m) return fail(expression, 'a one-time schedule is at(yyyy-mm-ddThh:mm:ss)');
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const atMs = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(atMs);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return fail(expression, `${body} is not a date and time`);
  return { kind: 'at', atMs };
}

interface FieldRules {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Names count from this value (1 for months and weekdays). */
  namesFrom?: number;
}

const FIELDS = {
  minutes: { name: 'minutes', min: 0, max: 59 },
  hours: { name: 'hours', min: 0, max: 23 },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, namesFrom: 1 },
  year: { name: 'year', min: FIRST_YEAR, max: LAST_YEAR },
} satisfies Record<string, FieldRules>;

function parseCron(expression: string, body: string): CronSpec {
  const fields = body.split(/\s+/);
  if (fields.length !== 6) return fail(expression, `cron takes 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`);
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) return fail(expression, 'exactly one of day-of-month and day-of-week must be "?"');
  return {
    minutes: [...values(expression, minutes, FIELDS.minutes)].sort((a, b) => a - b),
    hours: [...values(expression, hours, FIELDS.hours)].sort((a, b) => a - b),
    months: values(expression, month, FIELDS.month),
    years: values(expression, year, FIELDS.year),
    day: dow === '?' ? dayOfMonth(expression, dom) : dayOfWeek(expression, dow),
  };
}

function number(expression: string, token: string, rules: FieldRules): number {
  const upper = token.toUpperCase();
  const named = rules.names?.indexOf(upper) ?? -1;
  const value = named >= 0 ? named + (rules.namesFrom ?? 0) : /^\d+$/.test(token) ? Number(token) : NaN;
  if (!Number.isInteger(value)) return fail(expression, `"${token}" is not a value of ${rules.name}`);
  if (value < rules.min || value > rules.max) return fail(expression, `${rules.name} ${token} is outside ${rules.min}-${rules.max}`);
  return value;
}

/** `*`, `a`, `a-b`, each optionally `/step`, comma-separated. */
function values(expression: string, field: string, rules: FieldRules, item?: (part: string) => boolean): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    if (part === '') return fail(expression, `empty item in ${rules.name}`);
    if (item?.(part)) continue;
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) return fail(expression, `"${part}" has more than one "/" in ${rules.name}`);
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) && Number(stepText) > 0 ? Number(stepText) : fail(expression, `step "${stepText}" of ${rules.name} must be a positive whole number`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [rules.min, rules.max];
    else if (range!.includes('-')) {
      const [a, b, more] = range!.split('-');
      if (more !== undefined || !a || !b) return fail(expression, `"${range}" is not a range of ${rules.name}`);
      [from, to] = [number(expression, a, rules), number(expression, b, rules)];
      if (from > to) return fail(expression, `range ${range} of ${rules.name} runs backwards`);
    } else {
      from = number(expression, range!, rules);
      // `a/step` runs from a to the field's end.
      to = stepText === undefined ? from : rules.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

function dayOfMonth(expression: string, field: string): DayOfMonthSpec {
  let last = false;
  let lastWeekday = false;
  const nearestWeekday: number[] = [];
  const days = values(expression, field, FIELDS.dayOfMonth, (part) => {
    const upper = part.toUpperCase();
    if (upper === 'L') return (last = true);
    if (upper === 'LW') return (lastWeekday = true);
    const w = /^(\d+)W$/.exec(upper);
    if (w) return nearestWeekday.push(number(expression, w[1]!, FIELDS.dayOfMonth)) > 0;
    return false;
  });
  return { field: 'day-of-month', days, last, lastWeekday, nearestWeekday };
}

function dayOfWeek(expression: string, field: string): DayOfWeekSpec {
  const lastOfMonth: number[] = [];
  const nth: Array<{ day: number; n: number }> = [];
  let saturday = false;
  const days = values(expression, field, FIELDS.dayOfWeek, (part) => {
    const upper = part.toUpperCase();
    // `L` alone is the week's last day, Saturday.
    if (upper === 'L') return (saturday = true);
    const l = /^(\w+)L$/.exec(upper);
    if (l) return lastOfMonth.push(number(expression, l[1]!, FIELDS.dayOfWeek)) > 0;
    const hash = /^(\w+)#(\d+)$/.exec(upper);
    if (hash) {
      const n = Number(hash[2]);
      if (n < 1 || n > 5) return fail(expression, `"${part}": the week of the month is 1 to 5`);
      return nth.push({ day: number(expression, hash[1]!, FIELDS.dayOfWeek), n }) > 0;
    }
    return false;
  });
  if (saturday) days.add(7);
  return { field: 'day-of-week', days, lastOfMonth, nth };
}

const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
/** 1 (SUN) to 7 (SAT). */
const weekday = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 1;
const isWeekend = (y: number, m: number, d: number) => [1, 7].includes(weekday(y, m, d));

function nearestWeekdayOf(y: number, m: number, target: number): number | undefined {
  const last = daysInMonth(y, m);
  if (target > last) return undefined;
  const w = weekday(y, m, target);
  if (w === 7) return target === 1 ? 3 : target - 1; // Saturday: the Friday before, or Monday the 3rd
  if (w === 1) return target === last ? target - 2 : target + 1; // Sunday: the Monday after, or the Friday before
  return target;
}

function dayMatches(spec: CronSpec['day'], y: number, m: number, d: number): boolean {
  const last = daysInMonth(y, m);
  if (spec.field === 'day-of-month') {
    if (spec.days.has(d) || (spec.last && d === last)) return true;
    if (spec.lastWeekday) {
      let lw = last;
      while (isWeekend(y, m, lw)) lw -= 1;
      if (d === lw) return true;
    }
    return spec.nearestWeekday.some((n) => nearestWeekdayOf(y, m, n) === d);
  }
  const w = weekday(y, m, d);
  if (spec.days.has(w)) return true;
  if (spec.lastOfMonth.some((day) => day === w && d + 7 > last)) return true;
  return spec.nth.some((x) => x.day === w && Math.ceil(d / 7) === x.n);
}

/** The first instant a cron spec names strictly after `afterMs`, or undefined when none before 2200. */
export function nextCronFire(spec: CronSpec, afterMs: number): number | undefined {
  let t = new Date(Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  for (;;) {
    const y = t.getUTCFullYear();
    const m = t.getUTCMonth() + 1;
    const d = t.getUTCDate();
    if (y > LAST_YEAR) return undefined;
    if (!spec.years.has(y)) {
      t = new Date(Date.UTC(y + 1, 0, 1));
      continue;
    }
    if (!spec.months.has(m)) {
      t = new Date(Date.UTC(y, m, 1));
      continue;
    }
    if (dayMatches(spec.day, y, m, d)) {
      const h0 = t.getUTCHours();
      const mi0 = t.getUTCMinutes();
      for (const h of spec.hours) {
        if (h < h0) continue;
        const mi = spec.minutes.find((x) => h > h0 || x >= mi0);
        if (mi !== undefined) return Date.UTC(y, m - 1, d, h, mi);
      }
    }
    t = new Date(Date.UTC(y, m - 1, d + 1));
  }
}

/**
 * When a schedule fires next, strictly after `afterMs`. A rate counts from `anchorMs` (when the
 * schedule began), as Scheduler counts from the schedule's start; a one-time schedule fires once.
 */
export function nextFire(parsed: ParsedExpression, afterMs: number, anchorMs: number): number | undefined {
  switch (parsed.kind) {
    case 'rate': {
      if (afterMs < anchorMs) return anchorMs + parsed.everyMs;
      const periods = Math.floor((afterMs - anchorMs) / parsed.everyMs) + 1;
      return anchorMs + periods * parsed.everyMs;
    }
    case 'at':
      return parsed.atMs > afterMs ? parsed.atMs : undefined;
    case 'cron':
      return nextCronFire(parsed.cron, afterMs);
  }
}
