/**
 * Handler module for the runner's own tests: what each state does is chosen by its step name, and
 * every event is kept in a list shared through `globalThis`, since the runner imports this module
 * by file URL and the test file may hold a second instance of it.
 */
interface FixtureEvent {
  step?: string;
  state?: Record<string, unknown>;
  taskToken?: string;
}

const shared = globalThis as unknown as { runnerFixtureEvents?: FixtureEvent[] };
export const receivedEvents: FixtureEvent[] = (shared.runnerFixtureEvents ??= []);

export const handler = async (event: FixtureEvent): Promise<unknown> => {
  receivedEvents.push(event);
  switch (event.step) {
    case 'Double':
      return { doubled: Number(event.state?.n ?? 0) * 2 };
    case 'Explode':
      throw Object.assign(new Error('the handler refused'), { name: 'HandlerRefused' });
    default:
      return { seen: event.step ?? null };
  }
};
