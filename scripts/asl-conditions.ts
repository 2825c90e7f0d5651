/**
 * Short, readable forms of Choice rules for diagram edges: `$.database.ready == true`,
 * `$.count >= $.limit`, `$.error is present`, `not ($.a == "x")`, `($.a == 1 or $.b == 2) and $.c == 3`.
 */
export interface AslChoiceRule {
  Next: string;
  [k: string]: unknown;
}

const COMPARISONS: Array<[suffix: string, operator: string]> = [
  ['Equals', '=='],
  ['LessThanEquals', '<='],
  ['GreaterThanEquals', '>='],
  ['LessThan', '<'],
  ['GreaterThan', '>'],
  ['Matches', 'matches'],
];

const KINDS = ['String', 'Numeric', 'Boolean', 'Timestamp'];

const TESTS: Record<string, string> = {
  IsPresent: 'present',
  IsNull: 'null',
  IsString: 'a string',
  IsNumeric: 'numeric',
  IsBoolean: 'a boolean',
  IsTimestamp: 'a timestamp',
};

export function describeCondition(rule: Record<string, unknown>): string {
  if (typeof rule.Condition === 'string') return rule.Condition.replace(/^\{%\s*|\s*%\}$/g, '');
  if (Array.isArray(rule.And)) return rule.And.map((r) => group(r as Record<string, unknown>)).join(' and ');
  if (Array.isArray(rule.Or)) return rule.Or.map((r) => group(r as Record<string, unknown>)).join(' or ');
  if (rule.Not && typeof rule.Not === 'object') return `not (${describeCondition(rule.Not as Record<string, unknown>)})`;
  const variable = String(rule.Variable ?? '$');
  for (const [key, value] of Object.entries(rule)) {
    const test = TESTS[key];
    if (test) return `${variable} is ${value === true ? '' : 'not '}${test}`;
    const comparison = comparisonOf(key);
    if (comparison) return `${variable} ${comparison.operator} ${comparison.isPath ? String(value) : JSON.stringify(value)}`;
  }
  return 'condition';
}

function group(rule: Record<string, unknown>): string {
  const text = describeCondition(rule);
  return rule.And || rule.Or ? `(${text})` : text;
}

function comparisonOf(key: string): { operator: string; isPath: boolean } | undefined {
  const isPath = key.endsWith('Path');
  const bare = isPath ? key.slice(0, -'Path'.length) : key;
  const kind = KINDS.find((k) => bare.startsWith(k));
  if (!kind) return undefined;
  const operator = COMPARISONS.find(([suffix]) => bare === kind + suffix)?.[1];
  return operator ? { operator, isPath } : undefined;
}
