import { describe, it, expect } from 'vitest';
import { transitionTable, type TransitionTableSpec } from '#shared/domain/transition-table.ts';

type Light = 'OFF' | 'ON' | 'BROKEN';
type Switch = 'Flip' | 'Smash';

const spec: TransitionTableSpec<Light, Switch, 'hasPower', { volts?: number }> = {
  noun: 'lamp',
  subject: 'the lamp',
  states: ['OFF', 'ON', 'BROKEN'],
  events: ['Flip', 'Smash'],
  guards: {
    hasPower: { label: 'has power', description: 'mains is on', refusal: (ctx) => (ctx.volts ? null : 'no power') },
  },
  transitions: [
    { from: 'OFF', event: 'Flip', to: 'ON', guard: 'hasPower' },
    { from: 'ON', event: 'Flip', to: 'OFF' },
    { from: 'ON', event: 'Smash', to: 'BROKEN' },
  ],
  initialStates: ['OFF'],
};

describe('transitionTable', () => {
  it('applies a row, its guard, and refuses what the table does not hold', () => {
    // Prepare
    const lamp = transitionTable(spec);

    // Act
    const lit = lamp.transition('OFF', 'Flip', { volts: 230 });
    const dark = lamp.transition('OFF', 'Flip', {});
    const notHeld = lamp.transition('OFF', 'Smash', {});
    const terminal = lamp.transition('BROKEN', 'Flip', {});

    // Assess
    expect(lit).toEqual({ ok: true, to: 'ON' });
    expect(dark).toEqual({ ok: false, guard: 'hasPower', reason: 'Flip refused while the lamp is OFF: no power' });
    expect(notHeld).toEqual({ ok: false, reason: 'Smash is not allowed while the lamp is OFF (allowed: Flip)' });
    expect(terminal).toEqual({ ok: false, reason: 'Flip is not allowed: BROKEN is a terminal state and no event leaves it' });
  });

  it('draws the initial states, the rows with their guards and the terminal states', () => {
    expect(transitionTable(spec).mermaid()).toBe(
      [
        'stateDiagram-v2',
        '    [*] --> OFF',
        '    OFF --> ON : Flip [has power]',
        '    ON --> OFF : Flip',
        '    ON --> BROKEN : Smash',
        '    BROKEN --> [*]',
        '',
      ].join('\n'),
    );
  });

  it('refuses at load a table with two rows for one pair, or naming an unknown state, event or guard', () => {
    const row = spec.transitions[1]!;

    expect(() => transitionTable({ ...spec, transitions: [...spec.transitions, row] })).toThrow('lamp table: two rows for ON|Flip');
    expect(() => transitionTable({ ...spec, transitions: [{ from: 'ON', event: 'Flip', to: 'MELTED' as Light }] })).toThrow('unknown state');
    expect(() => transitionTable({ ...spec, transitions: [{ from: 'ON', event: 'Kick' as Switch, to: 'OFF' }] })).toThrow('unknown event Kick');
    expect(() => transitionTable({ ...spec, transitions: [{ from: 'ON', event: 'Flip', to: 'OFF', guard: 'isDay' as 'hasPower' }] })).toThrow(
      'unknown guard isDay',
    );
  });
});
