/**
 * A lifecycle as one table of rows (state x event -> state, with an optional guard), and what is
 * derived from it: the transition function, the events each state accepts, its terminal states and
 * its Mermaid diagram. The tenant, release and per-tenant release outcome tables are built on it, so their
 * rules, refusals and pictures come from the same rows.
 */

export interface TableGuard<C> {
  /** Short text shown on the diagram's edges. */
  label: string;
  description: string;
  /** Why the transition is refused, or null when the guard lets it through. */
  refusal(ctx: C): string | null;
}

export interface TableTransition<S extends string, E extends string, G extends string> {
  from: S;
  event: E;
  to: S;
  guard?: G;
}

export type TableResult<S extends string, G extends string> = { ok: true; to: S } | { ok: false; reason: string; guard?: G };

export interface TransitionTableSpec<S extends string, E extends string, G extends string, C> {
  /** Used in refusals: `unknown release state X`. */
  noun: string;
  /** Used in refusals: `Paused is not allowed while the release is PLANNED`. */
  subject: string;
  states: readonly S[];
  events: readonly E[];
  guards: Readonly<Record<G, TableGuard<C>>>;
  transitions: readonly TableTransition<S, E, G>[];
  /** A state that stands for "no record yet"; drawn as the initial pseudo state `[*]`. */
  pseudoInitial?: S;
  /** States a record is created in without an event; drawn as `[*] --> state`. */
  initialStates?: readonly S[];
}

export interface TransitionTable<S extends string, E extends string, G extends string, C> {
  readonly spec: TransitionTableSpec<S, E, G, C>;
  transition(state: S, event: E, ctx: C): TableResult<S, G>;
  /** Events the table accepts in a state, before guards are checked, in table order. */
  allowedEvents(state: S): E[];
  /** States no event leaves. */
  isTerminal(state: S): boolean;
  /** Mermaid `stateDiagram-v2`; guards appear in brackets after the event. */
  mermaid(): string;
}

export function transitionTable<S extends string, E extends string, G extends string, C>(
  spec: TransitionTableSpec<S, E, G, C>,
): TransitionTable<S, E, G, C> {
  checkTable(spec);
  const byStateAndEvent = new Map(spec.transitions.map((t) => [`${t.from}|${t.event}`, t]));
  const allowedEvents = (state: S): E[] => spec.transitions.filter((t) => t.from === state).map((t) => t.event);
  const isTerminal = (state: S): boolean => spec.states.includes(state) && allowedEvents(state).length === 0;

  function notAllowedReason(state: S, event: E): string {
    const allowed = allowedEvents(state);
    if (allowed.length === 0) return `${event} is not allowed: ${state} is a terminal state and no event leaves it`;
    return `${event} is not allowed while ${spec.subject} is ${state} (allowed: ${allowed.join(', ')})`;
  }

  return {
    spec,
    allowedEvents,
    isTerminal,
    transition(state, event, ctx) {
      if (!spec.states.includes(state)) return { ok: false, reason: `unknown ${spec.noun} state ${String(state)}` };
      if (!spec.events.includes(event)) return { ok: false, reason: `unknown ${spec.noun} event ${String(event)}` };
      const rule = byStateAndEvent.get(`${state}|${event}`);
      if (!rule) return { ok: false, reason: notAllowedReason(state, event) };
      if (rule.guard) {
        const refusal = spec.guards[rule.guard].refusal(ctx);
        if (refusal) return { ok: false, reason: `${event} refused while ${spec.subject} is ${state}: ${refusal}`, guard: rule.guard };
      }
      return { ok: true, to: rule.to };
    },
    mermaid() {
      const node = (s: S) => (s === spec.pseudoInitial ? '[*]' : s);
      const lines = ['stateDiagram-v2'];
      for (const s of spec.initialStates ?? []) lines.push(`    [*] --> ${s}`);
      for (const t of spec.transitions) {
        const guard = t.guard ? ` [${spec.guards[t.guard].label}]` : '';
        lines.push(`    ${node(t.from)} --> ${node(t.to)} : ${t.event}${guard}`);
      }
      for (const s of spec.states) if (s !== spec.pseudoInitial && isTerminal(s)) lines.push(`    ${s} --> [*]`);
      return lines.join('\n') + '\n';
    },
  };
}

/** A table that names an unknown state or event, or has two rows for one pair, is a bug: fail at load. */
function checkTable<S extends string, E extends string, G extends string, C>(spec: TransitionTableSpec<S, E, G, C>): void {
  const seen = new Set<string>();
  for (const t of spec.transitions) {
    const pair = `${t.from}|${t.event}`;
    if (seen.has(pair)) throw new Error(`${spec.noun} table: two rows for ${pair}`);
    seen.add(pair);
    if (!spec.states.includes(t.from) || !spec.states.includes(t.to)) throw new Error(`${spec.noun} table: unknown state in ${pair} -> ${t.to}`);
    if (!spec.events.includes(t.event)) throw new Error(`${spec.noun} table: unknown event ${t.event}`);
    if (t.guard && !(t.guard in spec.guards)) throw new Error(`${spec.noun} table: unknown guard ${t.guard}`);
  }
}
