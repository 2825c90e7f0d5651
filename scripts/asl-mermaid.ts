/**
 * Draws a state machine's Amazon States Language definition as a Mermaid `stateDiagram-v2`, so the
 * documented workflow is read from what is deployed rather than from the code that builds it.
 * Parallel states become composite states (one region per branch), Choice rules and Catch
 * policies label their edges, and Retry policies and Wait times are written inside the state box.
 */
import { LAMBDA_TRANSIENT_ERRORS, TRANSIENT_ERRORS } from '#shared/lib/transient-errors.ts';
import { describeCondition, type AslChoiceRule } from './asl-conditions.ts';

export interface AslMachine {
  StartAt: string;
  States: Record<string, AslNode>;
}

export interface AslNode {
  Type: string;
  Next?: unknown;
  End?: unknown;
  Default?: unknown;
  Choices?: unknown;
  Retry?: unknown;
  Catch?: unknown;
  Branches?: unknown;
  [k: string]: unknown;
}

export interface AslRetrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}

export interface AslCatcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

/** A list of error names that diagrams name in a word instead of listing. */
export interface ErrorSet {
  readonly label: string;
  readonly errors: readonly string[];
  /** Where the list is kept, for the legend. */
  readonly source?: string;
}

/** The errors every workflow task retries (`statemachines/policies.ts` builds its Retry from them). */
export const TRANSIENT_ERROR_SET: ErrorSet = {
  label: 'transient errors',
  errors: [...TRANSIENT_ERRORS, ...LAMBDA_TRANSIENT_ERRORS],
  source: 'shared/lib/transient-errors.ts',
};

export interface MermaidOptions {
  /** Error lists named in a word on edges and in boxes; by default the transient errors. */
  readonly errorSets?: readonly ErrorSet[];
}

const INDENT = '    ';

export function aslToMermaid(asl: AslMachine, options: MermaidOptions = {}): string {
  const errorSets = options.errorSets ?? [TRANSIENT_ERROR_SET];
  const ids = new StateIds();
  const lines = ['stateDiagram-v2', ...renderScope(asl, 1, ids, errorSets)];
  return `${lines.join('\n')}\n`;
}

/**
 * Names the errors of a Retry or Catch: a whole named set is replaced by its label, the rest are
 * listed in their ASL order.
 */
export function describeErrors(errors: readonly string[], errorSets: readonly ErrorSet[] = [TRANSIENT_ERROR_SET]): string {
  let rest = [...errors];
  const parts: string[] = [];
  for (const set of errorSets) {
    if (set.errors.length > 0 && set.errors.every((e) => rest.includes(e))) {
      parts.push(set.label);
      rest = rest.filter((e) => !set.errors.includes(e));
    }
  }
  return [...parts, ...rest].join(', ');
}

export function retriersOf(state: AslNode): AslRetrier[] {
  return Array.isArray(state.Retry) ? (state.Retry as AslRetrier[]) : [];
}

export function catchersOf(state: AslNode): AslCatcher[] {
  return Array.isArray(state.Catch) ? (state.Catch as AslCatcher[]) : [];
}

function renderScope(machine: AslMachine, depth: number, ids: StateIds, errorSets: readonly ErrorSet[]): string[] {
  const pad = INDENT.repeat(depth);
  const id = (name: string) => ids.of(name);
  const lines = [`${pad}[*] --> ${id(machine.StartAt)}`];
  for (const name of flowOrder(machine)) {
    const state = machine.States[name]!;
    const sid = id(name);
    const descriptions = describeState(state, errorSets);
    if (childMachines(state).length > 0) {
      // Mermaid gives a composite state a title only, so what would be its description joins it.
      const title = descriptions.length > 0 ? `${name} (${descriptions.join('; ')})` : name;
      if (title !== sid) lines.push(`${pad}state "${escapeTitle(title)}" as ${sid}`);
    } else {
      // A box with a description shows only that description unless it also has a title of its own.
      if (sid !== name || descriptions.length > 0) lines.push(`${pad}state "${escapeTitle(name)}" as ${sid}`);
      for (const text of descriptions) lines.push(`${pad}${sid} : ${escapeLabel(text)}`);
    }
    lines.push(...renderChildren(state, sid, depth, ids, errorSets));
    for (const edge of edgesOf(state, errorSets)) {
      const target = edge.to === null ? '[*]' : id(edge.to);
      lines.push(`${pad}${sid} --> ${target}${edge.label ? ` : ${escapeLabel(edge.label)}` : ''}`);
    }
  }
  return lines;
}

function renderChildren(state: AslNode, sid: string, depth: number, ids: StateIds, errorSets: readonly ErrorSet[]): string[] {
  const pad = INDENT.repeat(depth);
  const regions = childMachines(state);
  if (regions.length === 0) return [];
  const inner = regions.map((branch) => renderScope(branch, depth + 1, ids, errorSets));
  const separated = inner.flatMap((branch, i) => (i === 0 ? branch : [`${pad}${INDENT}--`, ...branch]));
  return [`${pad}state ${sid} {`, ...separated, `${pad}}`];
}

function childMachines(state: AslNode): AslMachine[] {
  if (state.Type === 'Parallel' && Array.isArray(state.Branches)) return state.Branches as AslMachine[];
  if (state.Type === 'Map') {
    const processor = (state.ItemProcessor ?? state.Iterator) as AslMachine | undefined;
    return processor ? [processor] : [];
  }
  return [];
}

function describeState(state: AslNode, errorSets: readonly ErrorSet[]): string[] {
  const lines: string[] = [];
  if (state.Type === 'Wait') lines.push(describeWait(state));
  if (state.Type === 'Task') lines.push(...describeIntegration(state));
  if (state.Type === 'Map' && typeof state.ItemsPath === 'string') lines.push(`for each item of ${state.ItemsPath}`);
  if (state.Type === 'Fail' && typeof state.Error === 'string') lines.push(`error ${state.Error}`);
  for (const retrier of retriersOf(state)) lines.push(`retry ${describeErrors(retrier.ErrorEquals, errorSets)}`);
  return lines;
}

/** What a Task that is not a plain Lambda invoke does: run or start an execution, or wait for a task token. */
function describeIntegration(state: AslNode): string[] {
  const resource = typeof state.Resource === 'string' ? state.Resource : '';
  const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
  if (/:states:::states:startExecution\.sync/.test(resource)) {
    const machine = String(parameters.StateMachineArn ?? '').split(':stateMachine:')[1];
    return [`child execution of ${machine ?? 'a state machine'}`];
  }
  if (/:states:::states:startExecution$/.test(resource)) {
    const machine = String(parameters.StateMachineArn ?? '').split(':stateMachine:')[1];
    return [`starts ${machine ?? 'a state machine'}, does not wait`];
  }
  if (/\.waitForTaskToken$/.test(resource)) {
    const timeout = typeof state.TimeoutSeconds === 'number' ? `, at most ${describeSeconds(state.TimeoutSeconds)}` : '';
    return [`waits for a task token${timeout}`];
  }
  return [];
}

function describeSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${seconds} s`;
}

function describeWait(state: AslNode): string {
  if (typeof state.Seconds === 'number') return `wait ${state.Seconds} s`;
  if (typeof state.SecondsPath === 'string') return `wait ${state.SecondsPath} s`;
  if (typeof state.Timestamp === 'string') return `wait until ${state.Timestamp}`;
  if (typeof state.TimestampPath === 'string') return `wait until ${state.TimestampPath}`;
  return 'wait';
}

interface Edge {
  /** `null` is the end of the (sub-)machine. */
  to: string | null;
  label?: string;
}

function edgesOf(state: AslNode, errorSets: readonly ErrorSet[]): Edge[] {
  const edges: Edge[] = [];
  if (typeof state.Next === 'string') edges.push({ to: state.Next });
  if (state.End === true || state.Type === 'Succeed' || state.Type === 'Fail') edges.push({ to: null });
  if (state.Type === 'Choice') {
    for (const rule of (state.Choices as AslChoiceRule[] | undefined) ?? []) edges.push({ to: rule.Next, label: describeCondition(rule) });
    if (typeof state.Default === 'string') edges.push({ to: state.Default, label: 'otherwise' });
  }
  for (const catcher of catchersOf(state)) edges.push({ to: catcher.Next, label: `catch ${describeErrors(catcher.ErrorEquals, errorSets)}` });
  return edges;
}

/** States in the order a reader follows them: the main path first, then the branches off it. */
function flowOrder(machine: AslMachine): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !(name in machine.States)) return;
    seen.add(name);
    for (const edge of edgesOf(machine.States[name]!, [])) if (edge.to !== null) visit(edge.to);
  };
  visit(machine.StartAt);
  for (const name of Object.keys(machine.States)) visit(name);
  return [...seen];
}

/**
 * Mermaid state ids: letters, digits and underscores, not starting with a keyword the Mermaid
 * lexer would take first (`default`, `state`, ...). Distinct names that clean up to the same id
 * are told apart by a numeric suffix, given in the order the states are drawn.
 */
class StateIds {
  private readonly byName = new Map<string, string>();
  private readonly taken = new Set<string>();

  of(name: string): string {
    const known = this.byName.get(name);
    if (known) return known;
    const base = sanitizeId(name);
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.byName.set(name, id);
    this.taken.add(id);
    return id;
  }
}

const KEYWORD_PREFIX = /^(default|state$|note$|class$|classdef$|scale$|direction$|end$)/i;

export function sanitizeId(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (id === '' || /^[0-9]/.test(id) || KEYWORD_PREFIX.test(id)) id = `s_${id}`;
  return id;
}

/**
 * Mermaid ends a label at a colon, semicolon or newline, ends a title at a double quote, and does
 * not decode entity codes in state diagrams: those characters are drawn with lookalikes (ratio,
 * Greek question mark, double prime). A `<` that could open an HTML tag is spaced apart from it.
 */
function escapeLabel(text: string): string {
  return noTags(text).replace(/[:;\n]/g, (c) => LOOKALIKE[c]!);
}

function escapeTitle(text: string): string {
  return noTags(text).replace(/["\n]/g, (c) => LOOKALIKE[c]!);
}

function noTags(text: string): string {
  return text.replace(/<(?=[A-Za-z/!?])/g, '< ');
}

const LOOKALIKE: Record<string, string> = { ':': '\u2236', ';': '\u037E', '"': '\u02BA', '\n': ' ' };
