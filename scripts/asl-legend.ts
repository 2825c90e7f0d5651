/**
 * The legend printed under a workflow diagram: what each Retry policy does, which errors a named
 * error set stands for, and where a Catch leaves the error. Read from the same ASL as the diagram.
 */
import { catchersOf, describeErrors, retriersOf, TRANSIENT_ERROR_SET, type AslMachine, type AslNode, type AslRetrier, type MermaidOptions } from './asl-mermaid.ts';

export function aslLegend(asl: AslMachine, options: MermaidOptions = {}): string[] {
  const errorSets = options.errorSets ?? [TRANSIENT_ERROR_SET];
  const states = allStates(asl);
  const retries = new Set<string>();
  const catches = new Map<string, Set<string>>();
  const errorLists: string[][] = [];
  for (const state of states) {
    for (const retrier of retriersOf(state)) {
      retries.add(`- \`retry ${describeErrors(retrier.ErrorEquals, errorSets)}\`: ${describeRetry(retrier)}.`);
      errorLists.push(retrier.ErrorEquals);
    }
    for (const catcher of catchersOf(state)) {
      const errors = describeErrors(catcher.ErrorEquals, errorSets);
      const kept = catches.get(errors) ?? new Set<string>();
      catches.set(errors, kept.add(describeResultPath(catcher.ResultPath)));
      errorLists.push(catcher.ErrorEquals);
    }
  }
  const namedSets = errorSets.filter((set) => errorLists.some((list) => set.errors.every((e) => list.includes(e))));
  return [
    ...retries,
    ...namedSets.map((set) => `- *${set.label}*${set.source ? ` (\`${set.source}\`)` : ''}: ${set.errors.map((e) => `\`${e}\``).join(', ')}.`),
    ...[...catches].map(([errors, kept]) => `- \`catch ${errors}\`: ${describeCatch(errors)}, ${[...kept].join(' or ')}.`),
    ...(errorLists.some((list) => list.includes('States.ALL'))
      ? ['- `States.ALL` matches any error; a state tries its catches in order, so a named error takes its own edge first.']
      : []),
    ...(states.some((s) => s.Type === 'Choice') ? ["- `otherwise`: the Choice state's default, taken when no rule matches."] : []),
    ...(states.some((s) => s.Type === 'Parallel')
      ? ['- Regions separated by a dashed line inside a frame are the branches of a Parallel state; they run concurrently.']
      : []),
  ];
}

function describeRetry(r: AslRetrier): string {
  const attempts = r.MaxAttempts ?? 3;
  if (attempts === 0) return 'never retried';
  const interval = r.IntervalSeconds ?? 1;
  const backoff = r.BackoffRate ?? 2;
  const growth = backoff === 1 ? 'every time' : `then ×${backoff} each time`;
  const cap = r.MaxDelaySeconds === undefined ? '' : ` up to ${r.MaxDelaySeconds} s`;
  const jitter = r.JitterStrategy === 'FULL' ? ', with full jitter' : '';
  return `retried up to ${attempts} times, ${interval} s after the first failure, ${growth}${cap}${jitter}`;
}

function describeCatch(errors: string): string {
  const what = errors === 'States.ALL' ? 'any other error' : errors;
  return `when the state fails with ${what}, after any retries, execution goes along this edge`;
}

function describeResultPath(path: string | null | undefined): string {
  if (path === null) return 'with the error discarded';
  if (path === undefined || path === '$') return 'with the error as the whole state';
  return `with the error kept at \`${path}\``;
}

function allStates(asl: AslMachine): AslNode[] {
  return Object.values(asl.States).flatMap((state) => {
    const children = [
      ...(Array.isArray(state.Branches) ? (state.Branches as AslMachine[]) : []),
      ...([state.ItemProcessor, state.Iterator].filter(Boolean) as AslMachine[]),
    ];
    return [state, ...children.flatMap(allStates)];
  });
}
