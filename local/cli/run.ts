/**
 * Runs one `odooctl` command: parse, call the API, print. Everything it touches outside (network,
 * files, output, clock) comes in through `CliIo`, so the whole command can run inside a test.
 */
import type { ChangeEvent, Operation, Tenant } from '#shared/domain/types.ts';
import { createBodyFromFlags, parseCli, usage, UsageError, type Command } from './args.ts';
import { CliError, createApiClient, type ApiAnswer, type ApiCall, type ApiClient } from './api-client.ts';
import type { CloudInventory, TenantResource } from '#local/sim/inventory.ts';
import { formatApiError, formatChanges, formatOperation, formatStarted, formatTenant, formatTenantList } from './format.ts';
import { formatCloudSummary, formatFaultRules, formatTenantInventory } from './format-cloud.ts';
import { releaseCall, renderRelease } from './release-commands.ts';
import { isDrillCommand } from './drill-args.ts';
import { drillAnswerExitCode, drillCall, isMultiCallDrillCommand, renderDrill, runDrillCommand } from './drill-commands.ts';
import { isFailoverCommand } from './failover-args.ts';
import { failoverAnswerExitCode, failoverCall, isFailoverWatchCommand, renderFailover, runFailoverWatch } from './failover-commands.ts';
import { watchOperation } from './watch.ts';
import { watchRelease } from './watch-release.ts';
import type { Release } from '#shared/domain/release-types.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
  readFile(path: string): Promise<string>;
  sleep(ms: number): Promise<void>;
  /** A fresh Idempotency-Key for a write that was given none. */
  newKey(): string;
}

async function readJson(readFile: CliIo['readFile'], path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path);
  } catch (err) {
    throw new CliError(`Cannot read ${path}: ${(err as Error).message}`, 2);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path} is not JSON: ${(err as Error).message}`, 2);
  }
}

const tenantPath = (id: string) => `/v1/tenants/${encodeURIComponent(id)}`;

/** The API call a command makes (reading the files it names). */
export async function callFor(command: Exclude<Command, { kind: 'help' }>, io: Pick<CliIo, 'readFile' | 'newKey'>): Promise<ApiCall> {
  switch (command.kind) {
    case 'tenants create':
      return {
        method: 'POST',
        path: '/v1/tenants',
        body: command.file ? await readJson(io.readFile, command.file) : createBodyFromFlags(command.flags),
        headers: { 'idempotency-key': command.idempotencyKey ?? io.newKey() },
      };
    case 'tenants get':
      return { method: 'GET', path: tenantPath(command.tenantId) };
    case 'tenants list':
      return { method: 'GET', path: '/v1/tenants', query: command.query };
    case 'tenants delete':
      return { method: 'DELETE', path: tenantPath(command.tenantId), headers: { 'idempotency-key': command.idempotencyKey ?? io.newKey() } };
    case 'tenants changes':
      return { method: 'GET', path: `${tenantPath(command.tenantId)}/changes`, query: command.query };
    case 'operations get':
    case 'operations watch':
      return { method: 'GET', path: `/v1/operations/${encodeURIComponent(command.operationId)}` };
    case 'cloud inventory':
      return { method: 'GET', path: '/_local/cloud', query: { tenant: command.tenantId } };
    case 'faults set': {
      const rules = await readJson(io.readFile, command.file);
      return { method: 'POST', path: '/_local/faults', body: Array.isArray(rules) ? { rules } : rules };
    }
    case 'faults clear':
      return { method: 'DELETE', path: '/_local/faults' };
    case 'faults list':
      return { method: 'GET', path: '/_local/faults' };
    default:
      if (isDrillCommand(command)) return drillCall(command, io);
      if (isFailoverCommand(command)) return failoverCall(command, io);
      return releaseCall(command, { readJson: (path) => readJson(io.readFile, path), newKey: io.newKey });
  }
}

/** The readable form of a successful answer. */
export function render(command: Exclude<Command, { kind: 'help' }>, body: unknown): string {
  switch (command.kind) {
    case 'tenants create':
    case 'tenants delete':
      return formatStarted(body as { tenant: Tenant; operation: Operation });
    case 'tenants get':
      return formatTenant(body as Tenant);
    case 'tenants list':
      return formatTenantList(body as { items: Tenant[]; nextCursor?: string | null });
    case 'tenants changes':
      return formatChanges(body as { items: ChangeEvent[]; nextCursor?: string | null });
    case 'operations get':
    case 'operations watch':
      return formatOperation(body as Operation);
    case 'cloud inventory':
      return command.tenantId ? formatTenantInventory(body as { tenantId: string; resources: TenantResource[] }) : formatCloudSummary(body as CloudInventory);
    case 'faults set':
    case 'faults list':
      return formatFaultRules(body as { rules?: [] });
    case 'faults clear':
      return 'Fault rules cleared.';
    default:
      if (isFailoverCommand(command)) return renderFailover(command, body);
      return isDrillCommand(command) ? renderDrill(command, body) : renderRelease(command, body);
  }
}

function refused(answer: ApiAnswer, call: ApiCall): CliError {
  const lines = [formatApiError(answer.status, answer.body)];
  const key = call.headers?.['idempotency-key'];
  if (answer.status >= 500 && key) {
    lines.push(`The request may be partly done. Run it again with --idempotency-key ${key} to finish it without starting anything twice.`);
  }
  return new CliError(lines.join('\n'), answer.status < 500 ? 2 : 1);
}

async function send(api: ApiClient, call: ApiCall): Promise<unknown> {
  const answer = await api(call);
  if (answer.status >= 400) throw refused(answer, call);
  return answer.body;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const { globals, command } = parseCli(argv, io.env);
    if (command.kind === 'help') {
      io.out(usage());
      return 0;
    }
    const api = createApiClient(globals, { fetch: io.fetch, sleep: io.sleep, env: io.env });
    if (isMultiCallDrillCommand(command)) {
      return await runDrillCommand(command, { send: (c) => send(api, c), out: io.out, sleep: io.sleep, newKey: io.newKey, json: globals.json });
    }
    if (isFailoverWatchCommand(command)) {
      return await runFailoverWatch(command, { send: (c) => send(api, c), out: io.out, sleep: io.sleep, newKey: io.newKey, json: globals.json });
    }
    const call = await callFor(command, io);
    if (command.kind === 'operations watch') {
      let last: Operation | undefined;
      const code = await watchOperation({
        fetchOperation: async () => (last = (await send(api, call)) as Operation),
        print: (line) => (globals.json ? undefined : io.out(line)),
        sleep: io.sleep,
      });
      if (globals.json) io.out(JSON.stringify(last, null, 2));
      return code;
    }
    if (command.kind === 'releases watch') {
      let last: Release | undefined;
      const code = await watchRelease({
        fetchRelease: async () => (last = ((await send(api, call)) as { release: Release }).release),
        print: (line) => (globals.json ? undefined : io.out(line)),
        sleep: io.sleep,
      });
      if (globals.json) io.out(JSON.stringify(last, null, 2));
      return code;
    }
    const body = await send(api, call);
    io.out(globals.json ? JSON.stringify(body, null, 2) : render(command, body));
    if (isFailoverCommand(command)) return failoverAnswerExitCode(command, body);
    return isDrillCommand(command) ? drillAnswerExitCode(command, body) : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\nRun odooctl --help for the commands.`);
      return 2;
    }
    if (err instanceof CliError) {
      io.err(err.message);
      return err.exitCode;
    }
    throw err;
  }
}
