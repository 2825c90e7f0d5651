/**
 * Stand-in handlers for running the synthesized release machines without their real handlers:
 * each step answers as the design says it does, from a script the test sets. Calls are kept in
 * `globalThis`, since the runner imports this module by file URL and the test may hold another
 * instance of it.
 */
export interface StubCall {
  step: string;
  executionArn: string;
  state: Record<string, unknown>;
  taskToken?: string;
}

export interface StubScript {
  /** Per wave: the layout StartWave stores (it returns the numbers, LoadBatch the ids). */
  waves: Record<number, { maxConcurrency: number; slots: Array<{ slot: number; batches: Array<{ batch: number; tenantIds: string[] }> }> }>;
  /** Per batch (`w<wave>-s<slot>-b<batch>`): how many times LoadBatch fails before it answers. */
  loadFailures?: Record<string, number>;
  /** FinishRelease's statuses in turn (the last one repeats); default SUCCEEDED. */
  finish?: string[];
  /** Per tenant: the gate's answers in turn (the last one repeats); default start. */
  gate?: Record<string, Array<'start' | 'wait' | 'skip'>>;
  /** Per tenant: the verdicts in turn (the last one repeats); default pass. */
  verdicts?: Record<string, Array<'pass' | 'fail' | 'inconclusive' | 'extend'>>;
}

const shared = globalThis as unknown as { releaseStubCalls?: StubCall[]; releaseStubScript?: StubScript };
export const stubCalls: StubCall[] = (shared.releaseStubCalls ??= []);
export function setStubScript(script: StubScript): void {
  shared.releaseStubScript = script;
}

const soon = (ms = 30) => new Date(Date.now() + ms).toISOString();

function nth<T>(list: T[] | undefined, calls: number, fallback: T): T {
  if (!list || list.length === 0) return fallback;
  return list[Math.min(calls, list.length - 1)] as T;
}

/** Steps that end a tenant's verdict execution. */
const VERDICT_ENDINGS = new Set(['CompleteTenant', 'MarkRolledBack', 'MarkRollbackFailed', 'RecordVerdictCrash']);

export const handler = async (event: { step: string; executionArn: string; state: Record<string, unknown>; taskToken?: string }): Promise<unknown> => {
  const script = shared.releaseStubScript!;
  const previous = stubCalls.filter((c) => c.step === event.step && c.state.tenantId === event.state.tenantId && c.state.releaseId === event.state.releaseId).length;
  stubCalls.push({ step: event.step, executionArn: event.executionArn, state: event.state, taskToken: event.taskToken });
  const tenantId = String(event.state.tenantId ?? '');
  switch (event.step) {
    case 'ValidateRelease':
      return { ok: true, rehearsals: [0, 1].map((index) => ({ moduleSetKey: `set-${index}`, tenantId: `rep-${index}`, index })) };
    case 'EvaluateRehearsals':
      return { proceed: true, waves: Object.keys(script.waves).map(Number) };
    case 'StartWave': {
      const wave = script.waves[Number(event.state.wave)]!;
      return { maxConcurrency: wave.maxConcurrency, slots: wave.slots.map((s) => ({ slot: s.slot, batches: s.batches.map((b) => b.batch) })) };
    }
    case 'LoadBatch': {
      const { wave, slot, batch } = event.state as { wave: number; slot: number; batch: number };
      const key = `w${wave}-s${slot}-b${batch}`;
      const loads = stubCalls.filter((c) => c.step === 'LoadBatch' && c.state.releaseId === event.state.releaseId && `w${String(c.state.wave)}-s${String(c.state.slot)}-b${String(c.state.batch)}` === key).length;
      if (loads <= (script.loadFailures?.[key] ?? 0)) throw Object.assign(new Error(`batch ${key} could not be loaded`), { name: 'BatchUnavailable' });
      return [script.waves[wave]!.slots.find((s) => s.slot === slot)!.batches.find((b) => b.batch === batch)!.tenantIds];
    }
    case 'AwaitVerdicts': {
      // Settled once every tenant of the release that cut over has ended its verdict execution's path.
      const ofRelease = stubCalls.filter((c) => c.state.releaseId === event.state.releaseId);
      const cutOver = new Set(ofRelease.filter((c) => c.step === 'RollToNewImage').map((c) => String(c.state.tenantId)));
      const ended = new Set(ofRelease.filter((c) => VERDICT_ENDINGS.has(c.step)).map((c) => String(c.state.tenantId)));
      const pending = [...cutOver].filter((t) => !ended.has(t)).length;
      return pending === 0 ? { settled: true, pending } : { settled: false, pending, waitUntil: soon() };
    }
    case 'FinishRelease': {
      const previousFinishes = stubCalls.filter((c) => c.step === 'FinishRelease' && c.executionArn === event.executionArn).length - 1;
      return { status: nth(script.finish, previousFinishes, 'SUCCEEDED') };
    }
    case 'GateTenant': {
      const action = nth(script.gate?.[tenantId], previous, 'start' as const);
      if (action === 'wait') return { action, waitUntil: soon() };
      return action === 'start' ? { action, operationId: `op-${tenantId}` } : { action };
    }
    case 'Preflight':
      return { ok: true };
    case 'RollToNewImage':
      return { ready: true, bakeUntil: soon() };
    case 'JudgeBake': {
      const outcome = nth(script.verdicts?.[tenantId], previous, 'pass' as const);
      return outcome === 'extend' ? { outcome, bakeUntil: soon() } : { outcome };
    }
    case 'PlanRollback':
      return { restoreDatabase: true, needsDecision: false };
    case 'CheckRehearsal':
      return { passed: true, upgradeSeconds: 60 };
    case 'EnterMaintenance':
    case 'EnterRollbackMaintenance':
    case 'TakePreChangeCopy':
    case 'RunUpgradeJob':
    case 'RestoreDatabase':
    case 'RevertImage':
    case 'PrepareRehearsalCopy':
    case 'RunRehearsalUpgrade':
    case 'TearDownRehearsal':
      return { ready: true };
    default:
      return {};
  }
};
